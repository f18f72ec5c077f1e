// SPDX-License-Identifier: MIT
#include "import_supervisor.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <optional>

namespace teescope::cli {

namespace {

volatile sig_atomic_t stop_signal = 0;

void on_stop(int sig) { stop_signal = sig; }

using Clock = std::chrono::steady_clock;

} // namespace

StopRequests::StopRequests()
{
    stop_signal = 0;
    struct sigaction sa {};
    sa.sa_handler = on_stop;
    ::sigaction(SIGINT, &sa, &old_int_);
    ::sigaction(SIGTERM, &sa, &old_term_);
}

StopRequests::~StopRequests()
{
    ::sigaction(SIGINT, &old_int_, nullptr);
    ::sigaction(SIGTERM, &old_term_, nullptr);
}

bool StopRequests::requested() const { return stop_signal != 0; }

std::chrono::milliseconds to_ms(double seconds)
{
    return std::chrono::milliseconds(static_cast<int64_t>(std::max(0.0, seconds) * 1000));
}

Supervision supervise(pid_t child, const ImportHeartbeat &heartbeat, const StopRequests &stop, double stall_timeout_s,
                      std::chrono::milliseconds grace)
{
    Supervision s;
    const auto stall_limit = to_ms(stall_timeout_s);
    uint64_t last_beat = heartbeat.beat();
    auto last_change = Clock::now();
    std::optional<Clock::time_point> term_sent;
    bool killed = false;
    for (;;) {
        const pid_t r = ::waitpid(child, &s.status, WNOHANG);
        if (r == child)
            break;
        if (r < 0 && errno != EINTR) {
            s.status = W_EXITCODE(0, SIGKILL); // lost track of the child: never report success
            break;
        }
        const auto now = Clock::now();
        if (stop.requested() && !term_sent) {
            ::kill(child, SIGTERM);
            term_sent = now;
            s.stopped = true;
        }
        if (term_sent && !killed && now - *term_sent >= grace) {
            ::kill(child, SIGKILL);
            killed = true;
        }
        const uint64_t beat = heartbeat.beat();
        if (beat != last_beat) {
            last_beat = beat;
            last_change = now;
        } else if (stall_timeout_s > 0 && !killed && heartbeat.phase() != ImportPhase::Writing
                   && now - last_change >= stall_limit) {
            s.stalled = true;
            s.stalled_phase = heartbeat.phase();
            s.stalled_where = heartbeat.where();
            ::kill(child, SIGKILL);
            killed = true;
        }
        // A signal cuts the sleep short: a stop request is acted on at once.
        ::usleep(20000);
    }
    return s;
}

} // namespace teescope::cli
