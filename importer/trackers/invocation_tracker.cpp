// SPDX-License-Identifier: MIT
#include "invocation_tracker.h"

#include "context_tracker.h"
#include "object_tracker.h"
#include "process_tracker.h"
#include "wait_tracker.h"

#include <cstring>

namespace teescope::importer {

namespace {
constexpr uint32_t no_slot = UINT32_MAX;
constexpr const char *kObjectInvoke = ""; // QTEE OBJECT_INVOKE: no call kind (NULL)
constexpr const char *kOpenSession = "open_session";
constexpr const char *kInvoke = "invoke";
constexpr const char *kCloseSession = "close_session";
} // namespace

InvocationTracker::InvocationTracker(TrackerCore &core, ProcessTracker &processes, ContextTracker &contexts,
                                     ObjectTracker &objects, WaitTracker &waits)
    : core_(core), processes_(processes), contexts_(contexts), objects_(objects), waits_(waits) {
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
    if (inv.has_user && inv.row.user_serial) {
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
    if (!pending_closes_.empty()) {
        auto c = pending_closes_.find(inv.tid);
        if (c != pending_closes_.end() && c->second == slot)
            pending_closes_.erase(c);
    }
    inv.row.id = 0; // free: no longer in flight
    free_invocations_.push_back(slot);
}

// A thread serving a callback request nests what it invokes inside that request.
void InvocationTracker::nest(InvocationRow &row, int64_t tid) {
    if (auto s = processes_.serving(tid)) {
        row.depth = 1 + s->depth;
        row.parent_request_id = s->request;
    }
}

void InvocationTracker::flush_close(int64_t tid) {
    if (pending_closes_.empty())
        return;
    auto c = pending_closes_.find(tid);
    if (c != pending_closes_.end())
        emit_invocation(c->second);
}

uint32_t InvocationTracker::drv_begin(int32_t pid, int32_t tid, uint64_t ctx, uint64_t serial, Ts ts,
                                      const char *call, const char *event) {
    auto [process_id, thread_id] = processes_.caller(pid, tid, ts);
    flush_close(tid);
    waits_.flush_unattached(tid);
    uint32_t slot = no_slot;
    if (pid > 0) {
        auto w = user_waiting_.find(tid);
        if (w != user_waiting_.end()) {
            Invocation &u = invocations_[w->second];
            if (!u.has_drv && u.row.user_begin_ts && *u.row.user_begin_ts <= ts && u.row.process_id == process_id &&
                u.row.call == call)
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
        d.row.call = call;
        if (pid > 0)
            nest(d.row, tid);
    }
    Invocation &inv = invocations_[slot];
    inv.has_drv = true;
    inv.row.serial = static_cast<int64_t>(serial);
    inv.row.drv_begin_ts = ts;
    inv.row.context_id = contexts_.called(ctx, process_id, ts, event);
    objects_.invocation_began(serial, inv.row.id, ts);
    auto [it, inserted] = drv_nodes_.insert(drv_invocations_, serial, slot);
    if (!inserted) {
        core_.stat("duplicate_invoke_begin", "data_loss", 1, ts,
                   std::string(event) + " of invocation " + std::to_string(serial) + " while it is in flight");
        it->second = slot;
    }
    return slot;
}

void InvocationTracker::drv_end(uint64_t serial, int32_t err, int64_t ret, OptInt out_bytes, OptInt origin, Ts ts,
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
    if (origin && (!inv.has_user || !inv.row.origin))
        inv.row.origin = origin;
    if (out_bytes)
        inv.row.out_bytes = out_bytes;
    if (!inv.has_user || inv.user_done)
        emit_invocation(slot);
}

void InvocationTracker::set_session(uint64_t serial, Id session_id) {
    auto it = drv_invocations_.find(serial);
    if (it != drv_invocations_.end())
        invocations_[it->second].row.session_id = session_id;
}

void InvocationTracker::add_wait(uint64_t serial, int64_t ns) {
    auto it = drv_invocations_.find(serial);
    if (it != drv_invocations_.end()) {
        InvocationRow &r = invocations_[it->second].row;
        r.wait_ns = r.wait_ns.value_or(0) + ns;
    }
}

// ---------------------------------------------------------------------------------------------
// Driver side

void InvocationTracker::on_drv_invoke_begin(const EventHeader &h, const teescope_drv_invoke_begin &e) {
    uint32_t slot = drv_begin(e.pid, e.tid, e.ctx, e.invocation, h.ts, kObjectInvoke, "invoke_begin");
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
    drv_end(e.invocation, e.err, e.ret, static_cast<int64_t>(e.out_bytes), std::nullopt, h.ts, "invoke_end");
}

void InvocationTracker::on_drv_optee_open_begin(const EventHeader &h, const teescope_drv_optee_open_begin &e) {
    uint32_t slot = drv_begin(e.pid, e.tid, e.ctx, e.invocation, h.ts, kOpenSession, "optee_open_begin");
    InvocationRow &r = invocations_[slot].row;
    r.op = kOpOpenSession;
    r.guest = e.guest;
}

void InvocationTracker::on_drv_optee_open_end(const EventHeader &h, const teescope_drv_optee_open_end &e) {
    processes_.caller(e.pid, e.tid, h.ts);
    drv_end(e.invocation, e.err, e.ret, std::nullopt, e.origin, h.ts, "optee_open_end");
}

void InvocationTracker::on_drv_optee_invoke_begin(const EventHeader &h, const teescope_drv_optee_invoke_begin &e) {
    uint32_t slot = drv_begin(e.pid, e.tid, e.ctx, e.invocation, h.ts, kInvoke, "optee_invoke_begin");
    InvocationRow &r = invocations_[slot].row;
    r.op = e.func;
    r.guest = e.guest;
}

void InvocationTracker::on_drv_optee_invoke_end(const EventHeader &h, const teescope_drv_optee_invoke_end &e) {
    processes_.caller(e.pid, e.tid, h.ts);
    drv_end(e.invocation, e.err, e.ret, std::nullopt, e.origin, h.ts, "optee_invoke_end");
}

Id InvocationTracker::close_session_call(const EventHeader &h, const teescope_drv_optee_close &e, OptId session_id) {
    auto [process_id, thread_id] = processes_.caller(e.pid, e.tid, h.ts);
    flush_close(e.tid);
    uint32_t slot = new_invocation();
    Invocation &inv = invocations_[slot];
    inv.tid = e.tid;
    inv.has_drv = inv.drv_done = true;
    InvocationRow &r = inv.row;
    r.call = kCloseSession;
    r.op = kOpCloseSession;
    r.process_id = process_id;
    r.thread_id = thread_id;
    r.internal = e.pid == 0;
    r.guest = e.guest;
    r.session_id = session_id;
    r.context_id = contexts_.called(e.ctx, process_id, h.ts, "optee_close");
    r.err = e.err;
    if (e.pid > 0)
        nest(r, e.tid);
    // Only its end is traced (optee_close); it began when it first waited for an OP-TEE thread,
    // if it did, and its span is unknown otherwise (no duration rather than a false zero).
    WaitTracker::Attached waited = waits_.attach_unattached(e.tid, r.id);
    if (waited.serial)
        r.serial = waited.serial;
    r.drv_begin_ts = waited.first_begin;
    r.drv_end_ts = h.ts;
    if (waited.total_ns)
        r.wait_ns = waited.total_ns;
    const Id id = r.id;
    // Its user side (close_session) comes right after, from the same thread.
    if (e.pid > 0 && e.tid > 0)
        pending_closes_[e.tid] = slot;
    else
        emit_invocation(slot);
    return id;
}

// ---------------------------------------------------------------------------------------------
// User side

uint32_t InvocationTracker::user_begin(const EventHeader &h, uint64_t serial, const char *call) {
    auto [process_id, thread_id] = processes_.user_caller(h);
    flush_close(h.vtid);
    uint32_t slot = new_invocation();
    Invocation &inv = invocations_[slot];
    inv.has_user = true;
    inv.user_pid = h.vpid;
    inv.tid = h.vtid;
    InvocationRow &r = inv.row;
    r.call = call;
    r.user_serial = static_cast<int64_t>(serial);
    r.process_id = process_id;
    r.thread_id = thread_id;
    r.user_begin_ts = h.ts;
    nest(r, h.vtid);
    auto [it, inserted] = user_nodes_.insert(user_invocations_, {static_cast<uint64_t>(h.vpid), serial}, slot);
    if (!inserted) {
        core_.stat("duplicate_user_invoke_begin", "data_loss", 1, h.ts,
                   "user " + std::string(call) + " begin of call " + std::to_string(serial) + " of pid " +
                       std::to_string(h.vpid) + " while it is in flight");
        it->second = slot;
    }
    auto [w, fresh] = wait_nodes_.insert(user_waiting_, h.vtid, slot);
    if (!fresh)
        w->second = slot; // the previous call of this thread never reached the driver
    return slot;
}

void InvocationTracker::user_end(const EventHeader &h, uint64_t serial, int32_t err, int64_t ret, OptInt out_bytes,
                                 OptInt origin, const char *event) {
    processes_.user_caller(h);
    auto it = user_invocations_.find({static_cast<uint64_t>(h.vpid), serial});
    if (it == user_invocations_.end()) {
        core_.stat("unmatched_user_invoke_end", "data_loss", 1, h.ts,
                   "user " + std::string(event) + " of call " + std::to_string(serial) + " of pid " +
                       std::to_string(h.vpid) + " without its begin");
        return;
    }
    uint32_t slot = it->second;
    Invocation &inv = invocations_[slot];
    inv.user_done = true;
    inv.row.user_end_ts = h.ts;
    inv.row.err = err; // the ioctl's own view wins: it is what the caller saw
    inv.row.ret = ret;
    if (origin)
        inv.row.origin = origin;
    if (out_bytes)
        inv.row.out_bytes = out_bytes;
    if (inv.has_drv && !inv.drv_done) {
        // The driver side outlived the user call: times do not nest, so stop joining them.
        inv.row.end_inferred = true;
        core_.stat("unmatched_user_driver_join", "data_loss", 1, h.ts,
                   "user call " + std::to_string(serial) + " of pid " + std::to_string(h.vpid) +
                       " returned before its driver side ended");
    }
    emit_invocation(slot);
}

void InvocationTracker::on_user_invoke_begin(const EventHeader &h, const teescope_user_invoke_begin &e) {
    uint32_t slot = user_begin(h, e.serial, kObjectInvoke);
    InvocationRow &r = invocations_[slot].row;
    r.handle = static_cast<int64_t>(e.object);
    r.op = e.op;
    r.bi = e.bi;
    r.bo = e.bo;
    r.oi = e.oi;
    r.oo = e.oo;
    r.in_bytes = static_cast<int64_t>(e.in_bytes);
    r.out_bytes = static_cast<int64_t>(e.out_bytes);
}

void InvocationTracker::on_user_invoke_end(const EventHeader &h, const teescope_user_invoke_end &e) {
    user_end(h, e.serial, e.err, e.ret, static_cast<int64_t>(e.out_bytes), std::nullopt, "invoke_end");
}

void InvocationTracker::on_user_open_session_begin(const EventHeader &h, const teescope_user_open_session_begin &e) {
    invocations_[user_begin(h, e.serial, kOpenSession)].row.op = kOpOpenSession;
}

void InvocationTracker::on_user_open_session_end(const EventHeader &h, const teescope_user_open_session_end &e) {
    user_end(h, e.serial, e.err, e.ret, std::nullopt, e.origin, "open_session_end");
}

void InvocationTracker::on_user_session_invoke_begin(const EventHeader &h,
                                                     const teescope_user_session_invoke_begin &e) {
    invocations_[user_begin(h, e.serial, kInvoke)].row.op = e.func;
}

void InvocationTracker::on_user_session_invoke_end(const EventHeader &h, const teescope_user_session_invoke_end &e) {
    user_end(h, e.serial, e.err, e.ret, std::nullopt, e.origin, "session_invoke_end");
}

// CLOSE_SESSION is traced once, when the ioctl returned: it completes the driver side of the same
// thread that closed just before, or is a call the driver refused before closing anything.
void InvocationTracker::on_user_close_session(const EventHeader &h, const teescope_user_close_session &e) {
    auto [process_id, thread_id] = processes_.user_caller(h);
    auto c = pending_closes_.find(h.vtid);
    if (c != pending_closes_.end()) {
        Invocation &inv = invocations_[c->second];
        if (inv.row.process_id == process_id && inv.row.drv_end_ts && *inv.row.drv_end_ts <= h.ts) {
            inv.has_user = inv.user_done = true;
            inv.row.user_end_ts = h.ts;
            inv.row.err = e.err;
            emit_invocation(c->second);
            return;
        }
        emit_invocation(c->second);
    }
    uint32_t slot = new_invocation();
    Invocation &inv = invocations_[slot];
    inv.tid = h.vtid;
    InvocationRow &r = inv.row;
    r.call = kCloseSession;
    r.op = kOpCloseSession;
    r.process_id = process_id;
    r.thread_id = thread_id;
    r.user_end_ts = h.ts;
    r.err = e.err;
    nest(r, h.vtid);
    emit_invocation(slot);
}

void InvocationTracker::finish(Ts last_ts) {
    // A CLOSE_SESSION whose user side never came is complete all the same.
    std::vector<uint32_t> closes;
    for (const auto &[tid, slot] : pending_closes_)
        closes.push_back(slot);
    std::sort(closes.begin(), closes.end(),
              [&](uint32_t a, uint32_t b) { return invocations_[a].row.id < invocations_[b].row.id; });
    for (uint32_t slot : closes)
        emit_invocation(slot);
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
