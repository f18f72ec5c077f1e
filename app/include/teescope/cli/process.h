// SPDX-License-Identifier: MIT
// Running other programs (lttng, babeltrace2, the traced command) without a shell.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace teescope::cli {

struct RunResult {
    int status = -1;      // exit code, or 128 + signal, or -1 if it could not be started
    std::string output;   // stdout and stderr, interleaved
};

// Runs argv[0] (searched in PATH) and collects its output.
RunResult run_capture(const std::vector<std::string> &argv);

// Runs argv[0] and hands every line of its stdout to `on_out` and of its stderr to `on_err` as
// they come, without keeping the output (traces can print gigabytes). The two streams are read
// apart: a program's buffered stdout and unbuffered stderr would interleave mid-line in one pipe.
// Returns the exit code as run_capture does.
using LineHandler = std::function<void(std::string_view)>;
int run_lines(const std::vector<std::string> &argv, const LineHandler &on_out, const LineHandler &on_err);

// Starts argv[0] (a path, or a name searched in PATH) in a process group of its own, so that a
// Ctrl-C meant for another group does not reach it; it gets `death_signal` when this process
// dies, reads /dev/null, and writes its stdout and stderr to `log` (created; empty: inherited).
// Returns its pid, or -1 with `error` set.
pid_t spawn_in_own_group(const std::vector<std::string> &argv, const std::string &log, int death_signal,
                         std::string &error);

// Ends the child `pid` (SIGTERM, then SIGKILL if it is still there after 5 s) and reaps it;
// `pid` becomes -1. Nothing when it is <= 0.
void end_child(pid_t &pid);

// True if `program` is an executable in PATH.
bool in_path(const std::string &program);

// Directory of the running executable (from /proc/self/exe).
std::string self_dir();

// Converts a wait status to an exit code as a shell reports it.
int exit_code(int wait_status);

} // namespace teescope::cli
