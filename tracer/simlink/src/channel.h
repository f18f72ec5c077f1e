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

// Cached context token of a descriptor (0: unknown); cache_token(fd, 0) forgets it.
uint64_t cached_token(int fd);
void cache_token(int fd, uint64_t token);

// getpid() without a system call per use; reset in a fork child.
pid_t own_pid();
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
    uint32_t ops = 0; // ioctls needing a driver op that the driver has (Welcome.ops)
    unsigned generation = 0;
    Buffer arg;   // the argument sent
    Buffer data;  // UBUF bytes sent
    Buffer reply; // the reply's payload: updated argument, then output data

    ~Channel() { drop(); }
    void drop();
    bool implements(unsigned long cmd) const { return ops & (1u << (cmd & 0xff)); }
};

// This thread's channel (a fresh one after fork), not yet connected when sock < 0.
Channel &this_thread_channel();

// The path of the daemon behind a connected context socket; ENOTTY if it is none.
int peer_path(int fd, sockaddr_un &addr);
Hello make_hello(Kind kind, uint32_t flags, const char *dev);
// Sends a hello on a fresh connection and waits for the Welcome. Returns 0 or an errno.
int greet(int sock, const Hello &hello, uint64_t &token, uint32_t *ops = nullptr);
// Connects this thread's channel to the daemon behind context descriptor ctx_fd.
int connect_channel(Channel &ch, int ctx_fd);
// Learns the token of a context descriptor this process did not open.
int identify(Channel &ch, int fd, uint64_t &token);

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
