// SPDX-License-Identifier: MIT
#include "session_tracker.h"

#include "context_tracker.h"
#include "process_tracker.h"

namespace teescope::importer {

SessionTracker::SessionTracker(TrackerCore &core, ProcessTracker &processes, ContextTracker &contexts)
    : core_(core), processes_(processes), contexts_(contexts) {}

void SessionTracker::on_drv_optee_open_begin(const EventHeader &h, const teescope_drv_optee_open_begin &e) {
    processes_.caller(e.pid, e.tid, h.ts);
    SessionRow &s = opening_sessions_[e.invocation];
    s = SessionRow{};
    s.id = core_.new_id(Table::session);
    s.context_id = contexts_.context_id(e.ctx, h.ts, "optee_open_begin");
    s.uuid = uuid_text(e.uuid);
    s.login = e.login;
    s.guest = e.guest;
}

void SessionTracker::on_drv_optee_open_end(const EventHeader &h, const teescope_drv_optee_open_end &e) {
    processes_.caller(e.pid, e.tid, h.ts);
    auto it = opening_sessions_.find(e.invocation);
    if (it == opening_sessions_.end()) {
        core_.stat("unmatched_optee_open_end", "data_loss", 1, h.ts,
                   "optee_open_end of invocation " + std::to_string(e.invocation) + " without its begin");
        return;
    }
    SessionRow s = std::move(it->second);
    opening_sessions_.erase(it);
    s.ret = e.ret;
    s.origin = e.origin;
    if (e.ret != 0 || e.err != 0) {
        s.end_kind = "failed";
        core_.rows().add(s);
        return;
    }
    s.session = e.session;
    s.open_ts = h.ts;
    PairKey key{e.ctx, e.session};
    auto old = sessions_.find(key);
    if (old != sessions_.end()) {
        core_.stat("unmatched_optee_open", "data_loss", 1, h.ts,
                   "session " + std::to_string(e.session) + " of context " + std::to_string(e.ctx) +
                       " opened again before its close");
        old->second.end_kind = "closed";
        core_.rows().add(old->second);
        sessions_.erase(old);
    }
    sessions_.emplace(key, std::move(s));
}

void SessionTracker::on_drv_optee_close(const EventHeader &h, const teescope_drv_optee_close &e) {
    processes_.caller(e.pid, e.tid, h.ts);
    auto it = sessions_.find({e.ctx, e.session});
    if (it == sessions_.end()) {
        core_.stat("unmatched_optee_close", "data_loss", 1, h.ts,
                   "optee_close of session " + std::to_string(e.session) + " of context " + std::to_string(e.ctx) +
                       " never opened");
        return;
    }
    it->second.close_ts = h.ts;
    it->second.end_kind = "closed";
    core_.rows().add(it->second);
    sessions_.erase(it);
}

void SessionTracker::finish() {
    std::vector<SessionRow *> v;
    for (auto &kv : sessions_)
        v.push_back(&kv.second);
    for (auto &kv : opening_sessions_)
        v.push_back(&kv.second);
    std::sort(v.begin(), v.end(), [](auto *a, auto *b) { return a->id < b->id; });
    for (SessionRow *s : v) {
        s->end_kind = "open_at_end";
        core_.rows().add(*s);
    }
    sessions_.clear();
    opening_sessions_.clear();
}

} // namespace teescope::importer
