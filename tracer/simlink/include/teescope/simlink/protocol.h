// SPDX-License-Identifier: MIT
// The wire protocol between a client routed to teesim (libteescope-preload with TEESCOPE_SIM set)
// and the teesim daemon. One listening UNIX SOCK_SEQPACKET socket; every connection starts with a
// Hello that says what it is:
//
//  * a context connection: one per open("/dev/tee0") (or another TEE device node, e.g. the OP-TEE
//    supplicant's /dev/teepriv0). Its client end *is* the file descriptor the
//    program gets, so dup, fork, exec and SCM_RIGHTS share the context exactly like a device file,
//    and the context closes when the last descriptor of it is gone (the daemon reads EOF).
//    It carries only Identify messages, which several threads or processes may send at once
//    (SEQPACKET keeps each one whole).
//  * a channel: one per client thread (created lazily, recreated in a fork child). The daemon runs
//    one thread per channel that executes that client thread's calls synchronously, just as a
//    kernel runs the driver in the caller's thread. Calls name their context by its token.
//  * a guest destruction (DestroyGuest): Xen destroys the guest named in the Hello's `domain`;
//    the daemon answers a Welcome whose err says how it went, and closes.
//
// A context's Welcome (and an Identity) carries the ioctls its device's driver implements:
// devices of one TEE differ (the OP-TEE supplicant device has SUPPL_RECV, the client device
// OPEN_SESSION).
//
// A logical message is one datagram with a fixed header (and any passed descriptors) followed by
// ceil(payload / kChunk) datagrams of payload, so payloads are not bounded by socket buffers.
//
// Argument and data layout of a Call, per ioctl (the client copies user memory, the daemon never
// touches client memory except to read SHM_REGISTER'ed ranges). The split follows the kernel:
// what tee_core.c reads with copy_from_user travels in the Call, what it writes back with
// copy_to_user / put_user travels in the Reply.
//   VERSION, CANCEL, CLOSE_SESSION, SHM_ALLOC, SHM_REGISTER, SHM_REGISTER_FD:
//       arg = the ioctl's struct. The reply carries the updated struct and, for the SHM ioctls,
//       the new shm descriptor.
//   OPEN_SESSION, INVOKE, OBJECT_INVOKE, SUPPL_RECV, SUPPL_SEND (tee_ioctl_buf_data ioctls):
//       buf_len = tee_ioctl_buf_data.buf_len as given. arg = the fixed header and the parameters
//       the client could read: when a parameter faults, arg stops before it (the kernel's
//       params_from_user fails with EFAULT there); empty when buf_len > TEE_MAX_ARG_SIZE or the
//       driver lacks the ioctl (Welcome.ops), where the kernel reads nothing. So is CANCEL's and
//       CLOSE_SESSION's struct when the driver lacks them.
//       data = the bytes of every UBUF parameter the driver reads, in parameter order, all or
//       none (none: one could not be read): UBUF_INPUT / UBUF_INOUT, and for SUPPL_SEND
//       UBUF_OUTPUT / UBUF_INOUT (the supplicant's answer) instead.
//       The reply's arg is the argument as the kernel leaves it (empty: nothing written back).
//       The reply's data is:
//       - OPEN_SESSION / INVOKE / OBJECT_INVOKE: for every UBUF_OUTPUT / UBUF_INOUT parameter,
//         in order, a u64 count then that many bytes to copy to the parameter's address `a`
//         (the count may differ from the updated `b`: a failed call copies nothing);
//       - SUPPL_RECV: the payload of every UBUF_INPUT of the updated argument, in order, each
//         `b` bytes, to be written at its `a` (inside the META parameter's buffer).
//   Any other request with the TEE magic: arg empty; the daemon answers EINVAL like tee_ioctl().
//
// A channel's call can be interrupted: when a signal interrupts the client's wait for a reply to
// SUPPL_RECV, it sends a CallHeader of kind Cancel on the channel; the daemon then ends a call
// still waiting for a request with EINTR (the kernel's interruptible wait), and ignores a Cancel
// that arrives after the call ended.
#pragma once

#include <cstddef>
#include <cstdint>

namespace teescope::simlink {

constexpr uint32_t kMagic = 0x4d495354; // "TSIM"
constexpr uint32_t kVersion = 3;
constexpr size_t kChunk = 64 * 1024;          // payload bytes per datagram
constexpr size_t kMaxPayload = 64 * 1024 * 1024; // refuse larger messages (EMSGSIZE)
constexpr size_t kMaxDataPerCall = 16 * 1024 * 1024; // UBUF bytes one call may move (else EINVAL)

enum class Kind : uint32_t {
    HelloContext = 1,  // client → daemon, first message of a context connection
    HelloChannel = 2,  // client → daemon, first message of a channel
    Welcome = 3,       // daemon → client, answer to either hello
    Identify = 4,      // client → daemon on a context connection: "tell channel N your token"
    Identity = 5,      // daemon → client on the channel named in Identify
    Call = 6,          // client → daemon on a channel
    Reply = 7,         // daemon → client on a channel
    Cancel = 8,        // client → daemon on a channel: a signal interrupted the call in flight
    DestroyGuest = 9,  // controller → daemon, first and only message: destroy guest `domain`
};

struct Hello {
    uint32_t magic;
    uint32_t version;
    Kind kind;
    int32_t pid;        // caller's process id (getpid)
    int32_t tid;        // caller's thread id (gettid)
    uint32_t flags;     // open() flags for a context
    char dev[32];       // device name asked for, e.g. "tee0"
    uint32_t domain;    // Xen domain id of the process (TEESCOPE_GUEST; 0 = dom0 or native)
    uint32_t reserved;
};

struct Welcome {
    uint32_t magic;
    Kind kind;          // Kind::Welcome
    int32_t err;        // 0, or the errno the open()/channel setup fails with
    uint32_t ops;       // context: ioctls needing a driver op that its device's driver has (bit N =
                        // ioctl number N); 0 for a channel
    uint64_t token;     // context token (the context serial) or channel id
};

struct Identify {
    uint32_t magic;
    Kind kind;          // Kind::Identify
    uint64_t channel;   // channel id that receives the Identity
};

struct Identity {
    uint32_t magic;
    Kind kind;          // Kind::Identity
    uint64_t token;     // token of the context behind the connection the Identify came on
    uint32_t ops;       // as in the context's Welcome
    uint32_t reserved;
};

struct CallHeader {
    uint32_t magic;
    Kind kind;          // Kind::Call, or Kind::Cancel (nothing else set)
    uint32_t cmd;       // the ioctl request number
    uint32_t arg_len;   // bytes of argument that follow
    uint64_t token;     // context token
    uint64_t buf_len;   // tee_ioctl_buf_data.buf_len as given (buf ioctls), else arg_len
    uint64_t data_len;  // bytes of UBUF data after the argument
    uint64_t payload;   // arg_len + data_len
};

struct ReplyHeader {
    uint32_t magic;
    Kind kind;          // Kind::Reply
    int32_t err;        // errno of the ioctl, 0 on success
    uint32_t arg_len;   // bytes of updated argument that follow
    uint64_t data_len;  // bytes of output data after the argument
    uint64_t payload;   // arg_len + data_len
};

static_assert(sizeof(Hello) == 64);
static_assert(sizeof(Identity) == 24);
static_assert(sizeof(Welcome) == 24);
static_assert(sizeof(CallHeader) == 48);
static_assert(sizeof(ReplyHeader) == 32);

} // namespace teescope::simlink
