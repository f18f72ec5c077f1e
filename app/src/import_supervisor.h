// SPDX-License-Identifier: MIT
// The parent side of `teescope import`: takes SIGINT / SIGTERM as stop requests and watches the
// importer child until it ends, ending it when it must.
#pragma once

#include "import_heartbeat.h"

#include <signal.h>
#include <sys/types.h>

#include <chrono>
#include <string>

namespace teescope::cli {

// SIGINT and SIGTERM set a flag instead of ending the process, while this lives.
class StopRequests {
public:
    StopRequests();
    ~StopRequests();
    StopRequests(const StopRequests &) = delete;
    StopRequests &operator=(const StopRequests &) = delete;
    bool requested() const;

private:
    struct sigaction old_int_ {}, old_term_ {};
};

// How long a child asked to stop (SIGTERM) may take to clean up before it is killed. A child
// stuck in a Babeltrace2 call never looks at its stop flag.
inline constexpr std::chrono::milliseconds kStopGrace{500};

struct Supervision {
    int status = 0;       // as waitpid() gave it
    bool stopped = false; // a stop request ended the child (SIGTERM, then SIGKILL after kStopGrace)
    bool stalled = false; // the watchdog killed the child
    ImportPhase stalled_phase = ImportPhase::Starting;
    std::string stalled_where;
};

// Waits for `child`, checking every 20 ms: a stop request is passed on, and a child whose
// heartbeat has not moved for stall_timeout_s seconds (0: never) outside ImportPhase::Writing is
// killed.
// `grace`: how long a child that was asked to stop may take before it is killed.
Supervision supervise(pid_t child, const ImportHeartbeat &heartbeat, const StopRequests &stop, double stall_timeout_s,
                      std::chrono::milliseconds grace = kStopGrace);

std::chrono::milliseconds to_ms(double seconds);

} // namespace teescope::cli
