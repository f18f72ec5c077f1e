// SPDX-License-Identifier: MIT
#include "tee_ioctl.h"

#include "fd_table.h"
#include "process_name.h"
#include "runtime.h"

#include "teescope/simlink/client.h"
#include "teescope/tee_uapi.h"
#include "teescope/trace.h"

#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace teescope::preload {

namespace {

std::atomic<uint64_t> g_serial{0};

// Reads user memory without trusting it: a bad pointer is a failed read, not a crash.
bool peek(void *to, const void *from, size_t len)
{
    return len == 0 || simlink::read_user_memory(to, from, len);
}

template <typename T>
bool peek_struct(T &to, const void *from)
{
    std::memset(&to, 0, sizeof to);
    return peek(&to, from, sizeof to);
}

// A safe copy of the argument behind a tee_ioctl_buf_data ioctl: the fixed header and as many
// parameters as could be read.
struct ArgView {
    alignas(8) unsigned char bytes[TEE_MAX_ARG_SIZE];
    size_t header = 0;
    uint32_t num_params = 0; // as the caller gave it
    uint32_t usable = 0;     // parameters actually copied

    // From a copy the transport already made.
    bool assign(const unsigned char *src, size_t len, size_t header_size, size_t num_params_offset)
    {
        if (len < header_size || len > TEE_MAX_ARG_SIZE)
            return false;
        std::memcpy(bytes, src, len);
        finish(len, header_size, num_params_offset);
        return true;
    }

    // From user memory. `trusted`: the kernel has just read and written it (a successful call),
    // so a plain copy is safe and spares two system calls.
    bool read(const void *arg, size_t header_size, size_t num_params_offset, bool trusted)
    {
        auto copy = [trusted](void *to, const void *from, size_t n) {
            if (!trusted)
                return peek(to, from, n);
            std::memcpy(to, from, n);
            return true;
        };
        tee_ioctl_buf_data buf;
        if (!copy(&buf, arg, sizeof buf) || buf.buf_len < header_size || buf.buf_len > TEE_MAX_ARG_SIZE)
            return false;
        const void *user = reinterpret_cast<const void *>(static_cast<uintptr_t>(buf.buf_ptr));
        size_t len = buf.buf_len;
        if (!copy(bytes, user, len)) {
            len = header_size;
            if (!copy(bytes, user, len))
                return false;
        }
        finish(len, header_size, num_params_offset);
        return true;
    }

    void finish(size_t len, size_t header_size, size_t num_params_offset)
    {
        header = header_size;
        std::memcpy(&num_params, bytes + num_params_offset, sizeof num_params);
        usable = static_cast<uint32_t>(std::min<uint64_t>(num_params, (len - header) / sizeof(tee_ioctl_param)));
    }

    template <typename T>
    T head() const
    {
        T t;
        std::memcpy(&t, bytes, sizeof t);
        return t;
    }

    tee_ioctl_param param(uint32_t i) const
    {
        tee_ioctl_param p;
        std::memcpy(&p, bytes + header + i * sizeof p, sizeof p);
        return p;
    }

    // The META parameter of a supplicant call, if params[0] is one.
    bool meta(tee_ioctl_param &p) const
    {
        if (usable == 0)
            return false;
        p = param(0);
        return (p.attr & TEE_IOCTL_PARAM_ATTR_META) != 0;
    }
};

// Counts and object lists of a parameter array, as the events report them.
struct ParamSummary {
    uint8_t bi = 0, bo = 0, oi = 0, oo = 0;
    uint64_t in_bytes = 0, out_bytes = 0;
    uint64_t ids[TEESCOPE_SEQ_MAX];
    uint8_t flags[TEESCOPE_SEQ_MAX];
    uint32_t objects = 0;

    void add_object(const tee_ioctl_param &p)
    {
        if (objects < TEESCOPE_SEQ_MAX) {
            ids[objects] = p.a;
            flags[objects] = static_cast<uint8_t>(p.b);
            ++objects;
        }
    }

