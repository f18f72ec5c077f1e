// SPDX-License-Identifier: MIT
// Sessions and invocations of the OP-TEE driver (call.c: optee_open_session, optee_invoke_func,
// optee_cancel_req, optee_close_session; smc_abi.c: optee_to_msg_param, optee_from_msg_param,
// optee_smc_do_call_with_arg; the call queue optee_cq_*).
#include "optee/driver.h"
#include "optee/rpc.h"

#include "teescope/trace.h"

#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

namespace teescope::teesim::optee {

namespace {

// optee_get_msg_arg(): the two META parameters of OPEN_SESSION count.
constexpr uint32_t kMaxArgParams = 6;

int32_t pid_of(const OpteeDriver::CallSite &s) { return s.caller ? s.caller->pid : 0; }
int32_t tid_of(const OpteeDriver::CallSite &s) { return s.caller ? s.caller->tid : 0; }

// in_egroup_p() for the caller: its effective gid or one of its supplementary groups.
bool in_group(int32_t pid, uint32_t gid)
{
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(status, line);) {
        std::istringstream words(line);
        std::string key;
        words >> key;
        if (key == "Gid:") {
            uint32_t real = 0, effective = 0;
            words >> real >> effective;
            if (effective == gid)
                return true;
        } else if (key == "Groups:") {
            for (uint32_t g; words >> g;)
                if (g == gid)
                    return true;
        }
    }
    return false;
}

// tee_session_calc_client_uuid(): PUBLIC (and the kernel's own login) need nothing; USER is
// always allowed; GROUP needs the caller to be in the group named by the first bytes of
// clnt_uuid; every other login, the APPLICATION ones included, is EINVAL.
int check_login(const Caller &caller, const OpenSessionArg &arg)
{
    switch (arg.clnt_login) {
    case TEE_IOCTL_LOGIN_PUBLIC:
    case TEE_IOCTL_LOGIN_USER:
        return 0;
    case TEE_IOCTL_LOGIN_GROUP: {
        uint32_t gid = 0;
        std::memcpy(&gid, arg.clnt_uuid, sizeof gid);
        return in_group(caller.pid, gid) ? 0 : EPERM;
    }
    default:
        return EINVAL;
    }
}

MsgParam meta_value(uint64_t a, uint64_t b, uint64_t c)
{
    MsgParam p;
    p.type = TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT;
    p.meta = true;
    p.a = a, p.b = b, p.c = c;
    return p;
}

} // namespace

bool OpteeDriver::find_session(Context &ctx, uint32_t session, bool unlink)
{
    auto &list = ctx.as<OpteeContext>().sessions;
    for (auto it = list.begin(); it != list.end(); ++it) {
        if (*it != session)
            continue;
        if (unlink)
            list.erase(it);
        return true;
    }
    return false;
}

// optee_to_msg_param(): values as they are, memrefs as the shm they name (a NULL memref has
// none); a META parameter or a type the driver does not know (UBUF, OBJREF) is EINVAL.
int OpteeDriver::to_msg(const CallSite &site, const std::vector<TeeParam> &params, std::vector<MsgParam> &out)
{
    for (size_t i = 0; i < params.size(); ++i) {
        const TeeParam &p = params[i];
        MsgParam m;
        switch (p.attr) {
        case TEE_IOCTL_PARAM_ATTR_TYPE_NONE:
            break;
        case TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT:
        case TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT:
        case TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT:
            m.type = static_cast<uint32_t>(p.attr);
            m.a = p.a, m.b = p.b, m.c = p.c;
            break;
        case TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT:
        case TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_OUTPUT:
        case TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INOUT: {
            m.type = static_cast<uint32_t>(p.attr);
            m.size = p.b;
            if (p.shm >= 0) {
                const Shm *s = core_->shm.find(kClientDevice, p.shm);
                m.shm = {core_, kClientDevice, p.shm, s ? s->cookie : 0};
                m.tmem = !dynamic_shm_;
                m.offset = p.a;
            }
            TS_DRV(optee_memref, .pid = pid_of(site), .tid = tid_of(site), .ctx = site.ctx, .guest = client_,
                   .invocation = site.invocation, .index = static_cast<uint32_t>(i), .shm = p.shm,
                   .offset = p.shm >= 0 ? p.a : 0, .size = p.b,
                   .dir = static_cast<uint8_t>(p.attr - TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT + 1));
            break;
        }
        default:
            return EINVAL;
        }
        out.push_back(m);
    }
    return 0;
}

// optee_from_msg_param() followed by what params_to_user writes: value a, b, c and memref sizes.
void OpteeDriver::from_msg(const std::vector<MsgParam> &msg, size_t first, std::vector<TeeParam> &params)
{
    for (size_t i = 0; i < params.size() && first + i < msg.size(); ++i) {
        const MsgParam &m = msg[first + i];
        TeeParam &p = params[i];
        if (m.is_value()) {
            p.a = m.a, p.b = m.b, p.c = m.c;
        } else if (m.is_memref()) {
            p.b = m.size;
        }
    }
}

