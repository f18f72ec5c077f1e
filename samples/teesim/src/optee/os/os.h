// SPDX-License-Identifier: MIT
// OP-TEE OS, the secure world behind the OP-TEE driver (optee_os core/tee/entry_std.c,
// core/kernel/tee_ta_manager.c, user_ta.c, ree_fs_ta.c): threads that run standard calls,
// sessions to trusted applications with ids of its own, TA instances loaded through the
// supplicant, cancellation, and registered shared memory. Under Xen (CFG_NS_VIRTUALIZATION) every
// guest has a partition of its own: its own threads, sessions and TA instances.
//
// A standard call runs on the calling thread with the driver lock held; the lock is dropped only
// while a TA spends time or the call waits for an RPC answer or for a busy session or TA.
#pragma once

#include "core/core.h"
#include "optee/msg.h"
#include "optee/tas/ta.h"

#include <list>
#include <map>
#include <memory>
#include <random>
#include <functional>
#include <set>

namespace teescope::teesim::optee {

// A loaded TA (struct tee_ta_ctx).
struct TaInstance {
    const TaInfo *info = nullptr;
    std::unique_ptr<Ta> ta;
    int sessions = 0;
    bool busy = false;     // an entry runs: a TA without TA_FLAG_CONCURRENT runs one at a time
    bool panicked = false;
};

// struct tee_ta_session.
struct Session {
    uint32_t id = 0;
    std::shared_ptr<TaInstance> instance;
    uint32_t login = 0;
    bool busy = false;     // an invocation runs (sessions are taken exclusively)
    bool closing = false;
    bool cancel = false;   // a CANCEL arrived
    bool cancel_mask = true;
};

struct Partition {
    uint32_t client = 0;
    unsigned threads = 0;
    unsigned free_threads = 0;
    bool destroyed = false;
    std::list<Session> sessions; // in the order opened: new ids follow the last one
    std::map<Uuid, std::shared_ptr<TaInstance>> single_instances;
    std::set<uint64_t> registered; // REGISTER_SHM cookies
};

class Os final : public SecureMonitor {
public:
    // `virtualized`: partitions are made by vm_created(); otherwise one partition, client 0.
    Os(const Config &cfg, Sync &sync, bool virtualized);

    Smc std_call(uint32_t client, MsgArg &arg, RpcHandler &rpc) override;
    unsigned thread_count() const override { return threads_; }

    // OPTEE_SMC_VM_CREATED / OPTEE_SMC_VM_DESTROYED (lock held). vm_destroyed returns the
    // sessions the partition still had; calls of it still running end as soon as they can.
    bool vm_created(uint32_t client);
    uint32_t vm_destroyed(uint32_t client);
    // Wakes every waiting or running entry (lock held).
    void shutdown();

    // Used by the entries (os/*.cpp).
    Sync &sync() { return sync_; }
    // What a waiting entry waits on: a session or TA freed, a CANCEL, the partition or OS gone.
    std::condition_variable &entries() { return entries_; }
    const Config &config() const { return cfg_; }
    std::mt19937_64 &rng() { return rng_; }
    bool stopping() const { return stopping_; }
    // Waits on the shared condition until `ready` or the partition / OS goes away; false then.
    bool wait(Lock &lk, Partition &p, const std::function<bool()> &ready);

private:
    Partition *partition(uint32_t client);
    void open_session(Partition &p, MsgArg &arg, RpcHandler &rpc, struct ThreadState &thread);
    void invoke(Partition &p, MsgArg &arg, RpcHandler &rpc, struct ThreadState &thread);
    void close_session(Partition &p, MsgArg &arg, RpcHandler &rpc, struct ThreadState &thread);
    void cancel(Partition &p, MsgArg &arg);
    void register_shm(Partition &p, MsgArg &arg);
    void unregister_shm(Partition &p, MsgArg &arg);

    Session *find_session(Partition &p, uint32_t id);
    uint32_t new_session_id(const Partition &p) const;
    // Loads or finds the instance a new session of `uuid` runs in: 0 or a TEE result (origin TEE).
    uint32_t instance_for(Partition &p, const Uuid &uuid, class EntryCall &call, std::shared_ptr<TaInstance> &out);
    void drop_session(Partition &p, uint32_t id);
    // copy_in_params(): the TA's view of the call's parameters from `first` on; 0 or a TEE result.
    uint32_t copy_in(const Partition &p, const MsgArg &arg, size_t first, uint32_t &types, TaParams &params) const;
    void copy_out(MsgArg &arg, size_t first, const TaParams &params) const;
    // The latency and failure rules of the configuration for a TA command.
    uint32_t injected(const TaInfo &ta, uint32_t cmd, EntryCall &call);

    const Config &cfg_;
    Sync &sync_;
    bool virtualized_;
    unsigned threads_;
    bool stopping_ = false;
    std::mt19937_64 rng_;
    std::condition_variable entries_;
    std::map<uint32_t, std::unique_ptr<Partition>> partitions_;
};

// Loads a TA through the supplicant as ree_fs_ta.c does (size query, payload buffer, load,
// free) and checks its image: 0 or the TEE result the load failed with.
uint32_t load_ta(class EntryCall &call, const Uuid &uuid);

} // namespace teescope::teesim::optee
