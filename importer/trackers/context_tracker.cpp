// SPDX-License-Identifier: MIT
#include "context_tracker.h"

#include "process_tracker.h"

namespace teescope::importer {

ContextTracker::ContextTracker(TrackerCore &core, ProcessTracker &processes)
    : core_(core), processes_(processes) {
    contexts_.reserve(256);
}

ContextTracker::ContextState *ContextTracker::context_for(uint64_t serial, Ts ts, const char *event) {
    if (serial == 0)
        return nullptr;
    auto it = contexts_.find(serial);
    if (it != contexts_.end())
        return &it->second;
    if (released_contexts_.count(serial))
        return nullptr;
    core_.stat("event_of_unknown_context", "data_loss", 1, ts,
               std::string(event) + " on context " + std::to_string(serial) + " never opened in the trace");
    ContextState &c = contexts_[serial];
    c.row.id = core_.new_id(Table::context);
    c.row.serial = static_cast<int64_t>(serial);
    c.row.origin_unknown = true;
    return &c;
}

OptId ContextTracker::id_for(uint64_t serial, OptId caller, Ts ts, const char *event) {
    if (serial == 0)
        return std::nullopt;
    if (ContextState *c = context_for(serial, ts, event)) {
        if (caller)
            note_context_user(*c, *caller, ts, true);
        return c->row.id;
    }
    auto it = released_contexts_.find(serial);
    return it != released_contexts_.end() ? OptId(it->second.id) : std::nullopt;
}

void ContextTracker::note_call(uint64_t serial, Id process, Ts ts, const char *event) {
    if (ContextState *c = context_for(serial, ts, event))
        note_context_user(*c, process, ts, true);
}

OptId ContextTracker::opener(uint64_t serial) const {
    auto it = contexts_.find(serial);
    return it != contexts_.end() ? it->second.row.process_id : std::nullopt;
}

bool ContextTracker::is_optee(uint64_t serial) const {
    auto it = contexts_.find(serial);
    if (it == contexts_.end())
        return false;
    const ContextRow &r = it->second.row;
    return r.impl == 1 || r.dev.rfind("teepriv", 0) == 0;
}

int64_t ContextTracker::guest_of(uint64_t serial) const {
    auto it = contexts_.find(serial);
    if (it != contexts_.end())
        return it->second.row.guest;
    auto r = released_contexts_.find(serial);
    return r != released_contexts_.end() ? r->second.guest : 0;
}

int ContextTracker::intern_device(const std::string &dev) {
    if (dev.empty())
        return 0;
    for (size_t i = 0; i < devices_.size(); ++i)
        if (devices_[i] == dev)
            return int(i) + 1;
    devices_.push_back(dev);
    return int(devices_.size());
}

int ContextTracker::device_of(uint64_t serial) const {
    auto it = contexts_.find(serial);
    if (it != contexts_.end()) {
        for (size_t i = 0; i < devices_.size(); ++i)
            if (devices_[i] == it->second.row.dev)
                return int(i) + 1;
        return 0;
    }
    auto r = released_contexts_.find(serial);
    return r != released_contexts_.end() ? r->second.device : 0;
}

void ContextTracker::drop_guest(int64_t guest, Ts ts) {
    for (auto &[serial, c] : contexts_) {
        if (c.row.guest != guest || c.closed || (c.row.open_ts && *c.row.open_ts > ts))
            continue; // not of that guest, gone already, or opened after it was destroyed
        c.closed = true;
        c.dropped = true;
        c.row.close_ts = ts;
        for (const auto &u : c.users)
            processes_.context_closed(u.process_id);
    }
}

bool ContextTracker::closed(uint64_t serial) const {
    auto it = contexts_.find(serial);
    if (it != contexts_.end())
        return it->second.closed;
    return released_contexts_.count(serial) > 0;
}

void ContextTracker::note_optee(uint64_t serial, int64_t guest) {
    auto it = contexts_.find(serial);
    if (it == contexts_.end() || !it->second.row.origin_unknown)
        return;
    ContextRow &r = it->second.row;
    if (!r.impl)
        r.impl = 1;
    if (r.guest == 0)
        r.guest = guest;
}

void ContextTracker::note_context_user(ContextState &c, Id process_id, Ts ts, bool call) {
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
    processes_.context_touched(process_id, !c.closed);
    processes_.set_guest(process_id, c.row.guest);
}

void ContextTracker::emit_context(ContextState &c) {
    core_.rows().add(c.row);
    for (const auto &u : c.users)
        if (u.calls > 0)
            core_.rows().add(u);
}

void ContextTracker::on_drv_context_open(const EventHeader &h, const teescope_drv_context_open &e) {
    auto [process_id, thread_id] = processes_.caller(e.pid, e.tid, h.ts);
    (void)thread_id;
    if (contexts_.count(e.ctx) || released_contexts_.count(e.ctx)) {
        core_.stat("duplicate_context_open", "error", 1, h.ts,
                   "context_open of serial " + std::to_string(e.ctx) + " seen before");
        return;
    }
    ContextState &c = contexts_[e.ctx];
    c.row.id = core_.new_id(Table::context);
    c.row.serial = static_cast<int64_t>(e.ctx);
    c.row.process_id = process_id;
    c.row.dev = e.dev ? e.dev : "";
    intern_device(c.row.dev);
    c.row.impl = e.impl;
    c.row.guest = e.guest;
    c.row.open_ts = h.ts;
    if (process_id)
        note_context_user(c, *process_id, h.ts, false);
}

void ContextTracker::on_drv_context_close(const EventHeader &h, const teescope_drv_context_close &e) {
    processes_.caller(e.pid, e.tid, h.ts);
    ContextState *c = context_for(e.ctx, h.ts, "context_close");
    if (!c) {
        core_.stat("unmatched_context_close", "data_loss", 1, h.ts,
                   "context_close of released context " + std::to_string(e.ctx));
        return;
    }
    if (c->closed)
        return;
    c->closed = true;
    c->row.close_ts = h.ts;
    c->row.handles_at_close = e.handles;
    c->row.requests_at_close = e.requests;
    for (const auto &u : c->users)
        processes_.context_closed(u.process_id);
}

void ContextTracker::on_drv_context_release(const EventHeader &h, const teescope_drv_context_release &e) {
    processes_.caller(e.pid, e.tid, h.ts);
    auto it = contexts_.find(e.ctx);
    if (it == contexts_.end()) {
        core_.stat("unmatched_context_release", "data_loss", 1, h.ts,
                   "context_release of context " + std::to_string(e.ctx) + " never opened in the trace");
        return;
    }
    ContextState &c = it->second;
    if (!c.closed) {
        // Released without a traced close: the close was lost.
        if (core_.data_lost())
            c.row.end_inferred = true;
        for (const auto &u : c.users)
            processes_.context_closed(u.process_id);
    }
    c.row.release_ts = h.ts;
    c.row.end_kind = "released";
    emit_context(c);
    released_contexts_.emplace(e.ctx, Released{c.row.id, c.row.guest, device_of(e.ctx)});
    contexts_.erase(it);
}

void ContextTracker::finish(Ts last_ts) {
    auto v = in_id_order(contexts_);
    for (ContextState *c : v) {
        c->row.end_kind = c->dropped ? "dropped_by_guest_destroy" : c->closed ? "closed" : "open_at_end";
        c->row.end_inferred = core_.data_lost();
        emit_context(*c);
    }
    core_.count_inferred("contexts", v.size(), last_ts);
    contexts_.clear();
}

} // namespace teescope::importer
