// SPDX-License-Identifier: MIT
// Shared memory: a lifetime per raw shm id from its alloc or register to its free (shm ids are
// reused, and unique per guest: each guest has its own driver), with who freed it (the client,
// its process's exit, its guest's destruction) and every OP-TEE call that passed it in a
// memref parameter.
#pragma once

#include "core.h"

#include "teescope/importer/event.h"

#include <unordered_map>

namespace teescope::importer {

class ContextTracker;
class GuestTracker;
class InvocationTracker;
class ProcessTracker;
class RpcTracker;

class ShmTracker {
public:
    ShmTracker(TrackerCore &core, ProcessTracker &processes, ContextTracker &contexts,
               InvocationTracker &invocations, RpcTracker &rpcs, GuestTracker &guests);
    ShmTracker(const ShmTracker &) = delete;
    ShmTracker &operator=(const ShmTracker &) = delete;

    void on_drv_shm_alloc(const EventHeader &, const teescope_drv_shm_alloc &);
    void on_drv_shm_register(const EventHeader &, const teescope_drv_shm_register &);
    void on_drv_shm_free(const EventHeader &, const teescope_drv_shm_free &);
    void on_drv_optee_memref(const EventHeader &, const teescope_drv_optee_memref &);

    // Emits the shm still allocated.
    void finish(Ts last_ts);

private:
    struct Shm {
        ShmRow row;
    };

    void shm_created(const EventHeader &h, int32_t pid, int32_t tid, uint64_t ctx, int32_t shm, uint64_t size,
                     const char *how, const char *event);
    static PairKey key(int64_t guest, int32_t shm) {
        return {static_cast<uint64_t>(guest), static_cast<uint64_t>(static_cast<uint32_t>(shm))};
    }

    TrackerCore &core_;
    ProcessTracker &processes_;
    ContextTracker &contexts_;
    InvocationTracker &invocations_;
    RpcTracker &rpcs_;
    GuestTracker &guests_;
    std::unordered_map<PairKey, Shm, PairHash> shms_; // (guest, raw shm id) -> live shm
};

} // namespace teescope::importer
