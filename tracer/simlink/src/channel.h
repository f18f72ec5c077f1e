// SPDX-License-Identifier: MIT
// The client side of simlink connections (see protocol.h): which context token each descriptor
// stands for, the calling thread's channel to the daemon, and one call's exchange on it.
#pragma once

#include "teescope/simlink/protocol.h"

#include <sys/types.h>
#include <sys/un.h>

#include <cstddef>
#include <cstdint>
#include <memory>

namespace teescope::simlink::detail {

// The context behind a descriptor: its token and the ioctls its device's driver implements
// (Welcome.ops, Identity.ops).
struct ContextRef {
    uint64_t token = 0; // 0: unknown
    uint32_t ops = 0;

    bool implements(unsigned long cmd) const { return ops & (1u << (cmd & 0xff)); }
};

// Cached context of a descriptor (token 0: unknown); forget_context(fd) forgets it.
ContextRef cached_context(int fd);
void cache_context(int fd, ContextRef ctx);
void forget_context(int fd);

// getpid() without a system call per use; reset in a fork child.
pid_t own_pid();
// The Xen domain of this process (TEESCOPE_GUEST, 0 without it).
uint32_t own_domain();
void on_fork_child();

// A growable byte buffer that never shrinks, so steady-state calls do not allocate.
struct Buffer {
    std::unique_ptr<unsigned char[]> bytes;
    size_t capacity = 0;
    unsigned char *reserve(size_t n);
};

struct Channel {
    int sock = -1;
    uint64_t id = 0;
    unsigned generation = 0;
    Buffer arg;   // the argument sent
    Buffer data;  // UBUF bytes sent
    Buffer reply; // the reply's payload: updated argument, then output data

    ~Channel() { drop(); }
    void drop();
};

// This thread's channel (a fresh one after fork), not yet connected when sock < 0.
Channel &this_thread_channel();

// The path of the daemon behind a connected context socket; ENOTTY if it is none.
int peer_path(int fd, sockaddr_un &addr);
// A hello from this process; `domain` is its Xen domain (TEESCOPE_GUEST).
Hello make_hello(Kind kind, uint32_t flags, const char *dev);
// Sends a hello on a fresh connection and waits for the Welcome. Returns 0 or an errno.
int greet(int sock, const Hello &hello, uint64_t &token, uint32_t *ops = nullptr);
// Connects this thread's channel to the daemon behind context descriptor ctx_fd.
int connect_channel(Channel &ch, int ctx_fd);
// Learns the context of a descriptor this process did not open.
int identify(Channel &ch, int fd, ContextRef &ctx);

// One call in flight on the channel: what goes out and what came back.
struct Call {
    unsigned long cmd = 0;
    const unsigned char *arg = nullptr;
    uint32_t arg_len = 0;
    uint64_t buf_len = 0;
    const unsigned char *data = nullptr;
    size_t data_len = 0;
    int fd_to_pass = -1;
    bool interruptible = false; // a signal may interrupt the wait for the reply (SUPPL_RECV)
    // Filled in from the reply:
    int err = 0;
    uint32_t reply_arg_len = 0;
    size_t reply_data_len = 0;
    unsigned char *reply_arg = nullptr;  // inside Channel::reply
    unsigned char *reply_data = nullptr; // inside Channel::reply, after the argument
    int reply_fd = -1;
};

// Sends the call and waits for its reply. Returns 0 or an errno of the transport (after which
// the channel is dropped, because it may be out of step).
int exchange(Channel &ch, uint64_t token, Call &call);

} // namespace teescope::simlink::detail
