// SPDX-License-Identifier: MIT
// The client side of the teesim wire protocol (protocol.h): what a process does to use a context
// of the simulated TEE as if it were /dev/tee0. The LD_PRELOAD tracer routes open() and ioctl()
// here; a program may also call it directly.
//
// Every function is thread-safe. Calls are synchronous on a per-thread channel to the daemon;
// user memory is copied with process_vm_readv/writev so a bad pointer yields EFAULT, as from the
// kernel, instead of a crash.
#pragma once

#include <cstddef>
#include <cstdint>

namespace teescope::simlink {

// Lets a tracer see the argument of a buffer ioctl (OBJECT_INVOKE, SUPPL_RECV, ...) as the
// transport copied it, instead of reading user memory a second time: sent() right before the
// call leaves for the daemon, with the bytes behind buf_ptr as read (only when they could all be
// read), returned() after a successful call, with the updated bytes as written back.
class ArgumentTap {
public:
    virtual void sent(const unsigned char *arg, size_t len) = 0;
    virtual void returned(const unsigned char *arg, size_t len) = 0;

protected:
    ~ArgumentTap() = default;
};

// Opens a context on the teesim daemon listening at socket_path: connects, sends Hello
// (HelloContext, pid, tid, open flags, dev, the process's Xen domain), waits for Welcome; returns
// the connected socket as the context descriptor (SOCK_CLOEXEC if O_CLOEXEC was asked), or -errno:
// ENXIO when no daemon listens, else what the daemon refused the open with (ENOENT: no such
// device, EBUSY: the OP-TEE supplicant device is taken).
int client_open(const char *socket_path, const char *dev, int open_flags);

// Performs a TEE ioctl on a context descriptor: marshals per protocol.h, sends a Call on this
// thread's channel, waits for the Reply, copies results back to user memory. Returns what
// ioctl() would return (>= 0, the new shm descriptor for SHM_ALLOC/REGISTER*) or -errno.
// EIO when the daemon is gone or answers out of protocol.
long client_ioctl(int fd, unsigned long cmd, void *arg, ArgumentTap *tap = nullptr);

// Copies len bytes of this process's memory at `from` without trusting the address: false, not
// SIGSEGV, when it is not readable.
bool read_user_memory(void *to, const void *from, size_t len);

// The descriptor table changed (close, dup2 over it...): forget what was cached about fd.
void client_forget(int fd);

// Called in a fork child: the thread's channel belongs to the parent; drop it without using it.
void client_after_fork_child();

// Asks the daemon at socket_path to destroy Xen guest `domain` (as the hypervisor destroys a
// domain): 0, or an errno (ENOENT: no such guest; ECONNREFUSED...: no daemon).
int client_destroy_guest(const char *socket_path, uint32_t domain);

// True if fd is a context connection to the daemon at socket_path (getpeername check).
bool client_is_context(int fd, const char *socket_path);

} // namespace teescope::simlink
