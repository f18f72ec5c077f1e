// SPDX-License-Identifier: MIT
// Live imports: at each commit every tracker writes the lifetimes it holds open, as they are now,
// so that a reader of the database sees the present. Rows that can be many (processes, contexts,
// objects, handles, shm, sessions, guests) are written once, when they first appear; the few
// that change state while open (invocations in flight, callback requests and RPCs queued or
// being served, waits for an OP-TEE thread) are written at every commit. Each row keeps its id
// and is replaced by its final row when the lifetime ends (the writer inserts or replaces).
#include "context_tracker.h"
#include "guest_tracker.h"
#include "invocation_tracker.h"
#include "object_tracker.h"
#include "process_tracker.h"
#include "request_tracker.h"
#include "rpc_tracker.h"
#include "session_tracker.h"
#include "shm_tracker.h"
#include "wait_tracker.h"

namespace teescope::importer {

void ProcessTracker::write_live() {
    for (auto &[tid, t] : threads_) {
        if (core_.live_new(Table::thread, t.row.id)) {
            ThreadRow r = t.row;
            r.end_ts.reset(); // still running: its last event is not its end
            core_.rows().add(r);
        }
    }
    for (auto &[id, p] : processes_) {
        if (p.exited && p.live_written < 2) {
            ProcessRow r = p.row;
            r.end_kind = "exited";
            core_.rows().add(r);
            p.live_written = 2;
        } else if (!p.exited && p.live_written == 0) {
            ProcessRow r = live_row(p.row);
            r.end_ts.reset();
            core_.rows().add(r);
            p.live_written = 1;
        }
    }
}

void ContextTracker::write_live() {
    for (auto &[serial, c] : contexts_)
        if (core_.live_new(Table::context, c.row.id))
            core_.rows().add(live_row(c.row));
}

void ObjectTracker::write_live() {
    for (auto &[address, o] : objects_)
        if (core_.live_new(Table::object, o.row.id))
            core_.rows().add(live_row(o.row));
    for (auto &[key, h] : handles_)
        if (core_.live_new(Table::handle, h.id))
            core_.rows().add(h);
}

void InvocationTracker::write_live() {
    for (const Invocation &inv : invocations_)
        if (inv.row.id != 0) // a slot in use: in flight
            core_.rows().add(inv.row);
}

void RequestTracker::write_live() {
    for (auto &[key, r] : requests_)
        core_.rows().add(live_row(r.row));
}

void RpcTracker::write_live() {
    for (auto &[serial, r] : rpcs_)
        core_.rows().add(live_row(r.row));
}

void SessionTracker::write_live() {
    for (auto &[serial, s] : opening_sessions_)
        if (core_.live_new(Table::session, s.id))
            core_.rows().add(live_row(s));
    for (auto &[key, s] : sessions_)
        if (core_.live_new(Table::session, s.id))
            core_.rows().add(live_row(s));
}

void ShmTracker::write_live() {
    for (auto &[key, s] : shms_)
        if (core_.live_new(Table::shm, s.row.id))
            core_.rows().add(live_row(s.row));
}

void WaitTracker::write_live() {
    for (auto &[serial, w] : open_)
        core_.rows().add(w.row);
    for (auto &[key, w] : open_unnamed_)
        core_.rows().add(w.row);
}

void GuestTracker::write_live() {
    for (auto &[guest, g] : guests_) {
        if (g.destroyed && !g.live_destroyed) {
            core_.rows().add(g.row);
            g.live_destroyed = true;
        } else if (!g.destroyed && core_.live_new(Table::guest, g.row.id)) {
            core_.rows().add(live_row(g.row));
        }
    }
}

} // namespace teescope::importer