    // INOUT parameters count on both sides. Objects listed are the inputs or the outputs.
    void summarize(const ArgView &v, uint32_t first, bool list_inputs)
    {
        for (uint32_t i = first; i < v.usable; ++i) {
            tee_ioctl_param p = v.param(i);
            switch (tee_param_type(p.attr)) {
            case TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_INPUT:
                ++bi;
                in_bytes += p.b;
                break;
            case TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_OUTPUT:
                ++bo;
                out_bytes += p.b;
                break;
            case TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_INOUT:
                ++bi;
                ++bo;
                in_bytes += p.b;
                out_bytes += p.b;
                break;
            case TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_INPUT:
                ++oi;
                if (list_inputs)
                    add_object(p);
                break;
            case TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_OUTPUT:
                ++oo;
                if (!list_inputs)
                    add_object(p);
                break;
            case TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_INOUT:
                ++oi;
                ++oo;
                add_object(p);
                break;
            default:
                break;
            }
        }
    }
};

bool is_proc_tee_device(int fd)
{
    char link[32];
    std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    char target[64];
    ssize_t n = ::readlink(link, target, sizeof target - 1);
    if (n <= 0)
        return false;
    target[n] = '\0';
    return is_tee_device_path(target, nullptr);
}

// A TEE ioctl on a descriptor we never saw opened: find out whether it is a context.
FdKind adopt(int fd)
{
    Guard guard;
    struct stat st;
    if (::fstat(fd, &st) != 0)
        return FdKind::None;
    FdKind kind = FdKind::None;
    if (S_ISCHR(st.st_mode) && is_proc_tee_device(fd)) {
        kind = FdKind::Device;
    } else if (S_ISSOCK(st.st_mode)) {
        const char *sim = sim_socket();
        if (sim && simlink::client_is_context(fd, sim))
            kind = FdKind::Sim;
    }
    if (kind != FdKind::None)
        arm_exit_event();
    if (kind != FdKind::None && fd_track(fd, kind) != kind)
        TS_USER(fd_adopt, .fd = fd, .origin = TEESCOPE_FD_ORIGIN_UNKNOWN, .sim = kind == FdKind::Sim);
    return kind;
}

// The call itself. Returns the ioctl's result and its errno in err (0 on success).
int perform(int fd, FdKind kind, unsigned long request, void *arg, int &err,
            simlink::ArgumentTap *tap = nullptr)
{
    if (kind == FdKind::Sim) {
        Guard guard;
        long r = simlink::client_ioctl(fd, request, arg, tap);
        err = r < 0 ? static_cast<int>(-r) : 0;
        return r < 0 ? -1 : static_cast<int>(r);
    }
    int r = real_ioctl(fd, request, arg);
    err = r < 0 ? errno : 0;
    return r;
}

uint64_t next_serial() { return g_serial.fetch_add(1, std::memory_order_relaxed) + 1; }

void trace_other(int fd, unsigned long request, int err)
{
    Guard guard;
    TS_USER(ioctl_other, .fd = fd, .request = static_cast<uint32_t>(request), .err = err);
}

// The buffer ioctls (OBJECT_INVOKE, SUPPL_RECV, SUPPL_SEND, OPEN_SESSION, INVOKE): each Op says
// how its argument is laid out and what its begin / end events hold; traced_buf_ioctl does the
// rest. `after` is null when the call failed or its result could not be read.
struct InvokeOp {
    static constexpr size_t header = sizeof(tee_ioctl_object_invoke_arg);
    static constexpr size_t count_at = offsetof(tee_ioctl_object_invoke_arg, num_params);
    static bool begin_enabled() { return TS_USER_ENABLED(invoke_begin); }
    static bool end_enabled() { return TS_USER_ENABLED(invoke_end); }
    static void begin(int fd, uint64_t serial, const ArgView &v)
    {
        auto head = v.head<tee_ioctl_object_invoke_arg>();
        ParamSummary s;
        s.summarize(v, 0, true);
        TS_USER(invoke_begin, .fd = fd, .serial = serial, .object = head.id, .op = head.op, .bi = s.bi,
                .bo = s.bo, .oi = s.oi, .oo = s.oo, .in_bytes = s.in_bytes, .out_bytes = s.out_bytes,
                .num_params = head.num_params, .obj_in = s.ids, .obj_in_len = s.objects,
                .obj_in_flags = s.flags, .obj_in_flags_len = s.objects);
    }
    static void end(int fd, uint64_t serial, int err, const ArgView *after)
    {
        ParamSummary s;
        int32_t ret = 0;
        if (after) {
            ret = static_cast<int32_t>(after->head<tee_ioctl_object_invoke_arg>().ret);
            s.summarize(*after, 0, false);
        }
        // out_bytes: the updated sizes, that is the bytes produced.
        TS_USER(invoke_end, .fd = fd, .serial = serial, .err = err, .ret = ret, .out_bytes = s.out_bytes,
                .obj_out = s.ids, .obj_out_len = s.objects, .obj_out_flags = s.flags,
                .obj_out_flags_len = s.objects);
    }
};

struct SuppRecvOp {
    static constexpr size_t header = sizeof(tee_iocl_supp_recv_arg);
    static constexpr size_t count_at = offsetof(tee_iocl_supp_recv_arg, num_params);
    static bool begin_enabled() { return TS_USER_ENABLED(supp_recv_begin); }
    static bool end_enabled() { return TS_USER_ENABLED(supp_recv_end); }
    // Which driver's layout the answer has: an OP-TEE supplicant offers an empty META slot and gets
    // the request id in its a; qcomtee's supplicant offers its buffer there and gets the callback
    // object's id in a and the request id in b.
    static inline thread_local bool t_optee = false;
    static void observe(const ArgView &before)
    {
        tee_ioctl_param meta;
        t_optee = before.meta(meta) && meta.attr == TEE_IOCTL_PARAM_ATTR_META;
    }
    static void begin(int fd, uint64_t serial, const ArgView &v)
    {
        tee_ioctl_param meta;
        uint64_t buf_size = v.meta(meta) ? meta.b : 0;
        TS_USER(supp_recv_begin, .fd = fd, .serial = serial, .num_params = v.num_params, .buf_size = buf_size);
    }
    static void end(int fd, uint64_t serial, int err, const ArgView *after)
    {
        ParamSummary s;
        uint32_t op = 0, request_id = 0;
        uint64_t user_id = 0;
        if (after) {
            op = after->head<tee_iocl_supp_recv_arg>().func;
            tee_ioctl_param meta;
            bool has_meta = after->meta(meta);
            if (has_meta && t_optee) {
                request_id = static_cast<uint32_t>(meta.a);
            } else if (has_meta) {
                user_id = meta.a;
                request_id = static_cast<uint32_t>(meta.b);
            }
            s.summarize(*after, has_meta ? 1 : 0, true);
        }
        TS_USER(supp_recv_end, .fd = fd, .serial = serial, .err = err, .op = op, .user_id = user_id,
                .request = request_id, .bi = s.bi, .bo = s.bo, .oi = s.oi, .oo = s.oo, .in_bytes = s.in_bytes,
                .obj_in = s.ids, .obj_in_len = s.objects, .obj_in_flags = s.flags, .obj_in_flags_len = s.objects);
    }
};

struct SuppSendOp {
    static constexpr size_t header = sizeof(tee_iocl_supp_send_arg);
    static constexpr size_t count_at = offsetof(tee_iocl_supp_send_arg, num_params);
    static bool begin_enabled() { return TS_USER_ENABLED(supp_send_begin); }
    static bool end_enabled() { return TS_USER_ENABLED(supp_send_end); }
    static void begin(int fd, uint64_t serial, const ArgView &v)
    {
        tee_ioctl_param meta;
        bool has_meta = v.meta(meta);
        ParamSummary s;
        s.summarize(v, has_meta ? 1 : 0, false);
        TS_USER(supp_send_begin, .fd = fd, .serial = serial, .request = has_meta ? static_cast<uint32_t>(meta.a) : 0,
                .ret = static_cast<int32_t>(v.head<tee_iocl_supp_send_arg>().ret), .num_params = v.num_params,
                .out_bytes = s.out_bytes, .obj_out = s.ids, .obj_out_len = s.objects, .obj_out_flags = s.flags,
                .obj_out_flags_len = s.objects);
    }
    static void end(int fd, uint64_t serial, int err, const ArgView *) { TS_USER(supp_send_end, .fd = fd, .serial = serial, .err = err); }
};

struct OpenSessionOp {
    static constexpr size_t header = sizeof(tee_ioctl_open_session_arg);
    static constexpr size_t count_at = offsetof(tee_ioctl_open_session_arg, num_params);
    static bool begin_enabled() { return TS_USER_ENABLED(open_session_begin); }
    static bool end_enabled() { return TS_USER_ENABLED(open_session_end); }
    static void begin(int fd, uint64_t serial, const ArgView &v)
    {
        auto head = v.head<tee_ioctl_open_session_arg>();
        TS_USER(open_session_begin, .fd = fd, .serial = serial, .uuid = head.uuid, .login = head.clnt_login,
                .num_params = head.num_params);
    }
    static void end(int fd, uint64_t serial, int err, const ArgView *after)
    {
        tee_ioctl_open_session_arg head{};
        if (after)
            head = after->head<tee_ioctl_open_session_arg>();
        TS_USER(open_session_end, .fd = fd, .serial = serial, .err = err, .session = head.session,
                .ret = head.ret, .origin = head.ret_origin);
    }
};

struct SessionInvokeOp {
    static constexpr size_t header = sizeof(tee_ioctl_invoke_arg);
    static constexpr size_t count_at = offsetof(tee_ioctl_invoke_arg, num_params);
    static bool begin_enabled() { return TS_USER_ENABLED(session_invoke_begin); }
    static bool end_enabled() { return TS_USER_ENABLED(session_invoke_end); }
    static void begin(int fd, uint64_t serial, const ArgView &v)
    {
        auto head = v.head<tee_ioctl_invoke_arg>();
        TS_USER(session_invoke_begin, .fd = fd, .serial = serial, .session = head.session, .func = head.func,
                .num_params = head.num_params);
    }
    static void end(int fd, uint64_t serial, int err, const ArgView *after)
    {
        tee_ioctl_invoke_arg head{};
        if (after)
            head = after->head<tee_ioctl_invoke_arg>();
        TS_USER(session_invoke_end, .fd = fd, .serial = serial, .err = err, .ret = head.ret, .origin = head.ret_origin);
    }
};

// Against teesim the transport copies the argument anyway: the events are built from its copies
// (no extra system call). On a device the argument is read safely before the call, and plainly
// after a successful one.
template <typename Op>
int traced_buf_ioctl(int fd, FdKind kind, unsigned long request, void *arg, int &err)
{
    const bool begin_on = Op::begin_enabled(), end_on = Op::end_enabled();
    if (!begin_on && !end_on)
        return perform(fd, kind, request, arg, err);
    const uint64_t serial = next_serial();
    if (kind == FdKind::Sim) {
        struct Tap final : simlink::ArgumentTap {
            int fd;
            uint64_t serial;
            bool begin_on, seen = false, back = false;
            ArgView after;
            Tap(int f, uint64_t s, bool b) : fd(f), serial(s), begin_on(b) {}
            void sent(const unsigned char *bytes, size_t len) override
            {
                ArgView before;
                seen = before.assign(bytes, len, Op::header, Op::count_at);
                if constexpr (requires { Op::observe(before); }) {
                    if (seen)
                        Op::observe(before);
                }
                if (seen && begin_on)
                    Op::begin(fd, serial, before);
            }
            void returned(const unsigned char *bytes, size_t len) override
            {
                back = after.assign(bytes, len, Op::header, Op::count_at);
            }
        } tap(fd, serial, begin_on);
        int r = perform(fd, kind, request, arg, err, &tap);
        Guard guard;
        if (!tap.seen)
            trace_other(fd, request, err);
        else if (end_on)
            Op::end(fd, serial, err, r == 0 && tap.back ? &tap.after : nullptr);
        return r;
    }
    ArgView before;
    if (!before.read(arg, Op::header, Op::count_at, false)) {
        int r = perform(fd, kind, request, arg, err);
        trace_other(fd, request, err);
        return r;
    }
    if constexpr (requires { Op::observe(before); })
        Op::observe(before);
    if (begin_on) {
        Guard guard;
        Op::begin(fd, serial, before);
    }
    int r = perform(fd, kind, request, arg, err);
    if (end_on) {
        Guard guard;
        ArgView after;
        bool readable = r == 0 && after.read(arg, Op::header, Op::count_at, true);
        Op::end(fd, serial, err, readable ? &after : nullptr);
    }
    return r;
}

int version(int fd, FdKind kind, unsigned long request, void *arg, int &err)
{
    int r = perform(fd, kind, request, arg, err);
    if (TS_USER_ENABLED(version)) {
        Guard guard;
        tee_ioctl_version_data data;
        if (r < 0 || !peek_struct(data, arg))
            std::memset(&data, 0, sizeof data);
        TS_USER(version, .fd = fd, .err = err, .impl = data.impl_id, .impl_caps = data.impl_caps,
                .gen_caps = data.gen_caps);
    }
    return r;
}

// CANCEL and CLOSE_SESSION: traced after the call from a copy taken before it.
template <typename T>
int session_control(int fd, FdKind kind, unsigned long request, void *arg, int &err, bool enabled)
{
    if (!enabled)
        return perform(fd, kind, request, arg, err);
    T data;
    bool readable = peek_struct(data, arg);
    int r = perform(fd, kind, request, arg, err);
    Guard guard;
    if (!readable) {
        TS_USER(ioctl_other, .fd = fd, .request = static_cast<uint32_t>(request), .err = err);
    } else if constexpr (std::is_same_v<T, tee_ioctl_cancel_arg>) {
        TS_USER(cancel, .fd = fd, .cancel_id = data.cancel_id, .session = data.session, .err = err);
    } else {
        TS_USER(close_session, .fd = fd, .session = data.session, .err = err);
    }
    return r;
}

// SHM_ALLOC / SHM_REGISTER / SHM_REGISTER_FD: the new descriptor is tracked whether or not the
// events are enabled, so that its mmap and close are recognised later.
int shm(int fd, FdKind kind, unsigned long request, void *arg, int &err)
{
    bool enabled = request == TEE_IOC_SHM_ALLOC ? TS_USER_ENABLED(shm_alloc) : TS_USER_ENABLED(shm_register);
    union {
        tee_ioctl_shm_alloc_data alloc;
        tee_ioctl_shm_register_data reg;
        tee_ioctl_shm_register_fd_data reg_fd;
    } before{}, after{};
    size_t size = _IOC_SIZE(request);
    bool readable = enabled && peek(&before, arg, size);
    int r = perform(fd, kind, request, arg, err);
    if (r >= 0)
        fd_track(r, FdKind::Shm);
    if (!enabled)
        return r;
    Guard guard;
    if (!readable) {
        TS_USER(ioctl_other, .fd = fd, .request = static_cast<uint32_t>(request), .err = err);
        return r;
    }
    if (r < 0 || !peek(&after, arg, size))
        after = before;
    int shm_fd = r >= 0 ? r : -1;
    if (request == TEE_IOC_SHM_ALLOC) {
        TS_USER(shm_alloc, .fd = fd, .size = before.alloc.size, .flags = before.alloc.flags,
                .shm = r >= 0 ? after.alloc.id : -1, .shm_fd = shm_fd, .err = err);
    } else if (request == TEE_IOC_SHM_REGISTER) {
        TS_USER(shm_register, .fd = fd, .addr = before.reg.addr, .src_fd = -1, .size = before.reg.length,
                .flags = before.reg.flags, .shm = r >= 0 ? after.reg.id : -1, .shm_fd = shm_fd, .err = err);
    } else {
        TS_USER(shm_register, .fd = fd, .addr = 0, .src_fd = before.reg_fd.fd, .size = before.reg_fd.size,
                .flags = before.reg_fd.flags, .shm = r >= 0 ? after.reg_fd.id : -1, .shm_fd = shm_fd, .err = err);
    }
    return r;
}

void trace_exit()
{
    announce_process();
    Guard guard;
    TS_USER(proc_exit, .tee_fds = fd_context_count());
}

} // namespace

