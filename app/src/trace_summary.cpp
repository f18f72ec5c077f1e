// SPDX-License-Identifier: MIT
#include "teescope/cli/trace_summary.h"

#include "teescope/cli/process.h"

#include <charconv>

namespace teescope::cli {

namespace {

uint64_t number_after(std::string_view line, std::string_view word)
{
    auto at = line.find(word);
    if (at == std::string_view::npos)
        return 0;
    at += word.size();
    while (at < line.size() && line[at] == ' ')
        ++at;
    uint64_t value = 0;
    std::from_chars(line.data() + at, line.data() + line.size(), value);
    return value;
}

} // namespace

void add_babeltrace_line(TraceSummary &summary, std::string_view line)
{
    // Loss is reported as "WARNING: Tracer discarded 12 events between ..." (or "... packets ...").
    if (line.rfind("WARNING", 0) == 0) {
        auto at = line.find("discarded ");
        if (at != std::string_view::npos) {
            std::string_view rest = line.substr(at + 10);
            uint64_t n = 0;
            auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), n);
            std::string_view unit = ec == std::errc() ? std::string_view(end, rest.data() + rest.size() - end)
                                                      : std::string_view();
            if (unit.rfind(" packet", 0) == 0)
                summary.discarded_packets += n;
            else if (unit.rfind(" event", 0) == 0)
                summary.discarded_events += n;
        }
        return;
    }
    // An event line: "[time] (+delta) host provider:event: { ... }".
    if (line.empty() || line[0] != '[')
        return;
    auto brace = line.find(": {");
    if (brace == std::string_view::npos)
        return;
    auto space = line.rfind(' ', brace);
    if (space == std::string_view::npos)
        return;
    summary.events[std::string(line.substr(space + 1, brace - space - 1))]++;
    summary.total++;
    if (line.find("vpid = ") != std::string_view::npos)
        summary.vpids.insert(number_after(line, "vpid = "));
}

TraceSummary summarize_trace(const std::string &trace_dir)
{
    TraceSummary summary;
    std::string last_error;
    summary.status = run_lines(
        {"babeltrace2", trace_dir}, [&](std::string_view line) { add_babeltrace_line(summary, line); },
        [&](std::string_view line) {
            if (line.rfind("ERROR", 0) == 0 || line.find(" E ") != std::string_view::npos)
                last_error = std::string(line);
            add_babeltrace_line(summary, line);
        });
    if (summary.status != 0)
        summary.error = last_error.empty() ? "babeltrace2 failed" : last_error;
    return summary;
}

void print_summary(std::ostream &out, const TraceSummary &s)
{
    out << s.total << " events from " << s.vpids.size() << " processes";
    if (s.discarded_events || s.discarded_packets)
        out << "; DATA LOSS: " << s.discarded_events << " events and " << s.discarded_packets
            << " packets discarded by the tracer";
    out << "\n";
    for (const auto &[name, count] : s.events)
        out << "  " << count << "\t" << name << "\n";
    if (s.status != 0)
        out << "babeltrace2 exited with " << s.status << ": " << s.error << "\n";
}

} // namespace teescope::cli
