// SPDX-License-Identifier: MIT
// The interposed libc functions. Each one passes straight through unless its descriptor or path
// is a TEE one; then it routes and traces. Everything here must be callable before our
// constructor ran and from inside dlsym (see runtime.cpp).
#include "fd_table.h"
#include "process_name.h"
#include "runtime.h"
#include "tee_ioctl.h"

#include "teescope/simlink/client.h"
#include "teescope/tee_uapi.h"
#include "teescope/trace.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdlib>
#include <cstring>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

using namespace teescope::preload;

namespace {

bool needs_mode(int flags) { return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE; }

// An open of a TEE device node (/dev/teeN or the supplicant's /dev/teeprivN): to teesim when
// TEESCOPE_SIM is set, else the real call; recorded and traced either way.
template <typename RealOpen>
int open_device(const char *path, int flags, RealOpen real_open)
{
    initialize();
    const char *sim = sim_socket();
    FdKind kind = FdKind::Device;
    int fd;
    int err = 0;
    if (sim) {
        kind = FdKind::Sim;
        Guard guard;
        fd = teescope::simlink::client_open(sim, path + 5, flags); // "teeN", "teeprivN"
        if (fd < 0) {
            err = -fd;
            fd = -1;
        }
    } else {
        fd = real_open();
        err = fd < 0 ? errno : 0;
    }
    announce_process();
    if (fd >= 0) {
        arm_exit_event();
        fd_track(fd, kind);
        if (kind == FdKind::Device)
            teescope::simlink::client_forget(fd); // a stale token of a number reused behind our back
    }
    {
        Guard guard;
        TS_USER(dev_open, .fd = fd, .path = path, .flags = static_cast<uint32_t>(flags), .err = err,
                .sim = kind == FdKind::Sim);
    }
    errno = err;
    return fd;
}

// A descriptor went away (close, close_range, dup2 over it): forget it and trace it.
void descriptor_closed(int fd, FdKind old, int err)
{
    if (old == FdKind::Sim)
        teescope::simlink::client_forget(fd);
    announce_process();
    Guard guard;
    TS_USER(fd_close, .fd = fd, .err = err);
}

int raw_close(int fd)
{
    const RealFunctions *fns = real();
    return fns && fns->close ? fns->close(fd) : static_cast<int>(::syscall(SYS_close, fd));
}

// dup, dup2, dup3, fcntl(F_DUPFD*): newfd names the same file as fd.
int after_dup(int fd, FdKind kind, int newfd, int err)
{
    if (newfd >= 0 && kind != FdKind::None)
        fd_track(newfd, kind);
    announce_process();
    Guard guard;
    TS_USER(fd_dup, .fd = fd, .newfd = newfd, .err = err);
    return newfd;
}

// dup2/dup3 over a descriptor we track closes it implicitly.
template <typename RealDup>
int dup_over(int fd, int newfd, RealDup real_dup)
{
    FdKind kind = fd_kind(fd);
    FdKind replaced = fd != newfd ? fd_kind(newfd) : FdKind::None;
    if (t_guard || (kind == FdKind::None && replaced == FdKind::None))
        return real_dup();
    int saved = errno;
    if (replaced != FdKind::None)
        fd_track(newfd, FdKind::None);
    int r = real_dup();
    int err = r < 0 ? errno : 0;
    if (r < 0 && replaced != FdKind::None)
        fd_track(newfd, replaced); // newfd was left alone
    if (r >= 0 && replaced != FdKind::None)
        descriptor_closed(newfd, replaced, 0);
    if (kind != FdKind::None)
        after_dup(fd, kind, r, err);
    errno = r < 0 ? err : saved;
    return r;
}

int fcntl_common(int (*real_fcntl)(int, int, ...), long raw_nr, int fd, int cmd, void *arg)
{
    auto call = [&] {
        if (real_fcntl)
            return real_fcntl(fd, cmd, arg);
        return static_cast<int>(::syscall(raw_nr, fd, cmd, arg));
    };
    if (t_guard || (cmd != F_DUPFD && cmd != F_DUPFD_CLOEXEC))
        return call();
    FdKind kind = fd_kind(fd);
    if (kind == FdKind::None)
        return call();
    int saved = errno;
    int r = call();
    int err = r < 0 ? errno : 0;
    after_dup(fd, kind, r, err);
    errno = r < 0 ? err : saved;
    return r;
}

// A teesim shm is a file; the kernel's shm refuses a mapping beyond its pages
// (tee_shm_fop_mmap), where a file would map and fault later.
bool beyond_sim_shm(int fd, size_t length, off_t offset)
{
    struct stat st;
    if (!sim_socket() || ::fstat(fd, &st) != 0 || offset < 0)
        return false;
    const uint64_t page = 4096;
    const uint64_t pages = (length + page - 1) / page;
    return static_cast<uint64_t>(offset) / page + pages > static_cast<uint64_t>(st.st_size) / page;
}

template <typename RealMmap>
void *mmap_common(int fd, size_t length, off_t offset, RealMmap real_mmap)
{
    if (t_guard || fd < 0 || fd_kind(fd) != FdKind::Shm)
        return real_mmap();
    int saved = errno;
    void *p = beyond_sim_shm(fd, length, offset) ? (errno = EINVAL, MAP_FAILED) : real_mmap();
    int err = p == MAP_FAILED ? errno : 0;
    announce_process();
    {
        Guard guard;
        TS_USER(shm_map, .shm_fd = fd, .addr = p == MAP_FAILED ? 0 : reinterpret_cast<uintptr_t>(p),
                .length = length, .err = err);
    }
    errno = p == MAP_FAILED ? err : saved;
    return p;
}

// The lttng-ust fork hooks, present once the providers loaded liblttng-ust.
using ForkHook = void (*)(sigset_t *);

__attribute__((constructor)) void preload_constructor()
{
    real();
    initialize();
    announce_process(); // a session listening now hears of every program, TEE client or not
}

} // namespace

