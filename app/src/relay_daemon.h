// SPDX-License-Identifier: MIT
// An lttng-relayd of a live recording's own, on free loopback ports: the session daemon streams
// the session to it, it writes the trace to disk, and the live importer reads the session from it
// while it is recorded. Stopped (and waited for) when the recording ends.
#pragma once

#include <sys/types.h>

#include <ostream>
#include <string>

namespace teescope::cli {

class RelayDaemon {
public:
    RelayDaemon() = default;
    ~RelayDaemon() { stop(); }
    RelayDaemon(const RelayDaemon &) = delete;
    RelayDaemon &operator=(const RelayDaemon &) = delete;

    // Starts lttng-relayd writing traces below `output_dir` and waits until its live port
    // answers; false (and why, on `err`) if it is not installed or will not start.
    bool start(const std::string &output_dir, const std::string &log_path, std::ostream &err);
    void stop();

    // For `lttng create --set-url`: net://127.0.0.1:CONTROL:DATA.
    std::string session_url() const;
    // The live session `session` of this machine: net://127.0.0.1:LIVE/host/HOSTNAME/SESSION.
    std::string live_url(const std::string &session) const;
    int live_port() const { return live_; }

private:
    pid_t pid_ = -1;
    int control_ = 0, data_ = 0, live_ = 0;
};

// How many live viewers are attached to `session` on the relay daemon whose live port is
// `live_port` (babeltrace2's session listing); -1 if it cannot be told.
int attached_viewers(int live_port, const std::string &session);

} // namespace teescope::cli
