// SPDX-License-Identifier: MIT
// TEE_IOC_OBJECT_INVOKE on qcomtee (call.c: qcomtee_object_invoke, core.c:
// qcomtee_object_do_invoke), after the tee core's checks: parameter types and counts, RELEASE,
// the target object, the input objects, the secure world, and the results.
#include "qtee/qtee.h"

#include "teescope/trace.h"

#include <algorithm>
#include <cerrno>

namespace teescope::teesim::qtee {

namespace {

// QCOMTEE_ARGS_MAX: 16 of each of the four classes.
constexpr size_t kMaxParams = 4 * QCOMTEE_ARGS_PER_TYPE;
// MAX_INBOUND_BUFFER_SIZE of the message to QTEE (shm.c: qcomtee_msg_buffers_alloc).
constexpr uint64_t kMaxInbound = 4 * 1024 * 1024;
// Root-object ops the kernel keeps for itself (call.c: qcomtee_root_object_check).
constexpr uint32_t kRootOpNotifyDomainChange = 4;
constexpr uint32_t kRootOpRegWithCredentials = 5;
constexpr uint32_t kRootOpAdciAccept = 8;
constexpr uint32_t kRootOpAdciShutdown = 9;

enum Class { IB, OB, IO, OO };

// qcomtee_params_check() compares the whole attribute: META or any INOUT type is refused.
int param_class(uint64_t attr)
{
    switch (attr) {
    case TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_INPUT:
        return IB;
    case TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_OUTPUT:
        return OB;
    case TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_INPUT:
        return IO;
    case TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_OUTPUT:
        return OO;
    default:
        return -1;
    }
}

uint64_t align8(uint64_t v) { return (v + 7) & ~uint64_t{7}; }

} // namespace

// call.c: qcomtee_objref_to_arg(). NULL by id; otherwise the flags are tried USER, TEE, MEM
// (other bits are ignored). On success `out` holds a new reference (null for NULL).
int Qtee::objref_to_instance(Context &ctx, uint64_t id, uint64_t flags, Instance *&out)
{
    out = nullptr;
    if (id == TEE_OBJREF_NULL)
        return 0;
    QteeContext &qc = ctx.as<QteeContext>();
    if (flags & QCOMTEE_OBJREF_FLAG_USER) {
        out = new_callback(ctx, id);
        return 0;
    }
    if (flags & QCOMTEE_OBJREF_FLAG_TEE) {
        auto it = qc.handles.find(id);
        if (it == qc.handles.end())
            return EINVAL;
        out = it->second;
        ++out->refs;
        return 0;
    }
    if (flags & QCOMTEE_OBJREF_FLAG_MEM) {
        // tee_shm_get_from_id(): the shm must exist and belong to this context.
        const Shm *s = core_->shm.find(0, static_cast<int32_t>(id));
        if (!s || s->ctx != ctx.serial)
            return EINVAL;
        out = new_memory(ctx, static_cast<int32_t>(id));
        return 0;
    }
    return EINVAL;
}

// call.c: qcomtee_objref_from_arg() for one output object of a successful invocation. A QTEE
// object gets a new TEE object id; a callback or memory object goes back to its own context
// only; NULL is TEE_OBJREF_NULL with the flags left alone. False when the object cannot be
// given to this context (the invocation then returns UNAVAIL).
bool Qtee::objref_from_result(const Caller &c, Context &ctx, ObjRef &o, uint64_t inv, TeeParam &p,
                              std::vector<uint64_t> &bound, uint64_t &obj_out)
{
    obj_out = 0;
    if (o.sw) {
        Instance *inst = new_instance(c, ctx.serial, o.sw, inv);
        o.sw = nullptr; // the instance took the reference
        p.a = bind(c, ctx, inst, inv, 0, false);
        p.b = QCOMTEE_OBJREF_FLAG_TEE;
        bound.push_back(p.a);
        obj_out = inst->addr();
        return true;
    }
    if (o.cb) {
        if (o.cb->ctx != ctx.serial)
            return false;
        p.a = o.cb->user_id;
        p.b = QCOMTEE_OBJREF_FLAG_USER;
        obj_out = o.cb->addr();
        return true;
    }
    if (o.mem) {
        if (o.mem->ctx != ctx.serial)
            return false;
        p.a = static_cast<uint64_t>(o.mem->shm);
        p.b = QCOMTEE_OBJREF_FLAG_MEM;
        obj_out = o.mem->addr();
        return true;
    }
    p.a = TEE_OBJREF_NULL;
    return true;
}

int Qtee::object_invoke(CallFrame &f, ObjectInvokeArg &arg, std::vector<TeeParam> &params)
{
    const Caller &c = f.caller;
    Context &ctx = f.ctx;
    QteeContext &qc = ctx.as<QteeContext>();

    // qcomtee_params_check(): at most 64, four types only, at most 16 of each; any order.
    if (params.size() > kMaxParams)
        return EINVAL;
    uint8_t counts[4] = {0, 0, 0, 0};
    for (const TeeParam &p : params) {
        int cls = param_class(p.attr);
        if (cls < 0 || ++counts[cls] > QCOMTEE_ARGS_PER_TYPE)
            return EINVAL;
    }

    // RELEASE: the id goes at once, known or not; QTEE hears of it from the release worker.
    // Nothing sets `ret`: the caller's own value goes back, as do untouched outputs.
    if (arg.op == QCOMTEE_OBJREF_OP_RELEASE) {
        const uint64_t serial = core_->next_invocation();
        auto it = arg.id <= INT32_MAX ? qc.handles.find(arg.id) : qc.handles.end();
        Instance *target = it != qc.handles.end() ? it->second : nullptr;
        TS_DRV(invoke_begin, .pid = c.pid, .tid = c.tid, .ctx = ctx.serial, .invocation = serial, .handle = arg.id,
               .object = target ? target->addr() : 0, .op = arg.op, .bi = 0, .bo = 0, .oi = 0, .oo = 0,
               .in_bytes = 0, .out_bytes = 0, .obj_in = nullptr, .obj_in_len = 0);
        core_->note({"invoke_begin", c.pid, c.tid, ctx.serial, target ? target->addr() : 0, serial, arg.op, 0});
        if (target)
            unbind(c, ctx, arg.id, TEESCOPE_UNBIND_REASON_RELEASE);
        TS_DRV(invoke_end, .pid = c.pid, .tid = c.tid, .ctx = ctx.serial, .invocation = serial, .err = 0,
               .ret = static_cast<int32_t>(arg.ret), .out_bytes = 0, .obj_out = nullptr, .obj_out_len = 0);
        core_->note({"invoke_end", c.pid, c.tid, ctx.serial, 0, serial, 0, static_cast<int32_t>(arg.ret)});
        return 0;
    }

    // The target: the root object for TEE_OBJREF_NULL, else a TEE object id of this context.
    Instance *target = nullptr;
    if (arg.id == TEE_OBJREF_NULL) {
        if (arg.op == kRootOpNotifyDomainChange || arg.op == kRootOpAdciAccept || arg.op == kRootOpAdciShutdown)
            return EINVAL;
        // A NULL credential is kept for the kernel's own registration.
        if (arg.op == kRootOpRegWithCredentials && params.size() == 2 &&
            params[0].attr == TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_INPUT &&
            params[1].attr == TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_OUTPUT && params[0].a == TEE_OBJREF_NULL)
            return EINVAL;
        target = qc.root;
    } else {
        auto it = arg.id <= INT32_MAX ? qc.handles.find(arg.id) : qc.handles.end();
        if (it == qc.handles.end())
            return EINVAL;
        target = it->second;
    }

    // qcomtee_params_to_args(): input objects become driver objects (a failure undoes them).
    const uint64_t serial = core_->next_invocation();
    SwArgs a;
    std::vector<Instance *> inputs;
    // QTEE drops the input objects it did not keep (a callback object QTEE never heard of is
    // freed at once).
    auto drop_inputs = [&] {
        for (Instance *in : inputs) {
            if (!in)
                continue;
            if (in->kind == TEESCOPE_OBJECT_KIND_CALLBACK)
                drop_qtee_ref(in);
            else
                drop_ref(c.pid, c.tid, in);
        }
        inputs.clear();
    };
    uint64_t in_bytes = 0, out_bytes = 0;
    for (const TeeParam &p : params) {
        if (p.attr == TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_INPUT)
            in_bytes += p.b;
        else if (p.attr == TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_OUTPUT)
            out_bytes += p.b;
        if (p.attr != TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_INPUT)
            continue;
        Instance *in = nullptr;
        if (objref_to_instance(ctx, p.a, p.b, in) != 0) {
            for (Instance *done : inputs)
                if (done)
                    discard(done);
            return EINVAL;
        }
        inputs.push_back(in);
    }
    for (Instance *in : inputs)
        if (in)
            announce(c, in, serial);

    ++target->refs;
    const uint64_t target_addr = target->addr();
    std::vector<uint64_t> obj_in;
    for (Instance *in : inputs)
        obj_in.push_back(in ? in->addr() : 0);
    TS_DRV(invoke_begin, .pid = c.pid, .tid = c.tid, .ctx = ctx.serial, .invocation = serial, .handle = arg.id,
           .object = target->addr(), .op = arg.op, .bi = counts[IB], .bo = counts[OB], .oi = counts[IO],
           .oo = counts[OO], .in_bytes = in_bytes, .out_bytes = out_bytes, .obj_in = obj_in.data(),
           .obj_in_len = static_cast<uint32_t>(std::min<size_t>(obj_in.size(), TEESCOPE_SEQ_MAX)));
    core_->note({"invoke_begin", c.pid, c.tid, ctx.serial, target->addr(), serial, arg.op,
                 static_cast<int64_t>(obj_in.size())});
    auto release_target = [&] {
        if (target->kind == TEESCOPE_OBJECT_KIND_QTEE)
            drop_ref(c.pid, c.tid, target);
        else
            --target->refs;
    };
    auto end = [&](int err, int32_t ret, uint64_t written, const std::vector<uint64_t> &obj_out) {
        TS_DRV(invoke_end, .pid = c.pid, .tid = c.tid, .ctx = ctx.serial, .invocation = serial, .err = err,
               .ret = ret, .out_bytes = written, .obj_out = obj_out.data(),
               .obj_out_len = static_cast<uint32_t>(std::min<size_t>(obj_out.size(), TEESCOPE_SEQ_MAX)));
        core_->note({"invoke_end", c.pid, c.tid, ctx.serial, target_addr, serial, err, ret});
    };
    // qcomtee_object_do_invoke(): failures before the message reaches QTEE; the input objects are
    // dropped without QTEE ever hearing of them.
    auto refuse = [&](int err) {
        drop_inputs();
        release_target();
        end(err, 0, 0, {});
        return err;
    };
    if (arg.op & ~uint32_t{QCOMTEE_OP_MASK})
        return refuse(EINVAL);
    if (arg.op == QCOMTEE_OBJREF_OP_RETAIN)
        return refuse(EINVAL);
    uint64_t inbound = align8(12 + 8 * params.size());
    for (const TeeParam &p : params)
        if (p.attr == TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_INPUT || p.attr == TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_OUTPUT)
            inbound += align8(p.b);
    if (inbound > kMaxInbound)
        return refuse(EINVAL);
    for (const TeeParam &p : params)
        if (p.attr == TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_INPUT && p.unreadable)
            return refuse(EFAULT); // qcomtee_prepare_msg(): copy_from_user of an input buffer

    // The message: buffers and objects by class, callback objects under their QTEE ids.
    for (TeeParam &p : params) {
        if (p.attr == TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_INPUT)
            a.bi.push_back(p.in);
        else if (p.attr == TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_OUTPUT)
            a.bo_cap.push_back(p.b);
        else if (p.attr == TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_OUTPUT)
            ++a.oo;
    }
    for (Instance *in : inputs)
        if (in && in->kind == TEESCOPE_OBJECT_KIND_CALLBACK)
            export_callback(c, in, serial);
    a.oi = inputs;

    Invocation inv{c, ctx, serial, f.lk};
    int32_t ret = QCOMTEE_MSG_OK;
    bool aborted = false;
    try {
        ret = sw_invoke(inv, target, arg.op, a);
    } catch (const Aborted &) {
        aborted = true;
    }
    if (ret != QCOMTEE_MSG_OK || aborted) {
        for (auto &o : a.out)
            release_obj(o);
        a.out.clear();
        a.bo.clear();
    }
    // The invocation's own holds end.
    drop_inputs();
    release_target();
    deliver_async(c, ctx.serial, serial);
    if (aborted) {
        end(EINTR, 0, 0, {});
        f.caller_gone = true;
        return EINTR;
    }

    // qcomtee_update_args() and qcomtee_params_from_args(): only a successful invocation
    // produces outputs, mapped back to the caller's parameters by position.
    std::vector<uint64_t> obj_out, bound;
    uint64_t written = 0;
    if (ret == QCOMTEE_MSG_OK) {
        size_t nbo = 0, noo = 0;
        bool unavailable = false;
        for (TeeParam &p : params) {
            if (p.attr == TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_OUTPUT) {
                Bytes out = nbo < a.bo.size() ? std::move(a.bo[nbo]) : Bytes{};
                ++nbo;
                if (out.size() > p.b)
                    out.resize(p.b);
                p.b = out.size();
                p.out = std::move(out);
                p.copied = true;
                written += p.b;
            } else if (p.attr == TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_OUTPUT) {
                ObjRef o = noo < a.out.size() ? a.out[noo] : ObjRef{};
                if (noo < a.out.size())
                    a.out[noo] = {};
                ++noo;
                uint64_t addr = 0;
                if (unavailable || !objref_from_result(c, ctx, o, serial, p, bound, addr))
                    unavailable = true;
                release_obj(o); // what the caller did not get goes back to QTEE
                obj_out.push_back(addr);
            }
        }
        for (auto &o : a.out)
            release_obj(o); // more results than the caller asked for
        if (unavailable) {
            // The ids already given are taken back; their values stay in the parameters.
            for (uint64_t h : bound)
                unbind(c, ctx, h, TEESCOPE_UNBIND_REASON_MARSHAL_UNDO);
            bound.clear();
            ret = QCOMTEE_MSG_ERROR_UNAVAIL;
        }
    }
    if (c.gone && c.gone()) {
        // The caller cannot receive the results: undo the bindings, as a failed copy-out would.
        for (uint64_t h : bound)
            unbind(c, ctx, h, TEESCOPE_UNBIND_REASON_MARSHAL_UNDO);
        end(EINTR, ret, 0, {});
        f.caller_gone = true;
        return EINTR;
    }
    arg.ret = static_cast<uint32_t>(ret);
    end(0, ret, written, obj_out);
    return 0;
}

} // namespace teescope::teesim::qtee
