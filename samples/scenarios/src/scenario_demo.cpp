// SPDX-License-Identifier: MIT
// scenario_demo: a realistic mix for the demo. Runs the clean, sharing, callbacks, slow and
// leaky workloads as child processes (some at the same time) and succeeds if all of them did.
// Meant for teesim with demo.conf.
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <unistd.h>
#include <vector>

#include "scenarios/common.h"

using namespace teescope::scenarios;

namespace {

struct Run {
    std::string name;
    std::vector<std::string> args;
    pid_t pid = -1;
};

void start(Run &run, const std::string &dir)
{
    const std::string path = dir + "/" + run.name;
    std::vector<char *> argv;
    argv.push_back(run.name.data());
    for (std::string &a : run.args)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    std::fflush(nullptr);
    run.pid = ::fork();
    if (run.pid < 0)
        throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    if (run.pid == 0) {
        ::execv(path.c_str(), argv.data());
        std::fprintf(stderr, "scenario_demo: cannot run %s: %s\n", path.c_str(), std::strerror(errno));
        std::_Exit(127);
    }
}

// Starts a group of workloads together and waits for all of them; returns the failures.
std::vector<std::string> run_together(std::vector<Run> group, const std::string &dir)
{
    for (Run &run : group)
        start(run, dir);
    std::vector<std::string> failed;
    for (Run &run : group) {
        const int status = wait_child(run.pid, 600000);
        if (status != 0)
            failed.push_back(run.name + " (status " + std::to_string(status) + ")");
    }
    return failed;
}

} // namespace

int main(int argc, char **argv)
{
    set_program("scenario_demo");
    if (!parse_options(argc, argv, "Runs clean, sharing, callbacks, slow and leaky workloads, some concurrently (use demo.conf).",
                       {}))
        return 0;
    return run_main("scenario_demo", [&] {
        const std::string dir = executable_dir();
        std::vector<std::string> failed;
        const std::vector<std::vector<Run>> phases = {
            {{"scenario_clean", {"--calls", "40"}}, {"scenario_sharing", {}}},
            {{"scenario_callbacks", {"--notifies", "10"}}, {"scenario_slow", {"--calls", "60"}}},
            // Last: its listener stays registered and its service child outlives it.
            {{"scenario_leaky", {}}},
        };
        for (const auto &phase : phases)
            for (std::string &f : run_together(phase, dir))
                failed.push_back(f);
        check(failed.empty(), [&] {
            std::string text = "failed workloads:";
            for (const std::string &f : failed)
                text += " " + f;
            return text;
        }());
        std::printf("scenario_demo: all workloads succeeded\n");
    });
}
