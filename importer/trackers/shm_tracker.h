// SPDX-License-Identifier: MIT
// Shared memory: a lifetime per raw shm id from its alloc or register to its free (shm ids are
// reused).
#pragma once

#include "core.h"

#include "teescope/importer/event.h"

#include <unordered_map>

namespace teescope::importer {

class ContextTracker;
class ProcessTracker;

class ShmTracker {
public:
    ShmTracker(TrackerCore &core, ProcessTracker &processes, ContextTracker &contexts);
    ShmTracker(const ShmTracker &) = delete;
    ShmTracker &operator=(const ShmTracker &) = delete;

    void on_drv_shm_alloc(const EventHeader &, const teescope_drv_shm_alloc &);
    void on_drv_shm_register(const EventHeader &, const teescope_drv_shm_register &);
    void on_drv_shm_free(const EventHeader &, const teescope_drv_shm_free &);

    // Emits the shm still allocated.
    void finish(Ts last_ts);

private:
    struct Shm {
        ShmRow row;
    };

    void shm_created(const EventHeader &h, int32_t pid, int32_t tid, uint64_t ctx, int32_t shm, uint64_t size,
                     const char *how, const char *event);

    TrackerCore &core_;
    ProcessTracker &processes_;
    ContextTracker &contexts_;
    std::unordered_map<int64_t, Shm> shms_; // raw shm id -> live shm
};

} // namespace teescope::importer
