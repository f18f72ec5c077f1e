// SPDX-License-Identifier: MIT
#include "process_tracker.h"

namespace teescope::importer {

ProcessTracker::ProcessTracker(TrackerCore &core) : core_(core) {
    processes_.reserve(256);
    pid_current_.reserve(256);
    threads_.reserve(1024);
}

ProcessTracker::Process *ProcessTracker::process_for(int64_t pid, Ts ts, bool user_event, int64_t tid,
                                                     std::string_view name) {
    if (pid <= 0)
        return nullptr;
    auto cur = pid_current_.find(pid);
    if (cur != pid_current_.end()) {
        auto it = processes_.find(cur->second);
        if (it != processes_.end()) {
            Process &p = it->second;
            // A user event after proc_exit from the thread that exited is a reused pid.
            if (!(p.exited && user_event && tid == p.exit_tid)) {
                p.last_ts = std::max(p.last_ts, ts);
                if (user_event && !name.empty() && p.row.name != name)
                    p.row.name.assign(name);
                return &p;
            }
            end_process(p, false);
        }
    }
    Id id = core_.new_id(Table::process);
    Process &p = processes_[id];
    p.row.id = id;
    p.row.pid = pid;
    p.row.start_ts = ts;
    p.last_ts = ts;
    if (user_event)
        p.row.name.assign(name);
    adopt_pending_program(p, 0);
    pid_current_[pid] = id;
    return &p;
}

void ProcessTracker::set_program(Process &p, const Program &program) {
    p.row.exe = program.exe;
    p.row.cmdline = program.cmdline;
    p.row.cmdline_bytes = program.cmdline_bytes;
    if (p.live_written == 1)
        p.live_written = 0; // a live import writes its row again, with the program it runs now
}

void ProcessTracker::adopt_pending_program(Process &p, Ts not_before) {
    auto it = pending_programs_.find(p.row.pid);
    if (it == pending_programs_.end())
        return;
    if (it->second.ts >= not_before)
        set_program(p, it->second);
    pending_programs_.erase(it);
}

ProcessTracker::Thread *ProcessTracker::thread_for(Process &p, int64_t tid, Ts ts) {
    if (tid <= 0)
        return nullptr;
    auto it = threads_.find(tid);
    if (it != threads_.end()) {
        if (it->second.row.process_id == p.row.id) {
            it->second.row.end_ts = std::max(it->second.row.end_ts.value_or(ts), ts);
            return &it->second;
        }
        core_.rows().add(it->second.row); // the tid now names a thread of another process
        threads_.erase(it);
    }
    Thread &t = threads_[tid];
    t.row.id = core_.new_id(Table::thread);
    t.row.process_id = p.row.id;
    t.row.tid = tid;
    t.row.start_ts = ts;
    t.row.end_ts = ts;
    return &t;
}

std::pair<OptId, OptId> ProcessTracker::caller(int32_t pid, int32_t tid, Ts ts) {
    Process *p = process_for(pid, ts, false, tid, {});
    if (!p)
        return {};
    Thread *t = thread_for(*p, tid, ts);
    return {p->row.id, t ? OptId(t->row.id) : std::nullopt};
}

std::pair<OptId, OptId> ProcessTracker::user_caller(const EventHeader &h) {
    Process *p = process_for(h.vpid, h.ts, true, h.vtid, h.procname);
    if (!p)
        return {};
    Thread *t = thread_for(*p, h.vtid, h.ts);
    return {p->row.id, t ? OptId(t->row.id) : std::nullopt};
}

void ProcessTracker::end_process(Process &p, bool at_end) {
    ProcessRow &r = p.row;
    if (p.exited) {
        r.end_kind = "exited";
    } else if (!at_end || (p.contexts_touched > 0 && p.contexts_open == 0)) {
        r.end_kind = "vanished";
        r.end_ts = p.last_ts;
    } else {
        r.end_kind = "alive_at_end";
        r.end_ts.reset();
    }
    core_.rows().add(r);
    if (pid_current_.count(r.pid) && pid_current_[r.pid] == r.id)
        pid_current_.erase(r.pid);
    if (!at_end)
        processes_.erase(r.id);
}

bool ProcessTracker::process_ended(OptId id) const {
    if (!id)
        return false;
    auto it = processes_.find(*id);
    if (it == processes_.end())
        return true; // replaced by a later lifetime of its pid
    const Process &p = it->second;
    return p.exited || (p.contexts_touched > 0 && p.contexts_open == 0);
}

void ProcessTracker::context_touched(Id id, bool open) {
    auto it = processes_.find(id);
    if (it != processes_.end()) {
        ++it->second.contexts_touched;
        if (open)
            ++it->second.contexts_open;
    }
}

void ProcessTracker::set_guest(Id id, int64_t guest) {
    if (guest == 0)
        return;
    auto it = processes_.find(id);
    if (it != processes_.end() && it->second.row.guest == 0)
        it->second.row.guest = guest;
}

void ProcessTracker::context_closed(Id id) {
    auto it = processes_.find(id);
    if (it != processes_.end() && it->second.contexts_open > 0)
        --it->second.contexts_open;
}

// ---------------------------------------------------------------------------------------------
// Supplicant threads serving callback requests

std::optional<ProcessTracker::Serving> ProcessTracker::serving(int64_t tid) const {
    auto t = threads_.find(tid);
    if (t == threads_.end() || !t->second.serving_request)
        return std::nullopt;
    return Serving{*t->second.serving_request, t->second.serving_depth};
}

void ProcessTracker::serve(int64_t tid, Id request, int64_t depth) {
    if (tid <= 0)
        return;
    auto t = threads_.find(tid);
    if (t != threads_.end()) {
        t->second.serving_request = request;
        t->second.serving_depth = depth;
    }
}

void ProcessTracker::stop_serving(int64_t tid, Id request) {
    if (tid <= 0)
        return;
    auto t = threads_.find(tid);
    if (t != threads_.end() && t->second.serving_request == request)
        t->second.serving_request.reset();
}

// ---------------------------------------------------------------------------------------------
// User side: fork and exit

void ProcessTracker::on_user_proc_fork(const EventHeader &h, const teescope_user_proc_fork &e) {
    // The parent's last event before the fork: a child that execs may tell its new program
    // before its parent's proc_fork is written, never before the parent called fork().
    Ts parent_before = h.ts;
    if (auto cur = pid_current_.find(h.vpid); cur != pid_current_.end())
        if (auto it = processes_.find(cur->second); it != processes_.end())
            parent_before = it->second.last_ts;
    auto [parent, thread] = user_caller(h);
    (void)thread;
    if (e.child <= 0)
        return;
    // A child runs its parent's image until exec (read before a reused pid ends any lifetime).
    std::string image;
    std::optional<Program> program;
    if (parent) {
        auto pit = processes_.find(*parent);
        if (pit != processes_.end()) {
            const ProcessRow &r = pit->second.row;
            image = r.name;
            if (r.exe)
                program = Program{*r.exe, r.cmdline.value_or(std::string()), r.cmdline_bytes.value_or(0), h.ts};
        }
    }
    auto cur = pid_current_.find(e.child);
    if (cur != pid_current_.end()) {
        auto it = processes_.find(cur->second);
        if (it != processes_.end())
            end_process(it->second, false);
    }
    Id id = core_.new_id(Table::process);
    Process &p = processes_[id];
    p.row.id = id;
    p.row.pid = e.child;
    p.row.parent_id = parent;
    p.row.start_ts = h.ts;
    p.last_ts = h.ts;
    p.row.name = std::move(image);
    if (program)
        set_program(p, *program);
    adopt_pending_program(p, parent_before);
    pid_current_[e.child] = id;
}

void ProcessTracker::on_user_proc_name(const EventHeader &h, const teescope_user_proc_name &e) {
    const Program program{e.exe ? e.exe : "", e.cmdline ? e.cmdline : "", e.cmdline_bytes, h.ts};
    Process *p = nullptr;
    if (auto cur = pid_current_.find(h.vpid); cur != pid_current_.end())
        if (auto it = processes_.find(cur->second); it != processes_.end() && !it->second.exited)
            p = &it->second;
    if (!p) {
        // Told at load, before anything else of the process: no lifetime of its own for that,
        // or every program that merely passed by would be a process of the trace.
        if (h.vpid > 0)
            pending_programs_[h.vpid] = program;
        return;
    }
    user_caller(h); // after an exec: the new program's procname
    set_program(*p, program);
}

void ProcessTracker::on_user_proc_exit(const EventHeader &h, const teescope_user_proc_exit &) {
    user_caller(h);
    auto cur = pid_current_.find(h.vpid);
    if (cur == pid_current_.end())
        return;
    auto it = processes_.find(cur->second);
    if (it == processes_.end())
        return;
    it->second.exited = true;
    it->second.exit_tid = h.vtid;
    it->second.row.end_ts = h.ts;
}

void ProcessTracker::finish() {
    for (Thread *t : in_id_order(threads_))
        core_.rows().add(t->row);
    threads_.clear();
    for (Process *p : in_id_order(processes_))
        end_process(*p, true);
    processes_.clear();
    pid_current_.clear();
    pending_programs_.clear();
}

} // namespace teescope::importer
