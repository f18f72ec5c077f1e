// SPDX-License-Identifier: MIT
// The tee core: drivers/tee/tee_core.c (tee_ioctl and its handlers, teedev_open,
// teedev_close_context, teedev_ctx_get/put) and the ioctl side of tee_shm.c. Each handler checks
// its argument in the kernel's order and writes back what the kernel writes back; the rows of
// samples/teesim/CONFORMANCE.md name the kernel function each check comes from.
#include "core/core.h"

#include "teescope/trace.h"

#include <cerrno>
#include <chrono>

namespace teescope::teesim {

namespace {

// How often a blocked caller checks whether its thread went away or was interrupted.
constexpr auto kPollInterval = std::chrono::milliseconds(20);
// tee_dyn_shm_alloc_helper() takes pages with alloc_pages_exact(): at most MAX_PAGE_ORDER (10)
// pages of 4 KiB in one piece.
constexpr uint64_t kPageSize = 4096;
constexpr uint64_t kMaxShmAlloc = kPageSize << 10;
// The errno a driver without shm_register answers (tee_shm.c: register_shm_helper).
constexpr int kENOTSUPP = 524;

IoctlReply error(int err)
{
    IoctlReply r;
    r.err = err;
    return r;
}

// size_add(header, size_mul(32, n)) without overflow.
uint64_t arg_size(size_t header, uint32_t num_params)
{
    return header + uint64_t{num_params} * sizeof(tee_ioctl_param);
}

// The parameters of a buffer ioctl's argument: the transport sends as many as it could read.
std::span<const uint8_t> params_of(std::span<const uint8_t> arg, size_t header)
{
    return arg.size() > header ? arg.subspan(header) : std::span<const uint8_t>{};
}

} // namespace

Core::Core(Config config, std::unique_ptr<Personality> personality)
    : cfg(std::move(config)), rng(cfg.seed), shm(mu, [this](const Shm &s) { shm_freed(s); }),
      personality_(std::move(personality))
{
    personality_->attach(*this);
    shm.start();
}

Core::~Core()
{
    shutdown();
}

void Core::set_observer(std::function<void(const DriverEvent &)> observer)
{
    Lock lk(mu);
    observer_ = std::move(observer);
}

Context *Core::context(uint64_t serial)
{
    auto it = contexts_.find(serial);
    return it == contexts_.end() ? nullptr : it->second.get();
}

uint32_t Core::driver_ioctls() const
{
    using Op = Personality::Op;
    uint32_t bits = 0;
    auto set = [&](Op op, uint32_t cmd) {
        if (personality_->has(op))
            bits |= 1u << _IOC_NR(cmd);
    };
    set(Op::OpenSession, TEE_IOC_OPEN_SESSION);
    set(Op::Invoke, TEE_IOC_INVOKE);
    set(Op::Cancel, TEE_IOC_CANCEL);
    set(Op::CloseSession, TEE_IOC_CLOSE_SESSION);
    set(Op::ObjectInvoke, TEE_IOC_OBJECT_INVOKE);
    set(Op::SuppRecv, TEE_IOC_SUPPL_RECV);
    set(Op::SuppSend, TEE_IOC_SUPPL_SEND);
    return bits;
}

// ------------------------------------------------------------------------------ contexts

uint64_t Core::open_context(int32_t pid, int32_t tid, const std::string &dev)
{
    if (!personality_->serves(dev))
        return 0;
    Lock lk(mu);
    auto c = std::make_unique<Context>();
    c->serial = next_ctx_++;
    c->dev = dev;
    Context &ctx = *c;
    contexts_[ctx.serial] = std::move(c);
    TS_DRV(context_open, .pid = pid, .tid = tid, .ctx = ctx.serial, .impl = personality_->version().impl_id,
           .guest = 0, .dev = dev.c_str());
    note({"context_open", pid, tid, ctx.serial, 0, 0, 0, 0});
    personality_->open(Caller{pid, tid, {}, {}}, ctx);
    return ctx.serial;
}

void Core::close_context(uint64_t token)
{
    Lock lk(mu);
    Context *c = context(token);
    if (!c || !c->file_open)
        return;
    c->file_open = false;
    maybe_close(*c);
}

// teedev_close_context(): runs when the file's last reference is gone, and no ioctl holds it.
void Core::maybe_close(Context &ctx)
{
    if (ctx.file_open || ctx.in_flight > 0 || ctx.closed)
        return;
    personality_->close(ctx);
    // Set last: what close() frees must not release the context while it is torn down.
    ctx.closed = true;
    cv.notify_all();
    maybe_release(ctx);
}

// teedev_ctx_release(): the last reference is gone.
void Core::maybe_release(Context &ctx)
{
    if (!ctx.closed || ctx.refs > 0)
        return;
    TS_DRV(context_release, .pid = 0, .tid = 0, .ctx = ctx.serial);
    note({"context_release", 0, 0, ctx.serial, 0, 0, 0, 0});
    personality_->release(ctx);
    contexts_.erase(ctx.serial);
}

void Core::ctx_put(uint64_t serial)
{
    if (Context *c = context(serial)) {
        --c->refs;
        maybe_release(*c);
    }
}

bool Core::context_released(uint64_t token) const
{
    Lock lk(mu);
    return token < next_ctx_ && !contexts_.count(token);
}

Core::Wake Core::wait(Lock &lk, const Caller &caller, const std::function<bool()> &ready, bool interruptible)
{
    for (;;) {
        if (ready())
            return Wake::Ready;
        if (stopping)
            return Wake::Stopping;
        if (caller.gone && caller.gone())
            return Wake::Gone;
        if (interruptible && caller.interrupted && caller.interrupted())
            return Wake::Interrupted;
        cv.wait_for(lk, kPollInterval);
    }
}

void Core::shutdown()
{
    {
        Lock lk(mu);
        stopping = true;
        cv.notify_all();
    }
    personality_->shutdown();
    shm.stop();
}

// ------------------------------------------------------------------------------ ioctls

// tee_ioctl(): one switch on the whole request number; anything else is EINVAL.
IoctlReply Core::ioctl(const Caller &caller, uint64_t token, uint32_t cmd, uint64_t buf_len,
                       std::span<const uint8_t> arg, std::span<const uint8_t> data, int passed_fd)
{
    Lock lk(mu);
    Context *c = context(token);
    if (!c || c->closed)
        return error(EBADF);
    ++c->in_flight;
    IoctlReply r;
    switch (cmd) {
    case TEE_IOC_VERSION:
        r = version(*c);
        break;
    case TEE_IOC_SHM_ALLOC:
        r = shm_alloc(caller, *c, arg);
        break;
    case TEE_IOC_SHM_REGISTER:
        r = shm_register(caller, *c, arg);
        break;
    case TEE_IOC_SHM_REGISTER_FD:
        r = shm_register_fd(caller, *c, arg, passed_fd);
        break;
    case TEE_IOC_OBJECT_INVOKE:
        r = object_invoke(caller, *c, lk, buf_len, arg, data);
        break;
    case TEE_IOC_SUPPL_RECV:
        r = supp_recv(caller, *c, lk, buf_len, arg);
        break;
    case TEE_IOC_SUPPL_SEND:
        r = supp_send(caller, *c, lk, buf_len, arg, data);
        break;
    case TEE_IOC_OPEN_SESSION:
    case TEE_IOC_INVOKE:
    case TEE_IOC_CANCEL:
    case TEE_IOC_CLOSE_SESSION:
        // Session ioctls of a driver without session ops: EINVAL before the argument is read.
        r = error(EINVAL);
        break;
    default:
        r = error(EINVAL);
        break;
    }
    --c->in_flight;
    maybe_close(*c); // may release and free the context: `c` is not used after this
    return r;
}

// tee_ioctl_version(): no argument is read; the core adds PRIVILEGED for a privileged device.
IoctlReply Core::version(const Context &ctx)
{
    tee_ioctl_version_data v = personality_->version();
    if (personality_->privileged(ctx.dev))
        v.gen_caps |= TEE_GEN_CAP_PRIVILEGED;
    IoctlReply r;
    put(r.arg, 0, v);
    return r;
}

// tee_ioctl_shm_alloc() and tee_shm_alloc_user_buf().
IoctlReply Core::shm_alloc(const Caller &c, Context &ctx, std::span<const uint8_t> arg)
{
    if (arg.size() != sizeof(tee_ioctl_shm_alloc_data))
        return error(EFAULT);
    auto d = get<tee_ioctl_shm_alloc_data>(arg, 0);
    if (d.flags)
        return error(EINVAL);
    // alloc_pages_exact() of the page-rounded size: nothing for 0, at most 2^10 pages.
    const uint64_t size = (d.size + kPageSize - 1) / kPageSize * kPageSize;
    if (d.size == 0 || d.size > kMaxShmAlloc)
        return error(ENOMEM);
    Shm s;
    s.ctx = ctx.serial;
    s.size = size;
    s.type = Shm::Type::Alloc;
    int fd = shm.create(s, size);
    if (fd < 0)
        return error(-fd);
    ctx_get(ctx);
    TS_DRV(shm_alloc, .pid = c.pid, .tid = c.tid, .ctx = ctx.serial, .shm = s.id, .size = size, .flags = d.flags);
    note({"shm_alloc", c.pid, c.tid, ctx.serial, 0, static_cast<uint64_t>(s.id), 0, static_cast<int64_t>(size)});
    d.id = s.id;
    d.size = size; // flags stay as given
    IoctlReply r;
    put(r.arg, 0, d);
    r.fd = fd;
    return r;
}

// tee_ioctl_shm_register() and tee_shm_register_user_buf().
IoctlReply Core::shm_register(const Caller &c, Context &ctx, std::span<const uint8_t> arg)
{
    if (arg.size() != sizeof(tee_ioctl_shm_register_data))
        return error(EFAULT);
    auto d = get<tee_ioctl_shm_register_data>(arg, 0);
    if (d.flags)
        return error(EINVAL);
    if (!user_range_ok(d.addr, d.length))
        return error(EFAULT);
    if (!personality_->has(Personality::Op::ShmRegister))
        return error(kENOTSUPP);
    if (d.length == 0)
        return error(ENOMEM); // nothing to pin
    Shm s;
    s.ctx = ctx.serial;
    s.size = d.length;
    s.type = Shm::Type::Register;
    s.pid = c.pid;
    s.addr = d.addr;
    int fd = shm.create(s, 0);
    if (fd < 0)
        return error(-fd);
    ctx_get(ctx);
    TS_DRV(shm_register, .pid = c.pid, .tid = c.tid, .ctx = ctx.serial, .shm = s.id, .size = s.size, .flags = 0,
           .addr = d.addr);
    note({"shm_register", c.pid, c.tid, ctx.serial, 0, static_cast<uint64_t>(s.id), 0, static_cast<int64_t>(s.size)});
    d.id = s.id;
    d.length = s.size;
    IoctlReply r;
    put(r.arg, 0, d);
    r.fd = fd;
    return r;
}

// tee_ioctl_shm_register_fd(): the descriptor must be a dma-buf of a protected-memory heap of
// this device (tee_heap.c); teesim has none, and the ioctl maps every failure to EINVAL.
IoctlReply Core::shm_register_fd(const Caller &c, Context &ctx, std::span<const uint8_t> arg, int passed_fd)
{
    (void)c, (void)ctx, (void)passed_fd;
    if (arg.size() != sizeof(tee_ioctl_shm_register_fd_data))
        return error(EFAULT);
    auto d = get<tee_ioctl_shm_register_fd_data>(arg, 0);
    if (d.flags)
        return error(EINVAL);
    return error(EINVAL);
}

void Core::shm_freed(const Shm &s)
{
    TS_DRV(shm_free, .pid = 0, .tid = 0, .ctx = s.ctx, .shm = s.id, .size = s.size);
    note({"shm_free", 0, 0, s.ctx, 0, static_cast<uint64_t>(s.id), 0, static_cast<int64_t>(s.size)});
    ctx_put(s.ctx);
}

// tee_ioctl_object_invoke().
IoctlReply Core::object_invoke(const Caller &c, Context &ctx, Lock &lk, uint64_t buf_len,
                               std::span<const uint8_t> arg, std::span<const uint8_t> data)
{
    constexpr size_t hdr = sizeof(tee_ioctl_object_invoke_arg);
    if (!personality_->has(Personality::Op::ObjectInvoke))
        return error(EINVAL);
    if (buf_len > TEE_MAX_ARG_SIZE || buf_len < hdr)
        return error(EINVAL);
    if (arg.size() < hdr)
        return error(EFAULT);
    auto head = get<tee_ioctl_object_invoke_arg>(arg, 0);
    if (arg_size(hdr, head.num_params) != buf_len)
        return error(EINVAL);
    std::vector<TeeParam> params;
    if (int err = params_from_user(params_of(arg, hdr), head.num_params, data, shm, ctx.serial,
                                   personality_->memref_null_ok(), params))
        return error(err);
    ObjectInvokeArg a{head.id, head.op, head.ret};
    CallFrame f{c, ctx, lk};
    if (int err = personality_->object_invoke(f, a, params)) {
        IoctlReply r = error(err);
        r.no_reply = f.caller_gone;
        return r;
    }
    if (f.caller_gone) {
        IoctlReply r = error(EINTR);
        r.no_reply = true;
        return r;
    }
    IoctlReply r;
    r.arg.assign(arg.begin(), arg.end());
    put(r.arg, offsetof(tee_ioctl_object_invoke_arg, ret), a.ret);
    params_to_user(params, r.arg, hdr, r.data);
    return r;
}

// tee_ioctl_supp_recv().
IoctlReply Core::supp_recv(const Caller &c, Context &ctx, Lock &lk, uint64_t buf_len, std::span<const uint8_t> arg)
{
    constexpr size_t hdr = sizeof(tee_iocl_supp_recv_arg);
    if (!personality_->has(Personality::Op::SuppRecv))
        return error(EINVAL);
    if (buf_len > TEE_MAX_ARG_SIZE || buf_len < hdr)
        return error(EINVAL);
    if (arg.size() < hdr)
        return error(EFAULT);
    auto head = get<tee_iocl_supp_recv_arg>(arg, 0);
    if (arg_size(hdr, head.num_params) != buf_len)
        return error(EINVAL);
    std::vector<TeeParam> params;
    if (int err = params_from_user(params_of(arg, hdr), head.num_params, {}, shm, ctx.serial,
                                   personality_->memref_null_ok(), params))
        return error(err);
    uint32_t func = 0, num_params = head.num_params;
    CallFrame f{c, ctx, lk};
    if (int err = personality_->supp_recv(f, func, num_params, params)) {
        IoctlReply r = error(err);
        r.no_reply = f.caller_gone;
        return r;
    }
    IoctlReply r;
    r.arg.assign(arg.begin(), arg.end());
    put(r.arg, offsetof(tee_iocl_supp_recv_arg, func), func);
    put(r.arg, offsetof(tee_iocl_supp_recv_arg, num_params), num_params);
    params_to_supp(params, num_params, r.arg, hdr, r.data);
    return r;
}

// tee_ioctl_supp_send(): the only buffer ioctl that accepts a buffer longer than it needs.
IoctlReply Core::supp_send(const Caller &c, Context &ctx, Lock &lk, uint64_t buf_len, std::span<const uint8_t> arg,
                           std::span<const uint8_t> data)
{
    constexpr size_t hdr = sizeof(tee_iocl_supp_send_arg);
    if (!personality_->has(Personality::Op::SuppSend))
        return error(EINVAL);
    if (buf_len > TEE_MAX_ARG_SIZE || buf_len < hdr)
        return error(EINVAL);
    if (arg.size() < hdr)
        return error(EFAULT);
    auto head = get<tee_iocl_supp_send_arg>(arg, 0);
    if (arg_size(hdr, head.num_params) > buf_len)
        return error(EINVAL);
    std::vector<TeeParam> params;
    if (int err = params_from_supp(params_of(arg, hdr), head.num_params, data, params))
        return error(err);
    CallFrame f{c, ctx, lk};
    return error(personality_->supp_send(f, head.ret, params)); // nothing is written back
}

} // namespace teescope::teesim
