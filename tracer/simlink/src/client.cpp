// SPDX-License-Identifier: MIT
#include "teescope/simlink/client.h"

#include "teescope/simlink/protocol.h"
#include "teescope/simlink/wire.h"
#include "teescope/tee_uapi.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <memory>
#include <mutex>

namespace teescope::simlink {

namespace {

// ------------------------------------------------------------------------- context tokens
// The token of the context behind each descriptor. Descriptors below kFastFds use a lock-free
// table; the rare larger ones a small locked table (and beyond its capacity, no cache at all:
// every call then asks the daemon with Identify).
constexpr int kFastFds = 65536;
constexpr int kSlowFds = 256;

std::atomic<uint64_t> g_tokens[kFastFds];

struct SlowToken {
    int fd;
    uint64_t token;
};
std::mutex g_slow_mutex;
SlowToken g_slow[kSlowFds];
int g_slow_count;

uint64_t cached_token(int fd)
{
    if (fd < kFastFds)
        return g_tokens[fd].load(std::memory_order_relaxed);
    std::lock_guard lock(g_slow_mutex);
    for (int i = 0; i < g_slow_count; ++i)
        if (g_slow[i].fd == fd)
            return g_slow[i].token;
    return 0;
}

void cache_token(int fd, uint64_t token)
{
    if (fd < kFastFds) {
        g_tokens[fd].store(token, std::memory_order_relaxed);
        return;
    }
    std::lock_guard lock(g_slow_mutex);
    for (int i = 0; i < g_slow_count; ++i) {
        if (g_slow[i].fd == fd) {
            if (token)
                g_slow[i].token = token;
            else
                g_slow[i] = g_slow[--g_slow_count];
            return;
        }
    }
    if (token && g_slow_count < kSlowFds)
        g_slow[g_slow_count++] = {fd, token};
}

// ------------------------------------------------------------------------- the thread's channel

// Bumped in every fork child: a channel created under an older generation belongs to the parent.
std::atomic<unsigned> g_fork_generation{1};
std::once_flag g_atfork_once;

// getpid() is a system call; the transport needs the pid for every copy of user memory.
std::atomic<pid_t> g_pid{0};

void on_fork_child()
{
    g_fork_generation.fetch_add(1, std::memory_order_relaxed);
    g_pid.store(0, std::memory_order_relaxed);
}

void watch_forks()
{
    std::call_once(g_atfork_once, [] { ::pthread_atfork(nullptr, nullptr, on_fork_child); });
}

// A growable byte buffer that never shrinks, so steady-state calls do not allocate.
struct Buffer {
    std::unique_ptr<unsigned char[]> bytes;
    size_t capacity = 0;

    unsigned char *reserve(size_t n)
    {
        if (n > capacity) {
            size_t grown = std::max(n, capacity * 2);
            bytes.reset(new unsigned char[grown]);
            capacity = grown;
        }
        return bytes.get();
    }
};

struct Channel {
    int sock = -1;
    uint64_t id = 0;
    unsigned generation = 0;
    Buffer arg;   // the argument sent
    Buffer data;  // UBUF bytes sent
    Buffer reply; // the reply's payload: updated argument, then output data

    ~Channel() { drop(); }

    void drop()
    {
        if (sock >= 0)
            ::close(sock);
        sock = -1;
        id = 0;
    }
};

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
    return hello;
}

// Sends a hello on a fresh connection and waits for the Welcome. Returns 0 or an errno.
int greet(int sock, const Hello &hello, uint64_t &token)
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
int identify(Channel &ch, int fd, uint64_t &token)
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
    token = answer.token;
    return 0;
}

// ------------------------------------------------------------------------- user memory
// process_vm_readv/writev on our own pid: a bad address fails with EFAULT instead of SIGSEGV.
// Where a sandbox forbids these calls (EPERM, ENOSYS) we fall back to plain copies, which work
// for every valid pointer but cannot turn a bad one into EFAULT.
constexpr int kMaxSegments = 1 + TEE_MAX_ARG_SIZE / sizeof(tee_ioctl_param);

bool transfer(bool to_user, const iovec &local, const iovec *remote, int count, size_t total)
{
    ssize_t n = to_user ? ::process_vm_writev(own_pid(), &local, 1, remote, count, 0)
                        : ::process_vm_readv(own_pid(), &local, 1, remote, count, 0);
    if (n >= 0)
        return static_cast<size_t>(n) == total;
    if (errno != EPERM && errno != ENOSYS)
        return false;
    auto *cursor = static_cast<unsigned char *>(local.iov_base);
    for (int i = 0; i < count; ++i) {
        if (to_user)
            std::memcpy(remote[i].iov_base, cursor, remote[i].iov_len);
        else
            std::memcpy(cursor, remote[i].iov_base, remote[i].iov_len);
        cursor += remote[i].iov_len;
    }
    return true;
}

