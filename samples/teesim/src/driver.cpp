// SPDX-License-Identifier: MIT
// The qcomtee driver semantics and the QTEE secure world of teesim. Reference:
// shared/reference/tee-uapi.md and samples/teesim/README.md.
#include "teesim/driver.h"

#include "teescope/tee_uapi.h"
#include "wait.h"
#include "teescope/simlink/protocol.h"
#include "teescope/trace.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

namespace teescope::teesim {

namespace {

using Lock = std::unique_lock<std::mutex>;
using Clock = std::chrono::steady_clock;
using Bytes = std::vector<uint8_t>;

// How often a blocked caller checks whether its thread went away.
constexpr auto kPollInterval = std::chrono::milliseconds(20);
// Result of a release that QTEE kept refusing.
constexpr int32_t kReleaseGaveUp = QCOMTEE_MSG_ERROR_BUSY;
// What a secure-world caller sees when a callback answer could not be unmarshalled.
constexpr int32_t kBadAnswer = QCOMTEE_MSG_ERROR_REMOTE;

enum class SwType { ClientEnv, AppLoader, Diagnostics, FeatureVersions, GPAppClient, Registry, AppController, App };

struct Instance;

// An object of the secure world, with QTEE's own reference count (driver instances and other
// secure-world objects hold references).
struct SwObject {
    uint64_t id = 0;
    SwType type = SwType::ClientEnv;
    uint32_t uid = 0;
    int refs = 0;
    size_t heap = 64; // bytes of secure heap it occupies (Diagnostics)
    std::string app_name;
    SwObject *controller = nullptr; // an app's controller
    bool unloaded = false;
    std::map<uint32_t, Instance *> listeners; // registry: token -> callback object
    uint32_t next_token = 1;
};

// A driver object instance. Its address is the `object` of every event.
struct Instance {
    int kind = TEESCOPE_OBJECT_KIND_QTEE;
    uint64_t ctx = 0;
    int refs = 0;               // kernel references: handle, in-flight invocations
    SwObject *sw = nullptr;     // QTEE object
    uint64_t user_id = 0;       // callback object
    uint32_t wire_id = 0;       // callback object
    int qtee_refs = 0;          // callback object: references QTEE holds
    int32_t shm = 0;            // memory object
    uint64_t addr() const { return reinterpret_cast<uintptr_t>(this); }
};

// An object as a secure-world argument or result.
struct ObjRef {
    SwObject *sw = nullptr;  // carries one reference
    Instance *cb = nullptr;  // a callback object (carries one QTEE reference)
};

struct Request {
    uint32_t id = 0;
    Instance *object = nullptr;
    uint32_t op = 0;
    enum class State { Queued, Processing, Done } state = State::Queued;
    bool release_only = false;
    bool abandoned = false;
    uint64_t invocation = 0;
    std::vector<Bytes> bi;
    std::vector<uint64_t> bo_cap;
    std::vector<ObjRef> oi;
    size_t oo = 0;
    // The answer.
    bool finished = false;
    int status = 0; // 0, ENODEV (owner closed), EBADMSG (bad answer)
    int32_t ret = 0;
    std::vector<Bytes> bo;
    std::vector<ObjRef> out;
};

struct Context {
    uint64_t serial = 0;
    bool file_open = true;
    bool closed = false;
    int in_flight = 0;
    int callbacks = 0; // callback object instances of this context still alive
    Instance *root = nullptr;
    std::map<uint64_t, Instance *> handles;
    std::deque<std::shared_ptr<Request>> queue;
    std::map<uint32_t, std::shared_ptr<Request>> requests; // every id in use
};

struct Shm {
    int32_t id = 0;
    uint64_t ctx = 0;
    uint64_t size = 0;
    enum class Type { Alloc, Register, RegisterFd } type = Type::Alloc;
    int own_fd = -1;  // the daemon's own open of the watched file
    int src_fd = -1;  // RegisterFd: the registered descriptor
    int wd = -1;
    pid_t pid = 0;
    uint64_t addr = 0;
    bool file_alive = true;
    int users = 0; // memory objects using it
};

// Arguments of one secure-world operation and its results.
struct SwArgs {
    std::vector<std::span<const uint8_t>> bi;
    std::vector<uint64_t> bo_cap;
    std::vector<Instance *> oi;
    size_t oo = 0;
    std::vector<Bytes> bo;
    std::vector<ObjRef> out;
    bool shape(size_t nbi, size_t nbo, size_t noi, size_t noo) const
    {
        return bi.size() == nbi && bo_cap.size() == nbo && oi.size() == noi && oo == noo;
    }
};

// The in-flight invocation on whose behalf the secure world runs.
struct Invocation {
    const Caller &caller;
    Context *ctx;
    uint64_t serial;
    Lock &lk;
};

// The invoking thread went away while QTEE waited on a callback request.
struct Aborted {};

struct CallbackResult {
    int status = 0;
    int32_t ret = 0;
    std::vector<Bytes> bo;
};

template <typename T> void put(Bytes &b, size_t off, const T &v)
{
    if (b.size() < off + sizeof v)
        b.resize(off + sizeof v);
    std::memcpy(b.data() + off, &v, sizeof v);
}

template <typename T> T get(std::span<const uint8_t> b, size_t off)
{
    T v{};
    if (off + sizeof v <= b.size())
        std::memcpy(&v, b.data() + off, sizeof v);
    return v;
}

Bytes u32_bytes(uint32_t v)
{
    Bytes b(4);
    std::memcpy(b.data(), &v, 4);
    return b;
}

bool alive(const Caller &c) { return !c.gone || !c.gone(); }

} // namespace

struct Driver::State {
    Config cfg;
    std::mt19937_64 rng;
    mutable std::mutex mu;
    std::condition_variable cv;
    std::function<void(const DriverEvent &)> observer;
    std::map<uint64_t, std::unique_ptr<Context>> contexts;
    uint64_t next_ctx = 1;
    uint64_t next_invocation = 1;
    uint64_t next_sw = 1;
    uint16_t next_wire = 0;
    std::set<SwObject *> sw_live;
    std::set<Instance *> callbacks_live; // so that a stopping daemon frees what QTEE still held
    std::map<uint32_t, SwObject *> singletons;
    std::map<int32_t, Shm> shms;
    std::deque<Instance *> async_pending; // callback objects QTEE dropped, not yet delivered
    struct PendingRelease {
        Instance *inst;
        Clock::time_point due;
        unsigned retries;
    };
    std::deque<PendingRelease> releases;
    bool stopping = false;
    std::thread worker;
    std::thread watcher;
    int inotify_fd = -1;
    int wake[2] = {-1, -1};
    Instance *driver_fv = nullptr;
    Instance *primordial = nullptr;

    explicit State(Config c) : cfg(std::move(c)), rng(cfg.seed) {}

    void note(DriverEvent e)
    {
        if (observer)
            observer(e);
    }

    // ------------------------------------------------------------------ events
    void ev_object_create(int32_t pid, int32_t tid, Instance *i, uint64_t sw_id, uint32_t uid, uint64_t ref,
                          uint64_t inv)
    {
        TS_DRV(object_create, .pid = pid, .tid = tid, .ctx = i->ctx, .object = i->addr(), .kind = i->kind,
               .sw_id = sw_id, .uid = uid, .ref = ref, .invocation = inv);
        note({"object_create", pid, tid, i->ctx, i->addr(), ref, i->kind, static_cast<int64_t>(sw_id), uid});
    }
    void ev_object_free(int32_t pid, int32_t tid, Instance *i)
    {
        TS_DRV(object_free, .pid = pid, .tid = tid, .ctx = i->ctx, .object = i->addr(), .kind = i->kind);
        note({"object_free", pid, tid, i->ctx, i->addr(), 0, i->kind, 0});
    }
    void ev_bind(int32_t pid, int32_t tid, uint64_t ctx, uint64_t h, Instance *i, uint64_t inv, uint32_t req)
    {
        TS_DRV(handle_bind, .pid = pid, .tid = tid, .ctx = ctx, .handle = h, .object = i->addr(), .invocation = inv,
               .request = req);
        note({"handle_bind", pid, tid, ctx, i->addr(), h, req, static_cast<int64_t>(inv)});
    }
    void ev_unbind(int32_t pid, int32_t tid, uint64_t ctx, uint64_t h, Instance *i, int reason)
    {
        TS_DRV(handle_unbind, .pid = pid, .tid = tid, .ctx = ctx, .handle = h, .object = i->addr(), .reason = reason);
        note({"handle_unbind", pid, tid, ctx, i->addr(), h, reason, 0});
    }

    // ------------------------------------------------------------------ helpers
    Context *context(uint64_t token)
    {
        auto it = contexts.find(token);
        return it == contexts.end() ? nullptr : it->second.get();
    }

    SwObject *new_sw(SwType type, uint32_t uid)
    {
        auto *o = new SwObject;
        o->id = next_sw++;
        o->type = type;
        o->uid = uid;
        o->refs = 1;
        sw_live.insert(o);
        return o;
    }

    void sw_ref(SwObject *o) { ++o->refs; }

