// SPDX-License-Identifier: MIT
#include "channel.h"

#include "teescope/simlink/wire.h"
#include "teescope/tee_uapi.h"

#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace teescope::simlink::detail {

// ------------------------------------------------------------------------- context tokens
// The context behind each descriptor, packed in one word (the token below bit 40, the driver's
// ioctls above). Descriptors below kFastFds use a lock-free table; the rare larger ones a small
// locked table (and beyond its capacity, no cache at all: every call then asks the daemon with
// Identify).
namespace {

constexpr int kFastFds = 65536;
constexpr int kSlowFds = 256;
constexpr int kOpsShift = 40;

std::atomic<uint64_t> g_contexts[kFastFds];

struct SlowContext {
    int fd;
    uint64_t packed;
};
std::mutex g_slow_mutex;
SlowContext g_slow[kSlowFds];
int g_slow_count;

uint64_t pack(ContextRef c) { return c.token | uint64_t{c.ops} << kOpsShift; }
ContextRef unpack(uint64_t v) { return {v & ((uint64_t{1} << kOpsShift) - 1), static_cast<uint32_t>(v >> kOpsShift)}; }

void store(int fd, uint64_t packed)
{
    if (fd < kFastFds) {
        g_contexts[fd].store(packed, std::memory_order_relaxed);
        return;
    }
    std::lock_guard lock(g_slow_mutex);
    for (int i = 0; i < g_slow_count; ++i) {
        if (g_slow[i].fd == fd) {
            if (packed)
                g_slow[i].packed = packed;
            else
                g_slow[i] = g_slow[--g_slow_count];
            return;
        }
    }
    if (packed && g_slow_count < kSlowFds)
        g_slow[g_slow_count++] = {fd, packed};
}

} // namespace

ContextRef cached_context(int fd)
{
    if (fd < kFastFds)
        return unpack(g_contexts[fd].load(std::memory_order_relaxed));
    std::lock_guard lock(g_slow_mutex);
    for (int i = 0; i < g_slow_count; ++i)
        if (g_slow[i].fd == fd)
            return unpack(g_slow[i].packed);
    return {};
}

void cache_context(int fd, ContextRef ctx) { store(fd, pack(ctx)); }

void forget_context(int fd) { store(fd, 0); }

// ------------------------------------------------------------------------- the thread's channel

namespace {

// Bumped in every fork child: a channel created under an older generation belongs to the parent.
std::atomic<unsigned> g_fork_generation{1};
std::once_flag g_atfork_once;

// getpid() is a system call; the transport needs the pid for every copy of user memory.
std::atomic<pid_t> g_pid{0};

} // namespace

void on_fork_child()
{
    g_fork_generation.fetch_add(1, std::memory_order_relaxed);
    g_pid.store(0, std::memory_order_relaxed);
}

static void watch_forks()
{
    std::call_once(g_atfork_once, [] { ::pthread_atfork(nullptr, nullptr, on_fork_child); });
}

Channel &this_thread_channel()
{
    thread_local Channel channel;
    unsigned generation = g_fork_generation.load(std::memory_order_relaxed);
    if (channel.generation != generation) {
        // Inherited from the parent: closing our copy does not disturb the parent's channel.
        channel.drop();
        channel.generation = generation;
    }
    return channel;
}

// The Xen domain the process belongs to: TEESCOPE_GUEST, inherited from the recorded command.
uint32_t own_domain()
{
    const char *text = ::getenv("TEESCOPE_GUEST");
    if (!text || !*text)
        return 0;
    char *end = nullptr;
    unsigned long v = std::strtoul(text, &end, 10);
    return *end || v > 0xFFFF ? 0 : static_cast<uint32_t>(v);
}

pid_t own_pid()
{
    pid_t pid = g_pid.load(std::memory_order_relaxed);
    if (pid == 0) {
        watch_forks();
        pid = ::getpid();
        g_pid.store(pid, std::memory_order_relaxed);
    }
    return pid;
}

// The path the daemon behind a connected context socket listens on.
int peer_path(int fd, sockaddr_un &addr)
{
    socklen_t len = sizeof addr;
    std::memset(&addr, 0, sizeof addr);
    if (::getpeername(fd, reinterpret_cast<sockaddr *>(&addr), &len) < 0)
        return errno == ENOTSOCK || errno == ENOTCONN ? ENOTTY : errno;
    if (addr.sun_family != AF_UNIX || len <= offsetof(sockaddr_un, sun_path) || addr.sun_path[0] == '\0')
        return ENOTTY;
    addr.sun_path[sizeof addr.sun_path - 1] = '\0';
    return 0;
}

Hello make_hello(Kind kind, uint32_t flags, const char *dev)
{
    Hello hello{};
    hello.magic = kMagic;
    hello.version = kVersion;
    hello.kind = kind;
    hello.pid = own_pid();
    hello.tid = ::gettid();
    hello.flags = flags;
    if (dev)
        std::strncpy(hello.dev, dev, sizeof hello.dev - 1);
    hello.domain = own_domain();
    return hello;
}