bool copy_in(void *to, uint64_t from, size_t len)
{
    if (len == 0)
        return true;
    iovec local{to, len};
    iovec remote{reinterpret_cast<void *>(static_cast<uintptr_t>(from)), len};
    return transfer(false, local, &remote, 1, len);
}

bool copy_out(uint64_t to, const void *from, size_t len)
{
    if (len == 0)
        return true;
    iovec local{const_cast<void *>(from), len};
    iovec remote{reinterpret_cast<void *>(static_cast<uintptr_t>(to)), len};
    return transfer(true, local, &remote, 1, len);
}

// Scattered user segments to or from one contiguous local buffer.
struct Segments {
    iovec remote[kMaxSegments];
    int count = 0;
    size_t total = 0;

    void add(uint64_t addr, size_t len)
    {
        if (len == 0)
            return;
        remote[count++] = {reinterpret_cast<void *>(static_cast<uintptr_t>(addr)), len};
        total += len;
    }

    bool read_into(unsigned char *local_buf) const
    {
        if (total == 0)
            return true;
        iovec local{local_buf, total};
        return transfer(false, local, remote, count, total);
    }

    bool write_from(const unsigned char *local_buf) const
    {
        if (total == 0)
            return true;
        iovec local{const_cast<unsigned char *>(local_buf), total};
        return transfer(true, local, remote, count, total);
    }
};

// ------------------------------------------------------------------------- marshalling

// Fixed header of the argument behind a tee_ioctl_buf_data ioctl, 0 if cmd is not one.
size_t buf_header_size(unsigned long cmd)
{
    switch (cmd) {
    case TEE_IOC_OPEN_SESSION:
        return sizeof(tee_ioctl_open_session_arg);
    case TEE_IOC_INVOKE:
        return sizeof(tee_ioctl_invoke_arg);
    case TEE_IOC_OBJECT_INVOKE:
        return sizeof(tee_ioctl_object_invoke_arg);
    case TEE_IOC_SUPPL_RECV:
        return sizeof(tee_iocl_supp_recv_arg);
    case TEE_IOC_SUPPL_SEND:
        return sizeof(tee_iocl_supp_send_arg);
    default:
        return 0;
    }
}

uint32_t header_num_params(unsigned long cmd, const unsigned char *arg)
{
    uint32_t n = 0;
    switch (cmd) {
    case TEE_IOC_OPEN_SESSION:
        std::memcpy(&n, arg + offsetof(tee_ioctl_open_session_arg, num_params), sizeof n);
        break;
    case TEE_IOC_INVOKE:
        std::memcpy(&n, arg + offsetof(tee_ioctl_invoke_arg, num_params), sizeof n);
        break;
    case TEE_IOC_OBJECT_INVOKE:
        std::memcpy(&n, arg + offsetof(tee_ioctl_object_invoke_arg, num_params), sizeof n);
        break;
    case TEE_IOC_SUPPL_RECV:
        std::memcpy(&n, arg + offsetof(tee_iocl_supp_recv_arg, num_params), sizeof n);
        break;
    case TEE_IOC_SUPPL_SEND:
        std::memcpy(&n, arg + offsetof(tee_iocl_supp_send_arg, num_params), sizeof n);
        break;
    }
    return n;
}

tee_ioctl_param param_at(const unsigned char *arg, size_t header, uint32_t i)
{
    tee_ioctl_param p;
    std::memcpy(&p, arg + header + i * sizeof p, sizeof p);
    return p;
}

bool is_output_ubuf(uint32_t type)
{
    return type == TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_OUTPUT || type == TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_INOUT;
}

// Whether the driver reads this UBUF parameter's bytes for this ioctl (protocol.h).
bool driver_reads_ubuf(unsigned long cmd, uint32_t type)
{
    if (type == TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_INPUT || type == TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_INOUT)
        return true;
    return cmd == TEE_IOC_SUPPL_SEND && type == TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_OUTPUT;
}

