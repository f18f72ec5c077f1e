// SPDX-License-Identifier: MIT
// The QTEE personality: the Linux qcomtee driver (drivers/tee/qcomtee: call.c, core.c,
// user_obj.c, mem_obj.c, async.c) and QTEE, the secure world behind it. Reference:
// samples/teesim/CONFORMANCE.md (the kernel's rules, row by row) and samples/teesim/README.md.
#pragma once

#include "core/core.h"
#include "teescope/teescope_events.h"

#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace teescope::teesim::qtee {

enum class SwType {
    ClientEnv, AppLoader, Diagnostics, FeatureVersions, GPAppClient, Registry, RegionStore, AppController, App
};

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
    std::map<uint32_t, Instance *> regions;   // region store: token -> memory object
    uint32_t next_token = 1;
};

// A driver object (struct qcomtee_object): a QTEE object instance bound to handles, a callback
// (user) object, a memory object, a context's root or the primordial object. Its address is the
// `object` of every event.
struct Instance {
    int kind = TEESCOPE_OBJECT_KIND_QTEE;
    uint64_t ctx = 0;
    int refs = 0;            // kernel references: handle, in-flight invocations, request arguments
    SwObject *sw = nullptr;  // QTEE object
    uint64_t user_id = 0;    // callback object: the id its owner gave it
    uint32_t wire_id = 0;    // callback object: the id QTEE knows it by, 0 until exported
    int qtee_refs = 0;       // callback object: references QTEE holds (the last one going
                             // away is announced asynchronously, async.c)
    int32_t shm = 0;         // memory object
    uint64_t addr() const { return reinterpret_cast<uintptr_t>(this); }
};

// An object as a secure-world argument or result; each carries one reference.
struct ObjRef {
    SwObject *sw = nullptr;  // a QTEE object
    Instance *cb = nullptr;  // a callback object (a QTEE reference)
    Instance *mem = nullptr; // a memory object (a kernel reference)
    bool null() const { return !sw && !cb && !mem; }
};

// A callback request: QTEE invoking a callback object, queued on the owner context
// (user_obj.c: struct qcomtee_ureq).
struct Request {
    uint32_t id = 0;
    Instance *object = nullptr;
    uint32_t op = 0;
    enum class State { Queued, Processing, Done } state = State::Queued;
    bool release_only = false; // a RELEASE notification: nobody waits for an answer
    bool abandoned = false;    // the invoker went away while it was processed
    uint64_t invocation = 0;
    std::vector<Bytes> bi;
    std::vector<uint64_t> bo_cap;
    // Input objects as the supplicant gets them, each holding a reference: a QTEE object as a new
    // driver instance (a handle in the owner context once picked), a callback or memory object as
    // it is, or null.
    std::vector<Instance *> oi;
    size_t oo = 0;
    // The answer.
    bool finished = false;
    int32_t result = 0;        // what QTEE sees: the supplicant's ret, or a transport code
    std::vector<Bytes> bo;
    std::vector<ObjRef> out;
    size_t args() const { return bi.size() + bo_cap.size() + oi.size() + oo; }
};

// qcomtee's ctx->data: the TEE object ids of the context and its callback request queue.
struct QteeContext : ContextData {
    Instance *root = nullptr;
    std::map<uint64_t, Instance *> handles;                // lowest free id from 0
    std::deque<std::shared_ptr<Request>> queue;            // QUEUED, in order
    std::map<uint32_t, std::shared_ptr<Request>> requests; // every request id in use
    bool released = false; // requests_destroy() ran: no new request is accepted

    ~QteeContext() override
    {
        // Only when the daemon goes away with the context still open: free what it holds.
        for (auto &[h, inst] : handles)
            if (--inst->refs == 0)
                delete inst;
        delete root;
    }
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

// The invocation on whose behalf the secure world runs.
struct Invocation {
    const Caller &caller;
    Context &ctx;
    uint64_t serial;
    Lock &lk;
};

// The invoking thread went away while QTEE waited on a callback request.
struct Aborted {};

// What a secure-world caller of a callback object gets back.
struct CallbackResult {
    int32_t result = 0; // QCOMTEE_MSG_OK, the supplicant's result, or DEFUNCT / UNAVAIL
    std::vector<Bytes> bo;
    std::vector<ObjRef> out;
};

class Qtee final : public Personality {
public:
    Qtee() = default;
    ~Qtee() override;

    void attach(Core &core) override;
    void shutdown() override;
    // qcomtee registers one unprivileged device.
    int device(const std::string &dev) const override { return dev == "tee0" ? 0 : -1; }
    tee_ioctl_version_data version(int) const override { return {TEE_IMPL_ID_QTEE, 0, TEE_GEN_CAP_OBJREF}; }
    uint32_t impl_id() const override { return TEE_IMPL_ID_QTEE; }
    void open(const Caller &caller, Context &ctx) override;
    void close(Context &ctx) override;
    void release(Context &ctx) override;
    bool has(Op op, int) const override
    {
        return op == Op::ObjectInvoke || op == Op::SuppRecv || op == Op::SuppSend;
    }
    int object_invoke(CallFrame &f, ObjectInvokeArg &arg, std::vector<TeeParam> &params) override;
    int supp_recv(CallFrame &f, uint32_t &func, uint32_t &num_params, std::vector<TeeParam> &params) override;
    int supp_send(CallFrame &f, uint32_t ret, std::vector<TeeParam> &params) override;

