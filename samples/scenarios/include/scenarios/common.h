// SPDX-License-Identifier: MIT
// Small pieces shared by the scenario workloads: option parsing, failure reporting, child
// processes and pipe handshakes that make multi-process runs deterministic.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

namespace teescope::scenarios {

// The workload's name, used as the prefix of every message.
void set_program(std::string_view name);
const std::string &program();

struct Option {
    const char *name; // "--calls"
    uint64_t *value;
    const char *help;
};

// Parses `--name N` / `--name=N` options. Prints usage and returns false for --help; prints a
// clear error and exits 2 on an unknown option or a bad number.
bool parse_options(int argc, char **argv, std::string_view summary, const std::vector<Option> &options);

// Runs body, turning an exception into "NAME: error: ..." and exit status 1.
int run_main(std::string_view name, const std::function<void()> &body);

// Throws std::runtime_error(message) when the condition is false.
void check(bool condition, const std::string &message);

// Prints "NAME: message" on stderr.
void note(const std::string &message);

// A one-way pipe carrying single-byte tokens between processes.
class Pipe {
public:
    Pipe();
    ~Pipe();
    Pipe(const Pipe &) = delete;
    Pipe &operator=(const Pipe &) = delete;
    void send(char token);
    // Waits for the next token; throws naming `what` on EOF or after timeout_ms.
    char receive(const std::string &what, int timeout_ms = 30000);
    // Waits for a specific token.
    void expect(char token, const std::string &what, int timeout_ms = 30000);
    // Each side of a fork closes the end it does not use.
    void close_read();
    void close_write();

private:
    int read_fd_ = -1;
    int write_fd_ = -1;
};

// Forks; the child runs body and exits with its result (1 if it threw, with a message).
// exit() rather than _exit(), so the process's exit handlers (and a tracer's) run.
pid_t spawn(std::string_view child_name, const std::function<int()> &body);
// Waits for a child; returns its exit status, or 128 + signal. Throws after timeout_ms.
int wait_child(pid_t pid, int timeout_ms = 120000);
// Waits and throws unless the child exited 0.
void expect_success(pid_t pid, const std::string &what, int timeout_ms = 120000);

// The directory of the running executable (siblings live there).
std::string executable_dir();

} // namespace teescope::scenarios
