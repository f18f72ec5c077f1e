// SPDX-License-Identifier: MIT
#include "scenarios/common.h"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <poll.h>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace teescope::scenarios {

namespace {
std::string g_program = "scenario";
}

void set_program(std::string_view name)
{
    g_program = std::string(name);
}

const std::string &program()
{
    return g_program;
}

bool parse_options(int argc, char **argv, std::string_view summary, const std::vector<Option> &options)
{
    auto usage = [&](FILE *out) {
        std::fprintf(out, "usage: %s", g_program.c_str());
        for (const Option &o : options)
            std::fprintf(out, " [%s N]", o.name);
        std::fprintf(out, "\n%.*s\n", static_cast<int>(summary.size()), summary.data());
        for (const Option &o : options)
            std::fprintf(out, "  %-14s %s (default %llu)\n", o.name, o.help, static_cast<unsigned long long>(*o.value));
    };
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "--help" || arg == "-h") {
            usage(stdout);
            return false;
        }
        std::string value;
        const size_t eq = arg.find('=');
        if (eq != std::string::npos) {
            value = arg.substr(eq + 1);
            arg = arg.substr(0, eq);
        }
        const Option *match = nullptr;
        for (const Option &o : options)
            if (arg == o.name)
                match = &o;
        if (!match) {
            std::fprintf(stderr, "%s: unknown option '%s'\n", g_program.c_str(), argv[i]);
            usage(stderr);
            std::exit(2);
        }
        if (eq == std::string::npos) {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "%s: option %s needs a number\n", g_program.c_str(), match->name);
                std::exit(2);
            }
            value = argv[++i];
        }
        char *end = nullptr;
        errno = 0;
        const unsigned long long n = std::strtoull(value.c_str(), &end, 10);
        if (value.empty() || *end != '\0' || errno != 0 || value[0] == '-') {
            std::fprintf(stderr, "%s: option %s: '%s' is not a non-negative number\n", g_program.c_str(), match->name,
                         value.c_str());
            std::exit(2);
        }
        *match->value = n;
    }
    return true;
}

int run_main(std::string_view name, const std::function<void()> &body)
{
    set_program(name);
    try {
        body();
    } catch (const std::exception &e) {
        std::fprintf(stderr, "%s: error: %s\n", g_program.c_str(), e.what());
        return 1;
    }
    return 0;
}

void check(bool condition, const std::string &message)
{
    if (!condition)
        throw std::runtime_error(message);
}

void note(const std::string &message)
{
    std::fprintf(stderr, "%s: %s\n", g_program.c_str(), message.c_str());
}

Pipe::Pipe()
{
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0)
        throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
    read_fd_ = fds[0];
    write_fd_ = fds[1];
}

Pipe::~Pipe()
{
    close_read();
    close_write();
}

void Pipe::close_read()
{
    if (read_fd_ >= 0)
        ::close(read_fd_);
    read_fd_ = -1;
}

void Pipe::close_write()
{
    if (write_fd_ >= 0)
        ::close(write_fd_);
    write_fd_ = -1;
}

void Pipe::send(char token)
{
    ssize_t n;
    do {
        n = ::write(write_fd_, &token, 1);
    } while (n < 0 && errno == EINTR);
    if (n != 1)
        throw std::runtime_error(std::string("pipe write: ") + std::strerror(errno));
}

char Pipe::receive(const std::string &what, int timeout_ms)
{
    pollfd pfd{read_fd_, POLLIN, 0};
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0)
            throw std::runtime_error("timed out waiting for " + what);
        const int r = ::poll(&pfd, 1, static_cast<int>(left.count()));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            throw std::runtime_error(std::string("poll: ") + std::strerror(errno));
        if (r == 0)
            continue;
        char token;
        const ssize_t n = ::read(read_fd_, &token, 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n != 1)
            throw std::runtime_error("the other side went away while waiting for " + what);
        return token;
    }
}

void Pipe::expect(char token, const std::string &what, int timeout_ms)
{
    const char got = receive(what, timeout_ms);
    if (got != token)
        throw std::runtime_error("protocol error while waiting for " + what + ": got '" + std::string(1, got) + "'");
}

pid_t spawn(std::string_view child_name, const std::function<int()> &body)
{
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0)
        throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    if (pid > 0)
        return pid;
    int status = 1;
    set_program(std::string(g_program) + "/" + std::string(child_name));
    try {
        status = body();
    } catch (const std::exception &e) {
        std::fprintf(stderr, "%s: error: %s\n", g_program.c_str(), e.what());
        status = 1;
    }
    std::fflush(nullptr);
    std::exit(status);
}

int wait_child(pid_t pid, int timeout_ms)
{
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
        int status = 0;
        const pid_t r = ::waitpid(pid, &status, WNOHANG);
        if (r == pid) {
            if (WIFEXITED(status))
                return WEXITSTATUS(status);
            if (WIFSIGNALED(status))
                return 128 + WTERMSIG(status);
            continue;
        }
        if (r < 0 && errno != EINTR)
            throw std::runtime_error("waitpid " + std::to_string(pid) + ": " + std::strerror(errno));
        if (std::chrono::steady_clock::now() > deadline)
            throw std::runtime_error("child " + std::to_string(pid) + " did not exit in time");
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

void expect_success(pid_t pid, const std::string &what, int timeout_ms)
{
    const int status = wait_child(pid, timeout_ms);
    if (status != 0)
        throw std::runtime_error(what + " (pid " + std::to_string(pid) + ") failed with status " + std::to_string(status));
}

std::string executable_dir()
{
    char buf[4096];
    const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
    if (n <= 0)
        throw std::runtime_error(std::string("readlink /proc/self/exe: ") + std::strerror(errno));
    std::string path(buf, static_cast<size_t>(n));
    return path.substr(0, path.rfind('/'));
}

} // namespace teescope::scenarios