// One call in flight on the channel: what goes out and what came back.
struct Call {
    unsigned long cmd = 0;
    uint32_t arg_len = 0;
    uint64_t buf_len = 0;
    size_t data_len = 0;
    int fd_to_pass = -1;
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
    iovec parts[2] = {{ch.arg.bytes.get(), call.arg_len}, {ch.data.bytes.get(), call.data_len}};
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
    err = recv_header(ch.sock, &reply, sizeof reply, &fd);
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

long fail_closing(int fd, int err)
{
    if (fd >= 0)
        ::close(fd);
    return -err;
}

// VERSION, CANCEL, CLOSE_SESSION and the SHM ioctls: a fixed struct.
long fixed_ioctl(Channel &ch, uint64_t token, unsigned long cmd, void *arg)
{
    size_t size = _IOC_SIZE(cmd);
    bool reads = cmd != TEE_IOC_VERSION; // VERSION only writes its struct
    bool writes = cmd == TEE_IOC_VERSION || cmd == TEE_IOC_SHM_ALLOC || cmd == TEE_IOC_SHM_REGISTER
                  || cmd == TEE_IOC_SHM_REGISTER_FD;
    bool returns_fd = writes && cmd != TEE_IOC_VERSION;
    uint64_t user = reinterpret_cast<uintptr_t>(arg);
    unsigned char *buf = ch.arg.reserve(size);
    std::memset(buf, 0, size);
    if (reads && !copy_in(buf, user, size))
        return -EFAULT;

    Call call;
    call.cmd = cmd;
    call.arg_len = static_cast<uint32_t>(size);
    call.buf_len = size;
    if (cmd == TEE_IOC_SHM_REGISTER_FD) {
        tee_ioctl_shm_register_fd_data data;
        std::memcpy(&data, buf, sizeof data);
        if (data.fd < 0 || data.fd > INT32_MAX)
            return -EBADF;
        call.fd_to_pass = static_cast<int>(data.fd);
    }
    if (int err = exchange(ch, token, call))
        return -err;
    if (call.err)
        return fail_closing(call.reply_fd, call.err);
    if (writes) {
        if (call.reply_arg_len != size)
            return fail_closing(call.reply_fd, EIO);
        if (!copy_out(user, call.reply_arg, size))
            return fail_closing(call.reply_fd, EFAULT);
    }
    if (returns_fd) {
        if (call.reply_fd < 0)
            return -EIO;
        return call.reply_fd;
    }
    if (call.reply_fd >= 0)
        ::close(call.reply_fd);
    return 0;
}

// OPEN_SESSION, INVOKE, OBJECT_INVOKE, SUPPL_RECV, SUPPL_SEND: a tee_ioctl_buf_data that points
// at a header and parameters, and UBUF bytes gathered from and scattered to user memory.
long buf_ioctl(Channel &ch, uint64_t token, unsigned long cmd, void *arg, ArgumentTap *tap)
{
    tee_ioctl_buf_data buf_data;
    if (!copy_in(&buf_data, reinterpret_cast<uintptr_t>(arg), sizeof buf_data))
        return -EFAULT;
    const size_t header = buf_header_size(cmd);
    const uint64_t buf_len = buf_data.buf_len;

    Call call;
    call.cmd = cmd;
    call.buf_len = buf_len;
    bool consistent = false; // header readable and num_params matches buf_len
    bool copied = false;     // the whole argument was read
    uint32_t num_params = 0;
    unsigned char *argbuf = ch.arg.reserve(TEE_MAX_ARG_SIZE);
    if (buf_len <= TEE_MAX_ARG_SIZE) {
        // Same order of checks as the kernel: sizes give EINVAL before a bad pointer gives EFAULT,
        // so an argument that cannot be read but is rejected on size is still sent (zeroed) and
        // the daemon answers EINVAL.
        call.arg_len = static_cast<uint32_t>(buf_len);
        if (!copy_in(argbuf, buf_data.buf_ptr, buf_len)) {
            if (buf_len >= header) {
                if (!copy_in(argbuf, buf_data.buf_ptr, header))
                    return -EFAULT;
                if (header + uint64_t{header_num_params(cmd, argbuf)} * sizeof(tee_ioctl_param) == buf_len)
                    return -EFAULT;
                std::memset(argbuf + header, 0, buf_len - header);
            } else {
                std::memset(argbuf, 0, buf_len);
            }
        } else {
            copied = true;
            if (buf_len >= header) {
                num_params = header_num_params(cmd, argbuf);
                consistent = header + uint64_t{num_params} * sizeof(tee_ioctl_param) == buf_len;
            }
        }
    }

    if (consistent) {
        Segments in;
        bool too_much = false;
        for (uint32_t i = 0; i < num_params; ++i) {
            tee_ioctl_param p = param_at(argbuf, header, i);
            if (!driver_reads_ubuf(cmd, tee_param_type(p.attr)))
                continue;
            if (p.b > kMaxDataPerCall || in.total + p.b > kMaxDataPerCall) {
                too_much = true;
                break;
            }
            in.add(p.a, p.b);
        }
        // Too much data: send none; the daemon sees sizes that do not match and answers EINVAL.
        if (!too_much && in.total > 0) {
            if (!in.read_into(ch.data.reserve(in.total)))
                return -EFAULT;
            call.data_len = in.total;
        }
    }

    if (tap && copied)
        tap->sent(argbuf, call.arg_len);
    if (int err = exchange(ch, token, call))
        return -err;
    if (call.reply_fd >= 0)
        ::close(call.reply_fd);
    if (call.err)
        return -call.err;
    if (call.reply_arg_len != call.arg_len || !consistent)
        return -EIO;

    const unsigned char *updated = call.reply_arg;
    unsigned char *data = call.reply_data;
    Segments out;
    if (cmd == TEE_IOC_SUPPL_RECV) {
        // The request payload goes into the buffer of the META parameter.
        if (call.reply_data_len > 0) {
            if (num_params == 0)
                return -EIO;
            tee_ioctl_param meta = param_at(argbuf, header, 0);
            out.add(meta.a, std::min<uint64_t>(meta.b, call.reply_data_len));
        }
    } else if (cmd != TEE_IOC_SUPPL_SEND) {
        // Output UBUFs: each as long as its updated size, written at its original address
        // (never beyond the capacity the caller gave).
        size_t offset = 0;
        for (uint32_t i = 0; i < num_params; ++i) {
            tee_ioctl_param before = param_at(argbuf, header, i);
            if (!is_output_ubuf(tee_param_type(before.attr)))
                continue;
            uint64_t produced = param_at(updated, header, i).b;
            if (produced > call.reply_data_len - offset)
                return -EIO;
            uint64_t n = std::min(produced, before.b);
            if (n > 0) {
                // Segments are written from one contiguous buffer: compact in place.
                if (out.total != offset)
                    std::memmove(data + out.total, data + offset, n);
                out.add(before.a, n);
            }
            offset += produced;
        }
    }
    if (!out.write_from(data))
        return -EFAULT;
    if (!copy_out(buf_data.buf_ptr, updated, call.reply_arg_len))
        return -EFAULT;
    if (tap)
        tap->returned(updated, call.reply_arg_len);
    return 0;
}

} // namespace

