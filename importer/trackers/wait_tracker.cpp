// SPDX-License-Identifier: MIT
#include "wait_tracker.h"

#include "context_tracker.h"
#include "invocation_tracker.h"
#include "process_tracker.h"

namespace teescope::importer {

namespace {
const char *wait_reason_name(int32_t reason) {
    return reason == TEESCOPE_WAIT_REASON_GUEST_LIMIT ? "guest_limit" : "no_thread";
}
} // namespace

WaitTracker::WaitTracker(TrackerCore &core, ProcessTracker &processes, ContextTracker &contexts,
                         InvocationTracker &invocations)
    : core_(core), processes_(processes), contexts_(contexts), invocations_(invocations) {}

void WaitTracker::on_drv_optee_wait_begin(const EventHeader &h, const teescope_drv_optee_wait_begin &e) {
    auto [process_id, thread_id] = processes_.caller(e.pid, e.tid, h.ts);
    (void)process_id;
    Wait w;
    w.row.id = core_.new_id(Table::optee_wait);
    w.row.context_id = contexts_.context_id(e.ctx, h.ts, "optee_wait_begin");
    w.row.thread_id = thread_id;
    w.row.guest = e.guest;
    w.row.reason = wait_reason_name(e.reason);
    w.row.begin_ts = h.ts;
    w.serial = e.invocation;
    w.tid = e.tid;
    if (e.invocation) {
        if (const InvocationRow *inv = invocations_.in_flight(e.invocation)) {
            w.row.invocation_id = inv->id;
            w.attached = true;
        }
    }
    auto replace = [&](auto &open, const auto &key) {
        auto old = open.find(key);
        if (old != open.end()) {
            core_.stat("unmatched_optee_wait_begin", "data_loss", 1, h.ts,
                       "optee_wait_begin of invocation " + std::to_string(e.invocation) + " of thread " +
                           std::to_string(e.tid) + " while it waits");
            old->second.row.end_inferred = true;
            core_.rows().add(old->second.row);
            open.erase(old);
        }
        open.emplace(key, std::move(w));
    };
    if (e.invocation)
        replace(open_, e.invocation);
    else
        replace(open_unnamed_, PairKey{e.ctx, static_cast<uint64_t>(e.tid)});
}

void WaitTracker::end_wait(Wait &&w, Ts ts) {
    w.row.end_ts = ts;
    const int64_t ns = ts - w.row.begin_ts.value_or(ts);
    if (w.attached) {
        invocations_.add_wait(w.serial, ns);
        core_.rows().add(w.row);
        return;
    }
    if (w.tid <= 0) {
        core_.rows().add(w.row); // the driver's own close: no invocation
        return;
    }
    unattached_[w.tid].push_back(std::move(w));
}

void WaitTracker::on_drv_optee_wait_end(const EventHeader &h, const teescope_drv_optee_wait_end &e) {
    processes_.caller(e.pid, e.tid, h.ts);
    auto end = [&](auto &open, const auto &key) {
        auto it = open.find(key);
        if (it == open.end()) {
            core_.stat("unmatched_optee_wait_end", "data_loss", 1, h.ts,
                       "optee_wait_end of invocation " + std::to_string(e.invocation) + " of thread " +
                           std::to_string(e.tid) + " without its begin");
            return;
        }
        Wait w = std::move(it->second);
        open.erase(it);
        end_wait(std::move(w), h.ts);
    };
    if (e.invocation)
        end(open_, e.invocation);
    else
        end(open_unnamed_, PairKey{e.ctx, static_cast<uint64_t>(e.tid)});
}

WaitTracker::Attached WaitTracker::attach_unattached(int64_t tid, Id invocation_id) {
    Attached a;
    auto it = unattached_.find(tid);
    if (it == unattached_.end())
        return a;
    for (Wait &w : it->second) {
        w.row.invocation_id = invocation_id;
        if (!a.first_begin || (w.row.begin_ts && *w.row.begin_ts < *a.first_begin))
            a.first_begin = w.row.begin_ts;
        if (w.row.begin_ts && w.row.end_ts)
            a.total_ns += *w.row.end_ts - *w.row.begin_ts;
        if (!a.serial && w.serial)
            a.serial = static_cast<int64_t>(w.serial);
        core_.rows().add(w.row);
    }
    unattached_.erase(it);
    return a;
}

void WaitTracker::emit_unattached(int64_t tid) {
    auto it = unattached_.find(tid);
    if (it == unattached_.end())
        return;
    for (const Wait &w : it->second)
        core_.rows().add(w.row);
    unattached_.erase(it);
}

void WaitTracker::finish(Ts last_ts) {
    std::vector<Wait *> v;
    for (auto &kv : open_)
        v.push_back(&kv.second);
    for (auto &kv : open_unnamed_)
        v.push_back(&kv.second);
    for (auto &kv : unattached_)
        for (Wait &w : kv.second)
            v.push_back(&w);
    std::sort(v.begin(), v.end(), [](const Wait *a, const Wait *b) { return a->row.id < b->row.id; });
    uint64_t open = 0;
    for (Wait *w : v) {
        if (!w->row.end_ts) {
            w->row.end_inferred = core_.data_lost();
            ++open;
        }
        core_.rows().add(w->row);
    }
    core_.count_inferred("optee_waits", open, last_ts);
    open_.clear();
    open_unnamed_.clear();
    unattached_.clear();
}

} // namespace teescope::importer
