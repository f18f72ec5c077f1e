// SPDX-License-Identifier: MIT
#include "xen/mediator.h"

#include "teescope/trace.h"

namespace teescope::teesim::xen {

namespace {

// The mediator's limits (optee.c): pages of one buffer, buffers and pages of one guest.
constexpr uint64_t kMaxBufferPages = 129;   // MAX_SHM_BUFFER_PG
constexpr size_t kMaxBuffers = 16;          // MAX_SHM_BUFFER_COUNT
constexpr uint64_t kMaxTotalPages = 16384;  // MAX_TOTAL_SMH_BUF_PG
constexpr uint64_t kPage = 4096;

uint64_t pages_of(uint64_t page_offset, uint64_t size) { return (page_offset + size + kPage - 1) / kPage; }

// The RPCs of a guest's call, with the SHM_ALLOC answers pinned and unpinned as the mediator
// translates them (handle_rpc_cmd_alloc, the SHM_FREE it sees pass).
class MediatedRpc final : public optee::RpcHandler {
public:
    MediatedRpc(Mediator &m, uint32_t client, optee::RpcHandler &inner) : m_(m), client_(client), inner_(inner) {}

    uint32_t shm_alloc(uint64_t size, optee::ShmRef &shm) override
    {
        if (uint32_t r = inner_.shm_alloc(size, shm))
            return r;
        const Shm *s = shm.core->shm.find(shm.device, shm.id);
        const uint64_t pages = s ? pages_of(s->addr % kPage, s->size) : pages_of(0, size);
        if (!m_.pin(client_, shm.cookie, pages)) {
            // The translation failed: Xen frees the buffer itself and OP-TEE sees a failure.
            inner_.shm_free(shm);
            return TEEC_ERROR_GENERIC;
        }
        return TEEC_SUCCESS;
    }
    void shm_free(const optee::ShmRef &shm) override
    {
        m_.unpin(client_, shm.cookie);
        inner_.shm_free(shm);
    }
    uint32_t cmd(uint32_t cmd, std::vector<optee::MsgParam> &params) override { return inner_.cmd(cmd, params); }
    Lock &lock() override { return inner_.lock(); }
    void started() override { inner_.started(); }

private:
    Mediator &m_;
    uint32_t client_;
    optee::RpcHandler &inner_;
};

} // namespace

Mediator::Mediator(optee::Os &os) : os_(os) {}

Mediator::Guest *Mediator::guest(uint32_t client)
{
    auto it = guests_.find(client);
    return it == guests_.end() || it->second.destroyed ? nullptr : &it->second;
}

bool Mediator::domain_created(uint32_t client)
{
    if (guests_.count(client) || !os_.vm_created(client))
        return false;
    guests_[client];
    TS_DRV(guest_create, .pid = 0, .tid = 0, .guest = client, .threads = os_.thread_count());
    return true;
}

void Mediator::domain_destroyed(uint32_t client, uint32_t contexts)
{
    Guest *g = guest(client);
    if (!g)
        return;
    const auto buffers = static_cast<uint32_t>(g->buffers.size());
    g->destroyed = true;
    g->buffers.clear();
    g->pages = 0;
    const uint32_t sessions = os_.vm_destroyed(client);
    TS_DRV(guest_destroy, .pid = 0, .tid = 0, .guest = client, .contexts = contexts, .sessions = sessions,
           .shm = buffers);
}

bool Mediator::pin(uint32_t client, uint64_t cookie, uint64_t pages)
{
    Guest *g = guest(client);
    if (!g || pages > kMaxBufferPages || g->buffers.size() >= kMaxBuffers || g->pages + pages >= kMaxTotalPages ||
        g->buffers.count(cookie))
        return false;
    g->buffers[cookie] = pages;
    g->pages += pages;
    return true;
}

void Mediator::unpin(uint32_t client, uint64_t cookie)
{
    Guest *g = guest(client);
    if (!g)
        return;
    auto it = g->buffers.find(cookie);
    if (it == g->buffers.end())
        return;
    g->pages -= it->second;
    g->buffers.erase(it);
}

// handle_std_call(): the call count first (ETHREAD_LIMIT at the limit), then the buffers a
// REGISTER_SHM pins; a refused translation is OUT_OF_MEMORY from the mediator (origin COMMS)
// with the SMC itself successful.
optee::Smc Mediator::std_call(uint32_t client, optee::MsgArg &arg, optee::RpcHandler &rpc)
{
    Guest *g = guest(client);
    if (!g)
        return optee::Smc::BadAddr;
    if (g->calls >= os_.thread_count())
        return optee::Smc::ThreadLimit;
    ++g->calls;
    const bool registering = arg.cmd == optee::kCmdRegisterShm && arg.params.size() == 1;
    if (registering) {
        const optee::MsgParam &p = arg.params[0];
        if (!pin(client, p.shm.cookie, pages_of(p.offset, p.size))) {
            arg.ret = TEEC_ERROR_OUT_OF_MEMORY;
            arg.ret_origin = TEEC_ORIGIN_COMMS;
            --g->calls;
            return optee::Smc::Ok;
        }
    }
    MediatedRpc mediated(*this, client, rpc);
    optee::Smc r = os_.std_call(client, arg, mediated);
    // The guest may have been destroyed meanwhile; its record stays (marked) for that reason.
    Guest &same = guests_[client];
    if (registering && (r != optee::Smc::Ok || arg.ret != TEEC_SUCCESS))
        unpin(client, arg.params[0].shm.cookie);
    if (arg.cmd == optee::kCmdUnregisterShm && r == optee::Smc::Ok && arg.ret == TEEC_SUCCESS && arg.params.size() == 1)
        unpin(client, arg.params[0].shm.cookie);
    --same.calls;
    return r;
}

} // namespace teescope::teesim::xen
