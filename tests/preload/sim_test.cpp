// SPDX-License-Identifier: MIT
// The preload against a real teesim daemon: runs with LD_PRELOAD=libteescope-preload.so and
// TEESCOPE_SIM=<socket>; the test environment starts `teescope sim --socket <socket>` (given in
// TEESCOPE_TEST_SIM_CMD) without the preload, and stops it at the end. How a context behaves as a
// file (dup, fork, descriptor passing, threads); the driver's rules are in the conformance tests.
#include "sim_client.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

using namespace sim_client;

namespace {

// ------------------------------------------------------------------------- tests

TEST(PreloadSim, OpenVersionClose)
{
    int fd = open_context();
    ASSERT_GE(fd, 0);
    EXPECT_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
    tee_ioctl_version_data v{};
    ASSERT_EQ(ioctl(fd, TEE_IOC_VERSION, &v), 0) << strerror(errno);
    EXPECT_EQ(v.impl_id, static_cast<uint32_t>(TEE_IMPL_ID_QTEE));
    EXPECT_TRUE(v.gen_caps & TEE_GEN_CAP_OBJREF);
    // A duplicate names the same context.
    int d = dup(fd);
    ASSERT_GE(d, 0);
    tee_ioctl_version_data v2{};
    EXPECT_EQ(ioctl(d, TEE_IOC_VERSION, &v2), 0);
    EXPECT_EQ(v2.impl_id, v.impl_id);
    EXPECT_EQ(close(d), 0);
    EXPECT_EQ(close(fd), 0);
    errno = 0;
    EXPECT_EQ(ioctl(fd, TEE_IOC_VERSION, &v), -1);
    EXPECT_EQ(errno, EBADF);
}

// Requests that are not TEE calls of this driver: EINVAL like tee_ioctl(), except the generic
// file requests the kernel handles before any driver.
TEST(PreloadSim, RequestsTheDriverDoesNotServe)
{
    int fd = open_context();
    ASSERT_GE(fd, 0);
    errno = 0;
    EXPECT_EQ(ioctl(fd, _IO(TEE_IOC_MAGIC, 42), nullptr), -1);
    EXPECT_EQ(errno, EINVAL);
    tee_ioctl_close_session_arg close_arg{1};
    errno = 0;
    EXPECT_EQ(ioctl(fd, TEE_IOC_CLOSE_SESSION, &close_arg), -1);
    EXPECT_EQ(errno, EINVAL);
    int pending = 0;
    errno = 0;
    EXPECT_EQ(ioctl(fd, FIONREAD, &pending), -1);
    EXPECT_EQ(errno, EINVAL);
    ASSERT_EQ(ioctl(fd, FIONCLEX), 0);
    EXPECT_EQ(fcntl(fd, F_GETFD), 0);
    ASSERT_EQ(ioctl(fd, FIOCLEX), 0);
    EXPECT_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
    tee_ioctl_version_data v{};
    EXPECT_EQ(ioctl(fd, TEE_IOC_VERSION, &v), 0); // the context still works
    close(fd);
}

TEST(PreloadSim, SharedMemory)
{
    int fd = open_context();
    ASSERT_GE(fd, 0);
    tee_ioctl_shm_alloc_data alloc{8192, 0, -1};
    int shm_fd = ioctl(fd, TEE_IOC_SHM_ALLOC, &alloc);
    ASSERT_GE(shm_fd, 0) << strerror(errno);
    EXPECT_GT(alloc.id, 0);
    EXPECT_EQ(fcntl(shm_fd, F_GETFD), FD_CLOEXEC);
    void *p = mmap(nullptr, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, shm_fd, 0);
    ASSERT_NE(p, MAP_FAILED) << strerror(errno);
    std::memset(p, 0x5a, 8192);
    munmap(p, 8192);
    EXPECT_EQ(close(shm_fd), 0);
    close(fd);
}

TEST(PreloadSim, ThreadsShareOneContextWhileASupplicantWaits)
{
    Client client;
    ASSERT_NO_FATAL_FAILURE(client.start());
    EXPECT_GE(client.supplicant->served.load(), 2); // getLength + readAtOffset at least
    // The supplicant is blocked in SUPPL_RECV on the same context while these threads invoke.
    std::atomic<int> ok{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 25; ++i) {
                int err = 0;
                if (heap_total(client.fd, client.diagnostics, &err) > 0)
                    ++ok;
            }
        });
    }
    for (auto &t : threads)
        t.join();
    EXPECT_EQ(ok.load(), 100);
    // Back in SUPPL_RECV (it may be between two waits, having just taken a RELEASE notice).
    for (int i = 0; i < 200 && !client.supplicant->waiting.load(); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    EXPECT_TRUE(client.supplicant->waiting.load());
    // A signal handled without SA_RESTART ends the supplicant's wait with EINTR (the kernel waits
    // interruptibly); the supplicant waits again and still serves.
    struct sigaction action{};
    action.sa_handler = [](int) {};
    struct sigaction old_action{};
    ASSERT_EQ(sigaction(SIGUSR1, &action, &old_action), 0);
    for (int i = 0; i < 5; ++i) {
        client.supplicant->signal(SIGUSR1);
        std::this_thread::sleep_for(std::chrono::milliseconds(30));
    }
    EXPECT_GE(client.supplicant->interrupted.load(), 1);
    EXPECT_EQ(client.supplicant->error.load(), 0);
    sigaction(SIGUSR1, &old_action, nullptr);
    ASSERT_NO_FATAL_FAILURE(client.stop());
}

