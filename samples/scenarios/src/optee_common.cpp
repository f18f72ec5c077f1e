// SPDX-License-Identifier: MIT
#include "scenarios/optee.h"

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <poll.h>
#include <signal.h>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include "optee_tas/image.h"
#include "scenarios/common.h"

namespace teescope::scenarios {

namespace {

std::string errno_text(const std::string &what)
{
    return what + ": " + std::strerror(errno);
}

// Waits up to timeout_ms for the supplicant's ready byte; false on EOF (it exited).
bool wait_ready(int fd, int timeout_ms)
{
    pollfd pfd{fd, POLLIN, 0};
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now())
                .count();
        if (left <= 0)
            throw std::runtime_error("teescope-optee-supplicant did not open its device in time");
        const int r = ::poll(&pfd, 1, static_cast<int>(left));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            throw std::runtime_error(errno_text("poll"));
        if (r == 0)
            continue;
        char byte;
        const ssize_t n = ::read(fd, &byte, 1);
        if (n < 0 && errno == EINTR)
            continue;
        return n == 1;
    }
}

// Writes every catalogue TA's image into `dir`; returns `dir`.
std::string with_ta_images(const std::string &dir)
{
    const std::string error = optee::write_ta_images(dir);
    if (!error.empty())
        throw std::runtime_error("writing the TA images: " + error);
    return dir;
}

} // namespace

TempDir::TempDir(const std::string &prefix) : owner_(::getpid())
{
    const char *tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/" + prefix + "-XXXXXX";
    std::vector<char> buf(pattern.begin(), pattern.end());
    buf.push_back('\0');
    if (!::mkdtemp(buf.data()))
        throw std::runtime_error(errno_text("mkdtemp " + pattern));
    path_ = buf.data();
}

TempDir::~TempDir()
{
    if (::getpid() != owner_)
        return;
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

SupplicantProcess::SupplicantProcess(const std::string &executable, const std::string &ta_dir,
                                     const std::string &fs_dir, const std::vector<std::string> &extra_args)
    : owner_(::getpid())
{
    if (::access(executable.c_str(), X_OK) != 0)
        throw SupplicantFailed(
            errno_text("the supplicant " + executable) + " (give its path with --supplicant)", -1);
    int ready[2];
    if (::pipe2(ready, O_CLOEXEC) != 0)
        throw std::runtime_error(errno_text("pipe"));
    std::fflush(nullptr);
    pid_ = ::fork();
    if (pid_ < 0) {
        ::close(ready[0]);
        ::close(ready[1]);
        throw std::runtime_error(errno_text("fork"));
    }
    if (pid_ == 0) {
        // The write end stays open across exec; the supplicant names it with --ready-fd.
        ::fcntl(ready[1], F_SETFD, 0);
        const std::string ready_fd = std::to_string(ready[1]);
        std::vector<std::string> args{executable, "--ta-dir",   ta_dir,  "--fs-dir",
                                      fs_dir,     "--ready-fd", ready_fd};
        if (std::getenv("TEESCOPE_SUPPLICANT_VERBOSE"))
            args.emplace_back("-v");
        args.insert(args.end(), extra_args.begin(), extra_args.end());
        std::vector<char *> argv;
        for (std::string &a : args)
            argv.push_back(a.data());
        argv.push_back(nullptr);
        ::execv(executable.c_str(), argv.data());
        const std::string msg = program() + ": cannot run " + executable + ": " + std::strerror(errno) + "\n";
        (void)!::write(STDERR_FILENO, msg.data(), msg.size());
        ::_exit(127);
    }
    ::close(ready[1]);
    bool ok = false;
    try {
        ok = wait_ready(ready[0], 10000);
    } catch (...) {
        ::close(ready[0]);
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
        throw;
    }
    ::close(ready[0]);
    if (!ok) {
        const int status = wait_child(pid_, 10000);
        pid_ = -1;
        throw SupplicantFailed("teescope-optee-supplicant exited with status " + std::to_string(status) +
                                   " before serving",
                               status);
    }
    note("teescope-optee-supplicant " + std::to_string(pid_) + " serves TAs from " + ta_dir);
}

SupplicantProcess::~SupplicantProcess()
{
    if (pid_ <= 0 || ::getpid() != owner_)
        return;
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
}

void SupplicantProcess::stop()
{
    if (pid_ <= 0)
        throw std::runtime_error("the supplicant is not running");
    const pid_t pid = pid_;
    pid_ = -1;
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid)
        throw std::runtime_error("teescope-optee-supplicant had exited (status " + std::to_string(status) +
                                 ")");
    ::kill(pid, SIGTERM);
    const int code = wait_child(pid, 10000);
    check(code == 128 + SIGTERM,
          "teescope-optee-supplicant ended with status " + std::to_string(code) + " instead of by SIGTERM");
}

int SupplicantProcess::kill(int sig)
{
    if (pid_ <= 0)
        throw std::runtime_error("the supplicant is not running");
    const pid_t pid = pid_;
    pid_ = -1;
    ::kill(pid, sig);
    return wait_child(pid, 10000);
}

OpteeWorld::OpteeWorld(const std::string &supplicant_executable)
    : root_("teescope-optee"), ta_dir_(with_ta_images(root_.path() + "/ta")),
      fs_dir_(root_.path() + "/storage"), supplicant_(supplicant_executable, ta_dir_, fs_dir_)
{
}

std::string take_supplicant_option(int &argc, char **argv)
{
    std::string path;
    int out = 1;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--supplicant" && i + 1 < argc) {
            path = argv[++i];
        } else if (arg.rfind("--supplicant=", 0) == 0) {
            path = arg.substr(13);
        } else {
            argv[out++] = argv[i];
        }
    }
    argc = out;
    argv[argc] = nullptr;
    return path.empty() ? executable_dir() + "/teescope-optee-supplicant" : path;
}

optee::TeecUuid teec_uuid(const optee::Uuid &octets)
{
    return optee::TeecUuid::from_octets(octets);
}

void expect_result(const optee::Result &result, uint32_t code, std::optional<uint32_t> origin,
                   const std::string &what)
{
    if (result.code == code && (!origin || result.origin == *origin))
        return;
    std::string expected = optee::result_name(code);
    if (origin)
        expected += " from " + optee::origin_name(*origin);
    throw std::runtime_error(what + ": " + optee::describe(result) + ", expected " + expected);
}

void expect_code(uint32_t code, const std::string &what)
{
    check(code == 0, what + ": " + optee::result_name(code));
}

void initialize(optee::Context &ctx)
{
    const uint32_t res = ctx.initialize();
    check(res == 0, "no OP-TEE device: TEEC_InitializeContext gave " + optee::result_name(res));
}

void open_session(optee::Session &session, optee::Context &ctx, const optee::Uuid &ta)
{
    const optee::TaInfo *info = optee::find_ta(ta);
    const std::string name = info ? std::string(info->name) : optee::to_string(ta);
    expect_success(session.open(ctx, teec_uuid(ta)), "opening a session with " + name);
}

} // namespace teescope::scenarios