    size_t pending_releases() const { return releases_.size(); }

private:
    // ----- objects (qtee.cpp)
    void ev_object_create(int32_t pid, int32_t tid, Instance *i, uint64_t sw_id, uint32_t uid, uint64_t ref,
                          uint64_t inv);
    void ev_object_free(int32_t pid, int32_t tid, Instance *i);
    void ev_bind(int32_t pid, int32_t tid, uint64_t ctx, uint64_t h, Instance *i, uint64_t inv, uint32_t req,
                 bool by_request);
    void ev_unbind(int32_t pid, int32_t tid, uint64_t ctx, uint64_t h, Instance *i, int reason);
    SwObject *new_sw(SwType type, uint32_t uid);
    void sw_ref(SwObject *o) { ++o->refs; }
    void sw_unref(SwObject *o);
    Instance *new_instance(const Caller &c, uint64_t ctx, SwObject *sw, uint64_t inv);
    uint64_t bind(const Caller &c, Context &ctx, Instance *inst, uint64_t inv, uint32_t req, bool by_request);
    Instance *new_callback(Context &ctx, uint64_t user_id);
    Instance *new_memory(Context &ctx, int32_t shm);
    void announce(const Caller &c, Instance *i, uint64_t inv);
    void discard(Instance *i);
    void export_callback(const Caller &c, Instance *cb, uint64_t inv);
    void free_callback(int32_t pid, int32_t tid, Instance *cb);
    void drop_qtee_ref(Instance *o);
    void release_obj(ObjRef &r);
    void drop_ref(int32_t pid, int32_t tid, Instance *i);
    void unbind(const Caller &c, Context &ctx, uint64_t handle, int reason);
    void deliver_async(const Caller &caller, uint64_t carrier_ctx, uint64_t inv);
    void release_worker();

    // ----- OBJECT_INVOKE (object_invoke.cpp)
    int objref_to_instance(Context &ctx, uint64_t id, uint64_t flags, Instance *&out);
    bool objref_from_result(const Caller &c, Context &ctx, ObjRef &o, uint64_t inv, TeeParam &p,
                            std::vector<uint64_t> &bound, uint64_t &obj_out);

    // ----- callback requests (callback_requests.cpp)
    void queue_request(const Caller &caller, Context &owner, const std::shared_ptr<Request> &r, uint64_t invoker_ctx);
    // Ends a request with `result` for QTEE and lets go of the objects it carried.
    void complete_request(Request &r, int32_t result);
    CallbackResult call_callback(Invocation &inv, Instance *cb, uint32_t op, std::vector<Bytes> bi,
                                 std::vector<uint64_t> bo_cap, std::vector<ObjRef> oi = {}, size_t oo = 0);

    // ----- the secure world (services.cpp)
    int32_t sw_invoke(Invocation &inv, Instance *target, uint32_t op, SwArgs &a);
    void secure_world_time(Invocation &inv, uint32_t service, uint32_t op);
    int32_t sw_root(Invocation &inv, uint32_t op, SwArgs &a);
    int32_t sw_client_env(uint32_t op, SwArgs &a);
    int32_t load_app(std::span<const uint8_t> image, SwArgs &a);
    int32_t sw_apploader(uint32_t op, SwArgs &a);
    int32_t sw_diagnostics(uint32_t op, SwArgs &a);
    int32_t sw_featureversions(uint32_t op, SwArgs &a);
    int32_t sw_app_controller(SwObject *o, uint32_t op, SwArgs &a);
    int32_t sw_app(SwObject *o, uint32_t op, SwArgs &a);
    // registry.cpp, region_store.cpp: teesim's own services.
    int32_t sw_registry(Invocation &inv, SwObject *reg, uint32_t op, SwArgs &a);
    ObjRef hold(Instance *in);
    CallbackResult call_listener(Invocation &inv, Instance *cb, uint32_t op, std::vector<ObjRef> oi, size_t oo);
    int32_t sw_region_store(SwObject *store, uint32_t op, SwArgs &a);

    Core *core_ = nullptr;
    uint64_t next_sw_ = 1;
    uint32_t next_wire_ = 0;
    std::set<uint32_t> wires_live_;
    std::set<SwObject *> sw_live_;
    std::set<Instance *> callbacks_live_; // so that a stopping daemon frees what QTEE still held
    std::map<uint32_t, SwObject *> singletons_;
    std::deque<Instance *> async_pending_; // callback objects QTEE dropped, not yet delivered
    struct PendingRelease {
        Instance *inst;
        std::chrono::steady_clock::time_point due;
        unsigned retries;
    };
    std::deque<PendingRelease> releases_;
    std::thread worker_;
    Instance *driver_fv_ = nullptr;
    Instance *primordial_ = nullptr;
};

} // namespace teescope::teesim::qtee
