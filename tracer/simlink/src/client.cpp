// SPDX-License-Identifier: MIT
// The client side of teesim: a context is a connection to the daemon; an ioctl on it runs on the
// calling thread's channel (channel.h) and moves its argument like the kernel would (marshal.h).
#include "teescope/simlink/client.h"

#include "channel.h"
#include "marshal.h"
#include "user_memory.h"

#include "teescope/simlink/wire.h"
#include "teescope/tee_uapi.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace teescope::simlink {

using namespace detail;

namespace {

// An ioctl is one system call: a thread cancelled with deferred cancellation is not stopped in
// it (ioctl is no cancellation point), one with asynchronous cancellation is stopped where it
// waits. The transport's socket calls are cancellation points, so the caller's setting is mapped
// onto them: disabled for a deferred caller, deferred (acting only in the blocking calls, never
// halfway through the bookkeeping) for an asynchronous one.
class CancelScope {
public:
    CancelScope()
    {
        ::pthread_setcanceltype(PTHREAD_CANCEL_DEFERRED, &type_);
        if (type_ == PTHREAD_CANCEL_DEFERRED)
            ::pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &state_);
    }
    ~CancelScope()
    {
        if (type_ == PTHREAD_CANCEL_DEFERRED)
            ::pthread_setcancelstate(state_, nullptr);
        ::pthread_setcanceltype(type_, nullptr);
    }
    CancelScope(const CancelScope &) = delete;
    CancelScope &operator=(const CancelScope &) = delete;

private:
    int type_ = PTHREAD_CANCEL_DEFERRED;
    int state_ = PTHREAD_CANCEL_ENABLE;
};

// The daemon reads and writes shm that a process registered from its own memory
// (process_vm_readv / writev): let it, where Yama restricts such access to ancestors.
void allow_daemon_access(int sock)
{
    ucred peer{};
    socklen_t len = sizeof peer;
    if (::getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &peer, &len) == 0 && peer.pid > 0)
        ::prctl(PR_SET_PTRACER, static_cast<unsigned long>(peer.pid), 0, 0, 0);
}

} // namespace

int client_open(const char *socket_path, const char *dev, int open_flags)
{
    if (!socket_path || !*socket_path)
        return -ENOENT;
    int sock = connect_to(socket_path, (open_flags & O_CLOEXEC) != 0);
    if (sock < 0) // no daemon behind the socket reads like a device node without a driver
        return -sock == ENOENT || -sock == ECONNREFUSED ? -ENXIO : sock;
    ContextRef ctx;
    if (int err = greet(sock, make_hello(Kind::HelloContext, static_cast<uint32_t>(open_flags), dev), ctx.token,
                        &ctx.ops)) {
        ::close(sock);
        return -err;
    }
    cache_context(sock, ctx);
    allow_daemon_access(sock);
    return sock;
}

bool read_user_memory(void *to, const void *from, size_t len)
{
    return copy_in(to, reinterpret_cast<uintptr_t>(from), len);
}

long client_ioctl(int fd, unsigned long cmd, void *arg, ArgumentTap *tap)
{
    if (fd < 0)
        return -EBADF;
    if (_IOC_TYPE(cmd) != TEE_IOC_MAGIC)
        return -EINVAL;
    CancelScope cancel;
    Channel &ch = this_thread_channel();
    if (ch.sock < 0) {
        if (int err = connect_channel(ch, fd))
            return -err;
    }
    ContextRef ctx = cached_context(fd);
    if (ctx.token == 0) {
        sockaddr_un addr;
        if (int err = peer_path(fd, addr))
            return -err;
        if (int err = identify(ch, fd, ctx))
            return -err;
        cache_context(fd, ctx);
    }
    switch (cmd) {
    case TEE_IOC_VERSION:
    case TEE_IOC_CANCEL:
    case TEE_IOC_CLOSE_SESSION:
    case TEE_IOC_SHM_ALLOC:
    case TEE_IOC_SHM_REGISTER:
    case TEE_IOC_SHM_REGISTER_FD:
        return fixed_ioctl(ch, ctx, cmd, arg);
    case TEE_IOC_OPEN_SESSION:
    case TEE_IOC_INVOKE:
    case TEE_IOC_OBJECT_INVOKE:
    case TEE_IOC_SUPPL_RECV:
    case TEE_IOC_SUPPL_SEND:
        return buffer_ioctl(ch, ctx, cmd, arg, tap);
    default: {
        // Not part of the UAPI: the daemon answers EINVAL like tee_ioctl().
        Call call;
        call.cmd = cmd;
        if (int err = exchange(ch, ctx.token, call))
            return -err;
        if (call.reply_fd >= 0)
            ::close(call.reply_fd);
        return call.err ? -call.err : 0;
    }
    }
}

void client_forget(int fd)
{
    if (fd >= 0)
        forget_context(fd);
}

int client_destroy_guest(const char *socket_path, uint32_t domain)
{
    if (!socket_path || !*socket_path)
        return ENOENT;
    int sock = connect_to(socket_path, true);
    if (sock < 0)
        return -sock;
    Hello hello = make_hello(Kind::DestroyGuest, 0, nullptr);
    hello.domain = domain;
    uint64_t unused = 0;
    int err = greet(sock, hello, unused);
    ::close(sock);
    return err;
}

void client_after_fork_child()
{
    on_fork_child();
    this_thread_channel(); // closes this thread's copy of the parent's channel at once
}

bool client_is_context(int fd, const char *socket_path)
{
    if (fd < 0 || !socket_path || !*socket_path)
        return false;
    sockaddr_un addr;
    if (peer_path(fd, addr))
        return false;
    if (std::strcmp(addr.sun_path, socket_path) == 0)
        return true;
    // The daemon may have bound a relative or otherwise spelled path: compare the socket files.
    struct stat a, b;
    return ::stat(addr.sun_path, &a) == 0 && ::stat(socket_path, &b) == 0 && S_ISSOCK(a.st_mode)
           && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

} // namespace teescope::simlink