    void sw_unref(SwObject *o)
    {
        if (--o->refs > 0)
            return;
        // Secure-world objects hold references on others: release them in cascade.
        if (o->controller)
            sw_unref(o->controller);
        for (auto &[token, cb] : o->listeners)
            drop_qtee_ref(cb);
        sw_live.erase(o);
        delete o;
    }

    // QTEE drops one reference to a callback object; the last one queues an async release.
    void drop_qtee_ref(Instance *cb)
    {
        if (--cb->qtee_refs == 0)
            async_pending.push_back(cb);
    }

    void release_obj(ObjRef &r)
    {
        if (r.sw)
            sw_unref(r.sw);
        if (r.cb)
            drop_qtee_ref(r.cb);
        r = {};
    }

    uint64_t lowest_free_handle(const Context &c)
    {
        uint64_t h = 0;
        for (auto &[id, inst] : c.handles) {
            if (id != h)
                break;
            ++h;
        }
        return h;
    }

    uint32_t lowest_free_request(const Context &c)
    {
        uint32_t id = 1;
        for (auto &[rid, req] : c.requests) {
            if (rid != id)
                break;
            ++id;
        }
        return id;
    }

    int32_t lowest_free_shm()
    {
        int32_t id = 1;
        for (auto &[sid, shm] : shms) {
            if (sid != id)
                break;
            ++id;
        }
        return id;
    }

    // A new QTEE object instance for `sw` (consumes one reference) bound to a new handle.
    uint64_t bind_new(const Caller &c, Context &ctx, SwObject *sw, uint64_t inv, uint32_t req, Instance **out)
    {
        auto *inst = new Instance;
        inst->kind = TEESCOPE_OBJECT_KIND_QTEE;
        inst->ctx = ctx.serial;
        inst->sw = sw;
        inst->refs = 1;
        ev_object_create(c.pid, c.tid, inst, sw->id, sw->uid, 0, inv);
        uint64_t h = lowest_free_handle(ctx);
        ctx.handles[h] = inst;
        ev_bind(c.pid, c.tid, ctx.serial, h, inst, inv, req);
        if (out)
            *out = inst;
        return h;
    }

    Instance *new_callback(const Caller &c, Context &ctx, uint64_t user_id, uint64_t inv)
    {
        auto *cb = new Instance;
        cb->kind = TEESCOPE_OBJECT_KIND_CALLBACK;
        cb->ctx = ctx.serial;
        cb->user_id = user_id;
        cb->wire_id = next_wire++;
        cb->qtee_refs = 1;
        ++ctx.callbacks;
        callbacks_live.insert(cb);
        ev_object_create(c.pid, c.tid, cb, 0, 0, user_id, inv);
        TS_DRV(callback_export, .pid = c.pid, .tid = c.tid, .ctx = ctx.serial, .object = cb->addr(),
               .user_id = user_id, .wire_id = cb->wire_id, .invocation = inv);
        note({"callback_export", c.pid, c.tid, ctx.serial, cb->addr(), cb->wire_id, 0, static_cast<int64_t>(user_id)});
        return cb;
    }

    void free_callback(int32_t pid, int32_t tid, Instance *cb)
    {
        ev_object_free(pid, tid, cb);
        uint64_t owner = cb->ctx;
        callbacks_live.erase(cb);
        delete cb;
        if (Context *c = context(owner)) {
            --c->callbacks;
            maybe_release(*c);
        }
    }

    // Drops one kernel reference to an instance.
    void drop_ref(int32_t pid, int32_t tid, Instance *i)
    {
        if (--i->refs > 0)
            return;
        if (i->kind == TEESCOPE_OBJECT_KIND_QTEE) {
            TS_DRV(release_queue, .pid = pid, .tid = tid, .ctx = i->ctx, .object = i->addr(), .sw_id = i->sw->id);
            note({"release_queue", pid, tid, i->ctx, i->addr(), 0, 0, static_cast<int64_t>(i->sw->id)});
            releases.push_back({i, Clock::now() + std::chrono::microseconds(cfg.release_delay_us), 0});
            cv.notify_all();
        } else if (i->kind == TEESCOPE_OBJECT_KIND_MEMORY) {
            ev_object_free(pid, tid, i);
            int32_t shm = i->shm;
            delete i;
            if (auto it = shms.find(shm); it != shms.end()) {
                --it->second.users;
                maybe_free_shm(it->second);
            }
        }
    }

    void maybe_free_shm(Shm &s)
    {
        if (s.file_alive || s.users > 0)
            return;
        TS_DRV(shm_free, .pid = 0, .tid = 0, .ctx = s.ctx, .shm = s.id, .size = s.size);
        note({"shm_free", 0, 0, s.ctx, 0, static_cast<uint64_t>(s.id), 0, static_cast<int64_t>(s.size)});
        if (s.wd >= 0)
            inotify_rm_watch(inotify_fd, s.wd);
        if (s.own_fd >= 0)
            ::close(s.own_fd);
        if (s.src_fd >= 0)
            ::close(s.src_fd);
        shms.erase(s.id);
    }

    void maybe_close(Context &c)
    {
        if (c.file_open || c.in_flight > 0 || c.closed)
            return;
        uint32_t pending = 0;
        for (auto &[id, r] : c.requests)
            if (!r->abandoned && r->state != Request::State::Done)
                ++pending;
        TS_DRV(context_close, .pid = 0, .tid = 0, .ctx = c.serial, .handles = static_cast<uint32_t>(c.handles.size()),
               .requests = pending);
        note({"context_close", 0, 0, c.serial, 0, c.handles.size(), pending, 0});
        // `closed` is set last: freeing callback objects below must not release the context
        // while it is still being torn down.
        auto handles = std::move(c.handles);
        c.handles.clear();
        for (auto &[h, inst] : handles) {
            ev_unbind(0, 0, c.serial, h, inst, TEESCOPE_UNBIND_REASON_CONTEXT_CLOSE);
            drop_ref(0, 0, inst);
        }
        auto requests = std::move(c.requests);
        c.requests.clear();
        c.queue.clear();
        for (auto &[id, r] : requests) {
            if (r->abandoned || r->state == Request::State::Done)
                continue;
            TS_DRV(request_abandon, .pid = 0, .tid = 0, .ctx = c.serial, .request = id,
                   .reason = TEESCOPE_ABANDON_REASON_OWNER_CLOSED);
            note({"request_abandon", 0, 0, c.serial, r->object->addr(), id, TEESCOPE_ABANDON_REASON_OWNER_CLOSED, 0});
            r->state = Request::State::Done;
            r->finished = true;
            r->status = ENODEV;
            for (auto &o : r->oi)
                release_obj(o);
            if (r->release_only)
                free_callback(0, 0, r->object);
        }
        ev_object_free(0, 0, c.root);
        delete c.root;
        c.root = nullptr;
        c.closed = true;
        cv.notify_all();
        maybe_release(c);
    }

    void maybe_release(Context &c)
    {
        if (!c.closed || c.callbacks > 0)
            return;
        TS_DRV(context_release, .pid = 0, .tid = 0, .ctx = c.serial);
        note({"context_release", 0, 0, c.serial, 0, 0, 0, 0});
        contexts.erase(c.serial);
    }

    // Delivers the async releases QTEE queued, on the return of a carrier invocation.
    void deliver_async(const Caller &caller, uint64_t carrier_ctx, uint64_t inv)
    {
        while (!async_pending.empty()) {
            Instance *cb = async_pending.front();
            async_pending.pop_front();
            TS_DRV(async_release, .pid = caller.pid, .tid = caller.tid, .ctx = carrier_ctx, .invocation = inv,
                   .object = cb->addr(), .owner_ctx = cb->ctx, .wire_id = cb->wire_id);
            note({"async_release", caller.pid, caller.tid, carrier_ctx, cb->addr(), cb->wire_id, 0,
                  static_cast<int64_t>(cb->ctx)});
            TS_DRV(callback_unexport, .pid = caller.pid, .tid = caller.tid, .ctx = cb->ctx, .object = cb->addr(),
                   .user_id = cb->user_id, .wire_id = cb->wire_id);
            note({"callback_unexport", caller.pid, caller.tid, cb->ctx, cb->addr(), cb->wire_id, 0,
                  static_cast<int64_t>(cb->user_id)});
            Context *owner = context(cb->ctx);
            if (!owner || owner->closed) {
                free_callback(caller.pid, caller.tid, cb);
                continue;
            }
            auto r = std::make_shared<Request>();
            r->id = lowest_free_request(*owner);
            r->object = cb;
            r->op = QCOMTEE_OBJREF_OP_RELEASE;
            r->release_only = true;
            r->invocation = inv;
            queue_request(caller, *owner, r, carrier_ctx);
        }
    }

    void queue_request(const Caller &caller, Context &owner, const std::shared_ptr<Request> &r, uint64_t inv_ctx)
    {
        owner.requests[r->id] = r;
        owner.queue.push_back(r);
        TS_DRV(request_queue, .pid = caller.pid, .tid = caller.tid, .ctx = owner.serial, .request = r->id,
               .object = r->object->addr(), .user_id = r->object->user_id, .op = r->op, .invocation = r->invocation,
               .invoker_ctx = inv_ctx, .bi = static_cast<uint8_t>(r->bi.size()),
               .bo = static_cast<uint8_t>(r->bo_cap.size()), .oi = static_cast<uint8_t>(r->oi.size()),
               .oo = static_cast<uint8_t>(r->oo));
        note({"request_queue", caller.pid, caller.tid, owner.serial, r->object->addr(), r->id, r->op,
              static_cast<int64_t>(r->invocation)});
        cv.notify_all();
    }