// Sends a hello on a fresh connection and waits for the Welcome. Returns 0 or an errno.
int greet(int sock, const Hello &hello, uint64_t &token, uint32_t *ops)
{
    if (int err = send_message(sock, &hello, sizeof hello, nullptr, 0))
        return err;
    Welcome welcome{};
    if (int err = recv_header(sock, &welcome, sizeof welcome))
        return err == EPIPE || err == EBADMSG ? EIO : err;
    if (welcome.magic != kMagic || welcome.kind != Kind::Welcome)
        return EIO;
    if (welcome.err != 0)
        return welcome.err;
    token = welcome.token;
    if (ops)
        *ops = welcome.ops;
    return 0;
}

// Connects this thread's channel to the daemon behind context descriptor ctx_fd.
int connect_channel(Channel &ch, int ctx_fd)
{
    watch_forks();
    sockaddr_un addr;
    if (int err = peer_path(ctx_fd, addr))
        return err;
    int sock = connect_to(addr.sun_path, true);
    if (sock < 0)
        return -sock == ENOENT || -sock == ECONNREFUSED ? EIO : -sock;
    uint64_t id = 0;
    if (int err = greet(sock, make_hello(Kind::HelloChannel, 0, nullptr), id)) {
        ::close(sock);
        return err;
    }
    ch.sock = sock;
    ch.id = id;
    return 0;
}

// Learns the token of a context descriptor this process did not open.
int identify(Channel &ch, int fd, ContextRef &ctx)
{
    Identify request{kMagic, Kind::Identify, ch.id};
    if (int err = send_message(fd, &request, sizeof request, nullptr, 0))
        return err == EPIPE ? EIO : err;
    Identity answer{};
    if (recv_header(ch.sock, &answer, sizeof answer) != 0) {
        ch.drop();
        return EIO;
    }
    if (answer.magic != kMagic || answer.kind != Kind::Identity || answer.token == 0) {
        ch.drop();
        return EIO;
    }
    ctx = {answer.token, answer.ops};
    return 0;
}


unsigned char *Buffer::reserve(size_t n)
{
    if (n > capacity) {
        size_t grown = std::max(n, capacity * 2);
        bytes.reset(new unsigned char[grown]);
        capacity = grown;
    }
    return bytes.get();
}

void Channel::drop()
{
    if (sock >= 0)
        ::close(sock);
    sock = -1;
    id = 0;
}

int exchange(Channel &ch, uint64_t token, Call &call)
{
    CallHeader header{};
    header.magic = kMagic;
    header.kind = Kind::Call;
    header.cmd = static_cast<uint32_t>(call.cmd);
    header.arg_len = call.arg_len;
    header.token = token;
    header.buf_len = call.buf_len;
    header.data_len = call.data_len;
    header.payload = call.arg_len + call.data_len;
    iovec parts[2] = {{const_cast<unsigned char *>(call.arg), call.arg_len},
                      {const_cast<unsigned char *>(call.data), call.data_len}};
    int err = send_message(ch.sock, &header, sizeof header, parts, 2, call.fd_to_pass);
    if (err == EBADF && call.fd_to_pass >= 0) {
        // The descriptor to pass was bad: the header never left, the channel is still in step.
        return EBADF;
    }
    if (err) {
        ch.drop();
        return EIO;
    }

    ReplyHeader reply{};
    int fd = -1;
    err = recv_header(ch.sock, &reply, sizeof reply, &fd, call.interruptible);
    if (err == EINTR) {
        // A signal interrupted the wait: ask the daemon to end the call, then take whatever it
        // answers (EINTR, or the request it had already handed over).
        CallHeader cancel{};
        cancel.magic = kMagic;
        cancel.kind = Kind::Cancel;
        if (send_message(ch.sock, &cancel, sizeof cancel, nullptr, 0)) {
            ch.drop();
            return EIO;
        }
        err = recv_header(ch.sock, &reply, sizeof reply, &fd);
    }
    if (err || reply.magic != kMagic || reply.kind != Kind::Reply
        || reply.payload != reply.arg_len + reply.data_len || reply.arg_len > TEE_MAX_ARG_SIZE
        || reply.data_len > kMaxPayload) {
        if (fd >= 0)
            ::close(fd);
        ch.drop();
        return EIO;
    }
    // The payload is chunked as a whole (argument and data together), so it is received whole.
    unsigned char *payload = ch.reply.reserve(std::max<size_t>(reply.payload, 1));
    if (recv_payload(ch.sock, payload, reply.payload)) {
        if (fd >= 0)
            ::close(fd);
        ch.drop();
        return EIO;
    }
    call.err = reply.err;
    call.reply_arg_len = reply.arg_len;
    call.reply_data_len = reply.data_len;
    call.reply_arg = payload;
    call.reply_data = payload + reply.arg_len;
    call.reply_fd = fd;
    return 0;
}

} // namespace teescope::simlink::detail