void arm_exit_event()
{
    static std::once_flag once;
    std::call_once(once, [] { std::atexit(trace_exit); });
}

int real_ioctl(int fd, unsigned long request, void *arg)
{
    const RealFunctions *fns = real();
    if (fns && fns->ioctl)
        return fns->ioctl(fd, request, arg);
    return static_cast<int>(::syscall(SYS_ioctl, fd, request, arg));
}

int tee_ioctl(int fd, unsigned long request, void *arg)
{
    announce_process();
    FdKind kind = fd_kind(fd);
    if (kind == FdKind::None)
        kind = adopt(fd);
    if (!is_context(kind))
        return real_ioctl(fd, request, arg);

    const int saved_errno = errno;
    int err = 0;
    int r;
    switch (request) {
    case TEE_IOC_OBJECT_INVOKE:
        r = traced_buf_ioctl<InvokeOp>(fd, kind, request, arg, err);
        break;
    case TEE_IOC_SUPPL_RECV:
        r = traced_buf_ioctl<SuppRecvOp>(fd, kind, request, arg, err);
        break;
    case TEE_IOC_SUPPL_SEND:
        r = traced_buf_ioctl<SuppSendOp>(fd, kind, request, arg, err);
        break;
    case TEE_IOC_OPEN_SESSION:
        r = traced_buf_ioctl<OpenSessionOp>(fd, kind, request, arg, err);
        break;
    case TEE_IOC_INVOKE:
        r = traced_buf_ioctl<SessionInvokeOp>(fd, kind, request, arg, err);
        break;
    case TEE_IOC_VERSION:
        r = version(fd, kind, request, arg, err);
        break;
    case TEE_IOC_CANCEL:
        r = session_control<tee_ioctl_cancel_arg>(fd, kind, request, arg, err, TS_USER_ENABLED(cancel));
        break;
    case TEE_IOC_CLOSE_SESSION:
        r = session_control<tee_ioctl_close_session_arg>(fd, kind, request, arg, err,
                                                         TS_USER_ENABLED(close_session));
        break;
    case TEE_IOC_SHM_ALLOC:
    case TEE_IOC_SHM_REGISTER:
    case TEE_IOC_SHM_REGISTER_FD:
        r = shm(fd, kind, request, arg, err);
        break;
    default:
        r = perform(fd, kind, request, arg, err);
        if (TS_USER_ENABLED(ioctl_other))
            trace_other(fd, request, err);
        break;
    }
    errno = r < 0 ? err : saved_errno;
    return r;
}

} // namespace teescope::preload