int client_open(const char *socket_path, const char *dev, int open_flags)
{
    if (!socket_path || !*socket_path)
        return -ENOENT;
    int sock = connect_to(socket_path, (open_flags & O_CLOEXEC) != 0);
    if (sock < 0)
        return sock;
    uint64_t token = 0;
    if (int err = greet(sock, make_hello(Kind::HelloContext, static_cast<uint32_t>(open_flags), dev), token)) {
        ::close(sock);
        return -err;
    }
    cache_token(sock, token);
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
    Channel &ch = this_thread_channel();
    if (ch.sock < 0) {
        if (int err = connect_channel(ch, fd))
            return -err;
    }
    uint64_t token = cached_token(fd);
    if (token == 0) {
        sockaddr_un addr;
        if (int err = peer_path(fd, addr))
            return -err;
        if (int err = identify(ch, fd, token))
            return -err;
        cache_token(fd, token);
    }
    switch (cmd) {
    case TEE_IOC_VERSION:
    case TEE_IOC_CANCEL:
    case TEE_IOC_CLOSE_SESSION:
    case TEE_IOC_SHM_ALLOC:
    case TEE_IOC_SHM_REGISTER:
    case TEE_IOC_SHM_REGISTER_FD:
        return fixed_ioctl(ch, token, cmd, arg);
    case TEE_IOC_OPEN_SESSION:
    case TEE_IOC_INVOKE:
    case TEE_IOC_OBJECT_INVOKE:
    case TEE_IOC_SUPPL_RECV:
    case TEE_IOC_SUPPL_SEND:
        return buf_ioctl(ch, token, cmd, arg, tap);
    default: {
        // Not part of the UAPI: the daemon answers EINVAL like tee_ioctl().
        Call call;
        call.cmd = cmd;
        if (int err = exchange(ch, token, call))
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
        cache_token(fd, 0);
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
