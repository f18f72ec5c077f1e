// SPDX-License-Identifier: MIT
// Callback requests: queued by an invocation that calls a callback object, picked by a thread of
// the owner's supplicant (which serves it until it answers), then answered or abandoned. A
// lifetime per (owner context, request id, queue time): request ids are reused.
#pragma once

#include "core.h"

#include "teescope/importer/event.h"

#include <unordered_map>

namespace teescope::importer {

class ContextTracker;
class InvocationTracker;
class ObjectTracker;
class ProcessTracker;

class RequestTracker {
public:
    RequestTracker(TrackerCore &core, ProcessTracker &processes, ContextTracker &contexts,
                   InvocationTracker &invocations, ObjectTracker &objects);
    RequestTracker(const RequestTracker &) = delete;
    RequestTracker &operator=(const RequestTracker &) = delete;

    void on_drv_request_queue(const EventHeader &, const teescope_drv_request_queue &);
    void on_drv_request_pick(const EventHeader &, const teescope_drv_request_pick &);
    void on_drv_request_answer(const EventHeader &, const teescope_drv_request_answer &);
    void on_drv_request_abandon(const EventHeader &, const teescope_drv_request_abandon &);

    // The id of request `request` of context serial `ctx` if it is pending.
    OptId pending(uint64_t ctx, uint64_t request) const {
        auto it = requests_.find({ctx, request});
        return it != requests_.end() ? OptId(it->second.row.id) : std::nullopt;
    }

    // The owner context `ctx` was closed: the RELEASE notices it never took are dropped with it
    // (qcomtee_requests_destroy() drops them without an event; the other requests end with
    // request_abandon).
    void on_context_close(const EventHeader &h, uint64_t ctx);

    // Live imports: writes the lifetimes still open as they are now (see Trackers::write_live).
    void write_live();

    // Emits the requests still pending.
    void finish(Ts last_ts);

private:
    struct Request {
        CallbackRequestRow row;
        int64_t depth = 0;          // depth of its invocation
        int64_t supplicant_tid = -1;
    };

    void emit_request(Request &r, const char *end_kind);
    void stop_serving(const Request &r);

    TrackerCore &core_;
    ProcessTracker &processes_;
    ContextTracker &contexts_;
    InvocationTracker &invocations_;
    ObjectTracker &objects_;

    std::unordered_map<PairKey, Request, PairHash> requests_; // (ctx serial, request) -> pending
};

} // namespace teescope::importer
