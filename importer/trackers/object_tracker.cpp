// SPDX-License-Identifier: MIT
#include "object_tracker.h"

#include "context_tracker.h"
#include "invocation_tracker.h"
#include "process_tracker.h"
#include "request_tracker.h"

namespace teescope::importer {

namespace {

const char *kind_name(int32_t kind) {
    switch (kind) {
    case TEESCOPE_OBJECT_KIND_QTEE: return "qtee";
    case TEESCOPE_OBJECT_KIND_CALLBACK: return "callback";
    case TEESCOPE_OBJECT_KIND_MEMORY: return "memory";
    case TEESCOPE_OBJECT_KIND_ROOT: return "root";
    case TEESCOPE_OBJECT_KIND_PRIMORDIAL: return "primordial";
    default: return "qtee";
    }
}

const char *unbind_reason_name(int32_t reason) {
    switch (reason) {
    case TEESCOPE_UNBIND_REASON_RELEASE: return "release";
    case TEESCOPE_UNBIND_REASON_CONTEXT_CLOSE: return "context_close";
    case TEESCOPE_UNBIND_REASON_MARSHAL_UNDO: return "marshal_undo";
    default: return "unknown";
    }
}

} // namespace

ObjectTracker::ObjectTracker(TrackerCore &core, ProcessTracker &processes, ContextTracker &contexts,
                             InvocationTracker &invocations, RequestTracker &requests)
    : core_(core), processes_(processes), contexts_(contexts), invocations_(invocations), requests_(requests) {
    objects_.reserve(4096);
    handles_.reserve(4096);
}

std::string ObjectTracker::object_class(int32_t kind, uint32_t uid) {
    switch (kind) {
    case TEESCOPE_OBJECT_KIND_CALLBACK: return "callback";
    case TEESCOPE_OBJECT_KIND_MEMORY: return "memory";
    case TEESCOPE_OBJECT_KIND_ROOT: return "root";
    case TEESCOPE_OBJECT_KIND_PRIMORDIAL: return "primordial";
    default: break;
    }
    switch (uid) {
    case 3: return "apploader";
    case 143: return "diagnostics";
    case 0x199: return "gpappclient";
    case 2033: return "featureversions";
    case 0x7e5c: return "registry";
    case 0x7e5d: return "region_store";
    case 0x10001: return "client_env";
    case 0x10002: return "app_controller";
    case 0x10003: return "app";
    case 0x10004: return "registration";
    default: return "uid:" + std::to_string(uid);
    }
}

// ---------------------------------------------------------------------------------------------
// Object instances

ObjectTracker::ObjectState *ObjectTracker::object_for(uint64_t address) {
    auto it = objects_.find(address);
    return it != objects_.end() ? &it->second : nullptr;
}

Id ObjectTracker::new_object(uint64_t address, int32_t kind, Ts ts) {
    auto it = objects_.find(address);
    if (it != objects_.end()) {
        // Created again without a free in between: the free was lost.
        core_.stat("unmatched_object_create", "data_loss", 1, ts,
                   "object_create of " + hex(address) + " while an instance at that address is live");
        it->second.row.end_inferred = true;
        emit_object(it->second, false);
        objects_.erase(it);
    }
    ObjectState &o = objects_[address];
    o.kind = kind;
    o.row.id = core_.new_id(Table::object);
    o.row.address = static_cast<int64_t>(address);
    o.row.kind = kind_name(kind);
    return o.row.id;
}

ObjectTracker::ObjectState &ObjectTracker::unknown_object(uint64_t address, int32_t kind, OptId ctx, Ts ts,
                                                          const char *event) {
    core_.stat("event_of_unknown_object", "data_loss", 1, ts,
               std::string(event) + " names object " + hex(address) + " never created in the trace");
    new_object(address, kind, ts);
    ObjectState &o = objects_[address];
    o.row.klass = object_class(kind, 0);
    if (kind == TEESCOPE_OBJECT_KIND_QTEE)
        o.row.klass = "unknown";
    o.row.context_id = ctx;
    o.row.origin_unknown = true;
    return o;
}

OptId ObjectTracker::object_id(uint64_t address, int32_t kind, OptId ctx, Ts ts, const char *event) {
    ObjectState *o = object_for(address);
    if (!o && address)
        o = &unknown_object(address, kind, ctx, ts, event);
    return o ? OptId(o->row.id) : std::nullopt;
}

void ObjectTracker::emit_object(ObjectState &o, bool at_end) {
    ObjectRow &r = o.row;
    const char *end = "freed";
    if (r.release_done_ts && r.release_result.value_or(0) != 0)
        end = "release_failed";
    else if (r.release_queue_ts && !r.release_done_ts)
        end = "release_unobserved";
    else if (o.kind == TEESCOPE_OBJECT_KIND_CALLBACK && (o.exported || at_end) && !r.unexported_ts)
        end = "not_released_by_tee";
    else if (o.bound > 0 || (at_end && !r.freed_ts))
        end = processes_.process_ended(o.holder_process) ? "held_at_exit" : "alive_at_end";
    else if (o.last_unbind == TEESCOPE_UNBIND_REASON_CONTEXT_CLOSE)
        end = "reclaimed_at_close";
    else if (r.release_done_ts && o.last_unbind == TEESCOPE_UNBIND_REASON_RELEASE)
        end = "released";
    r.end_kind = end;
    // After data loss, a live object or a release that never completed may hide its real end.
    if (core_.data_lost() && ((at_end && !r.freed_ts) || (r.release_queue_ts && !r.release_done_ts)))
        r.end_inferred = true;
    core_.rows().add(r);
}

// Input objects (callback, memory) are created while the argument is marshalled, just before
// the driver announces the invocation they belong to.
void ObjectTracker::resolve_awaiting(uint64_t serial, Id invocation_id, Ts ts) {
    for (auto &[s, address] : awaiting_invocation_)
        if (s == serial)
            if (ObjectState *o = object_for(address); o && !o->row.produced_by)
                o->row.produced_by = invocation_id;
    std::erase_if(awaiting_invocation_, [&](const auto &a) { return a.first == serial; });
    if (awaiting_invocation_.size() > 64) {
        core_.stat("object_of_unknown_invocation", "data_loss", awaiting_invocation_.size(), ts,
                   "objects produced by invocations that never began, e.g. invocation " +
                       std::to_string(awaiting_invocation_.front().first));
        awaiting_invocation_.clear();
    }
}

void ObjectTracker::on_drv_object_create(const EventHeader &h, const teescope_drv_object_create &e) {
    auto [process_id, thread_id] = processes_.caller(e.pid, e.tid, h.ts);
    OptId ctx = contexts_.context_id(e.ctx, h.ts, "object_create");
    new_object(e.object, e.kind, h.ts);
    ObjectState &o = objects_[e.object];
    ObjectRow &r = o.row;
    r.klass = object_class(e.kind, e.uid);
    if (e.uid || e.kind == TEESCOPE_OBJECT_KIND_QTEE)
        r.uid = e.uid;
    if (e.sw_id)
        r.sw_id = static_cast<int64_t>(e.sw_id);
    r.context_id = ctx;
    if (e.ref || e.kind == TEESCOPE_OBJECT_KIND_CALLBACK || e.kind == TEESCOPE_OBJECT_KIND_MEMORY)
        r.ref = static_cast<int64_t>(e.ref);
    r.created_ts = h.ts;
    if (e.invocation) {
        if (const InvocationRow *inv = invocations_.in_flight(e.invocation))
            r.produced_by = inv->id;
        else
            awaiting_invocation_.emplace_back(e.invocation, e.object);
    }
    r.creator_process_id = process_id;
    r.creator_thread_id = thread_id;
    o.holder_process = process_id;
    if (!o.holder_process && ctx)
        o.holder_process = contexts_.opener(e.ctx);
}

void ObjectTracker::on_drv_object_free(const EventHeader &h, const teescope_drv_object_free &e) {
    processes_.caller(e.pid, e.tid, h.ts);
    auto it = objects_.find(e.object);
    if (it == objects_.end()) {
        core_.stat("release_of_unknown_object", "data_loss", 1, h.ts,
                   "object_free of " + hex(e.object) + " never created in the trace");
        return;
    }
    it->second.row.freed_ts = h.ts;
    emit_object(it->second, false);
    objects_.erase(it);
}

// ---------------------------------------------------------------------------------------------
// Releases

void ObjectTracker::on_drv_release_queue(const EventHeader &h, const teescope_drv_release_queue &e) {
    processes_.caller(e.pid, e.tid, h.ts);
    ObjectState *o = object_for(e.object);
    if (!o) {
        core_.stat("release_of_unknown_object", "data_loss", 1, h.ts,
                   "release_queue of " + hex(e.object) + " never created in the trace");
        return;
    }
    o->row.release_queue_ts = h.ts;
}

void ObjectTracker::on_drv_release_done(const EventHeader &h, const teescope_drv_release_done &e) {
    processes_.caller(e.pid, e.tid, h.ts);
    ObjectState *o = object_for(e.object);
    if (!o) {
        core_.stat("release_of_unknown_object", "data_loss", 1, h.ts,
                   "release_done of " + hex(e.object) + " never created in the trace");
        return;
    }
    if (!o->row.release_queue_ts)
        core_.stat("unmatched_release_done", "data_loss", 1, h.ts,
                   "release_done of " + hex(e.object) + " never queued");
    o->row.release_done_ts = h.ts;
    o->row.release_result = e.result;
    o->row.release_retries = e.retries;
}

void ObjectTracker::on_drv_async_release(const EventHeader &h, const teescope_drv_async_release &e) {
    processes_.caller(e.pid, e.tid, h.ts);
    AsyncReleaseRow r{};
    r.id = core_.new_id(Table::async_release);
    r.ts = h.ts;
    if (ObjectState *o = object_for(e.object))
        r.object_id = o->row.id;
    else
        core_.stat("event_of_unknown_object", "data_loss", 1, h.ts,
                   "async_release names object " + hex(e.object) + " never created in the trace");
    if (const InvocationRow *inv = invocations_.in_flight(e.invocation))
        r.carrier_invocation_id = inv->id;
    r.carrier_context_id = contexts_.context_id(e.ctx, h.ts, "async_release");
    core_.rows().add(r);
}

// ---------------------------------------------------------------------------------------------
// Callback objects

void ObjectTracker::on_drv_callback_export(const EventHeader &h, const teescope_drv_callback_export &e) {
    processes_.caller(e.pid, e.tid, h.ts);
    ObjectState *o = object_for(e.object);
    if (!o)
        o = &unknown_object(e.object, TEESCOPE_OBJECT_KIND_CALLBACK, contexts_.context_id(e.ctx, h.ts, "callback_export"),
                            h.ts, "callback_export");
    o->exported = true;
    o->row.wire_id = e.wire_id;
    o->row.ref = static_cast<int64_t>(e.user_id);
    o->row.unexported_ts.reset(); // a new export starts a new wait for the TEE's release
}

void ObjectTracker::on_drv_callback_unexport(const EventHeader &h, const teescope_drv_callback_unexport &e) {
    processes_.caller(e.pid, e.tid, h.ts);
    ObjectState *o = object_for(e.object);
    if (!o)
        o = &unknown_object(e.object, TEESCOPE_OBJECT_KIND_CALLBACK,
                            contexts_.context_id(e.ctx, h.ts, "callback_unexport"), h.ts, "callback_unexport");
    o->row.unexported_ts = h.ts;
}

// ---------------------------------------------------------------------------------------------
// Handles

void ObjectTracker::on_drv_handle_bind(const EventHeader &h, const teescope_drv_handle_bind &e) {
    auto [process_id, thread_id] = processes_.caller(e.pid, e.tid, h.ts);
    (void)thread_id;
    OptId ctx = contexts_.context_id(e.ctx, h.ts, "handle_bind");
    if (!ctx) {
        core_.stat("handle_of_unknown_context", "data_loss", 1, h.ts,
                   "handle_bind of handle " + std::to_string(e.handle) + " in context " + std::to_string(e.ctx));
        return;
    }
    ObjectState *o = object_for(e.object);
    if (!o)
        o = &unknown_object(e.object, TEESCOPE_OBJECT_KIND_QTEE, ctx, h.ts, "handle_bind");
    PairKey key{e.ctx, e.handle};
    auto old = handles_.find(key);
    if (old != handles_.end()) {
        core_.stat("unmatched_handle_bind", "data_loss", 1, h.ts,
                   "handle " + std::to_string(e.handle) + " of context " + std::to_string(e.ctx) +
                       " bound again without an unbind");
        // The unbind was lost: the old binding ended by this bind at the latest.
        old->second.end_inferred = true;
        old->second.unbind_ts = h.ts;
        core_.rows().add(old->second);
        for (auto &[address, held] : objects_) // rare (data loss): a scan is fine
            if (held.row.id == old->second.object_id && held.bound > 0) {
                --held.bound;
                break;
            }
        handles_.erase(old);
    }
    HandleRow &r = handles_[key];
    r = HandleRow{};
    r.id = core_.new_id(Table::handle);
    r.context_id = *ctx;
    r.handle = static_cast<int64_t>(e.handle);
    r.object_id = o->row.id;
    r.bind_ts = h.ts;
    if (e.invocation) {
        if (const InvocationRow *inv = invocations_.in_flight(e.invocation))
            r.invocation_id = inv->id;
    }
    // A bind outside an invocation is SUPPL_RECV's: it names its callback request (ids start at 0).
    if (e.invocation == 0 && e.pid > 0)
        r.request_id = requests_.pending(e.ctx, e.request);
    r.process_id = process_id;
    if (!r.process_id)
        r.process_id = contexts_.opener(e.ctx); // driver-internal: the context's opener holds it
    ++o->bound;
    o->holder_process = r.process_id;
}

void ObjectTracker::on_drv_handle_unbind(const EventHeader &h, const teescope_drv_handle_unbind &e) {
    processes_.caller(e.pid, e.tid, h.ts);
    auto it = handles_.find({e.ctx, e.handle});
    if (it == handles_.end()) {
        core_.stat("unmatched_handle_unbind", "data_loss", 1, h.ts,
                   "handle_unbind of handle " + std::to_string(e.handle) + " of context " + std::to_string(e.ctx) +
                       " without its bind");
        if (ObjectState *o = object_for(e.object))
            o->last_unbind = e.reason;
        return;
    }
    HandleRow &r = it->second;
    r.unbind_ts = h.ts;
    r.unbind_reason = unbind_reason_name(e.reason);
    core_.rows().add(r);
    handles_.erase(it);
    if (ObjectState *o = object_for(e.object)) {
        if (o->bound > 0)
            --o->bound;
        o->last_unbind = e.reason;
    }
}

void ObjectTracker::finish(Ts last_ts) {
    // Handles still bound.
    {
        auto v = in_id_order(handles_);
        for (HandleRow *r : v) {
            r->end_inferred = core_.data_lost();
            core_.rows().add(*r);
        }
        core_.count_inferred("handles", v.size(), last_ts);
        handles_.clear();
    }
    // Objects still live: their end kind depends on whether their holder is still alive.
    {
        auto v = in_id_order(objects_);
        for (ObjectState *o : v)
            emit_object(*o, true);
        core_.count_inferred("objects", v.size(), last_ts);
        objects_.clear();
    }
}

} // namespace teescope::importer
