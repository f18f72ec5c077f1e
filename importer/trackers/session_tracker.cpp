// SPDX-License-Identifier: MIT
#include "session_tracker.h"

#include "context_tracker.h"
#include "guest_tracker.h"
#include "invocation_tracker.h"
#include "process_tracker.h"

namespace teescope::importer {

SessionTracker::SessionTracker(TrackerCore &core, ProcessTracker &processes, ContextTracker &contexts,
                               InvocationTracker &invocations, GuestTracker &guests)
    : core_(core), processes_(processes), contexts_(contexts), invocations_(invocations), guests_(guests) {}

void SessionTracker::on_drv_optee_open_begin(const EventHeader &h, const teescope_drv_optee_open_begin &e) {
    auto [process_id, thread_id] = processes_.caller(e.pid, e.tid, h.ts);
    auto old = opening_sessions_.find(e.invocation);
    if (old != opening_sessions_.end()) {
        core_.stat("duplicate_optee_open_begin", "data_loss", 1, h.ts,
                   "optee_open_begin of invocation " + std::to_string(e.invocation) + " while it is opening");
        old->second.end_kind = "failed";
        old->second.end_inferred = true;
        core_.rows().add(old->second);
        opening_sessions_.erase(old);
    }
    SessionRow &s = opening_sessions_[e.invocation];
    s = SessionRow{};
    s.id = core_.new_id(Table::session);
    s.context_id = contexts_.context_id(e.ctx, h.ts, "optee_open_begin");
    s.uuid = uuid_text(e.uuid);
    s.login = e.login;
    s.guest = e.guest;
    s.process_id = process_id;
    s.thread_id = thread_id;
    if (const InvocationRow *inv = invocations_.in_flight(e.invocation))
        s.opened_by = inv->id;
    invocations_.set_session(e.invocation, s.id);
}

void SessionTracker::on_drv_optee_open_end(const EventHeader &h, const teescope_drv_optee_open_end &e) {
    processes_.caller(e.pid, e.tid, h.ts);
    auto it = opening_sessions_.find(e.invocation);
    if (it == opening_sessions_.end()) {
        core_.stat("unmatched_optee_open_end", "data_loss", 1, h.ts,
                   "optee_open_end of invocation " + std::to_string(e.invocation) + " without its begin");
        if (e.ret == 0 && e.err == 0)
            invocations_.set_session(e.invocation, session_for(e.ctx, e.session, e.guest, h.ts, "optee_open_end").id);
        return;
    }
    SessionRow s = std::move(it->second);
    opening_sessions_.erase(it);
    s.ret = e.ret;
    s.origin = e.origin;
    s.err = e.err;
    s.open_ts = h.ts;
    if (e.ret != 0 || e.err != 0) {
        s.end_kind = "failed";
        core_.rows().add(s);
        return;
    }
    s.session = e.session;
    PairKey key{e.ctx, e.session};
    auto old = sessions_.find(key);
    if (old != sessions_.end()) {
        core_.stat("unmatched_optee_open", "data_loss", 1, h.ts,
                   "session " + std::to_string(e.session) + " of context " + std::to_string(e.ctx) +
                       " opened again before its close");
        old->second.end_kind = "closed";
        old->second.end_inferred = true;
        core_.rows().add(old->second);
        sessions_.erase(old);
    }
    sessions_.emplace(key, std::move(s));
}

SessionRow &SessionTracker::session_for(uint64_t ctx, uint32_t session, int64_t guest, Ts ts, const char *event) {
    auto it = sessions_.find({ctx, session});
    if (it != sessions_.end())
        return it->second;
    core_.stat("event_of_unknown_session", "data_loss", 1, ts,
               std::string(event) + " of session " + std::to_string(session) + " of context " + std::to_string(ctx) +
                   " not opened in the trace");
    SessionRow &s = sessions_[{ctx, session}];
    s.id = core_.new_id(Table::session);
    s.context_id = contexts_.context_id(ctx, ts, event);
    s.session = session;
    s.guest = guest;
    s.origin_unknown = true;
    return s;
}

void SessionTracker::on_drv_optee_invoke_begin(const EventHeader &h, const teescope_drv_optee_invoke_begin &e) {
    invocations_.set_session(e.invocation, session_for(e.ctx, e.session, e.guest, h.ts, "optee_invoke_begin").id);
}

void SessionTracker::on_drv_optee_close(const EventHeader &h, const teescope_drv_optee_close &e) {
    processes_.caller(e.pid, e.tid, h.ts);
    // Who closed it: the guest going away, the context's release, or the client's CLOSE_SESSION.
    const bool by_guest = guests_.destroyed(e.guest);
    const bool at_release = !by_guest && contexts_.closed(e.ctx);
    const bool ioctl = !by_guest && !at_release;
    const char *end_kind = by_guest ? "closed_by_guest_destroy" : at_release ? "closed_at_release" : "closed";
    auto it = sessions_.find({e.ctx, e.session});
    if (it == sessions_.end() && ioctl && e.err != 0) {
        // CLOSE_SESSION of a session the driver does not know: a failed call, not a lost open.
        invocations_.close_session_call(h, e, std::nullopt);
        return;
    }
    if (it == sessions_.end()) {
        core_.stat("unmatched_optee_close", "data_loss", 1, h.ts,
                   "optee_close of session " + std::to_string(e.session) + " of context " + std::to_string(e.ctx) +
                       " never opened");
        session_for(e.ctx, e.session, e.guest, h.ts, "optee_close");
        it = sessions_.find({e.ctx, e.session});
    }
    SessionRow &s = it->second;
    if (ioctl) {
        const Id call = invocations_.close_session_call(h, e, s.id);
        if (e.err != 0)
            return; // the close failed: the session stays open
        s.closed_by = call;
    }
    s.close_ts = h.ts;
    s.end_kind = end_kind;
    core_.rows().add(s);
    sessions_.erase(it);
}

void SessionTracker::finish(Ts last_ts) {
    std::vector<std::pair<SessionRow *, uint64_t>> v; // session, context serial
    for (auto &kv : sessions_)
        v.push_back({&kv.second, kv.first.first});
    for (auto &kv : opening_sessions_)
        v.push_back({&kv.second, 0});
    std::sort(v.begin(), v.end(), [](const auto &a, const auto &b) { return a.first->id < b.first->id; });
    uint64_t inferred = 0;
    for (auto &[s, ctx] : v) {
        if (ctx && guests_.dropped_with(s->guest, s->open_ts)) {
            // Dropped with its guest, which said so (guest_destroy counts its sessions).
            s->end_kind = "closed_by_guest_destroy";
            s->close_ts = guests_.destroyed_ts(s->guest);
            s->end_inferred = core_.data_lost();
        } else if (ctx && contexts_.closed(ctx)) {
            // Its context went away without the close of the session being seen.
            s->end_kind = "closed_at_release";
            s->end_inferred = true;
            ++inferred;
            core_.stat("unobserved_optee_close", "data_loss", 1, last_ts,
                       "session " + std::to_string(s->session.value_or(0)) + " of context " + std::to_string(ctx) +
                           " open when its context was released");
        } else {
            s->end_kind = "open_at_end";
            s->end_inferred = core_.data_lost() || !s->session;
            if (core_.data_lost())
                ++inferred;
        }
        core_.rows().add(*s);
    }
    core_.count_inferred("sessions", inferred, last_ts);
    sessions_.clear();
    opening_sessions_.clear();
}

} // namespace teescope::importer