    // QTEE invokes a callback object: a request on the owner context, and the invoker waits.
    CallbackResult call_callback(Invocation &inv, Instance *cb, uint32_t op, std::vector<Bytes> bi,
                                 std::vector<uint64_t> bo_cap)
    {
        Context *owner = context(cb->ctx);
        if (!owner || owner->closed)
            return {ENODEV, 0, {}};
        auto r = std::make_shared<Request>();
        r->id = lowest_free_request(*owner);
        r->object = cb;
        r->op = op;
        r->invocation = inv.serial;
        r->bi = std::move(bi);
        r->bo_cap = std::move(bo_cap);
        queue_request(inv.caller, *owner, r, inv.ctx->serial);
        while (!r->finished) {
            if (stopping || !alive(inv.caller)) {
                TS_DRV(request_abandon, .pid = inv.caller.pid, .tid = inv.caller.tid, .ctx = cb->ctx, .request = r->id,
                       .reason = TEESCOPE_ABANDON_REASON_INVOKER_DIED);
                note({"request_abandon", inv.caller.pid, inv.caller.tid, cb->ctx, cb->addr(), r->id,
                      TEESCOPE_ABANDON_REASON_INVOKER_DIED, 0});
                // A queued request simply disappears; one being processed keeps its id until
                // the supplicant's late answer is refused.
                if (Context *o = context(cb->ctx)) {
                    if (r->state == Request::State::Queued) {
                        std::erase(o->queue, r);
                        o->requests.erase(r->id);
                    }
                }
                r->abandoned = true;
                throw Aborted{};
            }
            cv.wait_for(inv.lk, kPollInterval);
        }
        CallbackResult res{r->status, r->ret, std::move(r->bo)};
        // No service keeps objects a callback returns: QTEE drops them at once.
        for (auto &o : r->out)
            release_obj(o);
        for (auto &o : r->oi)
            release_obj(o);
        return res;
    }

    // ------------------------------------------------------------------ secure world
    void latency(Invocation &inv, uint32_t service, uint32_t op)
    {
        double us = 0;
        for (auto &rule : cfg.latency) {
            if (rule.service != service || (rule.op != kAnyOp && rule.op != op))
                continue;
            switch (rule.dist.kind) {
            case LatencyDist::Kind::Fixed:
                us = rule.dist.a;
                break;
            case LatencyDist::Kind::Uniform:
                us = std::uniform_real_distribution<double>(rule.dist.a, rule.dist.b)(rng);
                break;
            case LatencyDist::Kind::Lognormal:
                us = std::lognormal_distribution<double>(std::log(rule.dist.a), rule.dist.b)(rng);
                break;
            }
            break;
        }
        for (auto &rule : cfg.outliers) {
            if (rule.service != service || (rule.op != kAnyOp && rule.op != op))
                continue;
            if (std::bernoulli_distribution(rule.p)(rng))
                us *= rule.factor;
            break;
        }
        if (us <= 0)
            return;
        inv.lk.unlock();
        std::this_thread::sleep_for(std::chrono::microseconds(static_cast<int64_t>(us)));
        inv.lk.lock();
    }

    bool injected_failure(uint32_t service, uint32_t op, int32_t &ret)
    {
        for (auto &rule : cfg.failures) {
            if (rule.service != service || (rule.op != kAnyOp && rule.op != op))
                continue;
            if (std::bernoulli_distribution(rule.p)(rng)) {
                ret = rule.ret;
                return true;
            }
        }
        return false;
    }

    int32_t sw_invoke(Invocation &inv, Instance *target, uint32_t op, SwArgs &a)
    {
        uint32_t service = target->kind == TEESCOPE_OBJECT_KIND_ROOT ? kServiceRoot : target->sw->uid;
        int32_t ret;
        if (injected_failure(service, op, ret))
            return ret;
        latency(inv, service, op);
        if (target->kind == TEESCOPE_OBJECT_KIND_ROOT)
            return sw_root(inv, op, a);
        SwObject *o = target->sw;
        switch (o->type) {
        case SwType::ClientEnv:
            return sw_client_env(op, a);
        case SwType::AppLoader:
            return sw_apploader(op, a);
        case SwType::Diagnostics:
            return sw_diagnostics(op, a);
        case SwType::FeatureVersions:
            return sw_featureversions(op, a);
        case SwType::GPAppClient:
            return QCOMTEE_MSG_ERROR_INVALID;
        case SwType::Registry:
            return sw_registry(inv, o, op, a);
        case SwType::AppController:
            return sw_app_controller(o, op, a);
        case SwType::App:
            return sw_app(o, op, a);
        }
        return QCOMTEE_MSG_ERROR_INVALID;
    }

    int32_t sw_root(Invocation &inv, uint32_t op, SwArgs &a)
    {
        if (op != QCOMTEE_ROOT_OP_REGISTER_AS_CLIENT)
            return QCOMTEE_MSG_ERROR_INVALID;
        if (!a.shape(0, 0, 1, 1) || !a.oi[0] || a.oi[0]->kind != TEESCOPE_OBJECT_KIND_CALLBACK)
            return QCOMTEE_MSG_ERROR_INVALID;
        // Read the credentials through their IIO interface.
        Instance *cred = a.oi[0];
        CallbackResult len = call_callback(inv, cred, QCOMTEE_IIO_OP_GET_LENGTH, {}, {8});
        if (len.status || len.ret != QCOMTEE_MSG_OK || len.bo.size() != 1 || len.bo[0].size() != 8)
            return QCOMTEE_MSG_ERROR;
        uint64_t total = get<uint64_t>(len.bo[0], 0);
        if (total > 64 * 1024)
            return QCOMTEE_MSG_ERROR_SIZE_IN;
        uint64_t off = 0;
        while (off < total) {
            Bytes at(8);
            std::memcpy(at.data(), &off, 8);
            uint64_t want = std::min<uint64_t>(total - off, 1024);
            CallbackResult chunk = call_callback(inv, cred, QCOMTEE_IIO_OP_READ_AT_OFFSET, {at}, {want});
            if (chunk.status || chunk.ret != QCOMTEE_MSG_OK || chunk.bo.size() != 1 || chunk.bo[0].empty())
                return QCOMTEE_MSG_ERROR;
            off += chunk.bo[0].size();
        }
        SwObject *env = new_sw(SwType::ClientEnv, TEESIM_CLASS_CLIENT_ENV);
        a.out = {ObjRef{env, nullptr}};
        return QCOMTEE_MSG_OK;
    }

    int32_t sw_client_env(uint32_t op, SwArgs &a)
    {
        if (op != QCOMTEE_CLIENT_ENV_OP_OPEN)
            return QCOMTEE_MSG_ERROR_INVALID;
        if (!a.shape(1, 0, 0, 1))
            return QCOMTEE_MSG_ERROR_INVALID;
        if (a.bi[0].size() != 4)
            return QCOMTEE_MSG_ERROR_SIZE_IN;
        uint32_t uid = get<uint32_t>(a.bi[0], 0);
        auto it = singletons.find(uid);
        if (it == singletons.end())
            return QCOMTEE_MSG_ERROR;
        sw_ref(it->second);
        a.out = {ObjRef{it->second, nullptr}};
        return QCOMTEE_MSG_OK;
    }

    int32_t load_app(std::span<const uint8_t> image, SwArgs &a)
    {
        if (image.size() < 5 || std::memcmp(image.data(), "TAPP", 4) != 0)
            return QCOMTEE_MSG_ERROR_USERBASE;
        SwObject *ctl = new_sw(SwType::AppController, TEESIM_CLASS_APP_CONTROLLER);
        auto name = image.subspan(4);
        ctl->app_name.assign(name.begin(), std::find(name.begin(), name.end(), 0));
        ctl->heap = 64 + image.size();
        a.out = {ObjRef{ctl, nullptr}};
        return QCOMTEE_MSG_OK;
    }

    int32_t sw_apploader(uint32_t op, SwArgs &a)
    {
        if (op == QCOMTEE_APPLOADER_OP_LOAD_FROM_BUFFER) {
            if (!a.shape(1, 0, 0, 1))
                return QCOMTEE_MSG_ERROR_INVALID;
            return load_app(a.bi[0], a);
        }
        if (op == QCOMTEE_APPLOADER_OP_LOAD_FROM_REGION) {
            if (!a.shape(0, 0, 1, 1) || !a.oi[0] || a.oi[0]->kind != TEESCOPE_OBJECT_KIND_MEMORY)
                return QCOMTEE_MSG_ERROR_INVALID;
            auto it = shms.find(a.oi[0]->shm);
            if (it == shms.end())
                return QCOMTEE_MSG_ERROR_MEM;
            Bytes image;
            if (!read_shm(it->second, image))
                return QCOMTEE_MSG_ERROR_MEM;
            return load_app(image, a);
        }
        return QCOMTEE_MSG_ERROR_INVALID;
    }

