// SPDX-License-Identifier: MIT
#include "teescope/importer/trackers.h"

#include <algorithm>

namespace teescope::importer {

namespace {

constexpr uint32_t op_release = 0xFFFF;
constexpr uint32_t no_slot = UINT32_MAX;

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

const char *abandon_reason_name(int32_t reason) {
    switch (reason) {
    case TEESCOPE_ABANDON_REASON_INVOKER_DIED: return "invoker_died";
    case TEESCOPE_ABANDON_REASON_OWNER_CLOSED: return "owner_closed";
    case TEESCOPE_ABANDON_REASON_BAD_ANSWER: return "bad_answer";
    case TEESCOPE_ABANDON_REASON_BAD_REQUEST: return "bad_request";
    default: return "bad_request";
    }
}

std::string hex(uint64_t v) {
    static const char digits[] = "0123456789abcdef";
    std::string s = "0x";
    bool started = false;
    for (int shift = 60; shift >= 0; shift -= 4) {
        unsigned d = (v >> shift) & 0xF;
        if (d || started || shift == 0) {
            s += digits[d];
            started = true;
        }
    }
    return s;
}

std::string uuid_text(const uint8_t *u) {
    if (!u)
        return {};
    static const char digits[] = "0123456789abcdef";
    std::string s;
    s.reserve(36);
    for (int i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            s += '-';
        s += digits[u[i] >> 4];
        s += digits[u[i] & 0xF];
    }
    return s;
}

template <typename Map> std::vector<typename Map::mapped_type *> by_id(Map &m) {
    std::vector<typename Map::mapped_type *> v;
    v.reserve(m.size());
    for (auto &kv : m)
        v.push_back(&kv.second);
    return v;
}

} // namespace

Trackers::Trackers(RowSink &rows) : rows_(rows) {
    processes_.reserve(256);
    pid_current_.reserve(256);
    threads_.reserve(1024);
    contexts_.reserve(256);
    objects_.reserve(4096);
    handles_.reserve(4096);
    invocations_.reserve(256);
    drv_invocations_.reserve(256);
    user_invocations_.reserve(256);
    user_waiting_.reserve(256);
    requests_.reserve(256);
    shms_.reserve(256);
}

Trackers::~Trackers() = default;

std::string Trackers::object_class(int32_t kind, uint32_t uid) {
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
    case 0x10001: return "client_env";
    case 0x10002: return "app_controller";
    case 0x10003: return "app";
    case 0x10004: return "registration";
    default: return "uid:" + std::to_string(uid);
    }
}

// ---------------------------------------------------------------------------------------------
// Statistics

void Trackers::stat(const char *name, const char *severity, uint64_t n, Ts ts, const std::string &what) {
    example_.assign(what);
    example_ += " at ts=";
    example_ += std::to_string(ts);
    rows_.count(name, severity, n, example_);
}

// ---------------------------------------------------------------------------------------------
// Processes and threads

Trackers::Process *Trackers::process_for(int64_t pid, Ts ts, bool user_event, int64_t tid, std::string_view name) {
    if (pid <= 0)
        return nullptr;
    auto cur = pid_current_.find(pid);
    if (cur != pid_current_.end()) {
        auto it = processes_.find(cur->second);
        if (it != processes_.end()) {
            Process &p = it->second;
            // A user event after proc_exit from the thread that exited is a reused pid.
            if (!(p.exited && user_event && tid == p.exit_tid)) {
                p.last_ts = std::max(p.last_ts, ts);
                if (user_event && !name.empty() && p.row.name != name)
                    p.row.name.assign(name);
                return &p;
            }
            end_process(p, false);
        }
    }
    Id id = next_process_++;
    Process &p = processes_[id];
    p.row.id = id;
    p.row.pid = pid;
    p.row.start_ts = ts;
    p.last_ts = ts;
    if (user_event)
        p.row.name.assign(name);
    pid_current_[pid] = id;
    return &p;
}

Trackers::Thread *Trackers::thread_for(Process &p, int64_t tid, Ts ts) {
    if (tid <= 0)
        return nullptr;
    auto it = threads_.find(tid);
    if (it != threads_.end()) {
        if (it->second.row.process_id == p.row.id) {
            it->second.row.end_ts = std::max(it->second.row.end_ts.value_or(ts), ts);
            return &it->second;
        }
        rows_.add(it->second.row); // the tid now names a thread of another process
        threads_.erase(it);
    }
    Thread &t = threads_[tid];
    t.row.id = next_thread_++;
    t.row.process_id = p.row.id;
    t.row.tid = tid;
    t.row.start_ts = ts;
    t.row.end_ts = ts;
    return &t;
}

std::pair<OptId, OptId> Trackers::caller(int32_t pid, int32_t tid, Ts ts) {
    Process *p = process_for(pid, ts, false, tid, {});
    if (!p)
        return {};
    Thread *t = thread_for(*p, tid, ts);
    return {p->row.id, t ? OptId(t->row.id) : std::nullopt};
}

std::pair<OptId, OptId> Trackers::user_caller(const EventHeader &h) {
    Process *p = process_for(h.vpid, h.ts, true, h.vtid, h.procname);
    if (!p)
        return {};
    Thread *t = thread_for(*p, h.vtid, h.ts);
    return {p->row.id, t ? OptId(t->row.id) : std::nullopt};
}

void Trackers::touch_user(const EventHeader &h) { user_caller(h); }

