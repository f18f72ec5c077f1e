// SPDX-License-Identifier: MIT
// OP-TEE sessions: opening (by the driver serial of its OPEN_SESSION) → open or failed →
// closed. A lifetime per (context, session id, open time): session ids are reused.
#pragma once

#include "core.h"

#include "teescope/importer/event.h"

#include <unordered_map>

namespace teescope::importer {

class ContextTracker;
class ProcessTracker;

class SessionTracker {
public:
    SessionTracker(TrackerCore &core, ProcessTracker &processes, ContextTracker &contexts);
    SessionTracker(const SessionTracker &) = delete;
    SessionTracker &operator=(const SessionTracker &) = delete;

    void on_drv_optee_open_begin(const EventHeader &, const teescope_drv_optee_open_begin &);
    void on_drv_optee_open_end(const EventHeader &, const teescope_drv_optee_open_end &);
    void on_drv_optee_close(const EventHeader &, const teescope_drv_optee_close &);

    // Emits the sessions still open (or still opening).
    void finish();

private:
    TrackerCore &core_;
    ProcessTracker &processes_;
    ContextTracker &contexts_;
    std::unordered_map<uint64_t, SessionRow> opening_sessions_;  // driver serial of OPEN_SESSION -> session
    std::unordered_map<PairKey, SessionRow, PairHash> sessions_; // (ctx serial, session) -> open session
};

} // namespace teescope::importer
