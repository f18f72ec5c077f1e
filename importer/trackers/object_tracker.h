// SPDX-License-Identifier: MIT
// Object instances and the handles that name them: an instance per driver address (addresses
// are freed and reused), created by an invocation (provenance), bound to handles in contexts,
// exported to the TEE when it is a callback object, then unbound, released (queued, done, or
// asynchronously on another invocation) and freed. Its end kind says which leak it is, if any.
#pragma once

#include "core.h"

#include "teescope/importer/event.h"

#include <unordered_map>
#include <vector>

namespace teescope::importer {

class ContextTracker;
class InvocationTracker;
class ProcessTracker;
class RequestTracker;

class ObjectTracker {
public:
    ObjectTracker(TrackerCore &core, ProcessTracker &processes, ContextTracker &contexts,
                  InvocationTracker &invocations, RequestTracker &requests);
    ObjectTracker(const ObjectTracker &) = delete;
    ObjectTracker &operator=(const ObjectTracker &) = delete;

    // The class name the database uses for an object of `kind` (enum teescope_object_kind) and uid.
    static std::string object_class(int32_t kind, uint32_t uid);

    void on_drv_object_create(const EventHeader &, const teescope_drv_object_create &);
    void on_drv_object_free(const EventHeader &, const teescope_drv_object_free &);
    void on_drv_handle_bind(const EventHeader &, const teescope_drv_handle_bind &);
    void on_drv_handle_unbind(const EventHeader &, const teescope_drv_handle_unbind &);
    void on_drv_callback_export(const EventHeader &, const teescope_drv_callback_export &);
    void on_drv_callback_unexport(const EventHeader &, const teescope_drv_callback_unexport &);
    void on_drv_release_queue(const EventHeader &, const teescope_drv_release_queue &);
    void on_drv_release_done(const EventHeader &, const teescope_drv_release_done &);
    void on_drv_async_release(const EventHeader &, const teescope_drv_async_release &);

    // The id of the live instance at `address`; an address other than 0 never created in the
    // trace gets an instance of unknown origin of `kind`, counted under `event`.
    OptId object_id(uint64_t address, int32_t kind, OptId ctx, Ts ts, const char *event);
    // The driver began invocation `serial`: objects created for it before are produced by it.
    void invocation_began(uint64_t serial, Id invocation_id, Ts ts) {
        if (!awaiting_invocation_.empty())
            resolve_awaiting(serial, invocation_id, ts);
    }

    // Live imports: writes the lifetimes still open as they are now (see Trackers::write_live).
    void write_live();

    // Emits the handles still bound, then the objects still live.
    void finish(Ts last_ts);

private:
    struct ObjectState {
        ObjectRow row;
        int32_t kind = 0;
        int bound = 0;              // handles naming it now
        int32_t last_unbind = -1;   // enum teescope_unbind_reason of the last unbind
        OptId holder_process;       // process that caused its last bind
        bool exported = false;
    };

    ObjectState *object_for(uint64_t address);
    ObjectState &unknown_object(uint64_t address, int32_t kind, OptId ctx, Ts ts, const char *event);
    Id new_object(uint64_t address, int32_t kind, Ts ts);
    void emit_object(ObjectState &o, bool at_end);
    void resolve_awaiting(uint64_t serial, Id invocation_id, Ts ts);

    TrackerCore &core_;
    ProcessTracker &processes_;
    ContextTracker &contexts_;
    InvocationTracker &invocations_;
    RequestTracker &requests_;

    std::unordered_map<uint64_t, ObjectState> objects_;        // driver address -> live instance
    std::unordered_map<PairKey, HandleRow, PairHash> handles_; // (ctx serial, handle) -> binding
    std::vector<std::pair<uint64_t, uint64_t>> awaiting_invocation_; // (driver serial, object address) created before its begin
};

} // namespace teescope::importer
