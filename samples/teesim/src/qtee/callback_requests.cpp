// SPDX-License-Identifier: MIT
// Callback requests (user_obj.c): QTEE invoking a callback object queues a request on the
// owner context and the invoking thread waits; a supplicant thread of that context takes it with
// TEE_IOC_SUPPL_RECV and answers it with TEE_IOC_SUPPL_SEND (call.c: qcomtee_supp_recv /
// qcomtee_supp_send).
#include "qtee/qtee.h"

#include "teescope/trace.h"

#include <algorithm>
#include <cerrno>

namespace teescope::teesim::qtee {

namespace {

constexpr uint64_t kRecvMeta = TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT | TEE_IOCTL_PARAM_ATTR_META;
constexpr uint64_t kSendMeta = TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT | TEE_IOCTL_PARAM_ATTR_META;

// What QTEE sees for a supplicant's result (core.c: qcomtee_msg_set_result): a positive or zero
// value as it is, a negative errno as the nearest transport code.
int32_t result_for_qtee(int32_t err)
{
    if (err >= 0)
        return err;
    switch (-err) {
    case ENOMEM:
        return QCOMTEE_MSG_ERROR_KMEM;
    case ENODEV:
        return QCOMTEE_MSG_ERROR_DEFUNCT;
    case ENOSPC:
    case EBUSY:
        return QCOMTEE_MSG_ERROR_BUSY;
    case EBADF:
    case EINVAL:
        return QCOMTEE_MSG_ERROR_UNAVAIL;
    default:
        return QCOMTEE_MSG_ERROR;
    }
}

uint64_t round_down8(uint64_t v) { return v & ~uint64_t{7}; }

} // namespace

// ureq_enqueue(): the lowest free request id from 0 of the owner context, at the queue's tail.
void Qtee::queue_request(const Caller &caller, Context &owner, const std::shared_ptr<Request> &r, uint64_t invoker_ctx)
{
    QteeContext &qc = owner.as<QteeContext>();
    uint32_t id = 0;
    for (auto &[rid, req] : qc.requests) {
        if (rid != id)
            break;
        ++id;
    }
    r->id = id;
    qc.requests[id] = r;
    qc.queue.push_back(r);
    TS_DRV(request_queue, .pid = caller.pid, .tid = caller.tid, .ctx = owner.serial, .request = r->id,
           .object = r->object->addr(), .user_id = r->object->user_id, .op = r->op, .invocation = r->invocation,
           .invoker_ctx = invoker_ctx, .bi = static_cast<uint8_t>(r->bi.size()),
           .bo = static_cast<uint8_t>(r->bo_cap.size()), .oi = static_cast<uint8_t>(r->oi.size()),
           .oo = static_cast<uint8_t>(r->oo));
    core_->note({"request_queue", caller.pid, caller.tid, owner.serial, r->object->addr(), r->id, r->op,
                 static_cast<int64_t>(r->invocation)});
    core_->cv.notify_all();
}

void Qtee::complete_request(Request &r, int32_t result)
{
    r.state = Request::State::Done;
    r.finished = true;
    r.result = result;
    for (Instance *&o : r.oi) {
        if (!o)
            continue;
        if (o->kind == TEESCOPE_OBJECT_KIND_CALLBACK)
            drop_qtee_ref(o);
        else
            drop_ref(0, 0, o);
        o = nullptr;
    }
    core_->cv.notify_all();
}

// core.c: qcomtee_cb_object_invoke() → user_obj.c: qcomtee_user_object_dispatch(). QTEE objects
// passed in become new driver instances now; the supplicant's context binds them when it picks
// the request. The invoking thread waits until it is answered; only its death ends the wait.
CallbackResult Qtee::call_callback(Invocation &inv, Instance *cb, uint32_t op, std::vector<Bytes> bi,
                                   std::vector<uint64_t> bo_cap, std::vector<ObjRef> oi, size_t oo)
{
    Context *owner = core_->context(cb->ctx);
    if (!owner || owner->closed || owner->as<QteeContext>().released) {
        for (auto &o : oi)
            release_obj(o);
        return {QCOMTEE_MSG_ERROR_DEFUNCT, {}, {}};
    }
    auto r = std::make_shared<Request>();
    r->object = cb;
    r->op = op;
    r->invocation = inv.serial;
    r->bi = std::move(bi);
    r->bo_cap = std::move(bo_cap);
    r->oo = oo;
    for (auto &o : oi) {
        if (o.sw)
            r->oi.push_back(new_instance(inv.caller, inv.ctx.serial, o.sw, inv.serial));
        else
            r->oi.push_back(o.cb ? o.cb : o.mem);
        o = {};
    }
    queue_request(inv.caller, *owner, r, inv.ctx.serial);
    Core::Wake w = core_->wait(inv.lk, inv.caller, [&] { return r->finished; }, false);
    if (w != Core::Wake::Ready) {
        TS_DRV(request_abandon, .pid = inv.caller.pid, .tid = inv.caller.tid, .ctx = cb->ctx, .request = r->id,
               .reason = TEESCOPE_ABANDON_REASON_INVOKER_DIED);
        core_->note({"request_abandon", inv.caller.pid, inv.caller.tid, cb->ctx, cb->addr(), r->id,
                     TEESCOPE_ABANDON_REASON_INVOKER_DIED, 0});
        // A queued request simply disappears; one being processed keeps its id until the
        // supplicant's late answer is refused.
        if (Context *o = core_->context(cb->ctx)) {
            QteeContext &qc = o->as<QteeContext>();
            if (r->state == Request::State::Queued) {
                std::erase(qc.queue, r);
                qc.requests.erase(r->id);
            }
            complete_request(*r, QCOMTEE_MSG_ERROR_ABORT);
        }
        r->abandoned = true;
        throw Aborted{};
    }
    CallbackResult res{r->result, std::move(r->bo), std::move(r->out)};
    return res;
}

int Qtee::supp_recv(CallFrame &f, uint32_t &func, uint32_t &num_params, std::vector<TeeParam> &params)
{
    const Caller &c = f.caller;
    Context &ctx = f.ctx;
    QteeContext &qc = ctx.as<QteeContext>();
    // The meta parameter names the buffer for input payloads; every other slot is empty.
    if (num_params == 0)
        return EINVAL;
    if (params[0].attr != kRecvMeta)
        return EINVAL;
    for (uint32_t i = 1; i < num_params; ++i)
        if (params[i].attr != 0)
            return EINVAL;
    if (params[0].a % 8)
        return EINVAL;
    const uint64_t buf = params[0].a, buf_size = params[0].b;

    // qcomtee_user_object_select(): the oldest QUEUED request; wait (interruptibly) for one.
    for (;;) {
        Core::Wake w = core_->wait(f.lk, c, [&] { return !qc.queue.empty(); }, true);
        if (w == Core::Wake::Gone)
            f.caller_gone = true;
        if (w != Core::Wake::Ready)
            return EINTR;
        std::shared_ptr<Request> req = qc.queue.front();
        // Too few slots or too small a buffer: the request stays at the head of the queue.
        if (num_params - 1 < req->args())
            return EINVAL;
        uint64_t room = buf_size;
        for (auto &b : req->bi) {
            if (b.size() > room)
                return EINVAL;
            room = round_down8(room - b.size());
        }
        qc.queue.pop_front();
        req->state = Request::State::Processing;

        // qcomtee_cb_params_from_args(): inputs are placed from the end of the buffer down.
        uint32_t slot = 1;
        room = buf_size;
        for (auto &b : req->bi) {
            room = round_down8(room - b.size());
            TeeParam &p = params[slot++];
            p.attr = TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_INPUT;
            p.a = buf + room;
            p.b = b.size();
            p.out = b;
        }
        for (uint64_t cap : req->bo_cap) {
            TeeParam &p = params[slot++];
            p.attr = TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_OUTPUT;
            p.a = 0;
            p.b = cap;
        }
        bool refused = false;
        std::vector<uint64_t> bound;
        for (Instance *&o : req->oi) {
            TeeParam &p = params[slot++];
            p.attr = TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_INPUT;
            if (!o) {
                p.a = TEE_OBJREF_NULL;
                p.b = 0;
            } else if (o->kind == TEESCOPE_OBJECT_KIND_QTEE) {
                p.a = bind(c, ctx, o, 0, req->id, true);
                p.b = QCOMTEE_OBJREF_FLAG_TEE;
                bound.push_back(p.a);
                o = nullptr; // the handle holds it now
            } else if (o->ctx != ctx.serial) {
                refused = true; // another context's callback or memory object
            } else if (o->kind == TEESCOPE_OBJECT_KIND_CALLBACK) {
                p.a = o->user_id;
                p.b = QCOMTEE_OBJREF_FLAG_USER;
            } else {
                p.a = static_cast<uint64_t>(o->shm);
                p.b = QCOMTEE_OBJREF_FLAG_MEM;
            }
        }
        for (size_t i = 0; i < req->oo; ++i) {
            TeeParam &p = params[slot++];
            p.attr = TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_OUTPUT;
        }
        if (refused) {
            // The request cannot be given to this supplicant: QTEE's call fails and the
            // supplicant keeps waiting for the next request.
            for (uint64_t h : bound)
                unbind(c, ctx, h, TEESCOPE_UNBIND_REASON_MARSHAL_UNDO);
            TS_DRV(request_abandon, .pid = c.pid, .tid = c.tid, .ctx = ctx.serial, .request = req->id,
                   .reason = TEESCOPE_ABANDON_REASON_BAD_REQUEST);
            core_->note({"request_abandon", c.pid, c.tid, ctx.serial, req->object->addr(), req->id,
                         TEESCOPE_ABANDON_REASON_BAD_REQUEST, 0});
            qc.requests.erase(req->id);
            complete_request(*req, QCOMTEE_MSG_ERROR_UNAVAIL);
            for (uint32_t i = 1; i < slot; ++i)
                params[i] = TeeParam{};
            continue;
        }
        TS_DRV(request_pick, .pid = c.pid, .tid = c.tid, .ctx = ctx.serial, .request = req->id, .op = req->op);
        core_->note({"request_pick", c.pid, c.tid, ctx.serial, req->object->addr(), req->id, req->op, 0});
        params[0].a = req->object->user_id;
        params[0].b = req->id;
        params[0].c = 0;
        func = req->op;
        num_params = slot;
        if (req->release_only) {
            // A RELEASE needs no answer: its id is free at once, and the object is gone.
            req->state = Request::State::Done;
            req->finished = true;
            qc.requests.erase(req->id);
            free_callback(c.pid, c.tid, req->object);
        }
        return 0;
    }
}

int Qtee::supp_send(CallFrame &f, uint32_t ret, std::vector<TeeParam> &params)
{
    const Caller &c = f.caller;
    Context &ctx = f.ctx;
    QteeContext &qc = ctx.as<QteeContext>();
    if (params.empty())
        return EINVAL;
    if (params[0].attr != kSendMeta)
        return EINVAL;
    const int32_t err = static_cast<int32_t>(ret);
    auto refuse = [&](uint32_t rid, Instance *object) {
        TS_DRV(request_answer, .pid = c.pid, .tid = c.tid, .ctx = ctx.serial, .request = rid, .ret = err,
               .err = EINVAL, .out_bytes = 0);
        core_->note({"request_answer", c.pid, c.tid, ctx.serial, object ? object->addr() : 0, rid, EINVAL, err});
        return EINVAL;
    };
    // ureq_dequeue(): any request of this context by id, whatever its state.
    const int32_t id = static_cast<int32_t>(params[0].a);
    auto it = id < 0 ? qc.requests.end() : qc.requests.find(static_cast<uint32_t>(id));
    if (it == qc.requests.end())
        return refuse(static_cast<uint32_t>(id), nullptr);
    std::shared_ptr<Request> req = it->second;
    qc.requests.erase(it);
    if (req->abandoned)
        return refuse(req->id, req->object); // its invoker died: the id is free again only now
    if (req->state == Request::State::Queued)
        std::erase(qc.queue, req);

    if (err != 0) {
        // An error answer: its parameters are not looked at.
        TS_DRV(request_answer, .pid = c.pid, .tid = c.tid, .ctx = ctx.serial, .request = req->id, .ret = err,
               .err = 0, .out_bytes = 0);
        core_->note({"request_answer", c.pid, c.tid, ctx.serial, req->object->addr(), req->id, 0, err});
        complete_request(*req, result_for_qtee(err));
        return 0;
    }

    // qcomtee_cb_params_to_args(): the answer mirrors the request, parameter by parameter.
    std::vector<Bytes> bo;
    uint64_t out_bytes = 0;
    bool bad = false;
    size_t slot = 1;
    auto next = [&](uint64_t attr) -> TeeParam * {
        if (bad || slot >= params.size() || params[slot].attr != attr) {
            bad = true;
            return nullptr;
        }
        return &params[slot++];
    };
    for (size_t i = 0; i < req->bi.size(); ++i)
        next(TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_INPUT);
    for (uint64_t cap : req->bo_cap) {
        TeeParam *p = next(TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_OUTPUT);
        if (!p)
            break;
        if (p->b > cap || p->unreadable) {
            bad = true;
            break;
        }
        bo.emplace_back(p->in.begin(), p->in.end());
        out_bytes += p->b;
    }
    for (size_t i = 0; i < req->oi.size(); ++i)
        next(TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_INPUT);
    std::vector<Instance *> converted;
    for (size_t i = 0; i < req->oo && !bad; ++i) {
        TeeParam *p = next(TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_OUTPUT);
        Instance *o = nullptr;
        if (!p || objref_to_instance(ctx, p->a, p->b, o) != 0) {
            bad = true;
            break;
        }
        converted.push_back(o);
    }
    if (bad) {
        // The conversions made so far are undone.
        for (Instance *o : converted)
            if (o)
                discard(o);
        TS_DRV(request_answer, .pid = c.pid, .tid = c.tid, .ctx = ctx.serial, .request = req->id, .ret = err,
               .err = EINVAL, .out_bytes = 0);
        core_->note({"request_answer", c.pid, c.tid, ctx.serial, req->object->addr(), req->id, EINVAL, err});
        TS_DRV(request_abandon, .pid = c.pid, .tid = c.tid, .ctx = ctx.serial, .request = req->id,
               .reason = TEESCOPE_ABANDON_REASON_BAD_ANSWER);
        core_->note({"request_abandon", c.pid, c.tid, ctx.serial, req->object->addr(), req->id,
                     TEESCOPE_ABANDON_REASON_BAD_ANSWER, 0});
        complete_request(*req, QCOMTEE_MSG_ERROR_UNAVAIL);
        return EINVAL;
    }
    std::vector<ObjRef> out;
    for (Instance *o : converted) {
        ObjRef r;
        if (o && o->kind == TEESCOPE_OBJECT_KIND_QTEE) {
            // QTEE gets its own object back: it takes a reference, the driver's is dropped.
            sw_ref(o->sw);
            r.sw = o->sw;
            drop_ref(c.pid, c.tid, o);
        } else if (o && o->kind == TEESCOPE_OBJECT_KIND_CALLBACK) {
            announce(c, o, 0);
            export_callback(c, o, 0);
            r.cb = o;
        } else if (o) {
            announce(c, o, 0);
            r.mem = o;
        }
        out.push_back(r);
    }
    TS_DRV(request_answer, .pid = c.pid, .tid = c.tid, .ctx = ctx.serial, .request = req->id, .ret = err, .err = 0,
           .out_bytes = out_bytes);
    core_->note({"request_answer", c.pid, c.tid, ctx.serial, req->object->addr(), req->id, 0, err});
    req->bo = std::move(bo);
    req->out = std::move(out);
    complete_request(*req, QCOMTEE_MSG_OK);
    return 0;
}

} // namespace teescope::teesim::qtee
