// SPDX-License-Identifier: MIT
#include "request_tracker.h"

#include "context_tracker.h"
#include "invocation_tracker.h"
#include "object_tracker.h"
#include "process_tracker.h"

#include <algorithm>
#include <vector>

namespace teescope::importer {

namespace {

constexpr uint32_t op_release = 0xFFFF;

const char *abandon_reason_name(int32_t reason) {
    switch (reason) {
    case TEESCOPE_ABANDON_REASON_INVOKER_DIED: return "invoker_died";
    case TEESCOPE_ABANDON_REASON_OWNER_CLOSED: return "owner_closed";
    case TEESCOPE_ABANDON_REASON_BAD_ANSWER: return "bad_answer";
    case TEESCOPE_ABANDON_REASON_BAD_REQUEST: return "bad_request";
    default: return "bad_request";
    }
}

} // namespace

RequestTracker::RequestTracker(TrackerCore &core, ProcessTracker &processes, ContextTracker &contexts,
                               InvocationTracker &invocations, ObjectTracker &objects)
    : core_(core), processes_(processes), contexts_(contexts), invocations_(invocations), objects_(objects) {
    requests_.reserve(256);
}

void RequestTracker::emit_request(Request &r, const char *end_kind) {
    r.row.end_kind = end_kind;
    core_.rows().add(r.row);
}

void RequestTracker::stop_serving(const Request &r) { processes_.stop_serving(r.supplicant_tid, r.row.id); }

void RequestTracker::on_drv_request_queue(const EventHeader &h, const teescope_drv_request_queue &e) {
    auto [process_id, thread_id] = processes_.caller(e.pid, e.tid, h.ts);
    (void)thread_id;
    OptId ctx = contexts_.context_id(e.ctx, h.ts, "request_queue");
    if (!ctx) {
        core_.stat("request_of_unknown_context", "data_loss", 1, h.ts,
                   "request_queue of request " + std::to_string(e.request) + " on context " + std::to_string(e.ctx));
        return;
    }
    PairKey key{e.ctx, e.request};
    auto old = requests_.find(key);
    if (old != requests_.end()) {
        core_.stat("unmatched_request_queue", "data_loss", 1, h.ts,
                   "request " + std::to_string(e.request) + " of context " + std::to_string(e.ctx) +
                       " queued again before it ended");
        old->second.row.end_inferred = true;
        stop_serving(old->second);
        emit_request(old->second, "pending_at_end");
        requests_.erase(old);
    }
    Request &r = requests_[key];
    r = Request{};
    r.row.id = core_.new_id(Table::callback_request);
    r.row.context_id = *ctx;
    r.row.request = e.request;
    r.row.op = e.op;
    r.row.queue_ts = h.ts;
    r.row.invoker_process_id = process_id;
    r.row.object_id = objects_.object_id(e.object, TEESCOPE_OBJECT_KIND_CALLBACK, ctx, h.ts, "request_queue");
    if (e.invocation) {
        if (const InvocationRow *inv = invocations_.in_flight(e.invocation)) {
            r.row.invocation_id = inv->id;
            r.depth = inv->depth;
        }
    }
}

void RequestTracker::on_drv_request_pick(const EventHeader &h, const teescope_drv_request_pick &e) {
    auto [process_id, thread_id] = processes_.caller(e.pid, e.tid, h.ts);
    auto it = requests_.find({e.ctx, e.request});
    if (it == requests_.end()) {
        core_.stat("unmatched_request_pick", "data_loss", 1, h.ts,
                   "request_pick of request " + std::to_string(e.request) + " of context " + std::to_string(e.ctx) +
                       " never queued");
        return;
    }
    Request &r = it->second;
    if (process_id)
        contexts_.note_call(e.ctx, *process_id, h.ts, "request_pick");
    r.row.pick_ts = h.ts;
    r.row.supplicant_thread_id = thread_id;
    r.supplicant_tid = e.tid;
    if (e.op == op_release || r.row.op == op_release) {
        // A RELEASE notice needs no answer: handing it to the supplicant delivers it.
        emit_request(r, "delivered");
        requests_.erase(it);
        return;
    }
    processes_.serve(e.tid, r.row.id, r.depth);
}

void RequestTracker::on_drv_request_answer(const EventHeader &h, const teescope_drv_request_answer &e) {
    auto [process_id, thread_id] = processes_.caller(e.pid, e.tid, h.ts);
    (void)thread_id;
    auto it = requests_.find({e.ctx, e.request});
    if (it == requests_.end() && e.err != 0) {
        // The driver refused an answer to a request that is no longer pending (its invoker died,
        // or it was answered already): an event of the workload, not a gap in the trace.
        core_.stat("refused_answer", "info", 1, h.ts,
                   "request_answer of request " + std::to_string(e.request) + " of context " + std::to_string(e.ctx) +
                       " refused with err " + std::to_string(e.err));
        return;
    }
    if (it == requests_.end()) {
        core_.stat("unmatched_request_answer", "data_loss", 1, h.ts,
                   "request_answer of request " + std::to_string(e.request) + " of context " + std::to_string(e.ctx) +
                       " not pending (err " + std::to_string(e.err) + ")");
        return;
    }
    Request &r = it->second;
    if (process_id)
        contexts_.note_call(e.ctx, *process_id, h.ts, "request_answer");
    r.row.answer_ts = h.ts;
    r.row.ret = e.ret;
    r.row.err = e.err;
    stop_serving(r);
    emit_request(r, "answered");
    requests_.erase(it);
}

void RequestTracker::on_drv_request_abandon(const EventHeader &h, const teescope_drv_request_abandon &e) {
    processes_.caller(e.pid, e.tid, h.ts);
    auto it = requests_.find({e.ctx, e.request});
    if (it == requests_.end()) {
        core_.stat("unmatched_request_abandon", "data_loss", 1, h.ts,
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

void RequestTracker::on_context_close(const EventHeader &h, uint64_t ctx) {
    std::vector<PairKey> dropped;
    for (auto &[key, r] : requests_)
        if (key.first == ctx && r.row.op == op_release && !r.row.pick_ts)
            dropped.push_back(key);
    std::sort(dropped.begin(), dropped.end()); // rows in a stable order
    for (const PairKey &key : dropped) {
        Request &r = requests_.at(key);
        r.row.answer_ts = h.ts;
        emit_request(r, "owner_closed");
        requests_.erase(key);
    }
}

void RequestTracker::finish(Ts last_ts) {
    auto v = in_id_order(requests_);
    for (Request *r : v) {
        r->row.end_inferred = core_.data_lost();
        emit_request(*r, "pending_at_end");
    }
    core_.count_inferred("callback_requests", v.size(), last_ts);
    requests_.clear();
}

} // namespace teescope::importer