void Trackers::end_process(Process &p, bool at_end) {
    ProcessRow &r = p.row;
    if (p.exited) {
        r.end_kind = "exited";
    } else if (!at_end || (p.contexts_touched > 0 && p.contexts_open == 0)) {
        r.end_kind = "vanished";
        r.end_ts = p.last_ts;
    } else {
        r.end_kind = "alive_at_end";
        r.end_ts.reset();
    }
    rows_.add(r);
    if (pid_current_.count(r.pid) && pid_current_[r.pid] == r.id)
        pid_current_.erase(r.pid);
    if (!at_end)
        processes_.erase(r.id);
}

bool Trackers::process_ended(OptId id) const {
    if (!id)
        return false;
    auto it = processes_.find(*id);
    if (it == processes_.end())
        return true; // replaced by a later lifetime of its pid
    const Process &p = it->second;
    return p.exited || (p.contexts_touched > 0 && p.contexts_open == 0);
}

// ---------------------------------------------------------------------------------------------
// Contexts

Trackers::ContextState *Trackers::context_for(uint64_t serial, Ts ts, const char *event) {
    if (serial == 0)
        return nullptr;
    auto it = contexts_.find(serial);
    if (it != contexts_.end())
        return &it->second;
    if (released_contexts_.count(serial))
        return nullptr;
    stat("event_of_unknown_context", "data_loss", 1, ts,
         std::string(event) + " on context " + std::to_string(serial) + " never opened in the trace");
    ContextState &c = contexts_[serial];
    c.row.id = next_context_++;
    c.row.serial = static_cast<int64_t>(serial);
    c.row.origin_unknown = true;
    return &c;
}

OptId Trackers::context_id(uint64_t serial, Ts ts, const char *event) {
    if (serial == 0)
        return std::nullopt;
    if (ContextState *c = context_for(serial, ts, event))
        return c->row.id;
    auto it = released_contexts_.find(serial);
    return it != released_contexts_.end() ? OptId(it->second) : std::nullopt;
}

void Trackers::note_context_user(ContextState &c, Id process_id, Ts ts, bool call) {
    for (auto &u : c.users) {
        if (u.process_id == process_id) {
            if (call) {
                if (u.calls == 0)
                    u.first_ts = ts;
                u.last_ts = ts;
                ++u.calls;
            }
            return;
        }
    }
    c.users.push_back(ContextUserRow{c.row.id, process_id, ts, ts, call ? 1 : 0});
    auto it = processes_.find(process_id);
    if (it != processes_.end()) {
        ++it->second.contexts_touched;
        if (!c.closed)
            ++it->second.contexts_open;
    }
}

void Trackers::emit_context(ContextState &c) {
    rows_.add(c.row);
    for (const auto &u : c.users)
        if (u.calls > 0)
            rows_.add(u);
}

// ---------------------------------------------------------------------------------------------
// Objects

Trackers::ObjectState *Trackers::object_for(uint64_t address) {
    auto it = objects_.find(address);
    return it != objects_.end() ? &it->second : nullptr;
}

Id Trackers::new_object(uint64_t address, int32_t kind, Ts ts) {
    auto it = objects_.find(address);
    if (it != objects_.end()) {
        // Created again without a free in between: the free was lost.
        stat("unmatched_object_create", "data_loss", 1, ts,
             "object_create of " + hex(address) + " while an instance at that address is live");
        it->second.row.end_inferred = true;
        emit_object(it->second, false);
        objects_.erase(it);
    }
    ObjectState &o = objects_[address];
    o.kind = kind;
    o.row.id = next_object_++;
    o.row.address = static_cast<int64_t>(address);
    o.row.kind = kind_name(kind);
    return o.row.id;
}