// optee_smc_do_call_with_arg(): a caller waits in the call queue while the driver knows every
// thread to be busy (NO_THREAD), and for another call of this kernel to complete after each
// ETHREAD_LIMIT (GUEST_LIMIT: under Xen the mediator's limit). Both waits are uninterruptible;
// only the daemon's stop or the guest's end ends them.
Smc OpteeDriver::do_call(Lock &lk, const CallSite &site, MsgArg &arg)
{
    auto wait = [&](const std::function<bool()> &ready) {
        while (!ready() && !core_->stopping && !stopping_)
            queue_cv_.wait_for(lk, std::chrono::milliseconds(50));
        return !core_->stopping && !stopping_;
    };
    if (total_threads_ > 0) {
        if (free_threads_ == 0) {
            TS_DRV(optee_wait_begin, .pid = pid_of(site), .tid = tid_of(site), .ctx = site.ctx, .guest = client_,
                   .invocation = site.invocation, .reason = TEESCOPE_WAIT_REASON_NO_THREAD);
            core_->note({"optee_wait_begin", pid_of(site), tid_of(site), site.ctx, 0, site.invocation,
                         TEESCOPE_WAIT_REASON_NO_THREAD, 0});
            bool ok = wait([&] { return free_threads_ > 0; });
            if (ok) {
                TS_DRV(optee_wait_end, .pid = pid_of(site), .tid = tid_of(site), .ctx = site.ctx, .guest = client_,
                       .invocation = site.invocation);
                core_->note({"optee_wait_end", pid_of(site), tid_of(site), site.ctx, 0, site.invocation, 0, 0});
            }
            if (!ok)
                return Smc::BadAddr;
        }
        --free_threads_;
    }
    bool waiting = false;
    CallRpc rpc(*this, lk, site);
    rpc.on_started = [&] {
        if (!waiting)
            return;
        waiting = false;
        TS_DRV(optee_wait_end, .pid = pid_of(site), .tid = tid_of(site), .ctx = site.ctx, .guest = client_,
               .invocation = site.invocation);
        core_->note({"optee_wait_end", pid_of(site), tid_of(site), site.ctx, 0, site.invocation, 0, 0});
    };
    Smc r;
    for (;;) {
        r = monitor_.std_call(client_, arg, rpc);
        if (r != Smc::ThreadLimit)
            break;
        if (!waiting) {
            waiting = true;
            TS_DRV(optee_wait_begin, .pid = pid_of(site), .tid = tid_of(site), .ctx = site.ctx, .guest = client_,
                   .invocation = site.invocation, .reason = TEESCOPE_WAIT_REASON_GUEST_LIMIT);
            core_->note({"optee_wait_begin", pid_of(site), tid_of(site), site.ctx, 0, site.invocation,
                         TEESCOPE_WAIT_REASON_GUEST_LIMIT, 0});
        }
        const uint64_t seen = completions_;
        if (!wait([&] { return completions_ != seen; }))
            break;
    }
    if (total_threads_ > 0)
        ++free_threads_;
    ++completions_;
    queue_cv_.notify_all();
    return r;
}

// optee_open_session(): the TA uuid and the client's identity travel in two META parameters;
// the session joins the context's list only when the secure world opened it.
int OpteeDriver::open_session(CallFrame &f, OpenSessionArg &arg, std::vector<TeeParam> &params)
{
    const CallSite site{&f.caller, f.ctx.serial, arg.invocation};
    TS_DRV(optee_open_begin, .pid = f.caller.pid, .tid = f.caller.tid, .ctx = f.ctx.serial, .guest = client_,
           .invocation = arg.invocation, .uuid = arg.uuid, .login = arg.clnt_login,
           .num_params = static_cast<uint32_t>(params.size()));
    core_->note({"optee_open_begin", f.caller.pid, f.caller.tid, f.ctx.serial, 0, arg.invocation, arg.clnt_login,
                 static_cast<int64_t>(params.size())});
    auto end = [&](int err) {
        TS_DRV(optee_open_end, .pid = f.caller.pid, .tid = f.caller.tid, .ctx = f.ctx.serial, .guest = client_,
               .invocation = arg.invocation, .session = arg.session, .ret = arg.ret, .origin = arg.ret_origin,
               .err = err);
        core_->note({"optee_open_end", f.caller.pid, f.caller.tid, f.ctx.serial, 0, arg.session, err, arg.ret});
        return err;
    };
    if (params.size() + 2 > kMaxArgParams)
        return end(EINVAL);
    MsgArg msg;
    msg.cmd = kCmdOpenSession;
    msg.cancel_id = arg.cancel_id;
    uint64_t a = 0, b = 0;
    std::memcpy(&a, arg.uuid, 8);
    std::memcpy(&b, arg.uuid + 8, 8);
    msg.params.push_back(meta_value(a, b, 0));
    if (int err = check_login(f.caller, arg))
        return end(err);
    // The client uuid OP-TEE gets is not modelled: every login reaches the TA as nil.
    msg.params.push_back(meta_value(0, 0, arg.clnt_login));
    if (int err = to_msg(site, params, msg.params))
        return end(err);
    if (do_call(f.lk, site, msg) != Smc::Ok) {
        msg.ret = TEEC_ERROR_COMMUNICATION;
        msg.ret_origin = TEEC_ORIGIN_COMMS;
    }
    if (core_->stopping)
        return EIO; // the guest is gone: its kernel says nothing more
    if (msg.ret == TEEC_SUCCESS)
        f.ctx.as<OpteeContext>().sessions.push_front(msg.session);
    from_msg(msg.params, 2, params);
    arg.session = msg.session;
    arg.ret = msg.ret;
    arg.ret_origin = msg.ret_origin;
    return end(0);
}

