// SPDX-License-Identifier: MIT
// The supplicant's queue (supp.c: optee_supp_thrd_req, optee_supp_recv, optee_supp_send): the
// secure world's requests wait in FIFO order until tee-supplicant receives them, with an id from
// an idr (lowest free from 1) given when it takes one, and the answer wakes the waiting call.
#include "optee/driver.h"

#include "teescope/trace.h"

#include <chrono>

namespace teescope::teesim::optee {

namespace {

constexpr uint64_t kMetaValueInout = TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT | TEE_IOCTL_PARAM_ATTR_META;

} // namespace

// A user-space client's request waits for a supplicant to come if none is there
// (supp_nowait is false), and only a fatal signal — the caller's death — ends the wait early.
uint32_t OpteeDriver::supplicant_request(Lock &lk, const Caller *caller, uint64_t invocation, uint32_t func,
                                         std::vector<TeeParam> &params)
{
    const int32_t pid = caller ? caller->pid : 0, tid = caller ? caller->tid : 0;
    auto req = std::make_shared<SuppRequest>();
    req->func = func;
    req->params = params;
    req->in_queue = true;
    queue_.push_back(req);
    TS_DRV(optee_rpc_begin, .pid = pid, .tid = tid, .ctx = supp_ctx_, .guest = client_, .invocation = invocation,
           .request = 0, .cmd = func);
    core_->note({"optee_rpc_begin", pid, tid, supp_ctx_, 0, invocation, func, 0});
    recv_cv_.notify_all();
    while (!req->done && !core_->stopping && !(caller && caller->gone && caller->gone()))
        answer_cv_.wait_for(lk, std::chrono::milliseconds(20));
    if (core_->stopping)
        return TEEC_ERROR_COMMUNICATION; // the guest is gone
    if (!req->done) {
        if (req->in_queue) {
            for (auto it = queue_.begin(); it != queue_.end(); ++it) {
                if (*it == req) {
                    queue_.erase(it);
                    break;
                }
            }
            req->in_queue = false;
        }
        req->orphan = true;
        req->ret = TEEC_ERROR_COMMUNICATION;
    }
    TS_DRV(optee_rpc_end, .pid = pid, .tid = tid, .ctx = supp_ctx_, .guest = client_, .invocation = invocation,
           .request = req->id, .ret = req->ret);
    core_->note({"optee_rpc_end", pid, tid, supp_ctx_, 0, req->id, req->ret, static_cast<int64_t>(invocation)});
    params = req->params;
    return req->ret;
}

// optee_supp_recv(): the supplicant offers slots that must all be empty (attr 0) or META; a
// leading META slot gets the request id back (asynchronous mode, what tee-supplicant uses),
// otherwise the driver remembers the one request outstanding.
int OpteeDriver::supp_recv(CallFrame &f, uint32_t &func, uint32_t &num_params, std::vector<TeeParam> &params)
{
    if (params.empty())
        return EINVAL;
    for (const TeeParam &p : params)
        if (p.attr != TEE_IOCTL_PARAM_ATTR_TYPE_NONE && p.attr != TEE_IOCTL_PARAM_ATTR_META)
            return EINVAL;
    const size_t num_meta = params[0].attr == TEE_IOCTL_PARAM_ATTR_META ? 1 : 0;
    std::shared_ptr<SuppRequest> req;
    uint32_t id = 1;
    for (;;) {
        if (req_id_ != -1)
            return EINVAL;
        if (!queue_.empty()) {
            req = queue_.front();
            if (params.size() - num_meta < req->params.size())
                return EINVAL; // the request stays at the head
            for (auto &[used, r] : picked_) {
                if (used != id)
                    break;
                ++id;
            }
            queue_.pop_front();
            req->in_queue = false;
            req->id = id;
            picked_[id] = req;
            break;
        }
        // wait_for_completion_interruptible(&supp->reqs_c).
        Core::Wake w = core_->wait(f.lk, f.caller, [&] { return !queue_.empty() || req_id_ != -1; }, true, &recv_cv_);
        if (w == Core::Wake::Gone)
            f.caller_gone = true;
        if (w == Core::Wake::Stopping)
            return EIO; // the device is gone (the daemon stops, or Xen destroyed the guest)
        if (w != Core::Wake::Ready)
            return EINTR;
    }
    TS_DRV(request_pick, .pid = f.caller.pid, .tid = f.caller.tid, .ctx = f.ctx.serial, .request = id,
           .op = req->func);
    core_->note({"request_pick", f.caller.pid, f.caller.tid, f.ctx.serial, 0, id, req->func, 0});
    std::vector<TeeParam> out;
    if (num_meta) {
        TeeParam meta;
        meta.attr = kMetaValueInout;
        meta.a = id;
        out.push_back(meta);
    } else {
        req_id_ = id;
    }
    out.insert(out.end(), req->params.begin(), req->params.end());
    func = req->func;
    num_params = static_cast<uint32_t>(out.size());
    out.resize(params.size());
    params = std::move(out);
    return 0;
}

// optee_supp_send(): the answer names its request (the META slot's a, or the outstanding one),
// carries exactly the request's parameters, and only its output values and memref sizes flow
// back.
int OpteeDriver::supp_send(CallFrame &f, uint32_t ret, std::vector<TeeParam> &params)
{
    auto answer = [&](uint32_t id, int err, uint64_t out_bytes) {
        TS_DRV(request_answer, .pid = f.caller.pid, .tid = f.caller.tid, .ctx = f.ctx.serial, .request = id,
               .ret = static_cast<int32_t>(ret), .err = err, .out_bytes = out_bytes);
        core_->note({"request_answer", f.caller.pid, f.caller.tid, f.ctx.serial, 0, id, err, ret});
        return err;
    };
    if (params.empty())
        return EINVAL;
    uint32_t id;
    size_t num_meta = 0;
    if (req_id_ == -1) {
        if (params[0].attr != kMetaValueInout)
            return EINVAL;
        id = static_cast<uint32_t>(params[0].a);
        num_meta = 1;
    } else {
        id = static_cast<uint32_t>(req_id_);
    }
    auto it = picked_.find(id);
    if (it == picked_.end())
        return answer(id, ENOENT, 0);
    std::shared_ptr<SuppRequest> req = it->second;
    if (params.size() - num_meta != req->params.size())
        return answer(id, EINVAL, 0);
    picked_.erase(it);
    req_id_ = -1;
    uint64_t out_bytes = 0;
    for (size_t i = 0; i < req->params.size(); ++i) {
        TeeParam &to = req->params[i];
        const TeeParam &from = params[i + num_meta];
        switch (to.type()) {
        case TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT:
        case TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT:
            to.a = from.a, to.b = from.b, to.c = from.c;
            break;
        case TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_OUTPUT:
        case TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INOUT:
            to.b = from.b;
            out_bytes += from.b;
            break;
        default:
            break;
        }
    }
    req->ret = ret;
    req->done = true;
    answer_cv_.notify_all();
    return answer(id, 0, out_bytes);
}

} // namespace teescope::teesim::optee
