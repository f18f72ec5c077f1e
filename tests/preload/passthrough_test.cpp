// SPDX-License-Identifier: MIT
// Runs with and without libteescope-preload.so in LD_PRELOAD: whatever is not a TEE descriptor
// must behave exactly as without the tracer. Where possible the libc call is compared with the
// raw system call made on the same kind of object.
#include "teescope/tee_uapi.h"

#include <gtest/gtest.h>

#include <dlfcn.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

struct Result {
    long value;
    int err;
    bool operator==(const Result &) const = default;
};

template <typename F>
Result capture(F f)
{
    errno = 0;
    long v = f();
    return {v, v < 0 ? errno : 0};
}

std::string temp_file(const char *content)
{
    char path[] = "/tmp/teescope-preload-XXXXXX";
    int fd = mkstemp(path);
    EXPECT_GE(fd, 0);
    EXPECT_EQ(write(fd, content, std::strlen(content)), static_cast<ssize_t>(std::strlen(content)));
    close(fd);
    return path;
}

bool is_open(int fd) { return fcntl(fd, F_GETFD) >= 0; }

TEST(PreloadPassthrough, InterposerIsLoadedWhenExpected)
{
    const char *expect = std::getenv("TEESCOPE_EXPECT_PRELOAD");
    Dl_info info{};
    void *sym = dlsym(RTLD_DEFAULT, "ioctl");
    ASSERT_NE(sym, nullptr);
    ASSERT_NE(dladdr(sym, &info), 0);
    bool ours = info.dli_fname && std::strstr(info.dli_fname, "libteescope-preload");
    EXPECT_EQ(ours, expect && *expect == '1') << "ioctl resolves to " << (info.dli_fname ? info.dli_fname : "?");
}

TEST(PreloadPassthrough, OrdinaryFiles)
{
    std::string path = temp_file("teescope");
    int fd = open(path.c_str(), O_RDONLY);
    ASSERT_GE(fd, 0);
    char buf[16] = {};
    EXPECT_EQ(read(fd, buf, sizeof buf), 8);
    EXPECT_STREQ(buf, "teescope");
    errno = 4242;
    EXPECT_EQ(close(fd), 0);
    EXPECT_EQ(errno, 4242) << "a successful close must leave errno alone";

    Result missing = capture([] { return open("/nonexistent/teescope", O_RDONLY); });
    EXPECT_EQ(missing, (Result{-1, ENOENT}));
    Result missing_at = capture([] { return openat(AT_FDCWD, "/nonexistent/teescope", O_RDONLY); });
    EXPECT_EQ(missing_at, (Result{-1, ENOENT}));
    EXPECT_EQ(capture([] { return close(-1); }), (Result{-1, EBADF}));
    EXPECT_EQ(capture([&] { return close(fd); }), (Result{-1, EBADF}));

    // The mode argument of O_CREAT is forwarded.
    std::string created = path + ".new";
    mode_t old_mask = umask(0);
    int cfd = open(created.c_str(), O_CREAT | O_WRONLY | O_EXCL, 0640);
    umask(old_mask);
    ASSERT_GE(cfd, 0);
    struct stat st;
    ASSERT_EQ(fstat(cfd, &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0640u);
    close(cfd);
    int afd = openat(AT_FDCWD, created.c_str(), O_CREAT | O_WRONLY, 0600);
    EXPECT_GE(afd, 0);
    close(afd);
    unlink(created.c_str());
    unlink(path.c_str());
}

TEST(PreloadPassthrough, PipesAndSockets)
{
    int p[2];
    ASSERT_EQ(pipe(p), 0);
    EXPECT_EQ(write(p[1], "abc", 3), 3);
    int pending = -1;
    EXPECT_EQ(ioctl(p[0], FIONREAD, &pending), 0);
    EXPECT_EQ(pending, 3);
    char buf[4] = {};
    EXPECT_EQ(read(p[0], buf, 3), 3);
    EXPECT_STREQ(buf, "abc");
    close(p[0]);
    close(p[1]);

    int s[2];
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, s), 0);
    EXPECT_EQ(send(s[0], "xy", 2, 0), 2);
    EXPECT_EQ(recv(s[1], buf, sizeof buf, 0), 2);
    EXPECT_EQ(close(s[0]), 0);
    EXPECT_EQ(recv(s[1], buf, sizeof buf, 0), 0);
    EXPECT_EQ(close(s[1]), 0);
}

