// SPDX-License-Identifier: MIT
// The tee core: drivers/tee/tee_core.c (tee_ioctl and its handlers, teedev_open,
// teedev_close_context, teedev_ctx_get/put) and the ioctl side of tee_shm.c. Each handler checks
// its argument in the kernel's order and writes back what the kernel writes back; the rows of
// samples/teesim/CONFORMANCE.md name the kernel function each check comes from.
#include "core/core.h"

#include "teescope/trace.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

#include <unistd.h>

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

// How many bytes from `addr` on (of `length`) lie in mappings of `pid` that can be written: what
// pinning user pages for writing (iov_iter_extract_pages) gets before it stops.
uint64_t writable_prefix(pid_t pid, uint64_t addr, uint64_t length)
{
    std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
    const uint64_t page_start = addr & ~(kPageSize - 1);
    uint64_t covered = page_start; // every byte below is writable
    for (std::string line; std::getline(maps, line) && covered < addr + length;) {
        uint64_t start = 0, end = 0;
        char perms[5] = {};
        if (std::sscanf(line.c_str(), "%" SCNx64 "-%" SCNx64 " %4s", &start, &end, perms) != 3)
            continue;
        if (end <= covered)
            continue;
        if (start > covered || perms[1] != 'w')
            break; // a hole or a read-only mapping
        covered = end;
    }
    return covered <= addr ? 0 : std::min(covered - addr, length);
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

Core::Core(Config config, std::unique_ptr<Personality> personality, std::shared_ptr<Sync> shared, uint32_t guest)
    : sync(shared ? std::move(shared) : std::make_shared<Sync>()), mu(sync->mu), cv(sync->cv), cfg(std::move(config)),
      rng(cfg.seed + guest), shm(mu, [this](const Shm &s) { shm_freed(s); }), personality_(std::move(personality)),
      guest_(guest)
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

uint32_t Core::driver_ioctls(uint64_t token) const
{
    using Op = Personality::Op;
    int device = 0;
    {
        Lock lk(mu);
        auto it = contexts_.find(token);
        if (it != contexts_.end())
            device = it->second->device;
    }
    uint32_t bits = 0;
    auto set = [&](Op op, uint32_t cmd) {
        if (personality_->has(op, device))
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

// tee_open() → teedev_open(): a driver that refuses the open (the OP-TEE supplicant device is
// busy) fails it before anything is made.
uint64_t Core::open_context(int32_t pid, int32_t tid, const std::string &dev, int *err)
{
    const int device = personality_->device(dev);
    if (device < 0) {
        if (err)
            *err = ENOENT;
        return 0;
    }
    Lock lk(mu);
    if (dropped_ || stopping) {
        if (err)
            *err = ENODEV;
        return 0;
    }
    if (int e = personality_->admit(device)) {
        if (err)
            *err = e;
        return 0;
    }
    auto c = std::make_unique<Context>();
    c->serial = sync->next_ctx++;
    c->dev = dev;
    c->device = device;
    Context &ctx = *c;
    contexts_[ctx.serial] = std::move(c);
    // Before ops->open, so that what the driver makes for the context (QTEE's root object) comes
    // after the context in the trace.
    TS_DRV(context_open, .pid = pid, .tid = tid, .ctx = ctx.serial, .impl = personality_->impl_id(),
           .guest = guest_, .dev = dev.c_str());
    note({"context_open", pid, tid, ctx.serial, 0, 0, 0, 0});
    personality_->open(Caller{pid, tid, {}, {}}, ctx);
    return ctx.serial;
}

void Core::close_context(uint64_t token)
{
    Lock lk(mu);
    Context *c = context(token);
    if (!c || !c->file_open || dropped_)
        return;
    c->file_open = false;
    maybe_close(*c);
}

// teedev_close_context(): runs when the file's last reference is gone, and no ioctl holds it.
void Core::maybe_close(Context &ctx)
{
    if (ctx.file_open || ctx.in_flight > 0 || ctx.closed || dropped_)
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
    if (!ctx.closed || ctx.refs > 0 || dropped_)
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
    return token < sync->next_ctx && !contexts_.count(token);
}

uint32_t Core::drop_all_contexts()
{
    dropped_ = true;
    stopping = true; // every caller blocked in this driver ends
    cv.notify_all();
    personality_->wake_waiters();
    uint32_t n = 0;
    for (auto &[serial, c] : contexts_)
        if (!c->closed)
            ++n;
    return n;
}

Core::Wake Core::wait(Lock &lk, const Caller &caller, const std::function<bool()> &ready, bool interruptible,
                      std::condition_variable *on)
{
    std::condition_variable &cond = on ? *on : cv;
    for (;;) {
        if (ready())
            return Wake::Ready;
        if (stopping)
            return Wake::Stopping;
        if (caller.gone && caller.gone())
            return Wake::Gone;
        if (interruptible && caller.interrupted && caller.interrupted())
            return Wake::Interrupted;
        cond.wait_for(lk, kPollInterval);
    }
}

void Core::shutdown()
{
    {
        Lock lk(mu);
        stopping = true;
        cv.notify_all();
        personality_->wake_waiters();
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
    if (dropped_)
        return error(EIO); // the guest is gone
    shm.sync(); // the shm whose last descriptor the caller closed are gone, as in the kernel
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
        r = shm_alloc(caller, *c, lk, arg);
        break;
    case TEE_IOC_SHM_REGISTER:
        r = shm_register(caller, *c, lk, arg);
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
        r = open_session(caller, *c, lk, buf_len, arg, data);
        break;
    case TEE_IOC_INVOKE:
        r = invoke(caller, *c, lk, buf_len, arg, data);
        break;
    case TEE_IOC_CANCEL:
        r = cancel(caller, *c, lk, arg);
        break;
    case TEE_IOC_CLOSE_SESSION:
        r = close_session(caller, *c, lk, arg);
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
    tee_ioctl_version_data v = personality_->version(ctx.device);
    if (personality_->privileged(ctx.device))
        v.gen_caps |= TEE_GEN_CAP_PRIVILEGED;
    IoctlReply r;
    put(r.arg, 0, v);
    return r;
}

// tee_ioctl_shm_alloc() and tee_shm_alloc_user_buf().
IoctlReply Core::shm_alloc(const Caller &c, Context &ctx, Lock &lk, std::span<const uint8_t> arg)
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
    s.device = ctx.device;
    s.size = size;
    s.type = Shm::Type::Alloc;
    int fd = shm.create(s, size);
    if (fd < 0)
        return error(-fd);
    if (int err = register_with_driver(c, ctx, lk, s.id, fd))
        return error(err);
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
IoctlReply Core::shm_register(const Caller &c, Context &ctx, Lock &lk, std::span<const uint8_t> arg)
{
    if (arg.size() != sizeof(tee_ioctl_shm_register_data))
        return error(EFAULT);
    auto d = get<tee_ioctl_shm_register_data>(arg, 0);
    if (d.flags)
        return error(EINVAL);
    if (!user_range_ok(d.addr, d.length))
        return error(EFAULT);
    if (!personality_->has(Personality::Op::ShmRegister, ctx.device))
        return error(kENOTSUPP);
    if (d.length == 0)
        return error(ENOMEM); // nothing to pin
    // register_shm_helper(): the pages are pinned for writing; none gives the fault, some ENOMEM.
    const uint64_t pinned = writable_prefix(c.pid, d.addr, d.length);
    if (pinned == 0)
        return error(EFAULT);
    if (pinned < d.length)
        return error(ENOMEM);
    Shm s;
    s.ctx = ctx.serial;
    s.device = ctx.device;
    s.size = d.length;
    s.type = Shm::Type::Register;
    s.pid = c.pid;
    s.addr = d.addr;
    int fd = shm.create(s, 0);
    if (fd < 0)
        return error(-fd);
    if (int err = register_with_driver(c, ctx, lk, s.id, fd))
        return error(err);
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

// The driver's shm_register (OP-TEE: a REGISTER_SHM call to the secure world, which may wait for
// a thread). The id is taken but not yet findable (the kernel's idr holds NULL until the shm is
// complete); a refusal frees it again and the ioctl fails.
int Core::register_with_driver(const Caller &c, Context &ctx, Lock &lk, int32_t id, int fd)
{
    Shm *s = shm.find(ctx.device, id);
    s->ready = false;
    CallFrame f{c, ctx, lk};
    int err = personality_->shm_register(f, *s);
    s = shm.find(ctx.device, id); // the table may have changed while the lock was dropped
    if (err || f.caller_gone) {
        shm.discard(ctx.device, id);
        ::close(fd);
        return err ? err : EINTR;
    }
    s->ready = true;
    return 0;
}

void Core::shm_freed(const Shm &s)
{
    if (dropped_)
        return; // the guest is gone: nothing of its kernel runs
    personality_->shm_unregister(s);
    TS_DRV(shm_free, .pid = 0, .tid = 0, .ctx = s.ctx, .shm = s.id, .size = s.size);
    note({"shm_free", 0, 0, s.ctx, 0, static_cast<uint64_t>(s.id), 0, static_cast<int64_t>(s.size)});
    ctx_put(s.ctx);
}

// tee_ioctl_object_invoke().
IoctlReply Core::object_invoke(const Caller &c, Context &ctx, Lock &lk, uint64_t buf_len,
                               std::span<const uint8_t> arg, std::span<const uint8_t> data)
{
    constexpr size_t hdr = sizeof(tee_ioctl_object_invoke_arg);
    if (!personality_->has(Personality::Op::ObjectInvoke, ctx.device))
        return error(EINVAL);
    if (buf_len > TEE_MAX_ARG_SIZE || buf_len < hdr)
        return error(EINVAL);
    if (arg.size() < hdr)
        return error(EFAULT);
    auto head = get<tee_ioctl_object_invoke_arg>(arg, 0);
    if (arg_size(hdr, head.num_params) != buf_len)
        return error(EINVAL);
    std::vector<TeeParam> params;
    if (int err = params_from_user(params_of(arg, hdr), head.num_params, data, shm, ctx.device, ctx.serial,
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

// Every shm a call's memrefs name stays while the call runs (tee_shm_get_from_id() in
// params_from_user, tee_shm_put() when the ioctl ends).
void Core::hold_memrefs(const std::vector<TeeParam> &params, int device, int delta)
{
    for (const TeeParam &p : params) {
        const uint32_t t = p.type();
        if (t < TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT || t > TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INOUT || p.shm < 0)
            continue;
        if (delta > 0) {
            if (Shm *s = shm.find(device, p.shm))
                ++s->users;
        } else {
            shm.unuse(device, p.shm);
        }
    }
}

// tee_ioctl_open_session(): the login check comes after the parameters, and a driver that
// returned 0 has made a session whatever `ret` says, so the session, ret and ret_origin are
// written back before the parameters.
IoctlReply Core::open_session(const Caller &c, Context &ctx, Lock &lk, uint64_t buf_len, std::span<const uint8_t> arg,
                              std::span<const uint8_t> data)
{
    constexpr size_t hdr = sizeof(tee_ioctl_open_session_arg);
    if (!personality_->has(Personality::Op::OpenSession, ctx.device))
        return error(EINVAL);
    if (buf_len > TEE_MAX_ARG_SIZE || buf_len < hdr)
        return error(EINVAL);
    if (arg.size() < hdr)
        return error(EFAULT);
    auto head = get<tee_ioctl_open_session_arg>(arg, 0);
    if (arg_size(hdr, head.num_params) != buf_len)
        return error(EINVAL);
    std::vector<TeeParam> params;
    if (int err = params_from_user(params_of(arg, hdr), head.num_params, data, shm, ctx.device, ctx.serial,
                                   personality_->memref_null_ok(), params))
        return error(err);
    if (head.clnt_login >= TEE_IOCTL_LOGIN_REE_KERNEL_MIN && head.clnt_login <= TEE_IOCTL_LOGIN_REE_KERNEL_MAX)
        return error(EPERM);
    OpenSessionArg a;
    std::memcpy(a.uuid, head.uuid, sizeof a.uuid);
    std::memcpy(a.clnt_uuid, head.clnt_uuid, sizeof a.clnt_uuid);
    a.clnt_login = head.clnt_login;
    a.cancel_id = head.cancel_id;
    a.session = head.session;
    a.ret = head.ret;
    a.ret_origin = head.ret_origin;
    a.invocation = next_invocation();
    hold_memrefs(params, ctx.device, +1);
    CallFrame f{c, ctx, lk};
    int err = personality_->open_session(f, a, params);
    hold_memrefs(params, ctx.device, -1);
    if (err || f.caller_gone) {
        IoctlReply r = error(err ? err : EINTR);
        r.no_reply = f.caller_gone;
        return r;
    }
    IoctlReply r;
    r.arg.assign(arg.begin(), arg.end());
    put(r.arg, offsetof(tee_ioctl_open_session_arg, session), a.session);
    put(r.arg, offsetof(tee_ioctl_open_session_arg, ret), a.ret);
    put(r.arg, offsetof(tee_ioctl_open_session_arg, ret_origin), a.ret_origin);
    params_to_user(params, r.arg, hdr, r.data);
    return r;
}

// tee_ioctl_invoke(): `session` is not written back.
IoctlReply Core::invoke(const Caller &c, Context &ctx, Lock &lk, uint64_t buf_len, std::span<const uint8_t> arg,
                        std::span<const uint8_t> data)
{
    constexpr size_t hdr = sizeof(tee_ioctl_invoke_arg);
    if (!personality_->has(Personality::Op::Invoke, ctx.device))
        return error(EINVAL);
    if (buf_len > TEE_MAX_ARG_SIZE || buf_len < hdr)
        return error(EINVAL);
    if (arg.size() < hdr)
        return error(EFAULT);
    auto head = get<tee_ioctl_invoke_arg>(arg, 0);
    if (arg_size(hdr, head.num_params) != buf_len)
        return error(EINVAL);
    std::vector<TeeParam> params;
    if (int err = params_from_user(params_of(arg, hdr), head.num_params, data, shm, ctx.device, ctx.serial,
                                   personality_->memref_null_ok(), params))
        return error(err);
    InvokeArg a;
    a.func = head.func;
    a.session = head.session;
    a.cancel_id = head.cancel_id;
    a.ret = head.ret;
    a.ret_origin = head.ret_origin;
    a.invocation = next_invocation();
    hold_memrefs(params, ctx.device, +1);
    CallFrame f{c, ctx, lk};
    int err = personality_->invoke(f, a, params);
    hold_memrefs(params, ctx.device, -1);
    if (err || f.caller_gone) {
        IoctlReply r = error(err ? err : EINTR);
        r.no_reply = f.caller_gone;
        return r;
    }
    IoctlReply r;
    r.arg.assign(arg.begin(), arg.end());
    put(r.arg, offsetof(tee_ioctl_invoke_arg, ret), a.ret);
    put(r.arg, offsetof(tee_ioctl_invoke_arg, ret_origin), a.ret_origin);
    params_to_user(params, r.arg, hdr, r.data);
    return r;
}

// tee_ioctl_cancel(): the driver's answer is the ioctl's.
IoctlReply Core::cancel(const Caller &c, Context &ctx, Lock &lk, std::span<const uint8_t> arg)
{
    if (!personality_->has(Personality::Op::Cancel, ctx.device))
        return error(EINVAL);
    if (arg.size() != sizeof(tee_ioctl_cancel_arg))
        return error(EFAULT);
    auto a = get<tee_ioctl_cancel_arg>(arg, 0);
    CallFrame f{c, ctx, lk};
    IoctlReply r = error(personality_->cancel(f, a.cancel_id, a.session));
    r.no_reply = f.caller_gone;
    return r;
}

// tee_ioctl_close_session().
IoctlReply Core::close_session(const Caller &c, Context &ctx, Lock &lk, std::span<const uint8_t> arg)
{
    if (!personality_->has(Personality::Op::CloseSession, ctx.device))
        return error(EINVAL);
    if (arg.size() != sizeof(tee_ioctl_close_session_arg))
        return error(EFAULT);
    auto a = get<tee_ioctl_close_session_arg>(arg, 0);
    CallFrame f{c, ctx, lk};
    IoctlReply r = error(personality_->close_session(f, a.session));
    r.no_reply = f.caller_gone;
    return r;
}

// tee_ioctl_supp_recv().
IoctlReply Core::supp_recv(const Caller &c, Context &ctx, Lock &lk, uint64_t buf_len, std::span<const uint8_t> arg)
{
    constexpr size_t hdr = sizeof(tee_iocl_supp_recv_arg);
    if (!personality_->has(Personality::Op::SuppRecv, ctx.device))
        return error(EINVAL);
    if (buf_len > TEE_MAX_ARG_SIZE || buf_len < hdr)
        return error(EINVAL);
    if (arg.size() < hdr)
        return error(EFAULT);
    auto head = get<tee_iocl_supp_recv_arg>(arg, 0);
    if (arg_size(hdr, head.num_params) != buf_len)
        return error(EINVAL);
    std::vector<TeeParam> params;
    if (int err = params_from_user(params_of(arg, hdr), head.num_params, {}, shm, ctx.device, ctx.serial,
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
    if (!personality_->has(Personality::Op::SuppSend, ctx.device))
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
