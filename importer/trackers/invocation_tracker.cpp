// SPDX-License-Identifier: MIT
#include "invocation_tracker.h"

#include "context_tracker.h"
#include "object_tracker.h"
#include "process_tracker.h"

namespace teescope::importer {

namespace {
constexpr uint32_t no_slot = UINT32_MAX;
} // namespace

InvocationTracker::InvocationTracker(TrackerCore &core, ProcessTracker &processes, ContextTracker &contexts,
                                     ObjectTracker &objects)
    : core_(core), processes_(processes), contexts_(contexts), objects_(objects) {
    invocations_.reserve(256);
    drv_invocations_.reserve(256);
    user_invocations_.reserve(256);
    user_waiting_.reserve(256);
}

uint32_t InvocationTracker::new_invocation() {
    uint32_t slot;
    if (!free_invocations_.empty()) {
        slot = free_invocations_.back();
        free_invocations_.pop_back();
        invocations_[slot] = Invocation{};
    } else {
        slot = static_cast<uint32_t>(invocations_.size());
        invocations_.emplace_back();
    }
    invocations_[slot].row.id = core_.new_id(Table::invocation);
    return slot;
}

void InvocationTracker::emit_invocation(uint32_t slot) {
    Invocation &inv = invocations_[slot];
    core_.rows().add(inv.row);
    if (inv.has_user) {
        auto u = user_invocations_.find({static_cast<uint64_t>(inv.user_pid), static_cast<uint64_t>(*inv.row.user_serial)});
        if (u != user_invocations_.end() && u->second == slot)
            user_nodes_.erase(user_invocations_, u);
        auto w = user_waiting_.find(inv.tid);
        if (w != user_waiting_.end() && w->second == slot)
            wait_nodes_.erase(user_waiting_, w);
    }
    if (inv.has_drv && inv.row.serial) {
        auto d = drv_invocations_.find(static_cast<uint64_t>(*inv.row.serial));
        if (d != drv_invocations_.end() && d->second == slot)
            drv_nodes_.erase(drv_invocations_, d);
    }
    free_invocations_.push_back(slot);
}

// A thread serving a callback request nests what it invokes inside that request.
void InvocationTracker::nest(InvocationRow &row, int64_t tid) {
    if (auto s = processes_.serving(tid)) {
        row.depth = 1 + s->depth;
        row.parent_request_id = s->request;
    }
}

uint32_t InvocationTracker::drv_begin(int32_t pid, int32_t tid, uint64_t ctx, uint64_t serial, Ts ts) {
    auto [process_id, thread_id] = processes_.caller(pid, tid, ts);
    uint32_t slot = no_slot;
    if (pid > 0) {
        auto w = user_waiting_.find(tid);
        if (w != user_waiting_.end()) {
            Invocation &u = invocations_[w->second];
            if (!u.has_drv && u.row.user_begin_ts && *u.row.user_begin_ts <= ts && u.row.process_id == process_id)
                slot = w->second;
            wait_nodes_.erase(user_waiting_, w);
        }
    }
    if (slot == no_slot) {
        slot = new_invocation();
        Invocation &d = invocations_[slot];
        d.tid = tid;
        d.row.process_id = process_id;
        d.row.thread_id = thread_id;
        d.row.internal = pid == 0;
        if (pid > 0)
            nest(d.row, tid);
    }
    Invocation &inv = invocations_[slot];
    inv.has_drv = true;
    inv.row.serial = static_cast<int64_t>(serial);
    inv.row.drv_begin_ts = ts;
    inv.row.context_id = contexts_.called(ctx, process_id, ts, "invoke_begin");
    objects_.invocation_began(serial, inv.row.id, ts);
    auto [it, inserted] = drv_nodes_.insert(drv_invocations_, serial, slot);
    if (!inserted) {
        core_.stat("duplicate_invoke_begin", "data_loss", 1, ts,
                   "invoke_begin of invocation " + std::to_string(serial) + " while it is in flight");
        it->second = slot;
    }
    return slot;
}

void InvocationTracker::drv_end(uint64_t serial, int32_t err, int32_t ret, OptInt out_bytes, Ts ts,
                                const char *event) {
    auto it = drv_invocations_.find(serial);
    if (it == drv_invocations_.end()) {
        core_.stat("unmatched_invoke_end", "data_loss", 1, ts,
                   std::string(event) + " of invocation " + std::to_string(serial) + " without its begin");
        return;
    }
    uint32_t slot = it->second;
    Invocation &inv = invocations_[slot];
    inv.drv_done = true;
    inv.row.drv_end_ts = ts;
    if (!inv.has_user || !inv.row.err)
        inv.row.err = err;
    if (!inv.has_user || !inv.row.ret)
        inv.row.ret = ret;
    if (out_bytes)
        inv.row.out_bytes = out_bytes;
    if (!inv.has_user || inv.user_done)
        emit_invocation(slot);
}

void InvocationTracker::on_drv_invoke_begin(const EventHeader &h, const teescope_drv_invoke_begin &e) {
    uint32_t slot = drv_begin(e.pid, e.tid, e.ctx, e.invocation, h.ts);
    InvocationRow &r = invocations_[slot].row;
    r.handle = static_cast<int64_t>(e.handle);
    r.op = e.op;
    r.bi = e.bi;
    r.bo = e.bo;
    r.oi = e.oi;
    r.oo = e.oo;
    r.in_bytes = static_cast<int64_t>(e.in_bytes);
    if (!r.out_bytes)
        r.out_bytes = static_cast<int64_t>(e.out_bytes);
    if (e.object)
        r.object_id = objects_.object_id(e.object, TEESCOPE_OBJECT_KIND_QTEE, r.context_id, h.ts, "invoke_begin");
}

void InvocationTracker::on_drv_invoke_end(const EventHeader &h, const teescope_drv_invoke_end &e) {
    processes_.caller(e.pid, e.tid, h.ts);
    drv_end(e.invocation, e.err, e.ret, static_cast<int64_t>(e.out_bytes), h.ts, "invoke_end");
}

void InvocationTracker::on_drv_optee_invoke_begin(const EventHeader &h, const teescope_drv_optee_invoke_begin &e) {
    uint32_t slot = drv_begin(e.pid, e.tid, e.ctx, e.invocation, h.ts);
    invocations_[slot].row.op = e.func;
}

void InvocationTracker::on_drv_optee_invoke_end(const EventHeader &h, const teescope_drv_optee_invoke_end &e) {
    processes_.caller(e.pid, e.tid, h.ts);
    drv_end(e.invocation, e.err, static_cast<int32_t>(e.ret), std::nullopt, h.ts, "optee_invoke_end");
}

void InvocationTracker::on_user_invoke_begin(const EventHeader &h, const teescope_user_invoke_begin &e) {
    auto [process_id, thread_id] = processes_.user_caller(h);
    uint32_t slot = new_invocation();
    Invocation &inv = invocations_[slot];
    inv.has_user = true;
    inv.user_pid = h.vpid;
    inv.tid = h.vtid;
    InvocationRow &r = inv.row;
    r.user_serial = static_cast<int64_t>(e.serial);
    r.process_id = process_id;
    r.thread_id = thread_id;
    r.handle = static_cast<int64_t>(e.object);
    r.op = e.op;
    r.bi = e.bi;
    r.bo = e.bo;
    r.oi = e.oi;
    r.oo = e.oo;
    r.in_bytes = static_cast<int64_t>(e.in_bytes);
    r.out_bytes = static_cast<int64_t>(e.out_bytes);
    r.user_begin_ts = h.ts;
    nest(r, h.vtid);
    auto [it, inserted] = user_nodes_.insert(user_invocations_, {static_cast<uint64_t>(h.vpid), e.serial}, slot);
    if (!inserted) {
        core_.stat("duplicate_user_invoke_begin", "data_loss", 1, h.ts,
                   "user invoke_begin of call " + std::to_string(e.serial) + " of pid " + std::to_string(h.vpid) +
                       " while it is in flight");
        it->second = slot;
    }
    auto [w, fresh] = wait_nodes_.insert(user_waiting_, h.vtid, slot);
    if (!fresh)
        w->second = slot; // the previous call of this thread never reached the driver
}

void InvocationTracker::on_user_invoke_end(const EventHeader &h, const teescope_user_invoke_end &e) {
    processes_.user_caller(h);
    auto it = user_invocations_.find({static_cast<uint64_t>(h.vpid), e.serial});
    if (it == user_invocations_.end()) {
        core_.stat("unmatched_user_invoke_end", "data_loss", 1, h.ts,
                   "user invoke_end of call " + std::to_string(e.serial) + " of pid " + std::to_string(h.vpid) +
                       " without its begin");
        return;
    }
    uint32_t slot = it->second;
    Invocation &inv = invocations_[slot];
    inv.user_done = true;
    inv.row.user_end_ts = h.ts;
    inv.row.err = e.err; // the ioctl's own view wins: it is what the caller saw
    inv.row.ret = e.ret;
    inv.row.out_bytes = static_cast<int64_t>(e.out_bytes);
    if (inv.has_drv && !inv.drv_done) {
        // The driver side outlived the user call: times do not nest, so stop joining them.
        inv.row.end_inferred = true;
        core_.stat("unmatched_user_driver_join", "data_loss", 1, h.ts,
                   "user call " + std::to_string(e.serial) + " of pid " + std::to_string(h.vpid) +
                       " returned before its driver side ended");
    }
    emit_invocation(slot);
}

void InvocationTracker::finish(Ts last_ts) {
    std::vector<uint32_t> live;
    std::vector<bool> is_free(invocations_.size(), false);
    for (uint32_t s : free_invocations_)
        is_free[s] = true;
    for (uint32_t s = 0; s < invocations_.size(); ++s)
        if (!is_free[s])
            live.push_back(s);
    std::sort(live.begin(), live.end(),
              [&](uint32_t a, uint32_t b) { return invocations_[a].row.id < invocations_[b].row.id; });
    for (uint32_t s : live) {
        invocations_[s].row.end_inferred = true;
        emit_invocation(s);
    }
    core_.count_inferred("invocations", live.size(), last_ts);
}

} // namespace teescope::importer