extern "C" {

#define TS_OPEN_VARIANT(name, slot)                                                    \
    __attribute__((visibility("default"))) int name(const char *path, int flags, ...)  \
    {                                                                                  \
        mode_t mode = 0;                                                               \
        if (needs_mode(flags)) {                                                       \
            va_list ap;                                                                \
            va_start(ap, flags);                                                       \
            mode = va_arg(ap, mode_t);                                                 \
            va_end(ap);                                                                \
        }                                                                              \
        auto call = [&] {                                                              \
            const RealFunctions *fns = real();                                         \
            if (fns && fns->slot)                                                      \
                return fns->slot(path, flags, mode);                                   \
            return static_cast<int>(::syscall(SYS_openat, AT_FDCWD, path, flags, mode)); \
        };                                                                             \
        if (t_guard || !is_tee_device_path(path, nullptr))                             \
            return call();                                                             \
        return open_device(path, flags, call);                                         \
    }

TS_OPEN_VARIANT(open, open)
TS_OPEN_VARIANT(open64, open64)

#define TS_OPENAT_VARIANT(name, slot)                                                        \
    __attribute__((visibility("default"))) int name(int dirfd, const char *path, int flags, ...) \
    {                                                                                        \
        mode_t mode = 0;                                                                     \
        if (needs_mode(flags)) {                                                             \
            va_list ap;                                                                      \
            va_start(ap, flags);                                                             \
            mode = va_arg(ap, mode_t);                                                       \
            va_end(ap);                                                                      \
        }                                                                                    \
        auto call = [&] {                                                                    \
            const RealFunctions *fns = real();                                               \
            if (fns && fns->slot)                                                            \
                return fns->slot(dirfd, path, flags, mode);                                  \
            return static_cast<int>(::syscall(SYS_openat, dirfd, path, flags, mode));        \
        };                                                                                   \
        if (t_guard || !is_tee_device_path(path, nullptr))                                   \
            return call();                                                                   \
        return open_device(path, flags, call);                                               \
    }

TS_OPENAT_VARIANT(openat, openat)
TS_OPENAT_VARIANT(openat64, openat64)

// The _FORTIFY_SOURCE entry points (no mode argument: O_CREAT is not allowed there).
#define TS_OPEN2_VARIANT(name, slot)                                                   \
    __attribute__((visibility("default"))) int name(const char *path, int flags)       \
    {                                                                                  \
        auto call = [&] {                                                              \
            const RealFunctions *fns = real();                                         \
            if (fns && fns->slot)                                                      \
                return fns->slot(path, flags);                                         \
            return static_cast<int>(::syscall(SYS_openat, AT_FDCWD, path, flags, 0));  \
        };                                                                             \
        if (t_guard || !is_tee_device_path(path, nullptr))                             \
            return call();                                                             \
        return open_device(path, flags, call);                                         \
    }

TS_OPEN2_VARIANT(__open_2, open_2)
TS_OPEN2_VARIANT(__open64_2, open64_2)

#define TS_OPENAT2_VARIANT(name, slot)                                                      \
    __attribute__((visibility("default"))) int name(int dirfd, const char *path, int flags) \
    {                                                                                       \
        auto call = [&] {                                                                   \
            const RealFunctions *fns = real();                                              \
            if (fns && fns->slot)                                                           \
                return fns->slot(dirfd, path, flags);                                       \
            return static_cast<int>(::syscall(SYS_openat, dirfd, path, flags, 0));         \
        };                                                                                  \
        if (t_guard || !is_tee_device_path(path, nullptr))                                  \
            return call();                                                                  \
        return open_device(path, flags, call);                                              \
    }

TS_OPENAT2_VARIANT(__openat_2, openat_2)
TS_OPENAT2_VARIANT(__openat64_2, openat64_2)

__attribute__((visibility("default"))) int close(int fd)
{
    if (t_guard || fd_kind(fd) == FdKind::None)
        return raw_close(fd);
    int saved = errno;
    // Forget first: once closed, the number may be reused by another thread at once.
    FdKind old = fd_track(fd, FdKind::None);
    int r = raw_close(fd);
    int err = r < 0 ? errno : 0;
    descriptor_closed(fd, old, err);
    errno = r < 0 ? err : saved;
    return r;
}

__attribute__((visibility("default"))) int close_range(unsigned first, unsigned last, int flags) noexcept
{
    const RealFunctions *fns = real();
    int r = fns && fns->close_range ? fns->close_range(first, last, flags)
                                    : static_cast<int>(::syscall(SYS_close_range, first, last, flags));
    if (r < 0 || t_guard || (flags & CLOSE_RANGE_CLOEXEC))
        return r;
    int saved = errno;
    int limit = fd_tracked_limit();
    for (long fd = first; fd <= static_cast<long>(last) && fd < limit; ++fd) {
        FdKind old = fd_track(static_cast<int>(fd), FdKind::None);
        if (old != FdKind::None)
            descriptor_closed(static_cast<int>(fd), old, 0);
    }
    errno = saved;
    return r;
}

// The body of ioctl() (ioctl_entry.c). Not noexcept: a thread cancelled while it waits in a TEE
// call unwinds through here.
extern "C" int teescope_preload_ioctl(int fd, unsigned long request, void *arg)
{
    if (_IOC_TYPE(request) != TEE_IOC_MAGIC) {
        // A teesim context is a socket: only the generic file ioctls may reach it, everything
        // else gets what tee_ioctl() answers.
        if (fd_any_sim() && !t_guard && fd_kind(fd) == FdKind::Sim && request != FIOCLEX && request != FIONCLEX
            && request != FIONBIO) {
            errno = EINVAL;
            return -1;
        }
        return real_ioctl(fd, request, arg);
    }
    if (t_guard)
        return real_ioctl(fd, request, arg);
    return tee_ioctl(fd, request, arg);
}

__attribute__((visibility("default"))) void *mmap(void *addr, size_t length, int prot, int flags, int fd,
                                                  off_t offset) noexcept
{
    return mmap_common(fd, length, offset, [&] {
        const RealFunctions *fns = real();
        if (fns && fns->mmap)
            return fns->mmap(addr, length, prot, flags, fd, offset);
        return reinterpret_cast<void *>(::syscall(SYS_mmap, addr, length, prot, flags, fd, offset));
    });
}

__attribute__((visibility("default"))) void *mmap64(void *addr, size_t length, int prot, int flags, int fd,
                                                    off64_t offset) noexcept
{
    return mmap_common(fd, length, offset, [&] {
        const RealFunctions *fns = real();
        if (fns && fns->mmap64)
            return fns->mmap64(addr, length, prot, flags, fd, offset);
        return reinterpret_cast<void *>(::syscall(SYS_mmap, addr, length, prot, flags, fd, offset));
    });
}

__attribute__((visibility("default"))) int dup(int fd) noexcept
{
    auto call = [&] {
        const RealFunctions *fns = real();
        return fns && fns->dup ? fns->dup(fd) : static_cast<int>(::syscall(SYS_dup, fd));
    };
    FdKind kind = fd_kind(fd);
    if (t_guard || kind == FdKind::None)
        return call();
    int saved = errno;
    int r = call();
    int err = r < 0 ? errno : 0;
    after_dup(fd, kind, r, err);
    errno = r < 0 ? err : saved;
    return r;
}

__attribute__((visibility("default"))) int dup2(int fd, int newfd) noexcept
{
    return dup_over(fd, newfd, [&] {
        const RealFunctions *fns = real();
        if (fns && fns->dup2)
            return fns->dup2(fd, newfd);
        if (fd == newfd) // dup3 refuses what dup2 accepts: check fd is valid instead
            return static_cast<int>(::syscall(SYS_fcntl, fd, F_GETFD)) < 0 ? -1 : fd;
        return static_cast<int>(::syscall(SYS_dup3, fd, newfd, 0));
    });
}

__attribute__((visibility("default"))) int dup3(int fd, int newfd, int flags) noexcept
{
    return dup_over(fd, newfd, [&] {
        const RealFunctions *fns = real();
        if (fns && fns->dup3)
            return fns->dup3(fd, newfd, flags);
        return static_cast<int>(::syscall(SYS_dup3, fd, newfd, flags));
    });
}

// The third argument is forwarded as a pointer-sized value, as libc itself reads it: that carries
// both the int and the pointer forms on the ABIs we support.
__attribute__((visibility("default"))) int fcntl(int fd, int cmd, ...)
{
    va_list ap;
    va_start(ap, cmd);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    const RealFunctions *fns = real();
    return fcntl_common(fns ? fns->fcntl : nullptr, SYS_fcntl, fd, cmd, arg);
}

__attribute__((visibility("default"))) int fcntl64(int fd, int cmd, ...)
{
    va_list ap;
    va_start(ap, cmd);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    const RealFunctions *fns = real();
    return fcntl_common(fns ? (fns->fcntl64 ? fns->fcntl64 : fns->fcntl) : nullptr, SYS_fcntl, fd, cmd, arg);
}

__attribute__((visibility("default"))) pid_t fork() noexcept
{
    const RealFunctions *fns = real();
    if (!fns || !fns->fork) {
        errno = ENOSYS;
        return -1;
    }
    if (t_guard)
        return fns->fork();
    // Let lttng-ust quiesce its threads around the fork so that tracing works in the child.
    auto before = reinterpret_cast<ForkHook>(::dlsym(RTLD_DEFAULT, "lttng_ust_before_fork"));
    auto parent = reinterpret_cast<ForkHook>(::dlsym(RTLD_DEFAULT, "lttng_ust_after_fork_parent"));
    auto child = reinterpret_cast<ForkHook>(::dlsym(RTLD_DEFAULT, "lttng_ust_after_fork_child"));
    bool hooks = before && parent && child;
    sigset_t saved_signals;
    announce_process(); // before the fork: the child inherits "told" and runs the same program
    if (hooks)
        before(&saved_signals);
    pid_t pid = fns->fork();
    int err = pid < 0 ? errno : 0;
    if (pid == 0) {
        if (hooks)
            child(&saved_signals);
        teescope::simlink::client_after_fork_child();
        return 0;
    }
    if (hooks)
        parent(&saved_signals);
    // Every fork: the process tree matters even when the child opens its own context later.
    {
        Guard guard;
        TS_USER(proc_fork, .child = pid < 0 ? -1 : pid, .err = err);
    }
    if (pid < 0)
        errno = err;
    return pid;
}

} // extern "C"
