// SPDX-License-Identifier: MIT
// The QTEE personality's objects: driver instances and their TEE object ids, callback and memory
// objects, secure-world objects, the release worker and QTEE's asynchronous releases; and the
// context operations qcomtee_open / qcomtee_close_context / qcomtee_release.
#include "qtee/qtee.h"

#include "teescope/trace.h"

#include <algorithm>
#include <cerrno>

namespace teescope::teesim::qtee {

namespace {

using Clock = std::chrono::steady_clock;

// Result of a release that QTEE kept refusing.
constexpr int32_t kReleaseGaveUp = QCOMTEE_MSG_ERROR_BUSY;
// QTEE's ids of callback objects (core.c: xa_alloc_cyclic(..., XA_LIMIT(0x80000001, U32_MAX))).
constexpr uint32_t kFirstWireId = 0x80000001u;

} // namespace

Qtee::~Qtee()
{
    // Everything left is freed silently: the daemon is going away.
    for (auto &r : releases_)
        delete r.inst;
    delete driver_fv_;
    delete primordial_;
    for (SwObject *o : sw_live_)
        delete o;
    for (Instance *cb : callbacks_live_)
        delete cb;
}

// ------------------------------------------------------------------------------ events

void Qtee::ev_object_create(int32_t pid, int32_t tid, Instance *i, uint64_t sw_id, uint32_t uid, uint64_t ref,
                            uint64_t inv)
{
    TS_DRV(object_create, .pid = pid, .tid = tid, .ctx = i->ctx, .object = i->addr(), .kind = i->kind,
           .sw_id = sw_id, .uid = uid, .ref = ref, .invocation = inv);
    core_->note({"object_create", pid, tid, i->ctx, i->addr(), ref, i->kind, static_cast<int64_t>(sw_id), uid});
}

void Qtee::ev_object_free(int32_t pid, int32_t tid, Instance *i)
{
    TS_DRV(object_free, .pid = pid, .tid = tid, .ctx = i->ctx, .object = i->addr(), .kind = i->kind);
    core_->note({"object_free", pid, tid, i->ctx, i->addr(), 0, i->kind, 0});
}

void Qtee::ev_bind(int32_t pid, int32_t tid, uint64_t ctx, uint64_t h, Instance *i, uint64_t inv, uint32_t req,
                   bool by_request)
{
    // A bind by SUPPL_RECV has invocation 0 and names its request (request ids start at 0).
    TS_DRV(handle_bind, .pid = pid, .tid = tid, .ctx = ctx, .handle = h, .object = i->addr(), .invocation = inv,
           .request = by_request ? req : 0);
    core_->note({"handle_bind", pid, tid, ctx, i->addr(), h, by_request ? req : 0, static_cast<int64_t>(inv)});
}

void Qtee::ev_unbind(int32_t pid, int32_t tid, uint64_t ctx, uint64_t h, Instance *i, int reason)
{
    TS_DRV(handle_unbind, .pid = pid, .tid = tid, .ctx = ctx, .handle = h, .object = i->addr(), .reason = reason);
    core_->note({"handle_unbind", pid, tid, ctx, i->addr(), h, reason, 0});
}

// ------------------------------------------------------------------------------ probe and stop

void Qtee::attach(Core &core)
{
    core_ = &core;
    // The secure world's singleton services live as long as QTEE.
    auto single = [&](SwType t, uint32_t uid) { singletons_[uid] = new_sw(t, uid); };
    single(SwType::AppLoader, QCOMTEE_UID_APPLOADER);
    single(SwType::Diagnostics, QCOMTEE_UID_DIAGNOSTICS);
    single(SwType::FeatureVersions, QCOMTEE_UID_FEATUREVERSIONS);
    single(SwType::GPAppClient, QCOMTEE_UID_GPAPPCLIENT);
    single(SwType::Registry, TEESIM_UID_LISTENER_REGISTRY);
    single(SwType::RegionStore, TEESIM_UID_REGION_STORE);

    // Like qcomtee_probe(): the primordial object through which QTEE maps memory objects, then
    // driver-internal invocations (ctx 0, pid/tid 0) that open FeatureVersions for the driver
    // itself and query it (qcomtee_get_qtee_feature_list).
    Lock lk(core.mu);
    auto *p = new Instance;
    p->kind = TEESCOPE_OBJECT_KIND_PRIMORDIAL;
    p->refs = 1;
    primordial_ = p;
    ev_object_create(0, 0, p, 0, 0, 0, 0);

    SwObject *fv = singletons_[QCOMTEE_UID_FEATUREVERSIONS];
    const uint64_t open_inv = core.next_invocation();
    TS_DRV(invoke_begin, .pid = 0, .tid = 0, .ctx = 0, .invocation = open_inv, .handle = TEE_OBJREF_NULL, .object = 0,
           .op = QCOMTEE_CLIENT_ENV_OP_OPEN, .bi = 1, .bo = 0, .oi = 0, .oo = 1, .in_bytes = 4, .out_bytes = 0,
           .obj_in = nullptr, .obj_in_len = 0);
    sw_ref(fv);
    auto *i = new Instance;
    i->ctx = 0;
    i->sw = fv;
    i->refs = 1;
    driver_fv_ = i;
    ev_object_create(0, 0, i, fv->id, fv->uid, 0, open_inv);
    const uint64_t fv_addr = i->addr();
    TS_DRV(invoke_end, .pid = 0, .tid = 0, .ctx = 0, .invocation = open_inv, .err = 0, .ret = QCOMTEE_MSG_OK,
           .out_bytes = 0, .obj_out = &fv_addr, .obj_out_len = 1);

    const uint64_t query_inv = core.next_invocation();
    // The driver holds its instance without a handle: handle 0 of ctx 0 stands for it.
    TS_DRV(invoke_begin, .pid = 0, .tid = 0, .ctx = 0, .invocation = query_inv, .handle = 0, .object = fv_addr,
           .op = 0, .bi = 1, .bo = 1, .oi = 0, .oo = 0, .in_bytes = 4, .out_bytes = 4, .obj_in = nullptr,
           .obj_in_len = 0);
    TS_DRV(invoke_end, .pid = 0, .tid = 0, .ctx = 0, .invocation = query_inv, .err = 0, .ret = QCOMTEE_MSG_OK,
           .out_bytes = 4, .obj_out = nullptr, .obj_out_len = 0);
    lk.unlock();
    worker_ = std::thread([this] { release_worker(); });
}

void Qtee::shutdown()
{
    {
        Lock lk(core_->mu);
        core_->cv.notify_all();
    }
    if (worker_.joinable())
        worker_.join();
}

// ------------------------------------------------------------------------------ contexts

// qcomtee_open(): the context's root object.
void Qtee::open(const Caller &caller, Context &ctx)
{
    auto data = std::make_unique<QteeContext>();
    data->root = new Instance;
    data->root->kind = TEESCOPE_OBJECT_KIND_ROOT;
    data->root->ctx = ctx.serial;
    data->root->refs = 1;
    ev_object_create(caller.pid, caller.tid, data->root, 0, 0, 0, 0);
    ctx.data = std::move(data);
}

// qcomtee_close_context(): requests_destroy() fails every request still queued or processed
// with ENODEV (QTEE sees DEFUNCT) and drops the RELEASE notifications; then every TEE object id
// of the context is dropped.
void Qtee::close(Context &ctx)
{
    QteeContext &qc = ctx.as<QteeContext>();
    uint32_t pending = 0;
    for (auto &[id, r] : qc.requests)
        if (!r->abandoned && r->state != Request::State::Done && !r->release_only)
            ++pending;
    TS_DRV(context_close, .pid = 0, .tid = 0, .ctx = ctx.serial, .handles = static_cast<uint32_t>(qc.handles.size()),
           .requests = pending);
    core_->note({"context_close", 0, 0, ctx.serial, 0, qc.handles.size(), pending, 0});
    auto handles = std::move(qc.handles);
    qc.handles.clear();
    for (auto &[h, inst] : handles) {
        ev_unbind(0, 0, ctx.serial, h, inst, TEESCOPE_UNBIND_REASON_CONTEXT_CLOSE);
        drop_ref(0, 0, inst);
    }
    qc.released = true;
    auto requests = std::move(qc.requests);
    qc.requests.clear();
    qc.queue.clear();
    for (auto &[id, r] : requests) {
        if (r->abandoned || r->state == Request::State::Done)
            continue;
        if (r->release_only) {
            free_callback(0, 0, r->object);
            continue;
        }
        TS_DRV(request_abandon, .pid = 0, .tid = 0, .ctx = ctx.serial, .request = id,
               .reason = TEESCOPE_ABANDON_REASON_OWNER_CLOSED);
        core_->note({"request_abandon", 0, 0, ctx.serial, r->object->addr(), id, TEESCOPE_ABANDON_REASON_OWNER_CLOSED, 0});
        complete_request(*r, QCOMTEE_MSG_ERROR_DEFUNCT);
    }
    ev_object_free(0, 0, qc.root);
    delete qc.root;
    qc.root = nullptr;
    core_->cv.notify_all();
}

void Qtee::release(Context &ctx)
{
    (void)ctx;
}

// ------------------------------------------------------------------------------ objects

SwObject *Qtee::new_sw(SwType type, uint32_t uid)
{
    auto *o = new SwObject;
    o->id = next_sw_++;
    o->type = type;
    o->uid = uid;
    o->refs = 1;
    sw_live_.insert(o);
    return o;
}

void Qtee::sw_unref(SwObject *o)
{
    if (--o->refs > 0)
        return;
    // Secure-world objects hold references on others: release them in cascade.
    if (o->controller)
        sw_unref(o->controller);
    for (auto &[token, cb] : o->listeners)
        drop_qtee_ref(cb);
    for (auto &[token, mem] : o->regions)
        drop_ref(0, 0, mem);
    sw_live_.erase(o);
    delete o;
}

// qcomtee_qtee_object_alloc(): a new driver instance for `sw` (consumes one reference of it).
Instance *Qtee::new_instance(const Caller &c, uint64_t ctx, SwObject *sw, uint64_t inv)
{
    auto *inst = new Instance;
    inst->kind = TEESCOPE_OBJECT_KIND_QTEE;
    inst->ctx = ctx;
    inst->sw = sw;
    inst->refs = 1;
    ev_object_create(c.pid, c.tid, inst, sw->id, sw->uid, 0, inv);
    return inst;
}

// A TEE object id for `inst` in `ctx`: the lowest free from 0 (call.c: idr_alloc(..., 0, 0)).
// The handle takes over the instance's reference.
uint64_t Qtee::bind(const Caller &c, Context &ctx, Instance *inst, uint64_t inv, uint32_t req, bool by_request)
{
    QteeContext &qc = ctx.as<QteeContext>();
    uint64_t h = 0;
    for (auto &[id, i] : qc.handles) {
        if (id != h)
            break;
        ++h;
    }
    qc.handles[h] = inst;
    inst->ctx = ctx.serial;
    ev_bind(c.pid, c.tid, ctx.serial, h, inst, inv, req, by_request);
    return h;
}

void Qtee::unbind(const Caller &c, Context &ctx, uint64_t handle, int reason)
{
    QteeContext &qc = ctx.as<QteeContext>();
    auto it = qc.handles.find(handle);
    if (it == qc.handles.end())
        return;
    Instance *inst = it->second;
    qc.handles.erase(it);
    ev_unbind(c.pid, c.tid, ctx.serial, handle, inst, reason);
    drop_ref(c.pid, c.tid, inst);
}

// qcomtee_user_param_to_object(): every USER objref makes a new callback object, whatever its
// id; it holds its context until it is freed. Announced (object_create) by the caller once the
// whole conversion succeeded.
Instance *Qtee::new_callback(Context &ctx, uint64_t user_id)
{
    auto *cb = new Instance;
    cb->kind = TEESCOPE_OBJECT_KIND_CALLBACK;
    cb->ctx = ctx.serial;
    cb->user_id = user_id;
    cb->qtee_refs = 1;
    core_->ctx_get(ctx);
    callbacks_live_.insert(cb);
    return cb;
}

// qcomtee_memobj_param_to_object(): a new memory object over an shm of this context.
Instance *Qtee::new_memory(Context &ctx, int32_t shm)
{
    auto *m = new Instance;
    m->kind = TEESCOPE_OBJECT_KIND_MEMORY;
    m->ctx = ctx.serial;
    m->shm = shm;
    m->refs = 1;
    ++core_->shm.find(0, shm)->users;
    return m;
}

void Qtee::announce(const Caller &c, Instance *i, uint64_t inv)
{
    if (i->kind == TEESCOPE_OBJECT_KIND_CALLBACK)
        ev_object_create(c.pid, c.tid, i, 0, 0, i->user_id, inv);
    else if (i->kind == TEESCOPE_OBJECT_KIND_MEMORY)
        ev_object_create(c.pid, c.tid, i, 0, 0, static_cast<uint64_t>(i->shm), inv);
}

// A callback or memory object made for a conversion that failed: gone without a trace.
void Qtee::discard(Instance *i)
{
    if (i->kind == TEESCOPE_OBJECT_KIND_CALLBACK) {
        const uint64_t owner = i->ctx;
        callbacks_live_.erase(i);
        delete i;
        core_->ctx_put(owner);
    } else if (i->kind == TEESCOPE_OBJECT_KIND_MEMORY) {
        const int32_t shm = i->shm;
        delete i;
        core_->shm.unuse(0, shm);
    } else {
        --i->refs; // a TEE object's extra reference
    }
}

// qcomtee_object_id_get(): QTEE learns the callback object under a cyclic wire id.
void Qtee::export_callback(const Caller &c, Instance *cb, uint64_t inv)
{
    if (cb->wire_id)
        return;
    if (next_wire_ < kFirstWireId)
        next_wire_ = kFirstWireId;
    while (wires_live_.count(next_wire_))
        next_wire_ = next_wire_ == UINT32_MAX ? kFirstWireId : next_wire_ + 1;
    cb->wire_id = next_wire_;
    wires_live_.insert(cb->wire_id);
    next_wire_ = next_wire_ == UINT32_MAX ? kFirstWireId : next_wire_ + 1;
    TS_DRV(callback_export, .pid = c.pid, .tid = c.tid, .ctx = cb->ctx, .object = cb->addr(), .user_id = cb->user_id,
           .wire_id = cb->wire_id, .invocation = inv);
    core_->note({"callback_export", c.pid, c.tid, cb->ctx, cb->addr(), cb->wire_id, 0,
                 static_cast<int64_t>(cb->user_id)});
}

void Qtee::free_callback(int32_t pid, int32_t tid, Instance *cb)
{
    ev_object_free(pid, tid, cb);
    const uint64_t owner = cb->ctx;
    if (cb->wire_id)
        wires_live_.erase(cb->wire_id);
    callbacks_live_.erase(cb);
    delete cb;
    core_->ctx_put(owner);
}

// QTEE drops one reference to a callback object; the last one is announced to the driver in the
// asynchronous messages of whatever invocation returns next (async.c).
void Qtee::drop_qtee_ref(Instance *cb)
{
    if (--cb->qtee_refs > 0)
        return;
    if (!cb->wire_id) {
        // QTEE never learnt of it (the invocation failed before it was sent): no message.
        free_callback(0, 0, cb);
        return;
    }
    async_pending_.push_back(cb);
}

void Qtee::release_obj(ObjRef &r)
{
    if (r.sw)
        sw_unref(r.sw);
    if (r.cb)
        drop_qtee_ref(r.cb);
    if (r.mem)
        drop_ref(0, 0, r.mem);
    r = {};
}

// Drops one kernel reference to an instance. A QTEE object's last one queues its release to
// QTEE on the driver's worker (core.c: qcomtee_release_qtee_object); a memory object's frees it
// and lets go of its shm.
void Qtee::drop_ref(int32_t pid, int32_t tid, Instance *i)
{
    if (--i->refs > 0)
        return;
    if (i->kind == TEESCOPE_OBJECT_KIND_QTEE) {
        TS_DRV(release_queue, .pid = pid, .tid = tid, .ctx = i->ctx, .object = i->addr(), .sw_id = i->sw->id);
        core_->note({"release_queue", pid, tid, i->ctx, i->addr(), 0, 0, static_cast<int64_t>(i->sw->id)});
        releases_.push_back({i, Clock::now() + std::chrono::microseconds(core_->cfg.release_delay_us), 0});
        core_->cv.notify_all();
    } else if (i->kind == TEESCOPE_OBJECT_KIND_MEMORY) {
        ev_object_free(pid, tid, i);
        const int32_t shm = i->shm;
        delete i;
        core_->shm.unuse(0, shm);
    }
}

// Delivers the releases QTEE queued, on the return of a carrier invocation (async.c:
// qcomtee_fetch_async_reqs after the invocation completes).
void Qtee::deliver_async(const Caller &caller, uint64_t carrier_ctx, uint64_t inv)
{
    while (!async_pending_.empty()) {
        Instance *cb = async_pending_.front();
        async_pending_.pop_front();
        TS_DRV(async_release, .pid = caller.pid, .tid = caller.tid, .ctx = carrier_ctx, .invocation = inv,
               .object = cb->addr(), .owner_ctx = cb->ctx, .wire_id = cb->wire_id);
        core_->note({"async_release", caller.pid, caller.tid, carrier_ctx, cb->addr(), cb->wire_id, 0,
                     static_cast<int64_t>(cb->ctx)});
        TS_DRV(callback_unexport, .pid = caller.pid, .tid = caller.tid, .ctx = cb->ctx, .object = cb->addr(),
               .user_id = cb->user_id, .wire_id = cb->wire_id);
        core_->note({"callback_unexport", caller.pid, caller.tid, cb->ctx, cb->addr(), cb->wire_id, 0,
                     static_cast<int64_t>(cb->user_id)});
        Context *owner = core_->context(cb->ctx);
        if (!owner || owner->closed || owner->as<QteeContext>().released) {
            // qcomtee_user_object_release(): the notification is dropped for a closed context.
            free_callback(caller.pid, caller.tid, cb);
            continue;
        }
        auto r = std::make_shared<Request>();
        r->object = cb;
        r->op = QCOMTEE_OBJREF_OP_RELEASE;
        r->release_only = true;
        r->invocation = inv;
        queue_request(caller, *owner, r, carrier_ctx);
    }
}

// core.c: qcomtee_do_release_qtee_object(), on the driver's ordered work queue.
void Qtee::release_worker()
{
    Lock lk(core_->mu);
    // On shutdown the queue is drained at once, so a trace ends with every release done.
    for (;;) {
        if (releases_.empty()) {
            if (core_->stopping)
                break;
            core_->cv.wait(lk);
            continue;
        }
        auto due = releases_.front().due;
        if (!core_->stopping && Clock::now() < due) {
            core_->cv.wait_until(lk, due);
            continue;
        }
        PendingRelease r = releases_.front();
        releases_.pop_front();
        Instance *i = r.inst;
        const Config &cfg = core_->cfg;
        bool failed = cfg.release_fail_p > 0 && std::bernoulli_distribution(cfg.release_fail_p)(core_->rng);
        if (failed && r.retries < cfg.release_retries) {
            releases_.push_back({i, Clock::now() + std::chrono::microseconds(cfg.release_delay_us), r.retries + 1});
            continue;
        }
        int32_t result = failed ? kReleaseGaveUp : QCOMTEE_MSG_OK;
        uint64_t sw_id = i->sw->id;
        // A release QTEE never accepted leaves its secure-world object behind.
        if (!failed)
            sw_unref(i->sw);
        TS_DRV(release_done, .pid = 0, .tid = 0, .ctx = i->ctx, .object = i->addr(), .sw_id = sw_id,
               .result = result, .retries = r.retries);
        core_->note({"release_done", 0, 0, i->ctx, i->addr(), 0, result, r.retries});
        ev_object_free(0, 0, i);
        delete i;
    }
}

} // namespace teescope::teesim::qtee
