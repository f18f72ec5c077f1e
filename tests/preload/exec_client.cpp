// SPDX-License-Identifier: MIT
// A TEE client that changes program: `exec_client first` asks the TEE its version, forks a child
// that execs `exec_client child`, then execs itself as `exec_client second ARG...` with the
// arguments given after `--then`. Each program asks the TEE twice, so that a name told once per
// program can be told from one told per call. `exec_client wait PATH` waits (up to 30 s) for PATH
// to exist before it asks: a process that was loaded before its session started.
#include "teescope/tee_uapi.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <vector>

namespace {

int ask_version()
{
    int fd = ::open("/dev/tee0", O_RDWR);
    if (fd < 0) {
        std::perror("exec_client: open /dev/tee0");
        return 1;
    }
    for (int i = 0; i < 2; ++i) {
        tee_ioctl_version_data v{};
        if (::ioctl(fd, TEE_IOC_VERSION, &v) != 0) {
            std::perror("exec_client: TEE_IOC_VERSION");
            return 1;
        }
    }
    ::close(fd);
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    if (std::strcmp(argv[1], "wait") == 0) {
        for (int i = 0; argc > 2 && ::access(argv[2], F_OK) != 0; ++i) {
            if (i == 3000)
                return 3;
            ::usleep(10000);
        }
    }
    if (ask_version() != 0)
        return 1;
    if (std::strcmp(argv[1], "first") != 0)
        return 0; // child, second: done
    pid_t child = ::fork();
    if (child == 0) {
        char *child_argv[] = {const_cast<char *>("exec_client"), const_cast<char *>("child"), nullptr};
        ::execv("/proc/self/exe", child_argv);
        _exit(127);
    }
    int status = 0;
    if (child < 0 || ::waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        std::fprintf(stderr, "exec_client: the child failed\n");
        return 1;
    }
    std::vector<char *> next{const_cast<char *>("exec_client"), const_cast<char *>("second")};
    for (int i = 2; i < argc; ++i)
        if (std::strcmp(argv[i], "--then") != 0)
            next.push_back(argv[i]);
    next.push_back(nullptr);
    ::execv("/proc/self/exe", next.data());
    std::perror("exec_client: exec");
    return 1;
}