    bool read_shm(const Shm &s, Bytes &out)
    {
        out.resize(std::min<uint64_t>(s.size, 16 * 1024 * 1024));
        if (s.type == Shm::Type::Register) {
            iovec local{out.data(), out.size()};
            iovec remote{reinterpret_cast<void *>(s.addr), out.size()};
            ssize_t n = process_vm_readv(s.pid, &local, 1, &remote, 1, 0);
            return n == static_cast<ssize_t>(out.size());
        }
        ssize_t n = pread(s.type == Shm::Type::RegisterFd ? s.src_fd : s.own_fd, out.data(), out.size(), 0);
        if (n < 0)
            return false;
        out.resize(static_cast<size_t>(n));
        return true;
    }

    int32_t sw_diagnostics(uint32_t op, SwArgs &a)
    {
        if (op != QCOMTEE_DIAGNOSTICS_OP_QUERY_HEAP_INFO)
            return QCOMTEE_MSG_ERROR_INVALID;
        if (!a.shape(0, 1, 0, 0))
            return QCOMTEE_MSG_ERROR_INVALID;
        if (a.bo_cap[0] < 24)
            return QCOMTEE_MSG_ERROR_SIZE_OUT;
        const uint32_t total = 1u << 20;
        uint32_t used = 0, overhead = 0, wasted = 0;
        for (SwObject *o : sw_live) {
            used += static_cast<uint32_t>(o->heap);
            overhead += 16;
            wasted += static_cast<uint32_t>((8 - o->heap % 8) % 8);
        }
        uint32_t free_bytes = used + overhead > total ? 0 : total - used - overhead;
        Bytes out;
        uint32_t v[6] = {total, used, free_bytes, overhead, wasted, free_bytes};
        for (int i = 0; i < 6; ++i)
            put(out, i * 4u, v[i]);
        a.bo = {out};
        return QCOMTEE_MSG_OK;
    }

    int32_t sw_featureversions(uint32_t op, SwArgs &a)
    {
        // op 0 getVersion(u32 feature) -> u32 version: every feature is at version 1.
        if (op != 0 || !a.shape(1, 1, 0, 0))
            return QCOMTEE_MSG_ERROR_INVALID;
        if (a.bi[0].size() != 4)
            return QCOMTEE_MSG_ERROR_SIZE_IN;
        if (a.bo_cap[0] < 4)
            return QCOMTEE_MSG_ERROR_SIZE_OUT;
        a.bo = {u32_bytes(1)};
        return QCOMTEE_MSG_OK;
    }

    int32_t sw_app_controller(SwObject *o, uint32_t op, SwArgs &a)
    {
        if (op > QCOMTEE_APPCONTROLLER_OP_GET_APP_OBJECT)
            return QCOMTEE_MSG_ERROR_INVALID;
        if (o->unloaded)
            return QCOMTEE_MSG_ERROR;
        if (op == QCOMTEE_APPCONTROLLER_OP_OPEN_SESSION || op == QCOMTEE_APPCONTROLLER_OP_UNLOAD) {
            if (!a.shape(0, 0, 0, 0))
                return QCOMTEE_MSG_ERROR_INVALID;
            if (op == QCOMTEE_APPCONTROLLER_OP_UNLOAD)
                o->unloaded = true;
            return QCOMTEE_MSG_OK;
        }
        if (!a.shape(0, 0, 0, 1))
            return QCOMTEE_MSG_ERROR_INVALID;
        SwObject *app = new_sw(SwType::App, TEESIM_CLASS_APP);
        app->app_name = o->app_name;
        app->controller = o;
        sw_ref(o);
        a.out = {ObjRef{app, nullptr}};
        return QCOMTEE_MSG_OK;
    }

    int32_t sw_app(SwObject *o, uint32_t op, SwArgs &a)
    {
        if (op != QCOMTEE_APP_OP_ADD || !a.shape(1, 1, 0, 0))
            return QCOMTEE_MSG_ERROR_INVALID;
        if (o->controller && o->controller->unloaded)
            return QCOMTEE_MSG_ERROR;
        if (a.bi[0].size() != 8)
            return QCOMTEE_MSG_ERROR_SIZE_IN;
        if (a.bo_cap[0] < 4)
            return QCOMTEE_MSG_ERROR_SIZE_OUT;
        a.bo = {u32_bytes(get<uint32_t>(a.bi[0], 0) + get<uint32_t>(a.bi[0], 4))};
        return QCOMTEE_MSG_OK;
    }

    int32_t sw_registry(Invocation &inv, SwObject *reg, uint32_t op, SwArgs &a)
    {
        switch (op) {
        case TEESIM_REGISTRY_OP_REGISTER: {
            if (!a.shape(0, 1, 1, 0) || !a.oi[0] || a.oi[0]->kind != TEESCOPE_OBJECT_KIND_CALLBACK)
                return QCOMTEE_MSG_ERROR_INVALID;
            if (a.bo_cap[0] < 4)
                return QCOMTEE_MSG_ERROR_SIZE_OUT;
            uint32_t token = reg->next_token++;
            ++a.oi[0]->qtee_refs; // QTEE keeps the listener
            reg->listeners[token] = a.oi[0];
            a.bo = {u32_bytes(token)};
            return QCOMTEE_MSG_OK;
        }
        case TEESIM_REGISTRY_OP_UNREGISTER: {
            if (!a.shape(1, 0, 0, 0))
                return QCOMTEE_MSG_ERROR_INVALID;
            if (a.bi[0].size() != 4)
                return QCOMTEE_MSG_ERROR_SIZE_IN;
            auto it = reg->listeners.find(get<uint32_t>(a.bi[0], 0));
            if (it == reg->listeners.end())
                return QCOMTEE_MSG_ERROR;
            Instance *cb = it->second;
            reg->listeners.erase(it);
            drop_qtee_ref(cb);
            return QCOMTEE_MSG_OK;
        }
        case TEESIM_REGISTRY_OP_NOTIFY: {
            if (!a.shape(1, 1, 0, 0))
                return QCOMTEE_MSG_ERROR_INVALID;
            if (a.bi[0].size() != 4)
                return QCOMTEE_MSG_ERROR_SIZE_IN;
            if (a.bo_cap[0] < 4)
                return QCOMTEE_MSG_ERROR_SIZE_OUT;
            Bytes event(a.bi[0].begin(), a.bi[0].end());
            // A snapshot: listeners may come and go while QTEE waits on each one.
            std::vector<std::pair<uint32_t, Instance *>> targets(reg->listeners.begin(), reg->listeners.end());
            for (auto &[token, cb] : targets)
                ++cb->qtee_refs;
            uint32_t reached = 0;
            size_t i = 0;
            try {
                for (; i < targets.size(); ++i) {
                    auto [token, cb] = targets[i];
                    CallbackResult r = call_callback(inv, cb, TEESIM_LISTENER_OP_ON_EVENT, {event}, {});
                    if (r.status == ENODEV) {
                        auto it = reg->listeners.find(token);
                        if (it != reg->listeners.end() && it->second == cb) {
                            reg->listeners.erase(it);
                            drop_qtee_ref(cb);
                        }
                    } else if (r.status == 0 && r.ret == QCOMTEE_MSG_OK) {
                        ++reached;
                    }
                    drop_qtee_ref(targets[i].second);
                }
            } catch (const Aborted &) {
                for (; i < targets.size(); ++i)
                    drop_qtee_ref(targets[i].second);
                throw;
            }
            a.bo = {u32_bytes(reached)};
            return QCOMTEE_MSG_OK;
        }
        default:
            return QCOMTEE_MSG_ERROR_INVALID;
        }
    }

    // ------------------------------------------------------------------ workers
    void release_worker()
    {
        Lock lk(mu);
        // On shutdown the queue is drained at once, so a trace ends with every release done.
        for (;;) {
            if (releases.empty()) {
                if (stopping)
                    break;
                cv.wait(lk);
                continue;
            }
            auto due = releases.front().due;
            if (!stopping && Clock::now() < due) {
                cv.wait_until(lk, due);
                continue;
            }
            PendingRelease r = releases.front();
            releases.pop_front();
            Instance *i = r.inst;
            bool failed = cfg.release_fail_p > 0 && std::bernoulli_distribution(cfg.release_fail_p)(rng);
            if (failed && r.retries < cfg.release_retries) {
                releases.push_back(
                    {i, Clock::now() + std::chrono::microseconds(cfg.release_delay_us), r.retries + 1});
                continue;
            }
            int32_t result = failed ? kReleaseGaveUp : QCOMTEE_MSG_OK;
            uint64_t sw_id = i->sw->id;
            // A release QTEE never accepted leaves its secure-world object behind.
            if (!failed)
                sw_unref(i->sw);
            TS_DRV(release_done, .pid = 0, .tid = 0, .ctx = i->ctx, .object = i->addr(), .sw_id = sw_id,
                   .result = result, .retries = r.retries);
            note({"release_done", 0, 0, i->ctx, i->addr(), 0, result, r.retries});
            ev_object_free(0, 0, i);
            delete i;
        }
    }

