// SPDX-License-Identifier: MIT
// Waits of OP-TEE calls before the secure world runs them: for a free OP-TEE thread, or under
// Xen for the guest's limit of calls in flight. A wait belongs to the in-flight invocation of
// its serial, whose total wait it adds to. A CLOSE_SESSION is seen only when it is done
// (optee_close): its waits (by its serial, or by its thread when they name none) are held by
// thread until then, and belong to the invocation it makes; the driver's own closes (pid 0)
// belong to none.
#pragma once

#include "core.h"

#include "teescope/importer/event.h"

#include <unordered_map>
#include <vector>

namespace teescope::importer {

class ContextTracker;
class InvocationTracker;
class ProcessTracker;

class WaitTracker {
public:
    WaitTracker(TrackerCore &core, ProcessTracker &processes, ContextTracker &contexts,
                InvocationTracker &invocations);
    WaitTracker(const WaitTracker &) = delete;
    WaitTracker &operator=(const WaitTracker &) = delete;

    void on_drv_optee_wait_begin(const EventHeader &, const teescope_drv_optee_wait_begin &);
    void on_drv_optee_wait_end(const EventHeader &, const teescope_drv_optee_wait_end &);

    // What the waits of a thread not yet attached to an invocation say about the call they
    // belonged to, once attached to it.
    struct Attached {
        OptTs first_begin;   // when the call began waiting
        int64_t total_ns = 0;
        OptInt serial;       // the call's driver serial
    };
    Attached attach_unattached(int64_t tid, Id invocation_id);
    // Thread `tid` begins another call: its unattached waits belong to no invocation of the trace.
    void flush_unattached(int64_t tid) {
        if (!unattached_.empty())
            emit_unattached(tid);
    }

    // Live imports: writes the lifetimes still open as they are now (see Trackers::write_live).
    void write_live();

    // Emits the waits still open or unattached.
    void finish(Ts last_ts);

private:
    struct Wait {
        OpteeWaitRow row;
        uint64_t serial = 0;
        int64_t tid = -1;
        bool attached = false;
    };

    void emit_unattached(int64_t tid);
    void end_wait(Wait &&w, Ts ts);

    TrackerCore &core_;
    ProcessTracker &processes_;
    ContextTracker &contexts_;
    InvocationTracker &invocations_;

    std::unordered_map<uint64_t, Wait> open_;                    // invocation serial -> open wait
    std::unordered_map<PairKey, Wait, PairHash> open_unnamed_;   // (ctx serial, tid) -> open wait of a call without serial
    std::unordered_map<int64_t, std::vector<Wait>> unattached_; // tid -> ended waits of a call not known yet
};

} // namespace teescope::importer