TEST(PreloadPassthrough, DupFamilyAndFcntl)
{
    int fd = open("/dev/null", O_RDWR);
    ASSERT_GE(fd, 0);
    int d = dup(fd);
    ASSERT_GE(d, 0);
    EXPECT_EQ(dup2(fd, 200), 200);
    EXPECT_EQ(dup2(fd, fd), fd);
    EXPECT_EQ(capture([] { return dup2(-1, 201); }), (Result{-1, EBADF}));
    EXPECT_EQ(capture([&] { return dup3(fd, fd, 0); }), (Result{-1, EINVAL}));
    EXPECT_EQ(dup3(fd, 202, O_CLOEXEC), 202);
    EXPECT_EQ(fcntl(202, F_GETFD), FD_CLOEXEC);
    EXPECT_EQ(fcntl(200, F_GETFD), 0);

    int high = fcntl(fd, F_DUPFD, 300);
    EXPECT_GE(high, 300);
    int high_cloexec = fcntl(fd, F_DUPFD_CLOEXEC, 400);
    EXPECT_GE(high_cloexec, 400);
    EXPECT_EQ(fcntl(high_cloexec, F_GETFD), FD_CLOEXEC);
    EXPECT_EQ(capture([] { return fcntl(-1, F_DUPFD, 0); }), (Result{-1, EBADF}));

    // Integer and pointer arguments both reach the kernel.
    EXPECT_EQ(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
    EXPECT_TRUE(fcntl(fd, F_GETFL) & O_NONBLOCK);
    std::string path = temp_file("lock");
    int lfd = open(path.c_str(), O_RDWR);
    ASSERT_GE(lfd, 0);
    struct flock lock{};
    lock.l_type = F_WRLCK;
    lock.l_whence = SEEK_SET;
    EXPECT_EQ(fcntl(lfd, F_SETLK, &lock), 0);
    struct flock query{};
    query.l_type = F_WRLCK;
    EXPECT_EQ(fcntl(lfd, F_GETLK, &query), 0);
    EXPECT_EQ(query.l_type, F_UNLCK); // our own lock does not conflict with us
    close(lfd);
    unlink(path.c_str());

    for (int n : {fd, d, 200, 202, high, high_cloexec})
        EXPECT_EQ(close(n), 0);
}

TEST(PreloadPassthrough, CloseRange)
{
    int fds[3];
    for (int &fd : fds) {
        fd = open("/dev/null", O_RDONLY);
        ASSERT_GE(fd, 0);
    }
    int low = std::min({fds[0], fds[1], fds[2]});
    int high = std::max({fds[0], fds[1], fds[2]});
    ASSERT_EQ(close_range(low, high, CLOSE_RANGE_CLOEXEC), 0);
    for (int fd : fds)
        EXPECT_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
    ASSERT_EQ(close_range(low, high, 0), 0);
    for (int fd : fds)
        EXPECT_FALSE(is_open(fd));
}

TEST(PreloadPassthrough, Mmap)
{
    std::string path = temp_file("mapped contents");
    int fd = open(path.c_str(), O_RDONLY);
    ASSERT_GE(fd, 0);
    void *p = mmap(nullptr, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
    ASSERT_NE(p, MAP_FAILED);
    EXPECT_EQ(std::memcmp(p, "mapped contents", 15), 0);
    munmap(p, 4096);
    errno = 0;
    EXPECT_EQ(mmap(nullptr, 4096, PROT_READ, MAP_PRIVATE, 999, 0), MAP_FAILED);
    EXPECT_EQ(errno, EBADF);
    void *anon = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ASSERT_NE(anon, MAP_FAILED);
    static_cast<char *>(anon)[0] = 1;
    munmap(anon, 4096);
    close(fd);
    unlink(path.c_str());
}

TEST(PreloadPassthrough, Fork)
{
    int p[2];
    ASSERT_EQ(pipe(p), 0);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        char c = 'k';
        _exit(write(p[1], &c, 1) == 1 ? 7 : 1);
    }
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 7);
    char c = 0;
    EXPECT_EQ(read(p[0], &c, 1), 1);
    EXPECT_EQ(c, 'k');
    close(p[0]);
    close(p[1]);
}

// TEE requests on descriptors that are not TEE devices: the libc call (maybe interposed) and the
// raw system call give the same result and errno.
TEST(PreloadPassthrough, TeeIoctlsOnOtherDescriptors)
{
    int null_fd = open("/dev/null", O_RDWR);
    int p[2];
    ASSERT_EQ(pipe(p), 0);
    int s[2];
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, s), 0);
    std::string path = temp_file("x");
    int file_fd = open(path.c_str(), O_RDONLY);

    tee_ioctl_version_data version{};
    tee_ioctl_buf_data buf{};
    void *bad = reinterpret_cast<void *>(8);
    const unsigned long requests[] = {TEE_IOC_VERSION, TEE_IOC_OBJECT_INVOKE, TEE_IOC_SHM_ALLOC,
                                      TEE_IOC_SUPPL_RECV, _IO(TEE_IOC_MAGIC, 42)};
    for (int fd : {null_fd, p[0], s[0], file_fd, -1, 12345}) {
        for (unsigned long request : requests) {
            for (void *arg : {static_cast<void *>(&version), static_cast<void *>(&buf), bad}) {
                Result via_libc = capture([&] { return ioctl(fd, request, arg); });
                Result raw = capture([&] { return syscall(SYS_ioctl, fd, request, arg); });
                EXPECT_EQ(via_libc, raw) << "fd " << fd << " request " << std::hex << request;
                EXPECT_EQ(via_libc.value, -1);
            }
        }
    }
    close(null_fd);
    close(p[0]);
    close(p[1]);
    close(s[0]);
    close(s[1]);
    close(file_fd);
    unlink(path.c_str());
}

TEST(PreloadPassthrough, OpensOfNonTeePathsThatLookClose)
{
    // Paths that share the prefix but are not TEE devices are plain opens.
    for (const char *path : {"/dev/tee", "/dev/teeX", "/dev/tee0/x", "/dev/teepriv"}) {
        Result via_libc = capture([&] { return open(path, O_RDWR); });
        Result raw = capture([&] { return syscall(SYS_openat, AT_FDCWD, path, O_RDWR); });
        EXPECT_EQ(via_libc, raw) << path;
    }
}

} // namespace
