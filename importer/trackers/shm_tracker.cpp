// SPDX-License-Identifier: MIT
#include "shm_tracker.h"

#include "context_tracker.h"
#include "process_tracker.h"

namespace teescope::importer {

namespace {
void start_shm(ShmRow &r, Id id, OptId ctx, int32_t shm, uint64_t size, const char *how, OptId process, Ts ts) {
    r = ShmRow{};
    r.id = id;
    r.context_id = ctx;
    r.shm = shm;
    r.size = static_cast<int64_t>(size);
    r.how = how;
    r.process_id = process;
    r.created_ts = ts;
}
} // namespace

ShmTracker::ShmTracker(TrackerCore &core, ProcessTracker &processes, ContextTracker &contexts)
    : core_(core), processes_(processes), contexts_(contexts) {
    shms_.reserve(256);
}

// SHM_ALLOC and SHM_REGISTER start the same lifetime; a raw shm id still live means its free was lost.
void ShmTracker::shm_created(const EventHeader &h, int32_t pid, int32_t tid, uint64_t ctx, int32_t shm,
                             uint64_t size, const char *how, const char *event) {
    auto [process_id, thread_id] = processes_.caller(pid, tid, h.ts);
    (void)thread_id;
    auto old = shms_.find(shm);
    if (old != shms_.end()) {
        core_.stat("unmatched_shm_alloc", "data_loss", 1, h.ts,
                   "shm " + std::to_string(shm) + " created again before its free");
        old->second.row.end_kind = "freed";
        old->second.row.end_inferred = true;
        core_.rows().add(old->second.row);
        shms_.erase(old);
    }
    start_shm(shms_[shm].row, core_.new_id(Table::shm), contexts_.context_id(ctx, h.ts, event), shm, size, how,
              process_id, h.ts);
}

void ShmTracker::on_drv_shm_alloc(const EventHeader &h, const teescope_drv_shm_alloc &e) {
    shm_created(h, e.pid, e.tid, e.ctx, e.shm, e.size, "alloc", "shm_alloc");
}

void ShmTracker::on_drv_shm_register(const EventHeader &h, const teescope_drv_shm_register &e) {
    shm_created(h, e.pid, e.tid, e.ctx, e.shm, e.size, "register", "shm_register");
}

void ShmTracker::on_drv_shm_free(const EventHeader &h, const teescope_drv_shm_free &e) {
    processes_.caller(e.pid, e.tid, h.ts);
    auto it = shms_.find(e.shm);
    if (it == shms_.end()) {
        core_.stat("unmatched_shm_free", "data_loss", 1, h.ts,
                   "shm_free of shm " + std::to_string(e.shm) + " never created");
        return;
    }
    it->second.row.freed_ts = h.ts;
    it->second.row.end_kind = "freed";
    core_.rows().add(it->second.row);
    shms_.erase(it);
}

void ShmTracker::finish(Ts last_ts) {
    auto v = in_id_order(shms_);
    for (Shm *s : v) {
        s->row.end_kind = processes_.process_ended(s->row.process_id) ? "held_at_exit" : "alive_at_end";
        s->row.end_inferred = core_.data_lost();
        core_.rows().add(s->row);
    }
    core_.count_inferred("shm", v.size(), last_ts);
    shms_.clear();
}

} // namespace teescope::importer
