// SPDX-License-Identifier: MIT
// The live import of a live recording: `teescope import --live-url` as a child process that reads
// the session from the relay daemon while the command runs and writes the database as it goes.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <ostream>
#include <string>

namespace teescope::cli {

class LiveImport {
public:
    LiveImport() = default;
    // A live import still running when the recording gives up is stopped (it finishes what it read).
    ~LiveImport();
    LiveImport(const LiveImport &) = delete;
    LiveImport &operator=(const LiveImport &) = delete;

    // Starts the import of `url` into `db` and waits until it is attached to `session` on the
    // relay daemon whose live port is `live_port` (so that it reads the session from its first
    // event: a viewer that attaches later starts at the present). False, and why on `err`, if
    // it exits or does not attach within 10 s.
    bool start(const std::string &url, const std::string &db, int live_port, const std::string &session,
               std::ostream &err);

    // After the session was destroyed: waits until the import has read everything and finished
    // the database. Each new signal counted in `signals` (SIGINT, SIGTERM) stops it sooner: it
    // then finishes with what it read. Returns its exit code.
    int finish(const volatile sig_atomic_t &signals);

    // The recorder's wait for the traced commands reaped it: finish() returns this status's code.
    void reaped(int wait_status);

    pid_t pid() const { return pid_; }

private:
    pid_t pid_ = -1;
    int reaped_code_ = -1;
};

} // namespace teescope::cli
