// SPDX-License-Identifier: MIT
#include "chrome_json_writer.h"

#include <cstdio>
#include <map>

namespace teescope::exporter {

namespace {

// A JSON string; trace strings are data, every control character is escaped.
void quoted(std::ostream &out, const std::string &s)
{
    out << '"';
    for (unsigned char c : s) {
        switch (c) {
        case '"': out << "\\\""; break;
        case '\\': out << "\\\\"; break;
        case '\n': out << "\\n"; break;
        case '\t': out << "\\t"; break;
        case '\r': out << "\\r"; break;
        default:
            if (c < 0x20) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", c);
                out << buf;
            } else {
                out << c;
            }
        }
    }
    out << '"';
}

// ns as microseconds with three decimals, exactly (a double would round).
void micros(std::ostream &out, int64_t ns)
{
    if (ns < 0) {
        out << '-';
        ns = -ns;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "%lld.%03lld", static_cast<long long>(ns / 1000), static_cast<long long>(ns % 1000));
    out << buf;
}

void args(std::ostream &out, const Args &list, const StringTable &strings)
{
    out << ",\"args\":{";
    bool first = true;
    for (const Arg &a : list) {
        if (!first)
            out << ',';
        first = false;
        quoted(out, a.name);
        out << ':';
        if (a.is_text())
            quoted(out, strings[uint32_t(a.text)]);
        else
            out << a.number;
    }
    out << '}';
}

// JavaScript readers keep 53 bits of a number: the low half of a flow id is unique in a trace.
uint64_t json_id(uint64_t flow) { return flow & 0xffffffffu; }

} // namespace

void write_chrome_json(const Timeline &t, std::ostream &out)
{
    // JSON viewers key processes by pid: a pid the trace reused gets a number of its own.
    std::vector<int64_t> pid(t.processes.size());
    std::map<int64_t, int> seen;
    for (size_t i = 0; i < t.processes.size(); ++i) {
        const int uses = seen[t.processes[i].pid]++;
        pid[i] = uses == 0 ? t.processes[i].pid : t.processes[i].pid + 10000000LL * uses;
    }
    bool first = true;
    auto next = [&] {
        out << (first ? "\n" : ",\n");
        first = false;
    };
    out << "{\"displayTimeUnit\":\"ns\",\"otherData\":{\"generator\":\"teescope export\",\"first_ts_ns\":\""
        << t.first_ts << "\"},\"traceEvents\":[";
    for (size_t i = 0; i < t.processes.size(); ++i) {
        next();
        out << "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":" << pid[i] << ",\"tid\":" << pid[i]
            << ",\"args\":{\"name\":";
        quoted(out, t.processes[i].name);
        out << "}}";
    }
    for (const Thread &th : t.threads) {
        next();
        out << "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":" << pid[th.process] << ",\"tid\":" << th.tid
            << ",\"args\":{\"name\":";
        quoted(out, th.name);
        out << "}}";
    }
    for (const TimelineEvent &e : t.events) {
        switch (e.kind) {
        case TimelineEvent::Kind::begin: {
            const Slice &s = t.slices[e.index];
            const Thread &th = t.threads[s.thread];
            next();
            out << "{\"name\":";
            quoted(out, t.strings[s.name]);
            out << ",\"cat\":";
            quoted(out, s.category);
            out << ",\"ph\":\"X\",\"ts\":";
            micros(out, s.begin - t.first_ts);
            out << ",\"dur\":";
            micros(out, s.end - s.begin);
            out << ",\"pid\":" << pid[th.process] << ",\"tid\":" << th.tid;
            args(out, t.args[s.args], t.strings);
            out << '}';
            if (const uint64_t f = s.flow_out) {
                next();
                out << "{\"name\":\"request\",\"cat\":\"flow\",\"ph\":\"s\",\"id\":" << json_id(f) << ",\"ts\":";
                micros(out, s.begin - t.first_ts);
                out << ",\"pid\":" << pid[th.process] << ",\"tid\":" << th.tid << '}';
            }
            if (const uint64_t f = s.flow_in) {
                next();
                out << "{\"name\":\"request\",\"cat\":\"flow\",\"ph\":\"f\",\"bp\":\"e\",\"id\":" << json_id(f) << ",\"ts\":";
                micros(out, s.begin - t.first_ts);
                out << ",\"pid\":" << pid[th.process] << ",\"tid\":" << th.tid << '}';
            }
            break;
        }
        case TimelineEvent::Kind::end:
            break;
        case TimelineEvent::Kind::instant: {
            const Instant &i = t.instants[e.index];
            next();
            out << "{\"name\":";
            quoted(out, t.strings[i.name]);
            out << ",\"cat\":";
            quoted(out, i.category);
            out << ",\"ph\":\"i\",\"ts\":";
            micros(out, i.ts - t.first_ts);
            if (i.process == Instant::npos)
                out << ",\"s\":\"g\",\"pid\":0,\"tid\":0";
            else
                out << ",\"s\":\"p\",\"pid\":" << pid[i.process] << ",\"tid\":" << pid[i.process];
            args(out, t.args[i.args], t.strings);
            out << '}';
            break;
        }
        case TimelineEvent::Kind::counter: {
            const Counter &c = t.counters[e.index];
            next();
            out << "{\"name\":";
            quoted(out, c.name);
            out << ",\"ph\":\"C\",\"ts\":";
            micros(out, c.points[e.point].ts - t.first_ts);
            out << ",\"pid\":" << pid[c.process] << ",\"args\":{\"value\":" << c.points[e.point].value << "}}";
            break;
        }
        }
    }
    out << "\n]}\n";
}

} // namespace teescope::exporter