    void shm_watcher()
    {
        alignas(inotify_event) char buf[4096];
        while (wait_readable(inotify_fd, wake[0])) {
            ssize_t n = read(inotify_fd, buf, sizeof buf);
            if (n <= 0)
                continue;
            Lock lk(mu);
            for (char *p = buf; p < buf + n;) {
                auto *e = reinterpret_cast<inotify_event *>(p);
                p += sizeof(inotify_event) + e->len;
                if (!(e->mask & (IN_CLOSE_WRITE | IN_CLOSE_NOWRITE)))
                    continue;
                for (auto &[id, s] : shms) {
                    if (s.wd == e->wd) {
                        s.file_alive = false;
                        maybe_free_shm(s);
                        break;
                    }
                }
            }
        }
    }

    // ------------------------------------------------------------------ ioctls
    IoctlReply object_invoke(const Caller &c, Context &ctx, Lock &lk, uint64_t buf_len,
                             std::span<const uint8_t> arg, std::span<const uint8_t> data);
    IoctlReply suppl_recv(const Caller &c, Context &ctx, Lock &lk, uint64_t buf_len, std::span<const uint8_t> arg);
    IoctlReply suppl_send(const Caller &c, Context &ctx, uint64_t buf_len, std::span<const uint8_t> arg,
                          std::span<const uint8_t> data);
    IoctlReply shm_alloc(const Caller &c, Context &ctx, std::span<const uint8_t> arg);
    IoctlReply shm_register(const Caller &c, Context &ctx, uint32_t cmd, std::span<const uint8_t> arg, int passed_fd);
    int watched_file(uint64_t size, int &own_fd, int &wd);
};

namespace {

IoctlReply error(int err)
{
    IoctlReply r;
    r.err = err;
    return r;
}

// The class of an OBJECT_INVOKE parameter, in the order the arguments must come.
int param_class(uint32_t type)
{
    switch (type) {
    case TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_INPUT:
        return 0;
    case TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_OUTPUT:
        return 1;
    case TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_INPUT:
        return 2;
    case TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_OUTPUT:
        return 3;
    default:
        return -1;
    }
}

tee_ioctl_param param_at(std::span<const uint8_t> arg, size_t header, size_t i)
{
    return get<tee_ioctl_param>(arg, header + i * sizeof(tee_ioctl_param));
}

} // namespace

IoctlReply Driver::State::object_invoke(const Caller &c, Context &ctx, Lock &lk, uint64_t buf_len,
                                        std::span<const uint8_t> arg, std::span<const uint8_t> data)
{
    constexpr size_t hdr = sizeof(tee_ioctl_object_invoke_arg);
    if (buf_len < hdr || buf_len > TEE_MAX_ARG_SIZE || arg.size() != buf_len)
        return error(EINVAL);
    auto head = get<tee_ioctl_object_invoke_arg>(arg, 0);
    const uint64_t serial = next_invocation++;
    Instance *target = nullptr;
    if (head.id == TEE_OBJREF_NULL) {
        target = ctx.root;
    } else if (auto it = ctx.handles.find(head.id); it != ctx.handles.end()) {
        target = it->second;
    }
    uint8_t counts[4] = {0, 0, 0, 0};
    uint64_t in_bytes = 0, out_bytes = 0;

    auto fail = [&](int err) {
        TS_DRV(invoke_begin, .pid = c.pid, .tid = c.tid, .ctx = ctx.serial, .invocation = serial, .handle = head.id,
               .object = target ? target->addr() : 0, .op = head.op, .bi = counts[0], .bo = counts[1],
               .oi = counts[2], .oo = counts[3], .in_bytes = in_bytes, .out_bytes = out_bytes, .obj_in = nullptr,
               .obj_in_len = 0);
        note({"invoke_begin", c.pid, c.tid, ctx.serial, target ? target->addr() : 0, serial, head.op, 0});
        TS_DRV(invoke_end, .pid = c.pid, .tid = c.tid, .ctx = ctx.serial, .invocation = serial, .err = err, .ret = 0,
               .out_bytes = 0, .obj_out = nullptr, .obj_out_len = 0);
        note({"invoke_end", c.pid, c.tid, ctx.serial, target ? target->addr() : 0, serial, err, 0});
        return error(err);
    };

    if (head.num_params > (TEE_MAX_ARG_SIZE - hdr) / sizeof(tee_ioctl_param) ||
        hdr + head.num_params * sizeof(tee_ioctl_param) != buf_len)
        return fail(EINVAL);
    if (head.op > QCOMTEE_OP_MASK)
        return fail(EINVAL);

    if (head.op == QCOMTEE_OBJREF_OP_RELEASE) {
        // The handle goes at once; QTEE hears of it later from the release worker.
        bool is_handle = target && target->kind == TEESCOPE_OBJECT_KIND_QTEE;
        TS_DRV(invoke_begin, .pid = c.pid, .tid = c.tid, .ctx = ctx.serial, .invocation = serial, .handle = head.id,
               .object = target ? target->addr() : 0, .op = head.op, .bi = 0, .bo = 0, .oi = 0, .oo = 0,
               .in_bytes = 0, .out_bytes = 0, .obj_in = nullptr, .obj_in_len = 0);
        note({"invoke_begin", c.pid, c.tid, ctx.serial, target ? target->addr() : 0, serial, head.op, 0});
        if (is_handle) {
            ctx.handles.erase(head.id);
            ev_unbind(c.pid, c.tid, ctx.serial, head.id, target, TEESCOPE_UNBIND_REASON_RELEASE);
            drop_ref(c.pid, c.tid, target);
        }
        TS_DRV(invoke_end, .pid = c.pid, .tid = c.tid, .ctx = ctx.serial, .invocation = serial, .err = 0, .ret = 0,
               .out_bytes = 0, .obj_out = nullptr, .obj_out_len = 0);
        note({"invoke_end", c.pid, c.tid, ctx.serial, 0, serial, 0, 0});
        IoctlReply r;
        r.arg.assign(arg.begin(), arg.end());
        put(r.arg, offsetof(tee_ioctl_object_invoke_arg, ret), uint32_t{0});
        return r;
    }
    if (head.op == QCOMTEE_OBJREF_OP_RETAIN || !target)
        return fail(EINVAL);

    // Validate every parameter before anything is created.
    int last_class = 0;
    for (uint32_t i = 0; i < head.num_params; ++i) {
        auto p = param_at(arg, hdr, i);
        int cls = (p.attr & ~uint64_t{TEE_IOCTL_PARAM_ATTR_TYPE_MASK}) ? -1 : param_class(tee_param_type(p.attr));
        if (cls < 0 || cls < last_class || counts[cls] >= QCOMTEE_ARGS_PER_TYPE)
            return fail(EINVAL);
        last_class = cls;
        ++counts[cls];
        if (cls == 0)
            in_bytes += p.b;
        else if (cls == 1)
            out_bytes += p.b;
        else if (cls == 2) {
            if (p.a == TEE_OBJREF_NULL && p.b == 0)
                continue;
            if (std::popcount(p.b) != 1 ||
                (p.b & ~uint64_t{QCOMTEE_OBJREF_FLAG_TEE | QCOMTEE_OBJREF_FLAG_USER | QCOMTEE_OBJREF_FLAG_MEM}))
                return fail(EINVAL);
            if (p.b == QCOMTEE_OBJREF_FLAG_TEE && !ctx.handles.count(p.a))
                return fail(EINVAL);
            if (p.b == QCOMTEE_OBJREF_FLAG_MEM && (p.a > INT32_MAX || !shms.count(static_cast<int32_t>(p.a))))
                return fail(EINVAL);
        }
    }
    if (in_bytes != data.size() || out_bytes > simlink::kMaxDataPerCall)
        return fail(EINVAL);

    // Resolve the input objects: in-flight references, new callback and memory objects.
    SwArgs a;
    std::vector<uint64_t> obj_in;
    size_t off = 0;
    for (uint32_t i = 0; i < head.num_params; ++i) {
        auto p = param_at(arg, hdr, i);
        switch (tee_param_type(p.attr)) {
        case TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_INPUT:
            a.bi.push_back(data.subspan(off, p.b));
            off += p.b;
            break;
        case TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_OUTPUT:
            a.bo_cap.push_back(p.b);
            break;
        case TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_INPUT: {
            Instance *in = nullptr;
            if (p.b == QCOMTEE_OBJREF_FLAG_TEE) {
                in = ctx.handles[p.a];
                ++in->refs;
            } else if (p.b == QCOMTEE_OBJREF_FLAG_USER) {
                in = new_callback(c, ctx, p.a, serial);
            } else if (p.b == QCOMTEE_OBJREF_FLAG_MEM) {
                in = new Instance;
                in->kind = TEESCOPE_OBJECT_KIND_MEMORY;
                in->ctx = ctx.serial;
                in->shm = static_cast<int32_t>(p.a);
                in->refs = 1;
                ++shms[in->shm].users;
                ev_object_create(c.pid, c.tid, in, 0, 0, p.a, serial);
            }
            a.oi.push_back(in);
            obj_in.push_back(in ? in->addr() : 0);
            break;
        }
        case TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_OUTPUT:
            ++a.oo;
            break;
        }
    }
    ++target->refs;
    TS_DRV(invoke_begin, .pid = c.pid, .tid = c.tid, .ctx = ctx.serial, .invocation = serial, .handle = head.id,
           .object = target->addr(), .op = head.op, .bi = counts[0], .bo = counts[1], .oi = counts[2], .oo = counts[3],
           .in_bytes = in_bytes, .out_bytes = out_bytes, .obj_in = obj_in.data(),
           .obj_in_len = static_cast<uint32_t>(std::min<size_t>(obj_in.size(), TEESCOPE_SEQ_MAX)));
    note({"invoke_begin", c.pid, c.tid, ctx.serial, target->addr(), serial, head.op, static_cast<int64_t>(obj_in.size())});

    Invocation inv{c, &ctx, serial, lk};
    int32_t ret = QCOMTEE_MSG_OK;
    bool aborted = false;
    try {
        ret = sw_invoke(inv, target, head.op, a);
    } catch (const Aborted &) {
        aborted = true;
    }

    // The invocation's own holds end: QTEE drops input objects it did not keep.
    auto drop_inputs = [&] {
        for (Instance *in : a.oi) {
            if (!in)
                continue;
            if (in->kind == TEESCOPE_OBJECT_KIND_CALLBACK)
                drop_qtee_ref(in);
            else
                drop_ref(c.pid, c.tid, in);
        }
        if (target->kind == TEESCOPE_OBJECT_KIND_QTEE)
            drop_ref(c.pid, c.tid, target);
        else
            --target->refs;
    };
    if (ret != QCOMTEE_MSG_OK || aborted) {
        for (auto &o : a.out)
            release_obj(o);
        a.out.clear();
        a.bo.clear();
    }
    drop_inputs();
    deliver_async(c, ctx.serial, serial);
    if (aborted) {
        TS_DRV(invoke_end, .pid = c.pid, .tid = c.tid, .ctx = ctx.serial, .invocation = serial, .err = EINTR, .ret = 0,
               .out_bytes = 0, .obj_out = nullptr, .obj_out_len = 0);
        note({"invoke_end", c.pid, c.tid, ctx.serial, target->addr(), serial, EINTR, 0});
        IoctlReply r = error(EINTR);
        r.no_reply = true;
        return r;
    }

    // Marshal the results into the argument.
    IoctlReply r;
    r.arg.assign(arg.begin(), arg.end());
    put(r.arg, offsetof(tee_ioctl_object_invoke_arg, ret), static_cast<uint32_t>(ret));
    std::vector<uint64_t> obj_out;
    std::vector<uint64_t> bound;
    uint64_t written = 0;
    size_t nbo = 0, noo = 0;
    for (uint32_t i = 0; i < head.num_params; ++i) {
        auto p = param_at(arg, hdr, i);
        size_t poff = hdr + i * sizeof(tee_ioctl_param);
        uint32_t type = tee_param_type(p.attr);
        if (type == TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_OUTPUT) {
            Bytes out = nbo < a.bo.size() ? a.bo[nbo] : Bytes{};
            ++nbo;
            if (out.size() > p.b)
                out.resize(p.b);
            p.b = out.size();
            written += out.size();
            r.data.insert(r.data.end(), out.begin(), out.end());
        } else if (type == TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_OUTPUT) {
            ObjRef o = noo < a.out.size() ? a.out[noo] : ObjRef{};
            ++noo;
            if (o.sw) {
                Instance *inst;
                p.a = bind_new(c, ctx, o.sw, serial, 0, &inst);
                p.b = QCOMTEE_OBJREF_FLAG_TEE;
                bound.push_back(p.a);
                obj_out.push_back(inst->addr());
            } else if (o.cb && o.cb->ctx == ctx.serial) {
                p.a = o.cb->user_id;
                p.b = QCOMTEE_OBJREF_FLAG_USER;
                obj_out.push_back(o.cb->addr());
                drop_qtee_ref(o.cb);
            } else {
                if (o.cb)
                    drop_qtee_ref(o.cb);
                p.a = TEE_OBJREF_NULL;
                p.b = 0;
                obj_out.push_back(0);
            }
        } else {
            continue;
        }
        put(r.arg, poff, p);
    }
    if (!alive(c)) {
        // The caller cannot receive the results: undo the bindings, as a failed copy-out would.
        for (uint64_t h : bound) {
            Instance *inst = ctx.handles[h];
            ctx.handles.erase(h);
            ev_unbind(c.pid, c.tid, ctx.serial, h, inst, TEESCOPE_UNBIND_REASON_MARSHAL_UNDO);
            drop_ref(c.pid, c.tid, inst);
        }
        TS_DRV(invoke_end, .pid = c.pid, .tid = c.tid, .ctx = ctx.serial, .invocation = serial, .err = EINTR, .ret = ret,
               .out_bytes = 0, .obj_out = nullptr, .obj_out_len = 0);
        note({"invoke_end", c.pid, c.tid, ctx.serial, target->addr(), serial, EINTR, ret});
        IoctlReply dead = error(EINTR);
        dead.no_reply = true;
        return dead;
    }
    TS_DRV(invoke_end, .pid = c.pid, .tid = c.tid, .ctx = ctx.serial, .invocation = serial, .err = 0, .ret = ret,
           .out_bytes = written, .obj_out = obj_out.data(),
           .obj_out_len = static_cast<uint32_t>(std::min<size_t>(obj_out.size(), TEESCOPE_SEQ_MAX)));
    note({"invoke_end", c.pid, c.tid, ctx.serial, target->addr(), serial, 0, ret});
    return r;
}

IoctlReply Driver::State::suppl_recv(const Caller &c, Context &ctx, Lock &lk, uint64_t buf_len,
                                     std::span<const uint8_t> arg)
{
    constexpr size_t hdr = sizeof(tee_iocl_supp_recv_arg);
    if (buf_len < hdr + sizeof(tee_ioctl_param) || buf_len > TEE_MAX_ARG_SIZE || arg.size() != buf_len)
        return error(EINVAL);
    auto head = get<tee_iocl_supp_recv_arg>(arg, 0);
    if (head.num_params == 0 || head.num_params > (TEE_MAX_ARG_SIZE - hdr) / sizeof(tee_ioctl_param) ||
        hdr + head.num_params * sizeof(tee_ioctl_param) != buf_len)
        return error(EINVAL);
    auto meta = param_at(arg, hdr, 0);
    if (meta.attr != (TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT | TEE_IOCTL_PARAM_ATTR_META))
        return error(EINVAL);
    const uint64_t buf_addr = meta.a, buf_size = meta.b;

    while (ctx.queue.empty()) {
        if (stopping)
            return error(EINTR);
        if (!alive(c)) {
            IoctlReply r = error(EINTR);
            r.no_reply = true;
            return r;
        }
        cv.wait_for(lk, kPollInterval);
    }
    std::shared_ptr<Request> req = ctx.queue.front();
    uint64_t payload = 0;
    for (auto &b : req->bi)
        payload += b.size();
    size_t needed = 1 + req->bi.size() + req->bo_cap.size() + req->oi.size() + req->oo;
    // Too small a buffer or too few slots: the request stays queued for a better-equipped call.
    if (payload > buf_size || needed > head.num_params)
        return error(EINVAL);
    ctx.queue.pop_front();
    req->state = Request::State::Processing;
    TS_DRV(request_pick, .pid = c.pid, .tid = c.tid, .ctx = ctx.serial, .request = req->id, .op = req->op);
    note({"request_pick", c.pid, c.tid, ctx.serial, req->object->addr(), req->id, req->op, 0});

    IoctlReply r;
    r.arg.assign(arg.begin(), arg.end());
    put(r.arg, offsetof(tee_iocl_supp_recv_arg, func), req->op);
    size_t slot = 0;
    auto set = [&](tee_ioctl_param p) { put(r.arg, hdr + (slot++) * sizeof(tee_ioctl_param), p); };
    set({TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT | TEE_IOCTL_PARAM_ATTR_META, req->object->user_id, req->id, 0});
    uint64_t off = 0;
    for (auto &b : req->bi) {
        set({TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_INPUT, buf_addr + off, b.size(), 0});
        r.data.insert(r.data.end(), b.begin(), b.end());
        off += b.size();
    }
    for (uint64_t cap : req->bo_cap)
        set({TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_OUTPUT, 0, cap, 0});
    for (auto &o : req->oi) {
        if (o.sw) {
            sw_ref(o.sw);
            uint64_t h = bind_new(c, ctx, o.sw, 0, req->id, nullptr);
            set({TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_INPUT, h, QCOMTEE_OBJREF_FLAG_TEE, 0});
        } else if (o.cb && o.cb->ctx == ctx.serial) {
            set({TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_INPUT, o.cb->user_id, QCOMTEE_OBJREF_FLAG_USER, 0});
        } else {
            set({TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_INPUT, TEE_OBJREF_NULL, 0, 0});
        }
    }
    for (size_t i = 0; i < req->oo; ++i)
        set({TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_OUTPUT, 0, 0, 0});
    while (slot < head.num_params)
        set({TEE_IOCTL_PARAM_ATTR_TYPE_NONE, 0, 0, 0});
    if (req->release_only) {
        // A RELEASE needs no answer: the callback object is gone once its owner heard of it.
        req->state = Request::State::Done;
        req->finished = true;
        ctx.requests.erase(req->id);
        free_callback(c.pid, c.tid, req->object);
    }
    return r;
}

IoctlReply Driver::State::suppl_send(const Caller &c, Context &ctx, uint64_t buf_len, std::span<const uint8_t> arg,
                                     std::span<const uint8_t> data)
{
    constexpr size_t hdr = sizeof(tee_iocl_supp_send_arg);
    if (buf_len < hdr + sizeof(tee_ioctl_param) || buf_len > TEE_MAX_ARG_SIZE || arg.size() != buf_len)
        return error(EINVAL);
    auto head = get<tee_iocl_supp_send_arg>(arg, 0);
    if (head.num_params == 0 || head.num_params > (TEE_MAX_ARG_SIZE - hdr) / sizeof(tee_ioctl_param) ||
        hdr + head.num_params * sizeof(tee_ioctl_param) != buf_len)
        return error(EINVAL);
    auto meta = param_at(arg, hdr, 0);
    if (meta.attr != (TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT | TEE_IOCTL_PARAM_ATTR_META))
        return error(EINVAL);
    const uint32_t id = static_cast<uint32_t>(meta.a);
    const int32_t ret = static_cast<int32_t>(head.ret);
    auto refuse = [&](uint32_t rid) {
        TS_DRV(request_answer, .pid = c.pid, .tid = c.tid, .ctx = ctx.serial, .request = rid, .ret = ret, .err = EINVAL,
               .out_bytes = 0);
        note({"request_answer", c.pid, c.tid, ctx.serial, 0, rid, EINVAL, ret});
        return error(EINVAL);
    };
    auto it = meta.a > UINT32_MAX ? ctx.requests.end() : ctx.requests.find(id);
    if (it == ctx.requests.end() || it->second->state != Request::State::Processing)
        return refuse(id);
    std::shared_ptr<Request> req = it->second;
    if (req->abandoned) {
        // The invoker died: its id is free again only now that the late answer came.
        ctx.requests.erase(it);
        return refuse(id);
    }

    std::vector<Bytes> bo;
    std::vector<ObjRef> out;
    bool bad = false;
    uint64_t out_bytes = 0;
    size_t off = 0;
    if (ret == QCOMTEE_MSG_OK) {
        std::vector<tee_ioctl_param> ubufs, objs;
        for (uint32_t i = 1; i < head.num_params; ++i) {
            auto p = param_at(arg, hdr, i);
            uint32_t type = tee_param_type(p.attr);
            if (type == TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_OUTPUT)
                ubufs.push_back(p);
            else if (type == TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_OUTPUT)
                objs.push_back(p);
            else if (type != TEE_IOCTL_PARAM_ATTR_TYPE_NONE)
                bad = true;
        }
        if (ubufs.size() != req->bo_cap.size() || objs.size() != req->oo)
            bad = true;
        for (size_t i = 0; !bad && i < ubufs.size(); ++i) {
            if (ubufs[i].b > req->bo_cap[i] || off + ubufs[i].b > data.size()) {
                bad = true;
                break;
            }
            bo.emplace_back(data.begin() + off, data.begin() + off + ubufs[i].b);
            off += ubufs[i].b;
            out_bytes += ubufs[i].b;
        }
        if (!bad && off != data.size())
            bad = true;
        for (size_t i = 0; !bad && i < objs.size(); ++i) {
            auto &p = objs[i];
            if (p.a == TEE_OBJREF_NULL && p.b == 0)
                continue;
            if (p.b == QCOMTEE_OBJREF_FLAG_TEE) {
                auto h = ctx.handles.find(p.a);
                if (h == ctx.handles.end())
                    bad = true;
            } else if (p.b != QCOMTEE_OBJREF_FLAG_USER) {
                bad = true;
            }
        }
        if (!bad) {
            for (auto &p : objs) {
                if (p.b == QCOMTEE_OBJREF_FLAG_TEE) {
                    SwObject *sw = ctx.handles[p.a]->sw;
                    sw_ref(sw);
                    out.push_back({sw, nullptr});
                } else if (p.b == QCOMTEE_OBJREF_FLAG_USER) {
                    out.push_back({nullptr, new_callback(c, ctx, p.a, 0)});
                } else {
                    out.push_back({});
                }
            }
        }
    }
    ctx.requests.erase(it);
    req->state = Request::State::Done;
    req->finished = true;
    if (bad) {
        TS_DRV(request_answer, .pid = c.pid, .tid = c.tid, .ctx = ctx.serial, .request = id, .ret = ret, .err = EINVAL,
               .out_bytes = 0);
        note({"request_answer", c.pid, c.tid, ctx.serial, req->object->addr(), id, EINVAL, ret});
        TS_DRV(request_abandon, .pid = c.pid, .tid = c.tid, .ctx = ctx.serial, .request = id,
               .reason = TEESCOPE_ABANDON_REASON_BAD_ANSWER);
        note({"request_abandon", c.pid, c.tid, ctx.serial, req->object->addr(), id, TEESCOPE_ABANDON_REASON_BAD_ANSWER,
              0});
        req->status = EBADMSG;
        req->ret = kBadAnswer;
        cv.notify_all();
        return error(EINVAL);
    }
    req->ret = ret;
    req->bo = std::move(bo);
    req->out = std::move(out);
    TS_DRV(request_answer, .pid = c.pid, .tid = c.tid, .ctx = ctx.serial, .request = id, .ret = ret, .err = 0,
           .out_bytes = out_bytes);
    note({"request_answer", c.pid, c.tid, ctx.serial, req->object->addr(), id, 0, ret});
    cv.notify_all();
    IoctlReply r;
    r.arg.assign(arg.begin(), arg.end());
    return r;
}

// An unlinked file in /dev/shm, the daemon's own description of it, and an inotify watch that
// fires when every other description (the client's descriptors and mappings) is gone.
int Driver::State::watched_file(uint64_t size, int &own_fd, int &wd)
{
    int fd = ::open("/dev/shm", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0)
        return -errno;
    if (size && ftruncate(fd, static_cast<off_t>(size)) < 0) {
        int err = errno;
        ::close(fd);
        return -err;
    }
    std::string self = "/proc/self/fd/" + std::to_string(fd);
    own_fd = ::open(self.c_str(), O_RDWR | O_CLOEXEC);
    if (own_fd < 0) {
        int err = errno;
        ::close(fd);
        return -err;
    }
    wd = inotify_add_watch(inotify_fd, self.c_str(), IN_CLOSE_WRITE | IN_CLOSE_NOWRITE);
    if (wd < 0) {
        int err = errno;
        ::close(fd);
        ::close(own_fd);
        return -err;
    }
    return fd;
}

IoctlReply Driver::State::shm_alloc(const Caller &c, Context &ctx, std::span<const uint8_t> arg)
{
    if (arg.size() != sizeof(tee_ioctl_shm_alloc_data))
        return error(EINVAL);
    auto d = get<tee_ioctl_shm_alloc_data>(arg, 0);
    if (d.size == 0 || d.size > (uint64_t{1} << 32))
        return error(EINVAL);
    Shm s;
    int fd = watched_file(d.size, s.own_fd, s.wd);
    if (fd < 0)
        return error(-fd);
    s.id = lowest_free_shm();
    s.ctx = ctx.serial;
    s.size = d.size;
    shms[s.id] = s;
    d.id = s.id;
    TS_DRV(shm_alloc, .pid = c.pid, .tid = c.tid, .ctx = ctx.serial, .shm = s.id, .size = d.size, .flags = d.flags);
    note({"shm_alloc", c.pid, c.tid, ctx.serial, 0, static_cast<uint64_t>(s.id), 0, static_cast<int64_t>(d.size)});
    IoctlReply r;
    put(r.arg, 0, d);
    r.fd = fd;
    return r;
}

IoctlReply Driver::State::shm_register(const Caller &c, Context &ctx, uint32_t cmd, std::span<const uint8_t> arg,
                                       int passed_fd)
{
    Shm s;
    IoctlReply r;
    uint64_t addr = 0;
    if (cmd == TEE_IOC_SHM_REGISTER) {
        if (arg.size() != sizeof(tee_ioctl_shm_register_data))
            return error(EINVAL);
        auto d = get<tee_ioctl_shm_register_data>(arg, 0);
        if (d.length == 0)
            return error(EINVAL);
        s.type = Shm::Type::Register;
        s.pid = c.pid;
        s.addr = addr = d.addr;
        s.size = d.length;
        int fd = watched_file(0, s.own_fd, s.wd);
        if (fd < 0)
            return error(-fd);
        s.id = d.id = lowest_free_shm();
        put(r.arg, 0, d);
        r.fd = fd;
    } else {
        if (arg.size() != sizeof(tee_ioctl_shm_register_fd_data))
            return error(EINVAL);
        auto d = get<tee_ioctl_shm_register_fd_data>(arg, 0);
        if (d.size == 0 || passed_fd < 0)
            return error(d.size == 0 ? EINVAL : EBADF);
        s.type = Shm::Type::RegisterFd;
        s.size = d.size;
        // The secure world reads the source; the watched file only tracks the client's handle.
        s.src_fd = fcntl(passed_fd, F_DUPFD_CLOEXEC, 0);
        if (s.src_fd < 0)
            return error(errno);
        int fd = watched_file(0, s.own_fd, s.wd);
        if (fd < 0) {
            ::close(s.src_fd);
            return error(-fd);
        }
        s.id = static_cast<int32_t>(d.id = lowest_free_shm());
        put(r.arg, 0, d);
        r.fd = fd;
    }
    s.ctx = ctx.serial;
    shms[s.id] = s;
    TS_DRV(shm_register, .pid = c.pid, .tid = c.tid, .ctx = ctx.serial, .shm = s.id, .size = s.size, .flags = 0,
           .addr = addr);
    note({"shm_register", c.pid, c.tid, ctx.serial, 0, static_cast<uint64_t>(s.id), 0, static_cast<int64_t>(s.size)});
    return r;
}

// ---------------------------------------------------------------------------------- Driver

Driver::Driver(Config config) : s_(std::make_unique<State>(std::move(config)))
{
    s_->inotify_fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    if (pipe2(s_->wake, O_CLOEXEC) < 0)
        s_->wake[0] = s_->wake[1] = -1;
    // The secure world's singleton services live as long as QTEE.
    auto single = [&](SwType t, uint32_t uid) { s_->singletons[uid] = s_->new_sw(t, uid); };
    single(SwType::AppLoader, QCOMTEE_UID_APPLOADER);
    single(SwType::Diagnostics, QCOMTEE_UID_DIAGNOSTICS);
    single(SwType::FeatureVersions, QCOMTEE_UID_FEATUREVERSIONS);
    single(SwType::GPAppClient, QCOMTEE_UID_GPAPPCLIENT);
    single(SwType::Registry, TEESIM_UID_LISTENER_REGISTRY);
    {
        // Like the kernel driver at probe: the primordial object through which QTEE maps memory
        // objects, then driver-internal invocations (ctx 0, pid/tid 0) that open FeatureVersions
        // for the driver itself and query it.
        Lock lk(s_->mu);
        auto *p = new Instance;
        p->kind = TEESCOPE_OBJECT_KIND_PRIMORDIAL;
        p->refs = 1;
        s_->primordial = p;
        s_->ev_object_create(0, 0, p, 0, 0, 0, 0);

        SwObject *fv = s_->singletons[QCOMTEE_UID_FEATUREVERSIONS];
        const uint64_t open_inv = s_->next_invocation++;
        TS_DRV(invoke_begin, .pid = 0, .tid = 0, .ctx = 0, .invocation = open_inv, .handle = TEE_OBJREF_NULL,
               .object = 0, .op = QCOMTEE_CLIENT_ENV_OP_OPEN, .bi = 1, .bo = 0, .oi = 0, .oo = 1, .in_bytes = 4,
               .out_bytes = 0, .obj_in = nullptr, .obj_in_len = 0);
        s_->sw_ref(fv);
        auto *i = new Instance;
        i->ctx = 0;
        i->sw = fv;
        i->refs = 1;
        s_->driver_fv = i;
        s_->ev_object_create(0, 0, i, fv->id, fv->uid, 0, open_inv);
        const uint64_t fv_addr = i->addr();
        TS_DRV(invoke_end, .pid = 0, .tid = 0, .ctx = 0, .invocation = open_inv, .err = 0, .ret = QCOMTEE_MSG_OK,
               .out_bytes = 0, .obj_out = &fv_addr, .obj_out_len = 1);

        const uint64_t query_inv = s_->next_invocation++;
        // The driver holds its instance without a handle: handle 0 of ctx 0 stands for it.
        TS_DRV(invoke_begin, .pid = 0, .tid = 0, .ctx = 0, .invocation = query_inv, .handle = 0,
               .object = fv_addr, .op = 0, .bi = 1, .bo = 1, .oi = 0, .oo = 0, .in_bytes = 4, .out_bytes = 4,
               .obj_in = nullptr, .obj_in_len = 0);
        TS_DRV(invoke_end, .pid = 0, .tid = 0, .ctx = 0, .invocation = query_inv, .err = 0, .ret = QCOMTEE_MSG_OK,
               .out_bytes = 4, .obj_out = nullptr, .obj_out_len = 0);
    }
    s_->worker = std::thread([this] { s_->release_worker(); });
    if (s_->inotify_fd >= 0 && s_->wake[0] >= 0)
        s_->watcher = std::thread([this] { s_->shm_watcher(); });
}

Driver::~Driver()
{
    shutdown();
    // Everything left is freed silently: the daemon is going away.
    for (auto &r : s_->releases)
        delete r.inst;
    for (auto &[id, c] : s_->contexts) {
        for (auto &[h, inst] : c->handles)
            if (--inst->refs == 0)
                delete inst;
        delete c->root;
    }
    for (auto &[id, shm] : s_->shms) {
        if (shm.own_fd >= 0)
            ::close(shm.own_fd);
        if (shm.src_fd >= 0)
            ::close(shm.src_fd);
    }
    delete s_->driver_fv;
    delete s_->primordial;
    for (SwObject *o : s_->sw_live)
        delete o;
    for (Instance *cb : s_->callbacks_live)
        delete cb;
    if (s_->inotify_fd >= 0)
        ::close(s_->inotify_fd);
    for (int fd : s_->wake)
        if (fd >= 0)
            ::close(fd);
}

void Driver::set_observer(std::function<void(const DriverEvent &)> observer)
{
    Lock lk(s_->mu);
    s_->observer = std::move(observer);
}

uint64_t Driver::open_context(int32_t pid, int32_t tid, const std::string &dev)
{
    Lock lk(s_->mu);
    auto c = std::make_unique<Context>();
    c->serial = s_->next_ctx++;
    TS_DRV(context_open, .pid = pid, .tid = tid, .ctx = c->serial, .impl = TEE_IMPL_ID_QTEE, .guest = 0,
           .dev = dev.c_str());
    s_->note({"context_open", pid, tid, c->serial, 0, 0, 0, 0});
    c->root = new Instance;
    c->root->kind = TEESCOPE_OBJECT_KIND_ROOT;
    c->root->ctx = c->serial;
    c->root->refs = 1;
    s_->ev_object_create(pid, tid, c->root, 0, 0, 0, 0);
    uint64_t token = c->serial;
    s_->contexts[token] = std::move(c);
    return token;
}

void Driver::close_context(uint64_t token)
{
    Lock lk(s_->mu);
    Context *c = s_->context(token);
    if (!c || !c->file_open)
        return;
    c->file_open = false;
    s_->maybe_close(*c);
}

IoctlReply Driver::ioctl(const Caller &caller, uint64_t token, uint32_t cmd, uint64_t buf_len,
                         std::span<const uint8_t> arg, std::span<const uint8_t> data, int passed_fd)
{
    Lock lk(s_->mu);
    Context *c = s_->context(token);
    if (!c || c->closed)
        return error(EBADF);
    if (_IOC_TYPE(cmd) != TEE_IOC_MAGIC)
        return error(ENOTTY);
    ++c->in_flight;
    IoctlReply r;
    switch (cmd) {
    case TEE_IOC_VERSION: {
        tee_ioctl_version_data v{TEE_IMPL_ID_QTEE, 0, TEE_GEN_CAP_OBJREF};
        put(r.arg, 0, v);
        break;
    }
    case TEE_IOC_OBJECT_INVOKE:
        r = s_->object_invoke(caller, *c, lk, buf_len, arg, data);
        break;
    case TEE_IOC_SUPPL_RECV:
        r = s_->suppl_recv(caller, *c, lk, buf_len, arg);
        break;
    case TEE_IOC_SUPPL_SEND:
        r = s_->suppl_send(caller, *c, buf_len, arg, data);
        break;
    case TEE_IOC_SHM_ALLOC:
        r = s_->shm_alloc(caller, *c, arg);
        break;
    case TEE_IOC_SHM_REGISTER:
    case TEE_IOC_SHM_REGISTER_FD:
        r = s_->shm_register(caller, *c, cmd, arg, passed_fd);
        break;
    default:
        // qcomtee has no sessions; anything else with the magic is unknown too.
        r = error(EINVAL);
        break;
    }
    --c->in_flight;
    s_->maybe_close(*c);
    if (s_->context(token))
        s_->maybe_release(*c);
    return r;
}

void Driver::shutdown()
{
    {
        Lock lk(s_->mu);
        if (s_->stopping && !s_->worker.joinable() && !s_->watcher.joinable())
            return;
        s_->stopping = true;
        s_->cv.notify_all();
    }
    if (s_->wake[1] >= 0) {
        char b = 1;
        [[maybe_unused]] ssize_t n = write(s_->wake[1], &b, 1);
    }
    if (s_->worker.joinable())
        s_->worker.join();
    if (s_->watcher.joinable())
        s_->watcher.join();
}

bool Driver::context_released(uint64_t token) const
{
    Lock lk(s_->mu);
    return token < s_->next_ctx && !s_->contexts.count(token);
}

size_t Driver::live_shm() const
{
    Lock lk(s_->mu);
    return s_->shms.size();
}

size_t Driver::pending_releases() const
{
    Lock lk(s_->mu);
    return s_->releases.size();
}

} // namespace teescope::teesim