// optee_invoke_func(): the session must be one of this context's (sessions are per file in
// Linux, whatever the secure world would accept).
int OpteeDriver::invoke(CallFrame &f, InvokeArg &arg, std::vector<TeeParam> &params)
{
    if (!find_session(f.ctx, arg.session, false))
        return EINVAL;
    const CallSite site{&f.caller, f.ctx.serial, arg.invocation};
    TS_DRV(optee_invoke_begin, .pid = f.caller.pid, .tid = f.caller.tid, .ctx = f.ctx.serial, .guest = client_,
           .invocation = arg.invocation, .session = arg.session, .func = arg.func,
           .num_params = static_cast<uint32_t>(params.size()));
    core_->note({"optee_invoke_begin", f.caller.pid, f.caller.tid, f.ctx.serial, 0, arg.invocation, arg.func,
                 arg.session});
    auto end = [&](int err) {
        TS_DRV(optee_invoke_end, .pid = f.caller.pid, .tid = f.caller.tid, .ctx = f.ctx.serial, .guest = client_,
               .invocation = arg.invocation, .ret = arg.ret, .origin = arg.ret_origin, .err = err);
        core_->note({"optee_invoke_end", f.caller.pid, f.caller.tid, f.ctx.serial, 0, arg.invocation, err, arg.ret});
        return err;
    };
    if (params.size() > kMaxArgParams)
        return end(EINVAL);
    MsgArg msg;
    msg.cmd = kCmdInvoke;
    msg.func = arg.func;
    msg.session = arg.session;
    msg.cancel_id = arg.cancel_id;
    if (int err = to_msg(site, params, msg.params))
        return end(err);
    if (do_call(f.lk, site, msg) != Smc::Ok) {
        msg.ret = TEEC_ERROR_COMMUNICATION;
        msg.ret_origin = TEEC_ORIGIN_COMMS;
    }
    if (core_->stopping)
        return EIO; // the guest is gone: its kernel says nothing more
    from_msg(msg.params, 0, params);
    arg.ret = msg.ret;
    arg.ret_origin = msg.ret_origin;
    return end(0);
}

// optee_cancel_req(): a CANCEL call for a session of this context; the answer is not looked at.
int OpteeDriver::cancel(CallFrame &f, uint32_t cancel_id, uint32_t session)
{
    if (!find_session(f.ctx, session, false))
        return EINVAL;
    MsgArg msg;
    msg.cmd = kCmdCancel;
    msg.session = session;
    msg.cancel_id = cancel_id;
    do_call(f.lk, CallSite{&f.caller, f.ctx.serial, 0}, msg);
    return core_->stopping ? EIO : 0;
}

// optee_close_session(): the session leaves the context's list before the secure world hears of
// it, and whatever the secure world answers the close succeeds.
int OpteeDriver::close_session(CallFrame &f, uint32_t session)
{
    if (!find_session(f.ctx, session, true))
        return EINVAL;
    MsgArg msg;
    msg.cmd = kCmdCloseSession;
    msg.session = session;
    do_call(f.lk, CallSite{&f.caller, f.ctx.serial, 0}, msg);
    if (core_->stopping)
        return EIO;
    TS_DRV(optee_close, .pid = f.caller.pid, .tid = f.caller.tid, .ctx = f.ctx.serial, .guest = client_,
           .session = session, .err = 0);
    core_->note({"optee_close", f.caller.pid, f.caller.tid, f.ctx.serial, 0, session, 0, 0});
    return 0;
}

} // namespace teescope::teesim::optee
