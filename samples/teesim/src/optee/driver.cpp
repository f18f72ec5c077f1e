// SPDX-License-Identifier: MIT
// The OP-TEE driver's devices and contexts (smc_abi.c: optee_get_version, optee_smc_open and the
// two tee_driver_ops tables; core.c: optee_open, optee_release_helper, optee_release_supp) and
// shm registration with the secure world (optee_shm_register / optee_shm_unregister).
#include "optee/driver.h"

#include "teescope/trace.h"

#include <chrono>

namespace teescope::teesim::optee {

OpteeDriver::OpteeDriver(SecureMonitor &monitor, uint32_t client, bool dynamic_shm)
    : monitor_(monitor), client_(client), dynamic_shm_(dynamic_shm)
{
}

OpteeDriver::~OpteeDriver()
{
    if (worker_.joinable()) {
        {
            Lock lk(core_->mu);
            stopping_ = true;
            wake_waiters();
        }
        worker_.join();
    }
}

void OpteeDriver::wake_waiters()
{
    worker_cv_.notify_all();
    queue_cv_.notify_all();
    recv_cv_.notify_all();
    answer_cv_.notify_all();
}

// optee_probe(): the thread count from OPTEE_SMC_GET_THREAD_COUNT sizes the call queue (0, the
// answer under Xen, leaves the secure world to refuse with ETHREAD_LIMIT).
void OpteeDriver::attach(Core &core)
{
    core_ = &core;
    total_threads_ = free_threads_ = monitor_.thread_count();
    worker_ = std::thread([this] { release_worker(); });
}

void OpteeDriver::shutdown()
{
    {
        Lock lk(core_->mu);
        stopping_ = true;
        wake_waiters();
    }
    if (worker_.joinable())
        worker_.join();
}

int OpteeDriver::device(const std::string &dev) const
{
    if (dev == "tee0")
        return kClientDevice;
    if (dev == "teepriv0")
        return kSuppDevice;
    return -1;
}

// optee_get_version(): OP-TEE over TrustZone, GP, dynamic shm and NULL memrefs (what a current
// OP-TEE reports in its capabilities); the core adds PRIVILEGED on teepriv0.
tee_ioctl_version_data OpteeDriver::version(int) const
{
    uint32_t caps = TEE_GEN_CAP_GP | TEE_GEN_CAP_MEMREF_NULL;
    if (dynamic_shm_)
        caps |= TEE_GEN_CAP_REG_MEM;
    return {TEE_IMPL_ID_OPTEE, TEE_OPTEE_CAP_TZ, caps};
}

bool OpteeDriver::has(Op op, int device) const
{
    if (device == kSuppDevice)
        return op == Op::SuppRecv || op == Op::SuppSend || op == Op::ShmRegister;
    return op == Op::OpenSession || op == Op::Invoke || op == Op::Cancel || op == Op::CloseSession ||
           op == Op::ShmRegister;
}

// optee_open(): one supplicant at a time.
int OpteeDriver::admit(int device)
{
    return device == kSuppDevice && supp_ctx_ ? EBUSY : 0;
}

void OpteeDriver::open(const Caller &, Context &ctx)
{
    ctx.data = std::make_unique<OpteeContext>();
    if (ctx.device == kSuppDevice)
        supp_ctx_ = ctx.serial;
}

// teedev_close_context() of a driver without close_context: nothing of the driver's is torn down
// before the release.
// For the supplicant's context teesim lets go of the supplicant here rather than at the release
// (optee_release_supp): a dead supplicant's file and its shm close together in the kernel, so the
// release follows before anyone can notice; teesim learns of the closes one by one, and a request
// queued meanwhile would fail instead of waiting for the next supplicant.
void OpteeDriver::close(Context &ctx)
{
    TS_DRV(context_close, .pid = 0, .tid = 0, .ctx = ctx.serial, .handles = 0, .requests = 0);
    core_->note({"context_close", 0, 0, ctx.serial, 0, 0, 0, 0});
    if (ctx.serial == supp_ctx_)
        supp_release();
}

// optee_release() / optee_release_supp(): the sessions still open are closed in the secure
// world, the most recently opened first; the supplicant's release fails what it still had.
void OpteeDriver::release(Context &ctx)
{
    for (uint32_t session : ctx.as<OpteeContext>().sessions) {
        DriverCall c;
        c.ctx = ctx.serial;
        c.session = session;
        calls_.push_back(c);
    }
    worker_cv_.notify_one();
}

void OpteeDriver::release_worker()
{
    Lock lk(core_->mu);
    for (;;) {
        while (calls_.empty() && !stopping_ && !core_->stopping)
            worker_cv_.wait_for(lk, std::chrono::milliseconds(100));
        if (stopping_ || core_->stopping)
            return;
        DriverCall c = calls_.front();
        calls_.pop_front();
        MsgArg arg;
        if (c.shm) {
            arg.cmd = kCmdUnregisterShm;
            MsgParam p;
            p.type = TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT;
            p.shm = c.shm;
            p.offset = c.page_offset;
            p.size = c.size;
            arg.params.push_back(p);
            do_call(lk, CallSite{nullptr, c.ctx, 0}, arg);
            continue;
        }
        arg.cmd = kCmdCloseSession;
        arg.session = c.session;
        do_call(lk, CallSite{nullptr, c.ctx, 0}, arg);
        TS_DRV(optee_close, .pid = 0, .tid = 0, .ctx = c.ctx, .guest = client_, .session = c.session, .err = 0);
        core_->note({"optee_close", 0, 0, c.ctx, 0, c.session, 0, 0});
    }
}

// optee_shm_register(): a REGISTER_SHM call naming the buffer; any refusal is EINVAL. The
// supplicant's shm is never registered (optee_shm_register_supp): the secure world learns of it
// in the SHM_ALLOC answer.
int OpteeDriver::shm_register(CallFrame &f, const Shm &shm)
{
    if (shm.device == kSuppDevice)
        return 0;
    // Without dynamic shm, SHM_ALLOC comes from the reserved pool (nothing to register) and a
    // REGISTER_SHM of user memory is refused by the secure world.
    if (!dynamic_shm_)
        return shm.type == Shm::Type::Alloc ? 0 : EINVAL;
    MsgArg arg;
    arg.cmd = kCmdRegisterShm;
    MsgParam p;
    p.type = TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_OUTPUT;
    p.shm = {core_, shm.device, shm.id, shm.cookie};
    p.offset = shm.addr & 0xfff; // where the buffer starts in its first page
    p.size = shm.size;
    arg.params.push_back(p);
    Smc r = do_call(f.lk, CallSite{&f.caller, f.ctx.serial, 0}, arg);
    return r != Smc::Ok || arg.ret != TEEC_SUCCESS ? EINVAL : 0;
}

// optee_shm_unregister(): UNREGISTER_SHM. teesim frees an shm on whatever thread saw its last
// user go (the shm watcher's, a descriptor's last close), which must not wait for an OP-TEE
// thread: the call is made by the driver's worker, naming the buffer by its cookie.
void OpteeDriver::shm_unregister(const Shm &shm)
{
    if (shm.device == kSuppDevice || !dynamic_shm_)
        return;
    DriverCall c;
    c.ctx = shm.ctx;
    c.shm = {core_, shm.device, shm.id, shm.cookie};
    c.page_offset = shm.addr & 0xfff;
    c.size = shm.size;
    calls_.push_back(c);
    worker_cv_.notify_one();
}

// optee_supp_release(): every request the supplicant took and every one still queued fails with
// COMMUNICATION; the device is free for the next supplicant.
void OpteeDriver::supp_release()
{
    for (auto &[id, req] : picked_) {
        req->ret = TEEC_ERROR_COMMUNICATION;
        req->done = true;
    }
    for (auto &req : queue_) {
        req->ret = TEEC_ERROR_COMMUNICATION;
        req->done = true;
        req->in_queue = false;
    }
    picked_.clear();
    queue_.clear();
    supp_ctx_ = 0;
    req_id_ = -1;
    answer_cv_.notify_all();
    recv_cv_.notify_all();
}

} // namespace teescope::teesim::optee