Trackers::ObjectState &Trackers::unknown_object(uint64_t address, int32_t kind, OptId ctx, Ts ts, const char *event) {
    stat("event_of_unknown_object", "data_loss", 1, ts,
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

void Trackers::emit_object(ObjectState &o, bool at_end) {
    ObjectRow &r = o.row;
    const char *end = "freed";
    if (r.release_done_ts && r.release_result.value_or(0) != 0)
        end = "release_failed";
    else if (r.release_queue_ts && !r.release_done_ts)
        end = "release_unobserved";
    else if (o.kind == TEESCOPE_OBJECT_KIND_CALLBACK && (o.exported || at_end) && !r.unexported_ts)
        end = "not_released_by_tee";
    else if (o.bound > 0 || (at_end && !r.freed_ts))
        end = process_ended(o.holder_process) ? "held_at_exit" : "alive_at_end";
    else if (o.last_unbind == TEESCOPE_UNBIND_REASON_CONTEXT_CLOSE)
        end = "reclaimed_at_close";
    else if (r.release_done_ts && o.last_unbind == TEESCOPE_UNBIND_REASON_RELEASE)
        end = "released";
    r.end_kind = end;
    // After data loss, a live object or a release that never completed may hide its real end.
    if (data_lost_ && ((at_end && !r.freed_ts) || (r.release_queue_ts && !r.release_done_ts)))
        r.end_inferred = true;
    rows_.add(r);
}

// ---------------------------------------------------------------------------------------------
// Invocations

uint32_t Trackers::new_invocation() {
    uint32_t slot;
    if (!free_invocations_.empty()) {
        slot = free_invocations_.back();
        free_invocations_.pop_back();
        invocations_[slot] = Invocation{};
    } else {
        slot = static_cast<uint32_t>(invocations_.size());
        invocations_.emplace_back();
    }
    invocations_[slot].row.id = next_invocation_++;
    return slot;
}

void Trackers::emit_invocation(uint32_t slot) {
    Invocation &inv = invocations_[slot];
    rows_.add(inv.row);
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
void Trackers::nest(InvocationRow &row, int64_t tid) {
    auto t = threads_.find(tid);
    if (t == threads_.end() || !t->second.serving_request)
        return;
    row.depth = 1 + t->second.serving_depth;
    row.parent_request_id = t->second.serving_request;
}

void Trackers::drv_begin(const EventHeader &h, int32_t pid, int32_t tid, uint64_t ctx, uint64_t serial, Ts ts,
                         uint32_t &slot_out) {
    (void)h;
    auto [process_id, thread_id] = caller(pid, tid, ts);
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
    inv.row.context_id = context_id(ctx, ts, "invoke_begin");
    if (process_id && ctx) {
        if (ContextState *c = context_for(ctx, ts, "invoke_begin"))
            note_context_user(*c, *process_id, ts, true);
    }
    // Input objects (callback, memory) are created while the argument is marshalled, just
    // before the driver announces the invocation they belong to.
    if (!awaiting_invocation_.empty()) {
        for (auto &[s, address] : awaiting_invocation_)
            if (s == serial)
                if (ObjectState *o = object_for(address); o && !o->row.produced_by)
                    o->row.produced_by = inv.row.id;
        std::erase_if(awaiting_invocation_, [&](const auto &a) { return a.first == serial; });
        if (awaiting_invocation_.size() > 64) {
            stat("object_of_unknown_invocation", "data_loss", awaiting_invocation_.size(), ts,
                 "objects produced by invocations that never began, e.g. invocation " +
                     std::to_string(awaiting_invocation_.front().first));
            awaiting_invocation_.clear();
        }
    }
    auto [it, inserted] = drv_nodes_.insert(drv_invocations_, serial, slot);
    if (!inserted) {
        stat("duplicate_invoke_begin", "data_loss", 1, ts,
             "invoke_begin of invocation " + std::to_string(serial) + " while it is in flight");
        it->second = slot;
    }
    slot_out = slot;
}

void Trackers::drv_end(uint64_t serial, int32_t err, int32_t ret, OptInt out_bytes, Ts ts, const char *event) {
    auto it = drv_invocations_.find(serial);
    if (it == drv_invocations_.end()) {
        stat("unmatched_invoke_end", "data_loss", 1, ts,
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

void Trackers::on_drv_invoke_begin(const EventHeader &h, const teescope_drv_invoke_begin &e) {
    uint32_t slot;
    drv_begin(h, e.pid, e.tid, e.ctx, e.invocation, h.ts, slot);
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
    if (e.object) {
        ObjectState *o = object_for(e.object);
        if (!o)
            o = &unknown_object(e.object, TEESCOPE_OBJECT_KIND_QTEE, r.context_id, h.ts, "invoke_begin");
        r.object_id = o->row.id;
    }
}

void Trackers::on_drv_invoke_end(const EventHeader &h, const teescope_drv_invoke_end &e) {
    caller(e.pid, e.tid, h.ts);
    drv_end(e.invocation, e.err, e.ret, static_cast<int64_t>(e.out_bytes), h.ts, "invoke_end");
}

void Trackers::on_drv_optee_invoke_begin(const EventHeader &h, const teescope_drv_optee_invoke_begin &e) {
    uint32_t slot;
    drv_begin(h, e.pid, e.tid, e.ctx, e.invocation, h.ts, slot);
    InvocationRow &r = invocations_[slot].row;
    r.op = e.func;
}

void Trackers::on_drv_optee_invoke_end(const EventHeader &h, const teescope_drv_optee_invoke_end &e) {
    caller(e.pid, e.tid, h.ts);
    drv_end(e.invocation, e.err, static_cast<int32_t>(e.ret), std::nullopt, h.ts, "optee_invoke_end");
}

void Trackers::on_user_invoke_begin(const EventHeader &h, const teescope_user_invoke_begin &e) {
    auto [process_id, thread_id] = user_caller(h);
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
        stat("duplicate_user_invoke_begin", "data_loss", 1, h.ts,
             "user invoke_begin of call " + std::to_string(e.serial) + " of pid " + std::to_string(h.vpid) +
                 " while it is in flight");
        it->second = slot;
    }
    auto [w, fresh] = wait_nodes_.insert(user_waiting_, h.vtid, slot);
    if (!fresh)
        w->second = slot; // the previous call of this thread never reached the driver
}

void Trackers::on_user_invoke_end(const EventHeader &h, const teescope_user_invoke_end &e) {
    user_caller(h);
    auto it = user_invocations_.find({static_cast<uint64_t>(h.vpid), e.serial});
    if (it == user_invocations_.end()) {
        stat("unmatched_user_invoke_end", "data_loss", 1, h.ts,
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
        stat("unmatched_user_driver_join", "data_loss", 1, h.ts,
             "user call " + std::to_string(e.serial) + " of pid " + std::to_string(h.vpid) +
                 " returned before its driver side ended");
    }
    emit_invocation(slot);
}

// ---------------------------------------------------------------------------------------------
// Contexts

void Trackers::on_drv_context_open(const EventHeader &h, const teescope_drv_context_open &e) {
    auto [process_id, thread_id] = caller(e.pid, e.tid, h.ts);
    (void)thread_id;
    if (contexts_.count(e.ctx) || released_contexts_.count(e.ctx)) {
        stat("duplicate_context_open", "error", 1, h.ts, "context_open of serial " + std::to_string(e.ctx) + " seen before");
        return;
    }
    ContextState &c = contexts_[e.ctx];
    c.row.id = next_context_++;
    c.row.serial = static_cast<int64_t>(e.ctx);
    c.row.process_id = process_id;
    c.row.dev = e.dev ? e.dev : "";
    c.row.impl = e.impl;
    c.row.guest = e.guest;
    c.row.open_ts = h.ts;
    if (process_id)
        note_context_user(c, *process_id, h.ts, false);
}

void Trackers::on_drv_context_close(const EventHeader &h, const teescope_drv_context_close &e) {
    caller(e.pid, e.tid, h.ts);
    ContextState *c = context_for(e.ctx, h.ts, "context_close");
    if (!c) {
        stat("unmatched_context_close", "data_loss", 1, h.ts, "context_close of released context " + std::to_string(e.ctx));
        return;
    }
    if (c->closed)
        return;
    c->closed = true;
    c->row.close_ts = h.ts;
    c->row.handles_at_close = e.handles;
    c->row.requests_at_close = e.requests;
    for (const auto &u : c->users) {
        auto it = processes_.find(u.process_id);
        if (it != processes_.end() && it->second.contexts_open > 0)
            --it->second.contexts_open;
    }
}

void Trackers::on_drv_context_release(const EventHeader &h, const teescope_drv_context_release &e) {
    caller(e.pid, e.tid, h.ts);
    auto it = contexts_.find(e.ctx);
    if (it == contexts_.end()) {
        stat("unmatched_context_release", "data_loss", 1, h.ts,
             "context_release of context " + std::to_string(e.ctx) + " never opened in the trace");
        return;
    }
    ContextState &c = it->second;
    if (!c.closed) {
        // Released without a traced close: the close was lost.
        if (data_lost_)
            c.row.end_inferred = true;
        for (const auto &u : c.users) {
            auto p = processes_.find(u.process_id);
            if (p != processes_.end() && p->second.contexts_open > 0)
                --p->second.contexts_open;
        }
    }
    c.row.release_ts = h.ts;
    c.row.end_kind = "released";
    emit_context(c);
    released_contexts_.emplace(e.ctx, c.row.id);
    contexts_.erase(it);
}

// ---------------------------------------------------------------------------------------------
// Objects

void Trackers::on_drv_object_create(const EventHeader &h, const teescope_drv_object_create &e) {
    auto [process_id, thread_id] = caller(e.pid, e.tid, h.ts);
    OptId ctx = context_id(e.ctx, h.ts, "object_create");
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
        auto inv = drv_invocations_.find(e.invocation);
        if (inv != drv_invocations_.end())
            r.produced_by = invocations_[inv->second].row.id;
        else
            awaiting_invocation_.emplace_back(e.invocation, e.object);
    }
    r.creator_process_id = process_id;
    r.creator_thread_id = thread_id;
    o.holder_process = process_id;
    if (!o.holder_process && ctx) {
        auto c = contexts_.find(e.ctx);
        if (c != contexts_.end())
            o.holder_process = c->second.row.process_id;
    }
}

void Trackers::on_drv_object_free(const EventHeader &h, const teescope_drv_object_free &e) {
    caller(e.pid, e.tid, h.ts);
    auto it = objects_.find(e.object);
    if (it == objects_.end()) {
        stat("release_of_unknown_object", "data_loss", 1, h.ts,
             "object_free of " + hex(e.object) + " never created in the trace");
        return;
    }
    it->second.row.freed_ts = h.ts;
    emit_object(it->second, false);
    objects_.erase(it);
}

void Trackers::on_drv_release_queue(const EventHeader &h, const teescope_drv_release_queue &e) {
    caller(e.pid, e.tid, h.ts);
    ObjectState *o = object_for(e.object);
    if (!o) {
        stat("release_of_unknown_object", "data_loss", 1, h.ts,
             "release_queue of " + hex(e.object) + " never created in the trace");
        return;
    }
    o->row.release_queue_ts = h.ts;
}

void Trackers::on_drv_release_done(const EventHeader &h, const teescope_drv_release_done &e) {
    caller(e.pid, e.tid, h.ts);
    ObjectState *o = object_for(e.object);
    if (!o) {
        stat("release_of_unknown_object", "data_loss", 1, h.ts,
             "release_done of " + hex(e.object) + " never created in the trace");
        return;
    }
    if (!o->row.release_queue_ts)
        stat("unmatched_release_done", "data_loss", 1, h.ts, "release_done of " + hex(e.object) + " never queued");
    o->row.release_done_ts = h.ts;
    o->row.release_result = e.result;
    o->row.release_retries = e.retries;
}

void Trackers::on_drv_callback_export(const EventHeader &h, const teescope_drv_callback_export &e) {
    caller(e.pid, e.tid, h.ts);
    ObjectState *o = object_for(e.object);
    if (!o)
        o = &unknown_object(e.object, TEESCOPE_OBJECT_KIND_CALLBACK, context_id(e.ctx, h.ts, "callback_export"), h.ts,
                            "callback_export");
    o->exported = true;
    o->row.wire_id = e.wire_id;
    o->row.ref = static_cast<int64_t>(e.user_id);
    o->row.unexported_ts.reset(); // a new export starts a new wait for the TEE's release
}

void Trackers::on_drv_callback_unexport(const EventHeader &h, const teescope_drv_callback_unexport &e) {
    caller(e.pid, e.tid, h.ts);
    ObjectState *o = object_for(e.object);
    if (!o)
        o = &unknown_object(e.object, TEESCOPE_OBJECT_KIND_CALLBACK, context_id(e.ctx, h.ts, "callback_unexport"),
                            h.ts, "callback_unexport");
    o->row.unexported_ts = h.ts;
}

void Trackers::on_drv_async_release(const EventHeader &h, const teescope_drv_async_release &e) {
    caller(e.pid, e.tid, h.ts);
    AsyncReleaseRow r{};
    r.id = next_async_++;
    r.ts = h.ts;
    if (ObjectState *o = object_for(e.object))
        r.object_id = o->row.id;
    else
        stat("event_of_unknown_object", "data_loss", 1, h.ts,
             "async_release names object " + hex(e.object) + " never created in the trace");
    auto inv = drv_invocations_.find(e.invocation);
    if (inv != drv_invocations_.end())
        r.carrier_invocation_id = invocations_[inv->second].row.id;
    r.carrier_context_id = context_id(e.ctx, h.ts, "async_release");
    rows_.add(r);
}

// ---------------------------------------------------------------------------------------------
// Handles

void Trackers::on_drv_handle_bind(const EventHeader &h, const teescope_drv_handle_bind &e) {
    auto [process_id, thread_id] = caller(e.pid, e.tid, h.ts);
    (void)thread_id;
    ContextState *c = context_for(e.ctx, h.ts, "handle_bind");
    OptId ctx = context_id(e.ctx, h.ts, "handle_bind");
    if (!ctx) {
        stat("handle_of_unknown_context", "data_loss", 1, h.ts,
             "handle_bind of handle " + std::to_string(e.handle) + " in context " + std::to_string(e.ctx));
        return;
    }
    ObjectState *o = object_for(e.object);
    if (!o)
        o = &unknown_object(e.object, TEESCOPE_OBJECT_KIND_QTEE, ctx, h.ts, "handle_bind");
    PairKey key{e.ctx, e.handle};
    auto old = handles_.find(key);
    if (old != handles_.end()) {
        stat("unmatched_handle_bind", "data_loss", 1, h.ts,
             "handle " + std::to_string(e.handle) + " of context " + std::to_string(e.ctx) + " bound again without an unbind");
        old->second.end_inferred = true;
        rows_.add(old->second);
        handles_.erase(old);
    }
    HandleRow &r = handles_[key];
    r = HandleRow{};
    r.id = next_handle_++;
    r.context_id = *ctx;
    r.handle = static_cast<int64_t>(e.handle);
    r.object_id = o->row.id;
    r.bind_ts = h.ts;
    if (e.invocation) {
        auto inv = drv_invocations_.find(e.invocation);
        if (inv != drv_invocations_.end())
            r.invocation_id = invocations_[inv->second].row.id;
    }
    if (e.request) {
        auto req = requests_.find({e.ctx, e.request});
        if (req != requests_.end())
            r.request_id = req->second.row.id;
    }
    r.process_id = process_id;
    if (!r.process_id && c)
        r.process_id = c->row.process_id;
    ++o->bound;
    o->holder_process = r.process_id;
}

void Trackers::on_drv_handle_unbind(const EventHeader &h, const teescope_drv_handle_unbind &e) {
    caller(e.pid, e.tid, h.ts);
    auto it = handles_.find({e.ctx, e.handle});
    if (it == handles_.end()) {
        stat("unmatched_handle_unbind", "data_loss", 1, h.ts,
             "handle_unbind of handle " + std::to_string(e.handle) + " of context " + std::to_string(e.ctx) +
                 " without its bind");
        if (ObjectState *o = object_for(e.object))
            o->last_unbind = e.reason;
        return;
    }
    HandleRow &r = it->second;
    r.unbind_ts = h.ts;
    r.unbind_reason = unbind_reason_name(e.reason);
    rows_.add(r);
    handles_.erase(it);
    if (ObjectState *o = object_for(e.object)) {
        if (o->bound > 0)
            --o->bound;
        o->last_unbind = e.reason;
    }
}

// ---------------------------------------------------------------------------------------------
// Callback requests

void Trackers::emit_request(Request &r, const char *end_kind) {
    r.row.end_kind = end_kind;
    rows_.add(r.row);
}

void Trackers::stop_serving(const Request &r) {
    if (r.supplicant_tid <= 0)
        return;
    auto t = threads_.find(r.supplicant_tid);
    if (t != threads_.end() && t->second.serving_request == r.row.id)
        t->second.serving_request.reset();
}

void Trackers::on_drv_request_queue(const EventHeader &h, const teescope_drv_request_queue &e) {
    auto [process_id, thread_id] = caller(e.pid, e.tid, h.ts);
    (void)thread_id;
    OptId ctx = context_id(e.ctx, h.ts, "request_queue");
    if (!ctx) {
        stat("request_of_unknown_context", "data_loss", 1, h.ts,
             "request_queue of request " + std::to_string(e.request) + " on context " + std::to_string(e.ctx));
        return;
    }
    PairKey key{e.ctx, e.request};
    auto old = requests_.find(key);
    if (old != requests_.end()) {
        stat("unmatched_request_queue", "data_loss", 1, h.ts,
             "request " + std::to_string(e.request) + " of context " + std::to_string(e.ctx) + " queued again before it ended");
        old->second.row.end_inferred = true;
        stop_serving(old->second);
        emit_request(old->second, "pending_at_end");
        requests_.erase(old);
    }
    Request &r = requests_[key];
    r = Request{};
    r.row.id = next_request_++;
    r.row.context_id = *ctx;
    r.row.request = e.request;
    r.row.op = e.op;
    r.row.queue_ts = h.ts;
    r.row.invoker_process_id = process_id;
    ObjectState *o = object_for(e.object);
    if (!o && e.object)
        o = &unknown_object(e.object, TEESCOPE_OBJECT_KIND_CALLBACK, ctx, h.ts, "request_queue");
    if (o)
        r.row.object_id = o->row.id;
    if (e.invocation) {
        auto inv = drv_invocations_.find(e.invocation);
        if (inv != drv_invocations_.end()) {
            r.row.invocation_id = invocations_[inv->second].row.id;
            r.depth = invocations_[inv->second].row.depth;
        }
    }
}

void Trackers::on_drv_request_pick(const EventHeader &h, const teescope_drv_request_pick &e) {
    auto [process_id, thread_id] = caller(e.pid, e.tid, h.ts);
    auto it = requests_.find({e.ctx, e.request});
    if (it == requests_.end()) {
        stat("unmatched_request_pick", "data_loss", 1, h.ts,
             "request_pick of request " + std::to_string(e.request) + " of context " + std::to_string(e.ctx) +
                 " never queued");
        return;
    }
    Request &r = it->second;
    if (process_id)
        if (ContextState *c = context_for(e.ctx, h.ts, "request_pick"))
            note_context_user(*c, *process_id, h.ts, true);
    r.row.pick_ts = h.ts;
    r.row.supplicant_thread_id = thread_id;
    r.supplicant_tid = e.tid;
    if (e.op == op_release || r.row.op == op_release) {
        // A RELEASE notice needs no answer: handing it to the supplicant delivers it.
        emit_request(r, "delivered");
        requests_.erase(it);
        return;
    }
    if (e.tid > 0) {
        auto t = threads_.find(e.tid);
        if (t != threads_.end()) {
            t->second.serving_request = r.row.id;
            t->second.serving_depth = r.depth;
        }
    }
}

void Trackers::on_drv_request_answer(const EventHeader &h, const teescope_drv_request_answer &e) {
    auto [process_id, thread_id] = caller(e.pid, e.tid, h.ts);
    (void)thread_id;
    auto it = requests_.find({e.ctx, e.request});
    if (it == requests_.end() && e.err != 0) {
        // The driver refused an answer to a request that is no longer pending (its invoker died,
        // or it was answered already): an event of the workload, not a gap in the trace.
        stat("refused_answer", "info", 1, h.ts,
             "request_answer of request " + std::to_string(e.request) + " of context " + std::to_string(e.ctx) +
                 " refused with err " + std::to_string(e.err));
        return;
    }
    if (it == requests_.end()) {
        stat("unmatched_request_answer", "data_loss", 1, h.ts,
             "request_answer of request " + std::to_string(e.request) + " of context " + std::to_string(e.ctx) +
                 " not pending (err " + std::to_string(e.err) + ")");
        return;
    }
    Request &r = it->second;
    if (process_id)
        if (ContextState *c = context_for(e.ctx, h.ts, "request_answer"))
            note_context_user(*c, *process_id, h.ts, true);
    r.row.answer_ts = h.ts;
    r.row.ret = e.ret;
    r.row.err = e.err;
    stop_serving(r);
    emit_request(r, "answered");
    requests_.erase(it);
}

void Trackers::on_drv_request_abandon(const EventHeader &h, const teescope_drv_request_abandon &e) {
    caller(e.pid, e.tid, h.ts);
    auto it = requests_.find({e.ctx, e.request});
    if (it == requests_.end()) {
        stat("unmatched_request_abandon", "data_loss", 1, h.ts,
             "request_abandon of request " + std::to_string(e.request) + " of context " + std::to_string(e.ctx) +
                 " not pending");
        return;
    }
    Request &r = it->second;
    r.row.answer_ts = h.ts;
    stop_serving(r);
    emit_request(r, abandon_reason_name(e.reason));
    requests_.erase(it);
}

// ---------------------------------------------------------------------------------------------
// Shared memory

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

// SHM_ALLOC and SHM_REGISTER start the same lifetime; a raw shm id still live means its free was lost.
void Trackers::shm_created(const EventHeader &h, int32_t pid, int32_t tid, uint64_t ctx, int32_t shm, uint64_t size,
                           const char *how, const char *event) {
    auto [process_id, thread_id] = caller(pid, tid, h.ts);
    (void)thread_id;
    auto old = shms_.find(shm);
    if (old != shms_.end()) {
        stat("unmatched_shm_alloc", "data_loss", 1, h.ts, "shm " + std::to_string(shm) + " created again before its free");
        old->second.row.end_kind = "freed";
        old->second.row.end_inferred = true;
        rows_.add(old->second.row);
        shms_.erase(old);
    }
    start_shm(shms_[shm].row, next_shm_++, context_id(ctx, h.ts, event), shm, size, how, process_id, h.ts);
}

void Trackers::on_drv_shm_alloc(const EventHeader &h, const teescope_drv_shm_alloc &e) {
    shm_created(h, e.pid, e.tid, e.ctx, e.shm, e.size, "alloc", "shm_alloc");
}

void Trackers::on_drv_shm_register(const EventHeader &h, const teescope_drv_shm_register &e) {
    shm_created(h, e.pid, e.tid, e.ctx, e.shm, e.size, "register", "shm_register");
}

void Trackers::on_drv_shm_free(const EventHeader &h, const teescope_drv_shm_free &e) {
    caller(e.pid, e.tid, h.ts);
    auto it = shms_.find(e.shm);
    if (it == shms_.end()) {
        stat("unmatched_shm_free", "data_loss", 1, h.ts, "shm_free of shm " + std::to_string(e.shm) + " never created");
        return;
    }
    it->second.row.freed_ts = h.ts;
    it->second.row.end_kind = "freed";
    rows_.add(it->second.row);
    shms_.erase(it);
}

// ---------------------------------------------------------------------------------------------
// OP-TEE sessions

void Trackers::on_drv_optee_open_begin(const EventHeader &h, const teescope_drv_optee_open_begin &e) {
    caller(e.pid, e.tid, h.ts);
    SessionRow &s = opening_sessions_[e.invocation];
    s = SessionRow{};
    s.id = next_session_++;
    s.context_id = context_id(e.ctx, h.ts, "optee_open_begin");
    s.uuid = uuid_text(e.uuid);
    s.login = e.login;
    s.guest = e.guest;
}

void Trackers::on_drv_optee_open_end(const EventHeader &h, const teescope_drv_optee_open_end &e) {
    caller(e.pid, e.tid, h.ts);
    auto it = opening_sessions_.find(e.invocation);
    if (it == opening_sessions_.end()) {
        stat("unmatched_optee_open_end", "data_loss", 1, h.ts,
             "optee_open_end of invocation " + std::to_string(e.invocation) + " without its begin");
        return;
    }
    SessionRow s = std::move(it->second);
    opening_sessions_.erase(it);
    s.ret = e.ret;
    s.origin = e.origin;
    if (e.ret != 0 || e.err != 0) {
        s.end_kind = "failed";
        rows_.add(s);
        return;
    }
    s.session = e.session;
    s.open_ts = h.ts;
    PairKey key{e.ctx, e.session};
    auto old = sessions_.find(key);
    if (old != sessions_.end()) {
        stat("unmatched_optee_open", "data_loss", 1, h.ts,
             "session " + std::to_string(e.session) + " of context " + std::to_string(e.ctx) + " opened again before its close");
        old->second.end_kind = "closed";
        rows_.add(old->second);
        sessions_.erase(old);
    }
    sessions_.emplace(key, std::move(s));
}

void Trackers::on_drv_optee_close(const EventHeader &h, const teescope_drv_optee_close &e) {
    caller(e.pid, e.tid, h.ts);
    auto it = sessions_.find({e.ctx, e.session});
    if (it == sessions_.end()) {
        stat("unmatched_optee_close", "data_loss", 1, h.ts,
             "optee_close of session " + std::to_string(e.session) + " of context " + std::to_string(e.ctx) +
                 " never opened");
        return;
    }
    it->second.close_ts = h.ts;
    it->second.end_kind = "closed";
    rows_.add(it->second);
    sessions_.erase(it);
}

void Trackers::on_drv_optee_rpc_begin(const EventHeader &h, const teescope_drv_optee_rpc_begin &e) {
    caller(e.pid, e.tid, h.ts);
}

void Trackers::on_drv_optee_rpc_end(const EventHeader &h, const teescope_drv_optee_rpc_end &e) {
    caller(e.pid, e.tid, h.ts);
}

// ---------------------------------------------------------------------------------------------
// User side: processes and threads only (supplicant calls are not invocations)

void Trackers::on_user_proc_fork(const EventHeader &h, const teescope_user_proc_fork &e) {
    auto [parent, thread] = user_caller(h);
    (void)thread;
    if (e.child <= 0)
        return;
    auto cur = pid_current_.find(e.child);
    if (cur != pid_current_.end()) {
        auto it = processes_.find(cur->second);
        if (it != processes_.end())
            end_process(it->second, false);
    }
    Id id = next_process_++;
    Process &p = processes_[id];
    p.row.id = id;
    p.row.pid = e.child;
    p.row.parent_id = parent;
    p.row.start_ts = h.ts;
    p.last_ts = h.ts;
    if (parent)
        p.row.name = processes_[*parent].row.name; // a child runs its parent's image until exec
    pid_current_[e.child] = id;
}

void Trackers::on_user_proc_exit(const EventHeader &h, const teescope_user_proc_exit &) {
    user_caller(h);
    auto cur = pid_current_.find(h.vpid);
    if (cur == pid_current_.end())
        return;
    auto it = processes_.find(cur->second);
    if (it == processes_.end())
        return;
    it->second.exited = true;
    it->second.exit_tid = h.vtid;
    it->second.row.end_ts = h.ts;
}

void Trackers::on_user_dev_open(const EventHeader &h, const teescope_user_dev_open &) { touch_user(h); }
void Trackers::on_user_fd_adopt(const EventHeader &h, const teescope_user_fd_adopt &) { touch_user(h); }
void Trackers::on_user_fd_dup(const EventHeader &h, const teescope_user_fd_dup &) { touch_user(h); }
void Trackers::on_user_fd_close(const EventHeader &h, const teescope_user_fd_close &) { touch_user(h); }
void Trackers::on_user_version(const EventHeader &h, const teescope_user_version &) { touch_user(h); }
void Trackers::on_user_supp_recv_begin(const EventHeader &h, const teescope_user_supp_recv_begin &) { touch_user(h); }
void Trackers::on_user_supp_recv_end(const EventHeader &h, const teescope_user_supp_recv_end &) { touch_user(h); }
void Trackers::on_user_supp_send_begin(const EventHeader &h, const teescope_user_supp_send_begin &) { touch_user(h); }
void Trackers::on_user_supp_send_end(const EventHeader &h, const teescope_user_supp_send_end &) { touch_user(h); }
void Trackers::on_user_shm_alloc(const EventHeader &h, const teescope_user_shm_alloc &) { touch_user(h); }
void Trackers::on_user_shm_register(const EventHeader &h, const teescope_user_shm_register &) { touch_user(h); }
void Trackers::on_user_shm_map(const EventHeader &h, const teescope_user_shm_map &) { touch_user(h); }
void Trackers::on_user_open_session_begin(const EventHeader &h, const teescope_user_open_session_begin &) { touch_user(h); }
void Trackers::on_user_open_session_end(const EventHeader &h, const teescope_user_open_session_end &) { touch_user(h); }
void Trackers::on_user_session_invoke_begin(const EventHeader &h, const teescope_user_session_invoke_begin &) { touch_user(h); }
void Trackers::on_user_session_invoke_end(const EventHeader &h, const teescope_user_session_invoke_end &) { touch_user(h); }
void Trackers::on_user_close_session(const EventHeader &h, const teescope_user_close_session &) { touch_user(h); }
void Trackers::on_user_cancel(const EventHeader &h, const teescope_user_cancel &) { touch_user(h); }
void Trackers::on_user_ioctl_other(const EventHeader &h, const teescope_user_ioctl_other &) { touch_user(h); }

// ---------------------------------------------------------------------------------------------
// Trace-level messages

void Trackers::add_data_loss(const char *what, int64_t begin_ts, int64_t end_ts, uint64_t count,
                             std::string_view stream) {
    DataLossRow r{};
    r.id = next_data_loss_++;
    r.what = what;
    r.count = static_cast<int64_t>(count);
    // A stream without clock snapshots gives 0: the time of the loss is unknown.
    if (begin_ts > 0)
        r.begin_ts = begin_ts;
    if (end_ts > 0)
        r.end_ts = end_ts;
    r.stream = std::string(stream);
    rows_.add(r);
}

void Trackers::on_discarded_events(int64_t begin_ts, int64_t end_ts, uint64_t count, std::string_view stream) {
    data_lost_ = true;
    add_data_loss("events", begin_ts, end_ts, count, stream);
    stat("discarded_events", "data_loss", count, end_ts,
         std::to_string(count) + " events lost in stream " + std::string(stream) + " between ts=" +
             std::to_string(begin_ts) + " and");
}

void Trackers::on_discarded_packets(int64_t begin_ts, int64_t end_ts, uint64_t count, std::string_view stream) {
    data_lost_ = true;
    add_data_loss("packets", begin_ts, end_ts, count, stream);
    stat("discarded_packets", "data_loss", count, end_ts,
         std::to_string(count) + " packets lost in stream " + std::string(stream) + " between ts=" +
             std::to_string(begin_ts) + " and");
}

void Trackers::on_foreign_event(std::string_view name, int64_t ts) {
    stat("foreign_events", "info", 1, ts, "event " + std::string(name) + " of another provider");
}

void Trackers::on_malformed_event(std::string_view name, std::string_view why, int64_t ts) {
    stat("malformed_event", "error", 1, ts, "event " + std::string(name) + ": " + std::string(why));
}

void Trackers::on_read_error(std::string_view what, int64_t last_ts) {
    data_lost_ = true; // whatever came after the error is missing
    stat("read_error", "error", 1, last_ts, std::string(what));
}

void Trackers::on_end(int64_t last_ts) {
    if (ended_)
        return;
    ended_ = true;
    auto sorted = [](auto v) {
        std::sort(v.begin(), v.end(), [](auto *a, auto *b) { return a->row.id < b->row.id; });
        return v;
    };
    auto count_inferred = [&](const char *table, uint64_t n) {
        if (n)
            stat((std::string("end_inferred_") + table).c_str(), "data_loss", n, last_ts,
                 std::to_string(n) + " " + table + " still open when the trace ended after data loss");
    };

    // In-flight invocations: the end is missing (data loss, the caller died, or the trace stopped).
    {
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
        if (data_lost_)
            count_inferred("invocations", live.size());
    }

    // Callback requests still pending.
    {
        std::vector<Request *> v;
        for (auto &kv : requests_)
            v.push_back(&kv.second);
        for (Request *r : sorted(v)) {
            r->row.end_inferred = data_lost_;
            emit_request(*r, "pending_at_end");
        }
        if (data_lost_)
            count_inferred("callback_requests", v.size());
        requests_.clear();
    }

    // Handles still bound.
    {
        std::vector<HandleRow *> v;
        for (auto &kv : handles_)
            v.push_back(&kv.second);
        std::sort(v.begin(), v.end(), [](auto *a, auto *b) { return a->id < b->id; });
        for (HandleRow *r : v) {
            r->end_inferred = data_lost_;
            rows_.add(*r);
        }
        if (data_lost_)
            count_inferred("handles", v.size());
        handles_.clear();
    }

    // Objects still live: their end kind depends on whether their holder is still alive.
    {
        auto v = sorted(by_id(objects_));
        for (ObjectState *o : v)
            emit_object(*o, true);
        if (data_lost_)
            count_inferred("objects", v.size());
        objects_.clear();
    }

    // Shared memory still allocated.
    {
        auto v = sorted(by_id(shms_));
        for (Shm *s : v) {
            s->row.end_kind = process_ended(s->row.process_id) ? "held_at_exit" : "alive_at_end";
            s->row.end_inferred = data_lost_;
            rows_.add(s->row);
        }
        if (data_lost_)
            count_inferred("shm", v.size());
        shms_.clear();
    }

    // Sessions still open (or still opening).
    {
        std::vector<SessionRow *> v;
        for (auto &kv : sessions_)
            v.push_back(&kv.second);
        for (auto &kv : opening_sessions_)
            v.push_back(&kv.second);
        std::sort(v.begin(), v.end(), [](auto *a, auto *b) { return a->id < b->id; });
        for (SessionRow *s : v) {
            s->end_kind = "open_at_end";
            rows_.add(*s);
        }
        sessions_.clear();
        opening_sessions_.clear();
    }

    // Contexts not released.
    {
        auto v = sorted(by_id(contexts_));
        for (ContextState *c : v) {
            c->row.end_kind = c->closed ? "closed" : "open_at_end";
            c->row.end_inferred = data_lost_;
            emit_context(*c);
        }
        if (data_lost_)
            count_inferred("contexts", v.size());
        contexts_.clear();
    }

    // Threads, then processes.
    {
        auto v = sorted(by_id(threads_));
        for (Thread *t : v)
            rows_.add(t->row);
        threads_.clear();
    }
    {
        std::vector<Process *> v;
        for (auto &kv : processes_)
            v.push_back(&kv.second);
        std::sort(v.begin(), v.end(), [](auto *a, auto *b) { return a->row.id < b->row.id; });
        for (Process *p : v)
            end_process(*p, true);
        processes_.clear();
        pid_current_.clear();
    }
}

} // namespace teescope::importer
