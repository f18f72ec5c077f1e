// SPDX-License-Identifier: MIT
// OP-TEE RPCs to tee-supplicant: the secure world asks during an invocation (optee_rpc_begin on
// the invoking thread), a supplicant thread takes the request (request_pick) and answers it
// (request_answer), and the answer goes back (optee_rpc_end, which names the request). Linux
// assigns the request id only when the supplicant takes it, so picks are matched to RPCs in
// queue order, per guest (each guest has its own supplicant). Rows of callback_requests with
// kind rpc, so they draw as flows from the invoking thread to the supplicant thread.
#pragma once

#include "core.h"

#include "teescope/importer/event.h"

#include <deque>
#include <unordered_map>

namespace teescope::importer {

class ContextTracker;
class InvocationTracker;
class ProcessTracker;

class RpcTracker {
public:
    RpcTracker(TrackerCore &core, ProcessTracker &processes, ContextTracker &contexts,
               InvocationTracker &invocations);
    RpcTracker(const RpcTracker &) = delete;
    RpcTracker &operator=(const RpcTracker &) = delete;

    void on_drv_optee_rpc_begin(const EventHeader &, const teescope_drv_optee_rpc_begin &);
    void on_drv_optee_rpc_end(const EventHeader &, const teescope_drv_optee_rpc_end &);
    // request_pick / request_answer / request_abandon on a supplicant context.
    void on_drv_request_pick(const EventHeader &, const teescope_drv_request_pick &);
    void on_drv_request_answer(const EventHeader &, const teescope_drv_request_answer &);
    void on_drv_request_abandon(const EventHeader &, const teescope_drv_request_abandon &);

    // A pick of request `request` on context `ctx` may take an RPC: one was given that id, or
    // some RPC waits in the queue of the context's guest.
    bool waiting(uint64_t ctx, uint64_t request) const;
    // Request `request` of context `ctx` is an RPC a supplicant took and has not answered.
    bool taken(uint64_t ctx, uint64_t request) const { return taken_.count({ctx, request}) > 0; }
    // The RPC a supplicant thread is serving, if any.
    OptId serving(int64_t tid) const {
        auto it = serving_.find(tid);
        return it != serving_.end() ? OptId(it->second) : std::nullopt;
    }

    // Live imports: writes the lifetimes still open as they are now (see Trackers::write_live).
    void write_live();

    // Emits the RPCs still in flight.
    void finish(Ts last_ts);

private:
    struct Rpc {
        CallbackRequestRow row;
        int64_t depth = 0;        // depth of its invocation
        int64_t supplicant_tid = -1;
        uint64_t ctx = 0;         // supplicant context serial once taken
        bool taken = false, answered = false;
        int32_t abandoned = -1;   // enum teescope_abandon_reason, -1 if not abandoned
    };

    Rpc *by_request(uint64_t ctx, uint64_t request);
    void stop_serving(Rpc &r);
    void emit(Rpc &r, const char *end_kind);

    TrackerCore &core_;
    ProcessTracker &processes_;
    ContextTracker &contexts_;
    InvocationTracker &invocations_;

    std::unordered_map<uint64_t, Rpc> rpcs_;               // invocation serial -> RPC in flight
    std::unordered_map<int64_t, std::deque<Id>> queues_;   // guest -> RPC ids not taken, in queue order
    std::unordered_map<Id, uint64_t> queued_;              // RPC id not taken -> invocation serial
    std::unordered_map<PairKey, uint64_t, PairHash> taken_; // (ctx, request) -> invocation serial, taken and not answered
    std::unordered_map<PairKey, uint64_t, PairHash> named_; // (ctx, request) -> serial, for an id given at rpc_begin
    std::unordered_map<int64_t, Id> serving_;               // supplicant tid -> RPC it serves
};

} // namespace teescope::importer
