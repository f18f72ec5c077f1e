// SPDX-License-Identifier: MIT
// Framing of simlink messages over a SOCK_SEQPACKET socket (see protocol.h). No allocation:
// callers own the buffers. Every function returns 0 or an errno value; EPIPE means the peer
// closed the connection. EINTR is retried.
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>

namespace teescope::simlink {

// Sends one logical message: `header` (header_len bytes, with `fd_to_pass` attached when >= 0)
// as one datagram, then the concatenation of `parts` in datagrams of at most kChunk bytes.
int send_message(int sock, const void *header, size_t header_len, const iovec *parts, int nparts,
                 int fd_to_pass = -1);

// Receives a header datagram of exactly header_len bytes. A descriptor passed with it is
// stored in *fd_out (else -1); fd_out may be null, then a passed descriptor is closed.
// EBADMSG if the datagram has another size. `interruptible`: a signal handler that interrupted
// the wait makes it return EINTR instead of waiting on.
int recv_header(int sock, void *header, size_t header_len, int *fd_out = nullptr, bool interruptible = false);

// Receives `len` payload bytes that follow a header into `buf`.
int recv_payload(int sock, void *buf, size_t len);

// Discards `len` payload bytes (a message too large for the receiver's buffer).
int skip_payload(int sock, size_t len);

// Connects a SOCK_SEQPACKET socket to `path`; returns the descriptor or -errno.
int connect_to(const char *path, bool cloexec);

} // namespace teescope::simlink
