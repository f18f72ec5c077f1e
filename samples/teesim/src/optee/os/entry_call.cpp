// SPDX-License-Identifier: MIT
#include "optee/os/entry_call.h"

#include <chrono>

namespace teescope::teesim::optee {

namespace {

constexpr uint64_t kPage = 4096;

// The shm a reference names, if it is still the same one.
const Shm *shm_of(const ShmRef &ref)
{
    const Shm *s = ref ? ref.core->shm.find(ref.device, ref.id) : nullptr;
    return s && s->cookie == ref.cookie ? s : nullptr;
}

} // namespace

bool EntryCall::read(const TaParam &p, Bytes &out)
{
    const Shm *s = shm_of(p.shm);
    if (!s)
        return false;
    out.resize(p.size);
    return p.shm.core->shm.read_at(*s, p.offset, out.data(), p.size);
}

bool EntryCall::write(const TaParam &p, std::span<const uint8_t> data)
{
    const Shm *s = shm_of(p.shm);
    if (!s || data.size() > p.size)
        return false;
    return p.shm.core->shm.write_at(*s, p.offset, data.data(), data.size());
}

// The thread stays allocated while the TA computes; the lock is free meanwhile. A cancellable
// wait (the TA unmasked cancellation) ends at the session's CANCEL.
bool EntryCall::run_for(double us, bool cancellable)
{
    if (session)
        session->cancel_mask = !cancellable;
    const auto due = std::chrono::steady_clock::now() + std::chrono::microseconds(static_cast<int64_t>(us));
    Lock &lk = lock();
    bool cancelled = false;
    while (std::chrono::steady_clock::now() < due) {
        if (os_.stopping() || p_.destroyed)
            return false;
        if (cancellable && session && session->cancel) {
            cancelled = true;
            break;
        }
        os_.entries().wait_until(lk, due);
    }
    if (session)
        session->cancel_mask = true;
    return !cancelled;
}

uint32_t EntryCall::rpc(uint32_t cmd, std::vector<MsgParam> &params)
{
    return rpc_.cmd(cmd, params);
}

// thread_rpc_shm_cache_alloc(): whole pages, reused while big enough; a bigger need frees the
// old buffer first.
uint32_t EntryCall::rpc_buffer(uint64_t size, ShmRef &shm)
{
    if (thread_.rpc_cache && thread_.rpc_cache_size >= size) {
        shm = thread_.rpc_cache;
        return TEEC_SUCCESS;
    }
    if (thread_.rpc_cache) {
        rpc_.shm_free(thread_.rpc_cache);
        thread_.rpc_cache = {};
        thread_.rpc_cache_size = 0;
    }
    const uint64_t rounded = (size + kPage - 1) / kPage * kPage;
    ShmRef fresh;
    if (uint32_t r = rpc_.shm_alloc(rounded, fresh))
        return r;
    thread_.rpc_cache = fresh;
    thread_.rpc_cache_size = rounded;
    shm = fresh;
    return TEEC_SUCCESS;
}

bool EntryCall::write_rpc(const ShmRef &ref, uint64_t offset, std::span<const uint8_t> data)
{
    const Shm *s = shm_of(ref);
    return s && ref.core->shm.write_at(*s, offset, data.data(), data.size());
}

bool EntryCall::read_rpc(const ShmRef &ref, uint64_t offset, uint64_t len, Bytes &out)
{
    const Shm *s = shm_of(ref);
    out.resize(len);
    return s && ref.core->shm.read_at(*s, offset, out.data(), len);
}

} // namespace teescope::teesim::optee
