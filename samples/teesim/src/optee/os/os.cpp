// SPDX-License-Identifier: MIT
// OP-TEE OS: the standard-call entry (entry_std.c: tee_entry_std, thread allocation in
// thread_optee_smc.c), partitions (virtualization.c), cancellation and shm registration. The
// session entries are in sessions.cpp.
#include "optee/os/os.h"

#include "optee/os/entry_call.h"

#include <chrono>

namespace teescope::teesim::optee {

Os::Os(const Config &cfg, Sync &sync, bool virtualized)
    : cfg_(cfg), sync_(sync), virtualized_(virtualized), threads_(cfg.optee_threads ? cfg.optee_threads : 1),
      rng_(cfg.seed ^ 0x6f70746565ull)
{
    if (!virtualized_)
        vm_created(0);
}

bool Os::vm_created(uint32_t client)
{
    if (partitions_.count(client))
        return false;
    auto p = std::make_unique<Partition>();
    p->client = client;
    p->threads = p->free_threads = threads_;
    partitions_[client] = std::move(p);
    return true;
}

uint32_t Os::vm_destroyed(uint32_t client)
{
    Partition *p = partition(client);
    if (!p)
        return 0;
    uint32_t open = 0;
    for (const Session &s : p->sessions)
        if (!s.closing)
            ++open;
    // The partition's memory stays: calls of it may still be on their way out.
    p->destroyed = true;
    p->sessions.clear();
    p->single_instances.clear();
    p->registered.clear();
    entries_.notify_all();
    return open;
}

void Os::shutdown()
{
    stopping_ = true;
    entries_.notify_all();
}

Partition *Os::partition(uint32_t client)
{
    auto it = partitions_.find(virtualized_ ? client : 0);
    return it == partitions_.end() || it->second->destroyed ? nullptr : it->second.get();
}

bool Os::wait(Lock &lk, Partition &p, const std::function<bool()> &ready)
{
    for (;;) {
        if (ready())
            return true;
        if (stopping_ || p.destroyed)
            return false;
        entries_.wait_for(lk, std::chrono::milliseconds(50));
    }
}

// A standard call takes a free thread (thread_alloc_and_run(): none free → ETHREAD_LIMIT), runs
// the command, clears the thread's RPC buffer (thread_rpc_shm_cache_clear) and frees the thread.
Smc Os::std_call(uint32_t client, MsgArg &arg, RpcHandler &rpc)
{
    Partition *p = partition(client);
    if (!p)
        return Smc::BadAddr; // no partition for that guest: the call cannot be served
    if (arg.cmd > kCmdUnregisterShm)
        return Smc::BadCmd;
    if (p->free_threads == 0)
        return Smc::ThreadLimit;
    --p->free_threads;
    rpc.started();
    ThreadState thread;
    switch (arg.cmd) {
    case kCmdOpenSession:
        open_session(*p, arg, rpc, thread);
        break;
    case kCmdInvoke:
        invoke(*p, arg, rpc, thread);
        break;
    case kCmdCloseSession:
        close_session(*p, arg, rpc, thread);
        break;
    case kCmdCancel:
        cancel(*p, arg);
        break;
    case kCmdRegisterShm:
        register_shm(*p, arg);
        break;
    case kCmdUnregisterShm:
        unregister_shm(*p, arg);
        break;
    }
    if (thread.rpc_cache && !p->destroyed)
        rpc.shm_free(thread.rpc_cache);
    ++p->free_threads;
    return Smc::Ok;
}

// entry_cancel() and tee_ta_cancel_command(): the flag waits for the TA to look at it; the
// cancel_id is not used.
void Os::cancel(Partition &p, MsgArg &arg)
{
    arg.ret_origin = TEEC_ORIGIN_TEE;
    Session *s = arg.params.empty() ? find_session(p, arg.session) : nullptr;
    if (!s) {
        arg.ret = TEEC_ERROR_BAD_PARAMETERS;
        return;
    }
    s->cancel = true;
    entries_.notify_all();
    arg.ret = TEEC_SUCCESS;
}

// REGISTER_SHM: one TMEM_OUTPUT | NONCONTIG parameter naming the buffer (its cookie).
void Os::register_shm(Partition &p, MsgArg &arg)
{
    arg.ret_origin = TEEC_ORIGIN_TEE;
    if (arg.params.size() != 1 || !arg.params[0].shm) {
        arg.ret = TEEC_ERROR_BAD_PARAMETERS;
        return;
    }
    p.registered.insert(arg.params[0].shm.cookie);
    arg.ret = TEEC_SUCCESS;
}

void Os::unregister_shm(Partition &p, MsgArg &arg)
{
    arg.ret_origin = TEEC_ORIGIN_TEE;
    if (arg.params.size() != 1 || !p.registered.erase(arg.params[0].shm.cookie)) {
        arg.ret = TEEC_ERROR_ITEM_NOT_FOUND;
        return;
    }
    arg.ret = TEEC_SUCCESS;
}

} // namespace teescope::teesim::optee
