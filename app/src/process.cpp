// SPDX-License-Identifier: MIT
#include "teescope/cli/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <sstream>

namespace teescope::cli {

int exit_code(int wait_status)
{
    if (WIFEXITED(wait_status))
        return WEXITSTATUS(wait_status);
    if (WIFSIGNALED(wait_status))
        return 128 + WTERMSIG(wait_status);
    return -1;
}

namespace {

// Starts argv with stdout and stderr on two pipes; returns the child pid (or -1 with `error`).
pid_t spawn_piped(const std::vector<std::string> &argv, int &out_fd, int &err_fd, std::string &error)
{
    int out[2], err[2];
    if (::pipe2(out, O_CLOEXEC) != 0) {
        error = std::string("pipe: ") + std::strerror(errno);
        return -1;
    }
    if (::pipe2(err, O_CLOEXEC) != 0) {
        error = std::string("pipe: ") + std::strerror(errno);
        ::close(out[0]);
        ::close(out[1]);
        return -1;
    }
    pid_t pid = ::fork();
    if (pid < 0) {
        error = std::string("fork: ") + std::strerror(errno);
        for (int fd : {out[0], out[1], err[0], err[1]})
            ::close(fd);
        return -1;
    }
    if (pid == 0) {
        ::dup2(out[1], STDOUT_FILENO);
        ::dup2(err[1], STDERR_FILENO);
        std::vector<char *> args;
        for (const auto &a : argv)
            args.push_back(const_cast<char *>(a.c_str()));
        args.push_back(nullptr);
        ::execvp(args[0], args.data());
        std::string msg = argv[0] + ": " + std::strerror(errno) + "\n";
        (void)!::write(STDERR_FILENO, msg.data(), msg.size());
        ::_exit(127);
    }
    ::close(out[1]);
    ::close(err[1]);
    out_fd = out[0];
    err_fd = err[0];
    return pid;
}

// Splits what arrives on one descriptor into lines.
struct LineStream {
    int fd;
    const LineHandler &handler;
    std::string pending;

    // Reads once; false at end of stream.
    bool pump()
    {
        char buf[1 << 16];
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            return true;
        if (n <= 0) {
            if (!pending.empty())
                handler(pending);
            pending.clear();
            return false;
        }
        pending.append(buf, static_cast<size_t>(n));
        size_t start = 0;
        for (size_t nl; (nl = pending.find('\n', start)) != std::string::npos; start = nl + 1)
            handler(std::string_view(pending).substr(start, nl - start));
        pending.erase(0, start);
        return true;
    }
};

} // namespace

int run_lines(const std::vector<std::string> &argv, const LineHandler &on_out, const LineHandler &on_err)
{
    int out_fd = -1, err_fd = -1;
    std::string error;
    pid_t pid = spawn_piped(argv, out_fd, err_fd, error);
    if (pid < 0) {
        on_err(error);
        return -1;
    }
    LineStream streams[2] = {{out_fd, on_out, {}}, {err_fd, on_err, {}}};
    bool open[2] = {true, true};
    while (open[0] || open[1]) {
        pollfd fds[2] = {{open[0] ? out_fd : -1, POLLIN, 0}, {open[1] ? err_fd : -1, POLLIN, 0}};
        if (::poll(fds, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (int i = 0; i < 2; ++i) {
            if (open[i] && (fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                open[i] = streams[i].pump();
        }
    }
    ::close(out_fd);
    ::close(err_fd);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return exit_code(status);
}

RunResult run_capture(const std::vector<std::string> &argv)
{
    RunResult result;
    auto keep = [&](std::string_view line) {
        result.output.append(line);
        result.output.push_back('\n');
    };
    result.status = run_lines(argv, keep, keep);
    return result;
}

bool in_path(const std::string &program)
{
    if (program.find('/') != std::string::npos)
        return ::access(program.c_str(), X_OK) == 0;
    const char *path = std::getenv("PATH");
    std::stringstream dirs(path ? path : "/usr/bin:/bin");
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
        std::string candidate = (dir.empty() ? "." : dir) + "/" + program;
        if (::access(candidate.c_str(), X_OK) == 0)
            return true;
    }
    return false;
}

std::string self_dir()
{
    char buf[PATH_MAX];
    ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0)
        return ".";
    buf[n] = '\0';
    std::string path(buf);
    auto slash = path.rfind('/');
    return slash == std::string::npos ? "." : path.substr(0, slash);
}

pid_t spawn_in_own_group(const std::vector<std::string> &argv, const std::string &log, int death_signal,
                         std::string &error)
{
    const pid_t pid = ::fork();
    if (pid < 0) {
        error = "fork: " + std::string(std::strerror(errno));
        return -1;
    }
    if (pid == 0) {
        ::setpgid(0, 0);
        ::prctl(PR_SET_PDEATHSIG, death_signal);
        const int in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (in >= 0)
            ::dup2(in, STDIN_FILENO);
        if (!log.empty()) {
            const int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
            if (out >= 0) {
                ::dup2(out, STDOUT_FILENO);
                ::dup2(out, STDERR_FILENO);
            }
        }
        std::vector<char *> args;
        for (const auto &a : argv)
            args.push_back(const_cast<char *>(a.c_str()));
        args.push_back(nullptr);
        ::execvp(args[0], args.data());
        ::_exit(127);
    }
    ::setpgid(pid, pid); // also from here: the group exists before either side goes on
    return pid;
}

void end_child(pid_t &pid)
{
    if (pid <= 0)
        return;
    ::kill(pid, SIGTERM);
    for (int i = 0; i < 100; ++i) {
        if (::waitpid(pid, nullptr, WNOHANG) == pid) {
            pid = -1;
            return;
        }
        ::usleep(50000);
    }
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    pid = -1;
}

} // namespace teescope::cli
