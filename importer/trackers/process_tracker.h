// SPDX-License-Identifier: MIT
// Processes and threads: a lifetime per pid (pids are reused) and per tid of a process, the
// contexts a process touched (whether it vanished or is still alive at the end), and which
// callback request a supplicant thread is serving.
#pragma once

#include "core.h"

#include "teescope/importer/event.h"

#include <optional>
#include <unordered_map>

namespace teescope::importer {

class ProcessTracker {
public:
    explicit ProcessTracker(TrackerCore &core);
    ProcessTracker(const ProcessTracker &) = delete;
    ProcessTracker &operator=(const ProcessTracker &) = delete;

    // Process and thread ids of a driver event's caller (pid 0: driver-internal, none).
    std::pair<OptId, OptId> caller(int32_t pid, int32_t tid, Ts ts);
    // Process and thread ids of the emitter of a user-side event (its name is the procname).
    std::pair<OptId, OptId> user_caller(const EventHeader &h);
    void touch_user(const EventHeader &h) { user_caller(h); }

    void on_user_proc_fork(const EventHeader &, const teescope_user_proc_fork &);
    void on_user_proc_exit(const EventHeader &, const teescope_user_proc_exit &);
    void on_user_proc_name(const EventHeader &, const teescope_user_proc_name &);

    // Whether the process of `id` has exited, or vanished after closing every context it touched.
    bool process_ended(OptId id) const;
    // A context was opened by or called through process `id` for the first time (`open`: it is
    // not closed yet), or one of those contexts was closed.
    void context_touched(Id id, bool open);
    void context_closed(Id id);
    // Process `id` opened or called through a context of Xen guest `guest` (0: native).
    void set_guest(Id id, int64_t guest);

    // The callback request a supplicant thread picked and has not answered, and the depth of the
    // invocation that caused it.
    struct Serving {
        Id request;
        int64_t depth;
    };
    std::optional<Serving> serving(int64_t tid) const;
    void serve(int64_t tid, Id request, int64_t depth);
    void stop_serving(int64_t tid, Id request);

    // Live imports: writes the lifetimes still open as they are now (see Trackers::write_live).
    void write_live();

    // Emits the threads, then the processes.
    void finish();

private:
    struct Process {
        ProcessRow row;
        Ts last_ts = 0;
        int64_t exit_tid = -1;      // the thread that emitted proc_exit (it cannot emit again)
        int contexts_touched = 0;   // contexts it opened or called through
        int contexts_open = 0;      // of those, not closed yet
        bool exited = false;
        int live_written = 0;       // live imports: 1 written open, 2 written exited
    };
    // The program a process runs (proc_name).
    struct Program {
        std::string exe, cmdline;
        int64_t cmdline_bytes = 0;
        Ts ts = 0; // when it was told
    };
    struct Thread {
        ThreadRow row;
        OptId serving_request;      // callback request it picked and has not answered
        int64_t serving_depth = 0;  // depth of the invocation that caused that request
    };

    Process *process_for(int64_t pid, Ts ts, bool user_event, int64_t tid, std::string_view name);
    Thread *thread_for(Process &p, int64_t tid, Ts ts);
    void end_process(Process &p, bool at_end);
    static void set_program(Process &p, const Program &program);
    // A program told by a pid that has no live lifetime yet, for the lifetime that starts next.
    void adopt_pending_program(Process &p, Ts not_before);

    TrackerCore &core_;
    std::unordered_map<Id, Process> processes_;  // by processes.id, live or exited-but-current
    std::unordered_map<int64_t, Id> pid_current_; // raw pid -> current lifetime
    std::unordered_map<int64_t, Thread> threads_; // raw tid -> current lifetime
    // proc_name told before the first other event of its process (the tracer tells it at load):
    // raw pid -> program, until that pid's next lifetime starts.
    std::unordered_map<int64_t, Program> pending_programs_;
};

} // namespace teescope::importer
