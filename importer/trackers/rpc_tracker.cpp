// SPDX-License-Identifier: MIT
#include "rpc_tracker.h"

#include "context_tracker.h"
#include "invocation_tracker.h"
#include "process_tracker.h"

namespace teescope::importer {

namespace {
const char *abandon_reason_name(int32_t reason) {
    switch (reason) {
    case TEESCOPE_ABANDON_REASON_INVOKER_DIED: return "invoker_died";
    case TEESCOPE_ABANDON_REASON_OWNER_CLOSED: return "owner_closed";
    case TEESCOPE_ABANDON_REASON_BAD_ANSWER: return "bad_answer";
    default: return "bad_request";
    }
}
} // namespace

RpcTracker::RpcTracker(TrackerCore &core, ProcessTracker &processes, ContextTracker &contexts,
                       InvocationTracker &invocations)
    : core_(core), processes_(processes), contexts_(contexts), invocations_(invocations) {}

void RpcTracker::emit(Rpc &r, const char *end_kind) {
    r.row.end_kind = end_kind;
    core_.rows().add(r.row);
}

void RpcTracker::stop_serving(Rpc &r) {
    if (r.supplicant_tid > 0) {
        processes_.stop_serving(r.supplicant_tid, r.row.id);
        auto s = serving_.find(r.supplicant_tid);
        if (s != serving_.end() && s->second == r.row.id)
            serving_.erase(s);
    }
}

RpcTracker::Rpc *RpcTracker::by_request(uint64_t ctx, uint64_t request) {
    auto t = taken_.find({ctx, request});
    if (t == taken_.end())
        return nullptr;
    auto it = rpcs_.find(t->second);
    // Only an RPC a supplicant holds: a stale name (its RPC ended unseen) finds nothing.
    return it != rpcs_.end() && it->second.taken && !it->second.answered && it->second.abandoned < 0 ? &it->second
                                                                                                     : nullptr;
}

bool RpcTracker::waiting(uint64_t ctx, uint64_t request) const {
    if (named_.count({ctx, request}) > 0)
        return true;
    auto q = queues_.find(contexts_.guest_of(ctx));
    return q != queues_.end() && !q->second.empty();
}

void RpcTracker::on_drv_optee_rpc_begin(const EventHeader &h, const teescope_drv_optee_rpc_begin &e) {
    auto [process_id, thread_id] = processes_.caller(e.pid, e.tid, h.ts);
    (void)thread_id;
    auto old = rpcs_.find(e.invocation);
    if (old != rpcs_.end()) {
        core_.stat("unmatched_optee_rpc_begin", "data_loss", 1, h.ts,
                   "optee_rpc_begin of invocation " + std::to_string(e.invocation) + " while an RPC of it is in flight");
        old->second.row.end_inferred = true;
        stop_serving(old->second);
        queued_.erase(old->second.row.id);
        // Its names go with it, lest a later pick or answer find the new RPC under them.
        if (old->second.ctx && old->second.row.request) {
            const PairKey name{old->second.ctx, static_cast<uint64_t>(*old->second.row.request)};
            auto &names = old->second.taken ? taken_ : named_;
            if (auto n = names.find(name); n != names.end() && n->second == e.invocation)
                names.erase(n);
        }
        emit(old->second, "pending_at_end");
        rpcs_.erase(old);
    }
    Rpc &r = rpcs_[e.invocation];
    r.row.id = core_.new_id(Table::callback_request);
    r.row.kind = "rpc";
    r.row.op = e.cmd;
    r.row.guest = e.guest;
    r.row.queue_ts = h.ts;
    r.row.invoker_process_id = process_id;
    if (e.ctx) {
        r.row.context_id = contexts_.context_id(e.ctx, h.ts, "optee_rpc_begin");
        r.ctx = e.ctx;
    }
    if (const InvocationRow *inv = invocations_.in_flight(e.invocation)) {
        r.row.invocation_id = inv->id;
        r.depth = inv->depth;
    }
    if (e.request && e.ctx) {
        // The driver named the request already: the pick names it too.
        r.row.request = e.request;
        named_[{e.ctx, e.request}] = e.invocation;
        return;
    }
    queues_[e.guest].push_back(r.row.id);
    queued_.emplace(r.row.id, e.invocation);
}

void RpcTracker::on_drv_request_pick(const EventHeader &h, const teescope_drv_request_pick &e) {
    auto [process_id, thread_id] = processes_.caller(e.pid, e.tid, h.ts);
    uint64_t serial = 0;
    bool found = false;
    if (auto n = named_.find({e.ctx, e.request}); n != named_.end()) {
        serial = n->second;
        named_.erase(n);
        auto live = rpcs_.find(serial);
        found = live != rpcs_.end() && !live->second.taken; // not one taken already under another name
    }
    if (!found) {
        // The oldest RPC of the supplicant's guest that is still waiting for a supplicant.
        auto q = queues_.find(contexts_.guest_of(e.ctx));
        while (q != queues_.end() && !q->second.empty()) {
            const Id id = q->second.front();
            q->second.pop_front();
            auto it = queued_.find(id);
            if (it == queued_.end())
                continue; // returned before any supplicant took it
            serial = it->second;
            queued_.erase(it);
            auto live = rpcs_.find(serial);
            if (live == rpcs_.end() || live->second.row.id != id || live->second.taken)
                continue; // ended, replaced or taken while it waited (events were lost)
            found = true;
            break;
        }
    }
    if (!found) {
        core_.stat("unmatched_request_pick", "data_loss", 1, h.ts,
                   "request_pick of request " + std::to_string(e.request) + " of supplicant context " +
                       std::to_string(e.ctx) + " with no RPC waiting");
        return;
    }
    Rpc &r = rpcs_.at(serial);
    queued_.erase(r.row.id); // taken, however it was found
    if (process_id)
        contexts_.note_call(e.ctx, *process_id, h.ts, "request_pick");
    r.taken = true;
    r.ctx = e.ctx;
    r.row.context_id = contexts_.context_id(e.ctx, h.ts, "request_pick");
    r.row.request = e.request;
    r.row.pick_ts = h.ts;
    r.row.supplicant_thread_id = thread_id;
    r.supplicant_tid = e.tid;
    taken_[{e.ctx, e.request}] = serial;
    processes_.serve(e.tid, r.row.id, r.depth);
    if (e.tid > 0)
        serving_[e.tid] = r.row.id;
}

void RpcTracker::on_drv_request_answer(const EventHeader &h, const teescope_drv_request_answer &e) {
    auto [process_id, thread_id] = processes_.caller(e.pid, e.tid, h.ts);
    (void)thread_id;
    Rpc *r = by_request(e.ctx, e.request);
    if (!r) {
        if (e.err != 0)
            core_.stat("refused_answer", "info", 1, h.ts,
                       "request_answer of RPC request " + std::to_string(e.request) + " of context " +
                           std::to_string(e.ctx) + " refused with err " + std::to_string(e.err));
        else
            core_.stat("unmatched_request_answer", "data_loss", 1, h.ts,
                       "request_answer of RPC request " + std::to_string(e.request) + " of context " +
                           std::to_string(e.ctx) + " not taken");
        return;
    }
    if (process_id)
        contexts_.note_call(e.ctx, *process_id, h.ts, "request_answer");
    r->answered = true;
    r->row.answer_ts = h.ts;
    r->row.ret = static_cast<uint32_t>(e.ret); // a GP result (TEEC_*), as invocations.ret
    r->row.err = e.err;
    stop_serving(*r);
    taken_.erase({e.ctx, e.request});
}

void RpcTracker::on_drv_request_abandon(const EventHeader &h, const teescope_drv_request_abandon &e) {
    processes_.caller(e.pid, e.tid, h.ts);
    Rpc *r = by_request(e.ctx, e.request);
    if (!r) {
        core_.stat("unmatched_request_abandon", "data_loss", 1, h.ts,
                   "request_abandon of RPC request " + std::to_string(e.request) + " of context " +
                       std::to_string(e.ctx) + " not taken");
        return;
    }
    r->abandoned = e.reason;
    r->row.answer_ts = h.ts;
    stop_serving(*r);
    taken_.erase({e.ctx, e.request});
}

void RpcTracker::on_drv_optee_rpc_end(const EventHeader &h, const teescope_drv_optee_rpc_end &e) {
    processes_.caller(e.pid, e.tid, h.ts);
    auto it = rpcs_.find(e.invocation);
    if (it == rpcs_.end()) {
        core_.stat("unmatched_optee_rpc_end", "data_loss", 1, h.ts,
                   "optee_rpc_end of invocation " + std::to_string(e.invocation) + " without its begin");
        return;
    }
    Rpc &r = it->second;
    r.row.return_ts = h.ts;
    if (!r.answered)
        r.row.ret = e.ret;
    const char *end_kind = "answered";
    if (r.abandoned >= 0) {
        end_kind = abandon_reason_name(r.abandoned);
    } else if (!r.taken) {
        queued_.erase(r.row.id);
        if (e.request != 0) {
            // A supplicant answered it, but its pick was not seen.
            core_.stat("rpc_pick_unobserved", "data_loss", 1, h.ts,
                       "optee_rpc_end of request " + std::to_string(e.request) + " of invocation " +
                           std::to_string(e.invocation) + " whose pick was not seen");
            r.row.request = e.request;
            r.row.end_inferred = true;
        } else {
            end_kind = "not_served";
        }
        if (r.ctx && r.row.request)
            named_.erase({r.ctx, static_cast<uint64_t>(*r.row.request)});
    } else if (!r.answered) {
        // Taken, never answered: the supplicant went away (its context closed).
        end_kind = "owner_closed";
        stop_serving(r);
        taken_.erase({r.ctx, static_cast<uint64_t>(r.row.request.value_or(0))});
    }
    emit(r, end_kind);
    rpcs_.erase(it);
}

void RpcTracker::finish(Ts last_ts) {
    std::vector<Rpc *> v;
    for (auto &kv : rpcs_)
        v.push_back(&kv.second);
    std::sort(v.begin(), v.end(), [](const Rpc *a, const Rpc *b) { return a->row.id < b->row.id; });
    for (Rpc *r : v) {
        r->row.end_inferred = core_.data_lost();
        stop_serving(*r);
        emit(*r, r->abandoned >= 0 ? abandon_reason_name(r->abandoned) : "pending_at_end");
    }
    core_.count_inferred("rpc_requests", v.size(), last_ts);
    rpcs_.clear();
    queues_.clear();
    queued_.clear();
    taken_.clear();
    named_.clear();
    serving_.clear();
}

} // namespace teescope::importer
