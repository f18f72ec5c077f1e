// SPDX-License-Identifier: MIT
// The Linux OP-TEE driver (drivers/tee/optee/: core.c, call.c, supp.c, rpc.c and the SMC ABI of
// smc_abi.c) as a teesim personality: a client device tee0 (sessions, invocations, registered
// shm) and a supplicant device teepriv0 that one tee-supplicant opens at a time; standard calls
// go to the secure world through a call queue that holds a caller while every OP-TEE thread is
// busy; the secure world's RPCs either stay in the driver or become requests the supplicant
// receives. Under Xen each guest runs one of these, in front of the Xen mediator.
#pragma once

#include "core/core.h"
#include "optee/msg.h"

#include <deque>
#include <list>
#include <map>
#include <memory>
#include <thread>

namespace teescope::teesim::optee {

constexpr int kClientDevice = 0; // tee0
constexpr int kSuppDevice = 1;   // teepriv0

// ctx->data of an OP-TEE context (struct optee_context_data).
struct OpteeContext final : ContextData {
    std::list<uint32_t> sessions; // the most recently opened first (list_add)
};

// A request for the supplicant (struct optee_supp_req).
struct SuppRequest {
    uint32_t func = 0;
    std::vector<TeeParam> params; // as the supplicant sees them: memrefs name its own shm
    uint32_t ret = 0;
    uint32_t id = 0;              // from the supplicant's idr once it took the request
    bool in_queue = false;
    bool done = false;
    bool orphan = false;          // its caller stopped waiting: an answer is dropped
};

class OpteeDriver final : public Personality {
public:
    // `client`: the Xen client id the driver's calls carry (0 without Xen).
    // `dynamic_shm`: the secure world has dynamic shm (REG_MEM); else shm is OP-TEE's reserved pool.
    OpteeDriver(SecureMonitor &monitor, uint32_t client, bool dynamic_shm = true);
    ~OpteeDriver() override;

    void attach(Core &core) override;
    void shutdown() override;
    int device(const std::string &dev) const override;
    tee_ioctl_version_data version(int device) const override;
    bool privileged(int device) const override { return device == kSuppDevice; }
    bool memref_null_ok() const override { return true; }
    uint32_t impl_id() const override { return TEE_IMPL_ID_OPTEE; }
    int admit(int device) override;
    void open(const Caller &caller, Context &ctx) override;
    void close(Context &ctx) override;
    void release(Context &ctx) override;
    bool has(Op op, int device) const override;

    int open_session(CallFrame &f, OpenSessionArg &arg, std::vector<TeeParam> &params) override;
    int invoke(CallFrame &f, InvokeArg &arg, std::vector<TeeParam> &params) override;
    int cancel(CallFrame &f, uint32_t cancel_id, uint32_t session) override;
    int close_session(CallFrame &f, uint32_t session) override;
    int supp_recv(CallFrame &f, uint32_t &func, uint32_t &num_params, std::vector<TeeParam> &params) override;
    int supp_send(CallFrame &f, uint32_t ret, std::vector<TeeParam> &params) override;
    int shm_register(CallFrame &f, const Shm &shm) override;
    void shm_unregister(const Shm &shm) override;
    void wake_waiters() override;

    // ----- for the RPC handler (rpc.cpp)
    // optee_supp_thrd_req(): queues a request, waits for the supplicant's answer (only the
    // caller's death ends the wait), returns its result; `params` get the answer.
    uint32_t supplicant_request(Lock &lk, const Caller *caller, uint64_t invocation, uint32_t func,
                                std::vector<TeeParam> &params);
    Core &core() { return *core_; }
    uint64_t supplicant_ctx() const { return supp_ctx_; }

    // Who a standard call is made for, for its events.
    struct CallSite {
        const Caller *caller = nullptr; // nullptr: the driver's own (context release)
        uint64_t ctx = 0;
        uint64_t invocation = 0;
    };

private:
    // optee_smc_do_call_with_arg() with the call queue (optee_cq_wait_init / _final) and the
    // ETHREAD_LIMIT retry: the SMC result.
    Smc do_call(Lock &lk, const CallSite &site, MsgArg &arg);
    // optee_to_msg_param(): EINVAL for a parameter the driver cannot pass.
    int to_msg(const CallSite &site, const std::vector<TeeParam> &params, std::vector<MsgParam> &out);
    void from_msg(const std::vector<MsgParam> &msg, size_t first, std::vector<TeeParam> &params);
    // Calls the driver makes on its own — closing the sessions of a released context,
    // unregistering a freed shm — run on a worker: a release may come from any thread of the
    // daemon (the shm watcher, a descriptor's last close), which must not wait for a thread.
    struct DriverCall {
        uint64_t ctx = 0;
        uint32_t session = 0; // CLOSE_SESSION of it, unless `shm`
        ShmRef shm;           // UNREGISTER_SHM of it
        uint64_t page_offset = 0;
        uint64_t size = 0;
    };
    void release_worker();
    void supp_release();
    bool find_session(Context &ctx, uint32_t session, bool unlink);

    SecureMonitor &monitor_;
    uint32_t client_;
    bool dynamic_shm_;
    Core *core_ = nullptr;
    // The call queue: with the thread count known the driver never sends more calls than
    // threads; without it (under Xen) it waits for a completion after each ETHREAD_LIMIT.
    unsigned total_threads_ = 0;
    unsigned free_threads_ = 0;
    uint64_t completions_ = 0;
    // The supplicant (struct optee_supp).
    uint64_t supp_ctx_ = 0;
    int64_t req_id_ = -1; // the request of a supplicant that receives without META
    std::deque<std::shared_ptr<SuppRequest>> queue_;
    std::map<uint32_t, std::shared_ptr<SuppRequest>> picked_;
    std::deque<DriverCall> calls_;
    bool stopping_ = false;
    std::thread worker_;
    // What each kind of waiter waits on (all under the driver lock), so that a call's progress
    // wakes only those it concerns.
    std::condition_variable worker_cv_;  // calls_ has work, or the driver stops
    std::condition_variable queue_cv_;   // a thread of the call queue freed, a call completed
    std::condition_variable recv_cv_;    // a request for the supplicant queued
    std::condition_variable answer_cv_;  // a request answered or failed
};

} // namespace teescope::teesim::optee
