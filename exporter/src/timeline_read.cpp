// SPDX-License-Identifier: MIT
// Reads processes, threads, invocations, callback requests, releases, exits, data loss and the
// per-process counters of a trace database into a Timeline.
#include "timeline.h"
#include "timeline_order.h"

#include "teescope/store/database.h"
#include "teescope/store/op_names.h"
#include "teescope/store/statement.h"

#include <algorithm>
#include <map>
#include <unordered_map>
#include <unordered_set>

namespace teescope::exporter {

using store::Statement;

namespace {

constexpr int64_t kReleaseOp = 65535;
// Flow ids: one per callback request (its row id), offset so they never collide with ids a
// viewer may already use for another trace's flows.
constexpr uint64_t kFlowBase = uint64_t(0x7ee5c09e) << 32;

std::optional<int64_t> opt_int(const Statement &s, int col)
{
    if (s.null_at(col))
        return std::nullopt;
    return s.int_at(col);
}

std::string rpc_name(int64_t cmd)
{
    switch (cmd) {
    case 0: return "LOAD_TA";
    case 1: return "RPMB";
    case 2: return "FS";
    case 6: return "SHM_ALLOC";
    case 7: return "SHM_FREE";
    case 9: return "GPROF";
    case 10: return "SOCKET";
    case 11: return "FTRACE";
    case 12: return "PLUGIN";
    default: return "cmd " + std::to_string(cmd);
    }
}

// "app.add", "app.release", "app op 7" (no name), "hello_world.increment", "hello_world command 5",
// "hello_world open_session": the op's name (op_names, ta_commands) where it has one.
std::string call_name(const std::string &target, int64_t op, const std::string &call, const std::string &op_name)
{
    if (call == "open_session" || call == "close_session")
        return target + " " + call;
    if (!op_name.empty())
        return target + "." + op_name;
    if (!call.empty())
        return target + " command " + std::to_string(op);
    if (op == kReleaseOp)
        return target + " release";
    return target + " op " + std::to_string(op);
}

// Per-process counters as +/- steps, summed per distinct time.
struct Steps {
    std::vector<std::pair<int64_t, int64_t>> steps;
    void add(int64_t begin, std::optional<int64_t> end, int64_t amount)
    {
        steps.emplace_back(begin, amount);
        if (end)
            steps.emplace_back(*end, -amount);
    }
};

uint32_t add_args(Timeline &t, const Args &args)
{
    t.args.push_back(args);
    return uint32_t(t.args.size() - 1);
}

} // namespace

uint32_t StringTable::intern(const std::string &text)
{
    auto [it, added] = ids_.emplace(text, uint32_t(strings_.size()));
    if (added)
        strings_.push_back(text);
    return it->second;
}

TraceSpan trace_span(const store::Database &db)
{
    TraceSpan span;
    const auto first = db.metadata("first_ts");
    const auto last = db.metadata("last_ts");
    if (first && last && !first->empty() && !last->empty()) {
        span.first_ts = std::stoll(*first);
        span.last_ts = std::stoll(*last);
        return span;
    }
    Statement s(db.handle(), "SELECT MIN(start_ts), MAX(COALESCE(end_ts, start_ts)) FROM processes", db.path());
    if (s.next() && !s.null_at(0)) {
        span.first_ts = s.int_at(0);
        span.last_ts = s.int_at(1);
    }
    return span;
}

Timeline read_timeline(const store::Database &db, const TimeRange &range)
{
    Timeline t;
    const TraceSpan span = trace_span(db);
    t.first_ts = span.first_ts;
    t.last_ts = span.last_ts;
    sqlite3 *h = db.handle();
    const std::string &path = db.path();
    const store::OpNames op_names = store::OpNames::read(h, path);

    std::unordered_map<int64_t, size_t> process_index;
    {
        Statement s(h, "SELECT id, pid, COALESCE(display_name, ''), start_ts, end_ts, end_kind FROM processes ORDER BY id",
                    path);
        while (s.next()) {
            Process p;
            p.id = s.int_at(0);
            p.pid = s.int_at(1);
            p.name = s.text_at(2);
            p.start_ts = s.int_at(3);
            p.end_ts = opt_int(s, 4).value_or(t.last_ts);
            if (!range.overlaps(p.start_ts, p.end_ts))
                continue;
            process_index[p.id] = t.processes.size();
            const std::string end_kind = s.text_at(5);
            if ((end_kind == "exited" || end_kind == "vanished") && !s.null_at(4) && range.contains(p.end_ts)) {
                Instant exit;
                exit.process = t.processes.size();
                exit.ts = p.end_ts;
                exit.name = t.strings.intern(end_kind == "exited" ? "process exit" : "process vanished");
                exit.category = "process";
                Args args;
                args.number("pid", p.pid);
                exit.args = add_args(t, args);
                t.instants.push_back(std::move(exit));
            }
            t.processes.push_back(std::move(p));
        }
    }

    std::unordered_map<int64_t, size_t> thread_index;
    std::vector<int64_t> thread_end;
    {
        Statement s(h, "SELECT id, process_id, tid, start_ts, end_ts FROM threads ORDER BY id", path);
        while (s.next()) {
            auto p = process_index.find(s.int_at(1));
            if (p == process_index.end())
                continue;
            Thread th;
            th.id = s.int_at(0);
            th.process_id = s.int_at(1);
            th.process = p->second;
            th.tid = s.int_at(2);
            const Process &proc = t.processes[p->second];
            th.name = th.tid == proc.pid ? proc.name : proc.name + " thread";
            thread_index[th.id] = t.threads.size();
            thread_end.push_back(std::max(opt_int(s, 4).value_or(proc.end_ts), proc.end_ts));
            t.threads.push_back(std::move(th));
        }
    }

    // Invocations: the user side (before / after the ioctl) holds the driver side.
    struct CallSlices {
        size_t outer = SIZE_MAX; // the slice a callback wait nests in: driver side, else user side
    };
    std::unordered_map<int64_t, CallSlices> invocation_slices;
    const uint32_t end_inferred = t.strings.intern("inferred (data loss or the caller died)");
    // Only the invocations that caused a request are looked up again (a few among millions).
    std::unordered_set<int64_t> causes;
    {
        Statement s(h, "SELECT DISTINCT invocation_id FROM callback_requests WHERE invocation_id IS NOT NULL", path);
        while (s.next())
            causes.insert(s.int_at(0));
    }
    {
        Statement s(h,
                    "SELECT i.id, i.thread_id, i.user_begin_ts, i.user_end_ts, i.drv_begin_ts, i.drv_end_ts, i.op,"
                    "       COALESCE(i.call, ''), COALESCE(o.class, tn.name, se.uuid, 'object'), i.ret, i.err,"
                    "       i.end_inferred, i.object_id, i.handle, COALESCE(o.class, ''), tc.name"
                    "  FROM invocations i"
                    "  LEFT JOIN objects o ON o.id = i.object_id"
                    "  LEFT JOIN sessions se ON se.id = i.session_id"
                    "  LEFT JOIN ta_names tn ON tn.uuid = se.uuid"
                    "  LEFT JOIN ta_commands tc ON tc.uuid = se.uuid AND tc.func = i.op AND i.call = 'invoke'"
                    " WHERE i.thread_id IS NOT NULL ORDER BY i.id",
                    path);
        while (s.next()) {
            auto th = thread_index.find(s.int_at(1));
            if (th == thread_index.end())
                continue;
            const int64_t id = s.int_at(0);
            const std::string op_name = !s.null_at(15)       ? s.text_at(15)
                                        : !s.null_at(12) ? op_names.name(s.text_at(14), s.int_at(6))
                                                         : std::string();
            const std::string name = call_name(s.text_at(8), s.int_at(6), s.text_at(7), op_name);
            Args args;
            args.number("invocation", id);
            args.number("op", s.int_at(6));
            if (!s.null_at(9))
                args.number("ret", s.int_at(9));
            if (!s.null_at(10))
                args.number("errno", s.int_at(10));
            if (!s.null_at(12))
                args.number("object", s.int_at(12));
            if (s.int_at(11))
                args.text("end", end_inferred);
            const int64_t open_end = thread_end[th->second];
            CallSlices cs;
            const uint32_t args_id = add_args(t, args);
            auto add = [&](int col_begin, int col_end, int rank, const std::string &slice_name, const char *category) {
                if (s.null_at(col_begin))
                    return;
                Slice sl;
                sl.thread = th->second;
                sl.begin = s.int_at(col_begin);
                // A user side whose end was lost ends with its driver side, if that is known.
                std::optional<int64_t> end = opt_int(s, col_end);
                if (!end && rank == kUserRank)
                    end = opt_int(s, 5);
                sl.open_end = !end;
                sl.end = std::max(sl.begin, end.value_or(open_end));
                if (!range.overlaps(sl.begin, sl.end))
                    return;
                sl.rank = rank;
                sl.name = t.strings.intern(slice_name);
                sl.category = category;
                sl.args = args_id;
                cs.outer = t.slices.size();
                t.slices.push_back(std::move(sl));
            };
            add(2, 3, kUserRank, name, "invocation");
            add(4, 5, kDriverRank, "driver: " + name, "driver");
            if (cs.outer != SIZE_MAX && causes.count(id))
                invocation_slices[id] = cs;
        }
    }

    // Callback requests and RPCs: a wait inside the invocation that caused them, a flow to the
    // slice where a supplicant thread served them.
    {
        Statement s(h,
                    "SELECT r.id, r.kind, r.op, r.invocation_id, r.supplicant_thread_id, r.queue_ts, r.pick_ts,"
                    "       r.answer_ts, r.return_ts, r.end_kind, COALESCE(o.class, 'callback'), r.ret, r.object_id"
                    "  FROM callback_requests r LEFT JOIN objects o ON o.id = r.object_id ORDER BY r.id",
                    path);
        while (s.next()) {
            const int64_t id = s.int_at(0);
            const bool rpc = s.text_at(1) == "rpc";
            const int64_t op = s.int_at(2);
            const std::string cls = s.text_at(10);
            const std::string op_name = rpc || s.null_at(12) ? std::string() : op_names.name(s.int_at(12), cls, op);
            const std::string what = rpc ? "rpc " + rpc_name(op)
                                         : call_name(cls == "callback" ? cls : "callback " + cls, op, std::string(),
                                                     op_name);
            Args args;
            args.number("request", id);
            args.number("op", op);
            args.text("end", t.strings.intern(s.text_at(9)));
            if (!s.null_at(11))
                args.number("ret", s.int_at(11));
            const uint32_t args_id = add_args(t, args);
            const auto queue = opt_int(s, 5), pick = opt_int(s, 6), answer = opt_int(s, 7), back = opt_int(s, 8);

            size_t wait = SIZE_MAX;
            auto cause = s.null_at(3) ? invocation_slices.end() : invocation_slices.find(s.int_at(3));
            if (cause != invocation_slices.end() && queue) {
                const Slice &outer = t.slices[cause->second.outer];
                Slice w;
                w.thread = outer.thread;
                w.begin = *queue;
                w.end = std::max(w.begin, back.value_or(answer.value_or(w.begin)));
                if (range.overlaps(w.begin, w.end)) {
                    w.rank = kWaitRank;
                    w.name = t.strings.intern("waits for " + what);
                    w.category = rpc ? "rpc_wait" : "callback_wait";
                    w.args = args_id;
                    wait = t.slices.size();
                    t.slices.push_back(std::move(w));
                }
            }
            auto served_by = s.null_at(4) ? thread_index.end() : thread_index.find(s.int_at(4));
            if (served_by != thread_index.end() && (pick || queue)) {
                Slice sv;
                sv.thread = served_by->second;
                sv.begin = pick.value_or(*queue);
                // A RELEASE notice is delivered, never answered: it is over once taken.
                const int64_t open_end = op == kReleaseOp && !rpc ? sv.begin : thread_end[served_by->second];
                sv.end = std::max(sv.begin, answer.value_or(open_end));
                sv.open_end = !answer && open_end != sv.begin;
                if (range.overlaps(sv.begin, sv.end)) {
                    sv.rank = kServedRank;
                    sv.name = t.strings.intern(what);
                    sv.category = rpc ? "rpc" : "callback";
                    sv.args = args_id;
                    if (wait != SIZE_MAX) {
                        const uint64_t flow = kFlowBase + uint64_t(id);
                        t.slices[wait].flow_out = flow;
                        sv.flow_in = flow;
                    }
                    t.slices.push_back(std::move(sv));
                }
            }
        }
    }

    // Releases: a QTEE object's release sent to the TEE, and the TEE's release of a callback
    // object, on the track of the process whose context held it.
    auto process_of_context = [&](Statement &s, int col) -> size_t {
        if (s.null_at(col))
            return Instant::npos;
        auto p = process_index.find(s.int_at(col));
        return p == process_index.end() ? Instant::npos : p->second;
    };
    {
        Statement s(h,
                    "SELECT c.process_id, o.release_done_ts, o.class, o.id, o.release_result FROM objects o"
                    "  JOIN contexts c ON c.id = o.context_id WHERE o.release_done_ts IS NOT NULL"
                    " UNION ALL "
                    "SELECT c.process_id, a.ts, COALESCE(o.class, 'callback'), a.object_id, NULL FROM async_releases a"
                    "  LEFT JOIN objects o ON o.id = a.object_id JOIN contexts c ON c.id = a.carrier_context_id",
                    path);
        while (s.next()) {
            Instant r;
            r.process = process_of_context(s, 0);
            r.ts = s.int_at(1);
            if (r.process == Instant::npos || !range.contains(r.ts))
                continue;
            const bool async = s.null_at(4);
            r.name = t.strings.intern((async ? "TEE releases " : "release ") + s.text_at(2));
            r.category = "release";
            Args args;
            if (!s.null_at(3))
                args.number("object", s.int_at(3));
            if (!async)
                args.number("result", s.int_at(4));
            r.args = add_args(t, args);
            t.instants.push_back(std::move(r));
        }
    }
    {
        Statement s(h, "SELECT what, count, begin_ts, end_ts, COALESCE(stream, '') FROM data_loss ORDER BY id", path);
        while (s.next()) {
            t.has_data_loss = true;
            Instant l;
            l.ts = opt_int(s, 3).value_or(opt_int(s, 2).value_or(t.first_ts));
            if (!range.contains(l.ts))
                continue;
            l.name = t.strings.intern("data loss: " + std::to_string(s.int_at(1)) + " " + s.text_at(0));
            l.category = "data_loss";
            Args args;
            args.number("count", s.int_at(1));
            args.text("stream", t.strings.intern(s.text_at(4)));
            l.args = add_args(t, args);
            t.instants.push_back(std::move(l));
        }
    }

    // Counters per process: handles bound in its contexts, objects living in them, shm bytes.
    const char *kCounters[][2] = {
        {"handles held", "SELECT c.process_id, h.bind_ts, h.unbind_ts, 1 FROM handles h JOIN contexts c ON c.id = h.context_id"},
        {"objects alive", "SELECT c.process_id, o.created_ts, o.freed_ts, 1 FROM objects o JOIN contexts c ON c.id = o.context_id"},
        {"shm bytes", "SELECT process_id, created_ts, freed_ts, COALESCE(size, 0) FROM shm"},
    };
    for (const auto &[name, sql] : kCounters) {
        std::map<size_t, Steps> per_process;
        Statement s(h, sql, path);
        while (s.next()) {
            const size_t p = process_of_context(s, 0);
            if (p == Instant::npos)
                continue;
            per_process[p].add(opt_int(s, 1).value_or(t.first_ts), opt_int(s, 2), s.int_at(3));
        }
        for (auto &[p, steps] : per_process) {
            Counter c;
            c.process = p;
            c.name = name;
            c.bytes = std::string_view(name) == "shm bytes";
            std::stable_sort(steps.steps.begin(), steps.steps.end(),
                             [](const auto &a, const auto &b) { return a.first < b.first; });
            int64_t value = 0;
            // The value when the range starts, then every change inside it.
            for (const auto &[ts, delta] : steps.steps) {
                value += delta;
                const int64_t at = std::max(ts, range.begin);
                if (at > range.end)
                    break;
                if (!c.points.empty() && c.points.back().ts == at)
                    c.points.back().value = value;
                else
                    c.points.push_back({at, value});
            }
            if (!c.points.empty())
                t.counters.push_back(std::move(c));
        }
    }

    order_timeline(t);
    return t;
}

} // namespace teescope::exporter
