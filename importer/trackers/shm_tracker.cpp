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
    const PairKey k = key(guest, contexts_.device_of(ctx), shm);
    auto old = shms_.find(k);
    if (old != shms_.end()) {
        core_.stat("unmatched_shm_alloc", "data_loss", 1, h.ts,
                   "shm " + std::to_string(shm) + " created again before its free");
        old->second.row.end_kind = "freed";
        old->second.row.end_inferred = true;
        core_.rows().add(old->second.row);
        shms_.erase(old);
    }
    ShmRow &r = shms_[k].row;
    start_shm(r, core_.new_id(Table::shm), contexts_.context_id(ctx, h.ts, event), shm, size, how, process_id, h.ts,
              guest);
    if (process_id)
        created_by_[{static_cast<uint64_t>(*process_id), static_cast<uint64_t>(static_cast<uint32_t>(shm))}] = k;
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
    auto it = shms_.find(key(contexts_.guest_of(e.ctx), contexts_.device_of(e.ctx), e.shm));
    if (it == shms_.end()) {
        core_.stat("unmatched_shm_free", "data_loss", 1, h.ts,
                   "shm_free of shm " + std::to_string(e.shm) + " never created");
        return;
    }
    ShmRow &r = it->second.row;
    r.freed_ts = h.ts;
    r.end_kind = "freed";
    // Who freed it: its guest going away; the client, which closed its last descriptor of it (the
    // driver may free it later), or freed it while it ran; else its process's exit (or its
    // process gave up every context before).
    r.freed_by = guests_.dropped_with(r.guest, r.created_ts)                               ? "guest_destroy"
                 : it->second.client_released || !processes_.process_ended(r.process_id) ? "client"
                                                                                         : "process_exit";
    core_.rows().add(r);
    if (r.process_id) {
        auto c = created_by_.find({static_cast<uint64_t>(*r.process_id), static_cast<uint64_t>(static_cast<uint32_t>(r.shm))});
        if (c != created_by_.end() && c->second == it->first)
            created_by_.erase(c);
    }
    shms_.erase(it);
}

void ShmTracker::user_shm_fd(const EventHeader &h, int32_t shm, int32_t shm_fd) {
    auto [process_id, thread_id] = processes_.user_caller(h);
    (void)thread_id;
    if (!process_id || shm_fd < 0)
        return;
    auto c = created_by_.find({static_cast<uint64_t>(*process_id), static_cast<uint64_t>(static_cast<uint32_t>(shm))});
    if (c == created_by_.end())
        return;
    auto it = shms_.find(c->second);
    if (it == shms_.end())
        return;
    ++it->second.client_fds;
    fds_[{static_cast<uint64_t>(h.vpid), static_cast<uint64_t>(static_cast<uint32_t>(shm_fd))}] =
        FdShm{c->second, it->second.row.id};
}

void ShmTracker::on_user_shm_alloc(const EventHeader &h, const teescope_user_shm_alloc &e) {
    if (e.err == 0)
        user_shm_fd(h, e.shm, e.shm_fd);
}

void ShmTracker::on_user_shm_register(const EventHeader &h, const teescope_user_shm_register &e) {
    if (e.err == 0)
        user_shm_fd(h, e.shm, e.shm_fd);
}

void ShmTracker::on_user_fd_dup(const EventHeader &h, const teescope_user_fd_dup &e) {
    if (fds_.empty() || e.newfd < 0)
        return;
    auto it = fds_.find({static_cast<uint64_t>(h.vpid), static_cast<uint64_t>(static_cast<uint32_t>(e.fd))});
    if (it == fds_.end())
        return;
    auto s = shms_.find(it->second.key);
    if (s == shms_.end() || s->second.row.id != it->second.shm_id)
        return;
    ++s->second.client_fds;
    fds_[{static_cast<uint64_t>(h.vpid), static_cast<uint64_t>(static_cast<uint32_t>(e.newfd))}] = it->second;
}

void ShmTracker::on_user_fd_close(const EventHeader &h, const teescope_user_fd_close &e) {
    if (fds_.empty() || e.err != 0)
        return;
    auto it = fds_.find({static_cast<uint64_t>(h.vpid), static_cast<uint64_t>(static_cast<uint32_t>(e.fd))});
    if (it == fds_.end())
        return;
    auto s = shms_.find(it->second.key);
    if (s != shms_.end() && s->second.row.id == it->second.shm_id && --s->second.client_fds <= 0)
        s->second.client_released = true;
    fds_.erase(it);
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
        const PairKey k = key(e.guest, contexts_.device_of(e.ctx), e.shm);
        auto it = shms_.find(k);
        if (it == shms_.end()) {
            // Created before the trace: a lifetime of unknown origin, so its uses and free match.
            core_.stat("memref_of_unknown_shm", "data_loss", 1, h.ts,
                       "optee_memref of shm " + std::to_string(e.shm) + " never created");
            ShmRow &r = shms_[k].row;
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
    uint64_t open = 0;
    for (Shm *s : v) {
        if (guests_.dropped_with(s->row.guest, s->row.created_ts)) {
            // Dropped with its guest, which said so (guest_destroy counts its shm).
            s->row.end_kind = "freed";
            s->row.freed_by = "guest_destroy";
            s->row.freed_ts = guests_.destroyed_ts(s->row.guest);
        } else {
            s->row.end_kind = processes_.process_ended(s->row.process_id) ? "held_at_exit" : "alive_at_end";
            ++open;
        }
        s->row.end_inferred = core_.data_lost();
        core_.rows().add(s->row);
    }
    core_.count_inferred("shm", open, last_ts);
    shms_.clear();
    created_by_.clear();
    fds_.clear();
}

} // namespace teescope::importer
