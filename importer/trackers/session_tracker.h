// SPDX-License-Identifier: MIT
// OP-TEE sessions: opening (by the driver serial of its OPEN_SESSION) → open or failed →
// closed by CLOSE_SESSION, by the release of its context, or with its guest. A lifetime per
// (context, session id, open time): session ids are reused. Each OP-TEE call names its session.
#pragma once

#include "core.h"

#include "teescope/importer/event.h"

#include <unordered_map>

namespace teescope::importer {

class ContextTracker;
class GuestTracker;
class InvocationTracker;
class ProcessTracker;

class SessionTracker {
public:
    SessionTracker(TrackerCore &core, ProcessTracker &processes, ContextTracker &contexts,
                   InvocationTracker &invocations, GuestTracker &guests);
    SessionTracker(const SessionTracker &) = delete;
    SessionTracker &operator=(const SessionTracker &) = delete;

    // After the invocation tracker saw the same events (the call is in flight).
    void on_drv_optee_open_begin(const EventHeader &, const teescope_drv_optee_open_begin &);
    void on_drv_optee_invoke_begin(const EventHeader &, const teescope_drv_optee_invoke_begin &);
    // Before the invocation tracker ends the call.
    void on_drv_optee_open_end(const EventHeader &, const teescope_drv_optee_open_end &);
    // CLOSE_SESSION (which makes its invocation), context release, or guest destruction.
    void on_drv_optee_close(const EventHeader &, const teescope_drv_optee_close &);

    // Live imports: writes the lifetimes still open as they are now (see Trackers::write_live).
    void write_live();

    // Emits the sessions still open (or still opening).
    void finish(Ts last_ts);

private:
    // The open session (ctx, session), or one of unknown origin started for it.
    SessionRow &session_for(uint64_t ctx, uint32_t session, int64_t guest, Ts ts, const char *event);

    TrackerCore &core_;
    ProcessTracker &processes_;
    ContextTracker &contexts_;
    InvocationTracker &invocations_;
    GuestTracker &guests_;
    std::unordered_map<uint64_t, SessionRow> opening_sessions_;  // driver serial of OPEN_SESSION -> session
    std::unordered_map<PairKey, SessionRow, PairHash> sessions_; // (ctx serial, session) -> open session
};

} // namespace teescope::importer