TEST(PreloadSim, ContextSharedAcrossFork)
{
    Client client;
    ASSERT_NO_FATAL_FAILURE(client.start());
    ASSERT_GT(heap_total(client.fd, client.diagnostics), 0u);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        // The child's first call opens its own channel; the handle is valid in the shared context.
        int err = 0;
        uint32_t total = heap_total(client.fd, client.diagnostics, &err);
        tee_ioctl_version_data v{};
        bool version_ok = ioctl(client.fd, TEE_IOC_VERSION, &v) == 0 && v.impl_id == TEE_IMPL_ID_QTEE;
        _exit(total > 0 && version_ok ? 0 : 10 + err);
    }
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status)) << status;
    EXPECT_EQ(WEXITSTATUS(status), 0);
    EXPECT_GT(heap_total(client.fd, client.diagnostics), 0u); // the parent's channel still works
    ASSERT_NO_FATAL_FAILURE(client.stop());
}

TEST(PreloadSim, ContextPassedOverUnixSocket)
{
    int pair[2];
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0);
    // The receiver exists before the context does: it only ever sees the descriptor it receives.
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        close(pair[0]);
        uint64_t diagnostics = 0;
        iovec iov{&diagnostics, sizeof diagnostics};
        alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
        msghdr msg{};
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control;
        msg.msg_controllen = sizeof control;
        if (recvmsg(pair[1], &msg, 0) != sizeof diagnostics)
            _exit(20);
        cmsghdr *c = CMSG_FIRSTHDR(&msg);
        if (!c || c->cmsg_type != SCM_RIGHTS)
            _exit(21);
        int fd;
        std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
        int err = 0;
        uint32_t total = heap_total(fd, diagnostics, &err);
        char done = 'd';
        (void)!write(pair[1], &done, 1);
        _exit(total > 0 ? 0 : 30 + err);
    }
    close(pair[1]);
    Client client;
    ASSERT_NO_FATAL_FAILURE(client.start());
    iovec iov{&client.diagnostics, sizeof client.diagnostics};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &client.fd, sizeof(int));
    ASSERT_EQ(sendmsg(pair[0], &msg, 0), static_cast<ssize_t>(sizeof client.diagnostics));
    char done = 0;
    EXPECT_EQ(read(pair[0], &done, 1), 1);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status)) << status;
    EXPECT_EQ(WEXITSTATUS(status), 0);
    close(pair[0]);
    ASSERT_NO_FATAL_FAILURE(client.stop());
}

} // namespace

int main(int argc, char **argv)
{
    ::testing::InitGoogleTest(&argc, argv);
    ::testing::AddGlobalTestEnvironment(new SimDaemon);
    return RUN_ALL_TESTS();
}
