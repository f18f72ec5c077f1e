// SPDX-License-Identifier: MIT
#include "live_import.h"

#include "relay_daemon.h"
#include "teescope/cli/process.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

namespace teescope::cli {

LiveImport::~LiveImport()
{
    if (pid_ <= 0)
        return;
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
}

bool LiveImport::start(const std::string &url, const std::string &db, int live_port, const std::string &session,
                       std::ostream &err)
{
    const std::string self = self_dir() + "/teescope";
    const std::vector<std::string> args{self, "import", "--live-url", url, "-o", db, "--progress", "none"};
    // Its own process group: a Ctrl-C ends the traced command, and the import goes on until it
    // has read what the command did.
    std::string error;
    pid_ = spawn_in_own_group(args, {}, SIGTERM, error);
    if (pid_ < 0) {
        err << "teescope record: " << error << "\n";
        return false;
    }
    for (int i = 0; i < 100; ++i) {
        int status;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            err << "teescope record: the live import exited with " << exit_code(status) << " before it attached to "
                << url << "\n";
            return false;
        }
        if (attached_viewers(live_port, session) > 0)
            return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    err << "teescope record: the live import did not attach to " << url << " within 10 s\n";
    return false;
}

void LiveImport::reaped(int wait_status)
{
    reaped_code_ = exit_code(wait_status);
    pid_ = -1;
}

int LiveImport::finish(const volatile sig_atomic_t &signals)
{
    if (pid_ <= 0)
        return reaped_code_;
    const sig_atomic_t seen = signals;
    bool stopped = false;
    for (;;) {
        int status = 0;
        const pid_t r = ::waitpid(pid_, &status, WNOHANG);
        if (r == pid_) {
            pid_ = -1;
            return exit_code(status);
        }
        if (r < 0 && errno != EINTR) {
            pid_ = -1;
            return -1;
        }
        if (!stopped && signals != seen) {
            ::kill(pid_, SIGTERM);
            stopped = true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

} // namespace teescope::cli
