// SPDX-License-Identifier: MIT
#include "shm_tracker.h"

#include "context_tracker.h"
#include "guest_tracker.h"
#include "invocation_tracker.h"
#include "process_tracker.h"
#include "rpc_tracker.h"

namespace teescope::importer {

namespace {
void start_shm(ShmRow &r, Id id, OptId ctx, int32_t shm, uint64_t size, const char *how, OptId process, Ts ts,
               int64_t guest) {
    r = ShmRow{};
    r.id = id;
    r.context_id = ctx;
    r.shm = shm;
    r.size = static_cast<int64_t>(size);
    r.how = how;
    r.process_id = process;
    r.created_ts = ts;
    r.guest = guest;
}

const char *memref_dir(uint8_t dir) {
    switch (dir) {
    case 2: return "out";
    case 3: return "inout";
    default: return "in";
    }
}
} // namespace

ShmTracker::ShmTracker(TrackerCore &core, ProcessTracker &processes, ContextTracker &contexts,
                       InvocationTracker &invocations, RpcTracker &rpcs, GuestTracker &guests)
    : core_(core), processes_(processes), contexts_(contexts), invocations_(invocations), rpcs_(rpcs),
      guests_(guests) {
    shms_.reserve(256);
}

// SHM_ALLOC and SHM_REGISTER start the same lifetime; a raw shm id still live means its free was lost.
void ShmTracker::shm_created(const EventHeader &h, int32_t pid, int32_t tid, uint64_t ctx, int32_t shm,
                             uint64_t size, const char *how, const char *event) {
    auto [process_id, thread_id] = processes_.caller(pid, tid, h.ts);
    (void)thread_id;
    const int64_t guest = contexts_.guest_of(ctx);
    auto old = shms_.find(key(guest, shm));
    if (old != shms_.end()) {
        core_.stat("unmatched_shm_alloc", "data_loss", 1, h.ts,
                   "shm " + std::to_string(shm) + " created again before its free");
        old->second.row.end_kind = "freed";
        old->second.row.end_inferred = true;
        core_.rows().add(old->second.row);
        shms_.erase(old);
    }
    ShmRow &r = shms_[key(guest, shm)].row;
    start_shm(r, core_.new_id(Table::shm), contexts_.context_id(ctx, h.ts, event), shm, size, how, process_id, h.ts,
              guest);
    // A supplicant answering an OP-TEE RPC (SHM_ALLOC) allocates it for the secure world.
    if (tid > 0)
        r.rpc_request_id = rpcs_.serving(tid);
}

void ShmTracker::on_drv_shm_alloc(const EventHeader &h, const teescope_drv_shm_alloc &e) {
    shm_created(h, e.pid, e.tid, e.ctx, e.shm, e.size, "alloc", "shm_alloc");
}

void ShmTracker::on_drv_shm_register(const EventHeader &h, const teescope_drv_shm_register &e) {
    shm_created(h, e.pid, e.tid, e.ctx, e.shm, e.size, "register", "shm_register");
}

void ShmTracker::on_drv_shm_free(const EventHeader &h, const teescope_drv_shm_free &e) {
    processes_.caller(e.pid, e.tid, h.ts);
    const int64_t guest = contexts_.guest_of(e.ctx);
    auto it = shms_.find(key(guest, e.shm));
    if (it == shms_.end()) {
        core_.stat("unmatched_shm_free", "data_loss", 1, h.ts,
                   "shm_free of shm " + std::to_string(e.shm) + " never created");
        return;
    }
    ShmRow &r = it->second.row;
    r.freed_ts = h.ts;
    r.end_kind = "freed";
    // Who freed it: its guest going away, its process's exit (or its process gave up every context
    // before), or the client itself.
    r.freed_by = guests_.destroyed(r.guest)                ? "guest_destroy"
                 : processes_.process_ended(r.process_id) ? "process_exit"
                                                          : "client";
    core_.rows().add(r);
    shms_.erase(it);
}

void ShmTracker::on_drv_optee_memref(const EventHeader &h, const teescope_drv_optee_memref &e) {
    processes_.caller(e.pid, e.tid, h.ts);
    ShmUseRow u;
    u.id = core_.new_id(Table::shm_use);
    u.param = e.index;
    u.shm = e.shm;
    u.offset = static_cast<int64_t>(e.offset);
    u.size = static_cast<int64_t>(e.size);
    u.dir = memref_dir(e.dir);
    u.ts = h.ts;
    if (const InvocationRow *inv = invocations_.in_flight(e.invocation))
        u.invocation_id = inv->id;
    if (e.shm >= 0) {
        auto it = shms_.find(key(e.guest, e.shm));
        if (it == shms_.end()) {
            // Created before the trace: a lifetime of unknown origin, so its uses and free match.
            core_.stat("memref_of_unknown_shm", "data_loss", 1, h.ts,
                       "optee_memref of shm " + std::to_string(e.shm) + " never created");
            ShmRow &r = shms_[key(e.guest, e.shm)].row;
            r = ShmRow{};
            r.id = core_.new_id(Table::shm);
            r.context_id = contexts_.context_id(e.ctx, h.ts, "optee_memref");
            r.shm = e.shm;
            r.how = "unknown";
            r.guest = e.guest;
            r.origin_unknown = true;
            u.shm_id = r.id;
        } else {
            u.shm_id = it->second.row.id;
        }
    }
    core_.rows().add(u);
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
