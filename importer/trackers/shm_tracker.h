// SPDX-License-Identifier: MIT
// Shared memory: a lifetime per raw shm id from its alloc or register to its free (shm ids are
// reused, and unique per device of a guest: tee0 and teepriv0 each have theirs, and each guest
// its own driver), with who freed it (the client,
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
    // User side: the descriptors of a client's shm. A client that closed every descriptor of a
    // shm released it, even if the driver frees it only later (at the context's release).
    void on_user_shm_alloc(const EventHeader &, const teescope_user_shm_alloc &);
    void on_user_shm_register(const EventHeader &, const teescope_user_shm_register &);
    void on_user_fd_dup(const EventHeader &, const teescope_user_fd_dup &);
    void on_user_fd_close(const EventHeader &, const teescope_user_fd_close &);

    // Live imports: writes the lifetimes still open as they are now (see Trackers::write_live).
    void write_live();

    // Emits the shm still allocated.
    void finish(Ts last_ts);

private:
    struct Shm {
        ShmRow row;
        int client_fds = 0;           // descriptors of it the client holds (user side)
        bool client_released = false; // the client closed the last of them
    };

    void shm_created(const EventHeader &h, int32_t pid, int32_t tid, uint64_t ctx, int32_t shm, uint64_t size,
                     const char *how, const char *event);
    // The user side returned descriptor `shm_fd` for the client's shm `shm`.
    void user_shm_fd(const EventHeader &h, int32_t shm, int32_t shm_fd);
    // shm ids are per device (tee0, teepriv0) of each guest.
    static PairKey key(int64_t guest, int device, int32_t shm) {
        return {static_cast<uint64_t>(guest) << 16 | static_cast<uint64_t>(device),
                static_cast<uint64_t>(static_cast<uint32_t>(shm))};
    }

    TrackerCore &core_;
    ProcessTracker &processes_;
    ContextTracker &contexts_;
    InvocationTracker &invocations_;
    RpcTracker &rpcs_;
    GuestTracker &guests_;
    std::unordered_map<PairKey, Shm, PairHash> shms_; // ((guest, device), raw shm id) -> live shm
    std::unordered_map<PairKey, PairKey, PairHash> created_by_; // (process id, raw shm id) -> its live shm's key
    struct FdShm {
        PairKey key;
        Id shm_id;
    };
    std::unordered_map<PairKey, FdShm, PairHash> fds_; // (vpid, descriptor) -> the shm it names
};

} // namespace teescope::importer
