// SPDX-License-Identifier: MIT
// The facade: owns the entity trackers, hands each event to the one of its entity and finishes
// them at the end of the trace.
#include "teescope/importer/trackers.h"

#include "context_tracker.h"
#include "core.h"
#include "guest_tracker.h"
#include "invocation_tracker.h"
#include "object_tracker.h"
#include "process_tracker.h"
#include "request_tracker.h"
#include "rpc_tracker.h"
#include "session_tracker.h"
#include "shm_tracker.h"
#include "wait_tracker.h"

namespace teescope::importer {

// Each tracker holds references to the trackers whose answers it needs. Invocations and objects
// need each other (an invocation targets an object, an object is produced by an invocation), as
// do objects and requests (a request calls a callback object, a handle is bound while a request
// is served), and invocations and waits (a wait adds to its invocation, a CLOSE_SESSION begins
// with its waits): a reference to a tracker declared further down is bound before that tracker
// is constructed, and used only once events arrive.
struct Trackers::Entities {
    explicit Entities(RowSink &rows) : core(rows) {}

    TrackerCore core;
    ProcessTracker processes{core};
    ContextTracker contexts{core, processes};
    GuestTracker guests{core, processes};
    InvocationTracker invocations{core, processes, contexts, objects, waits};
    WaitTracker waits{core, processes, contexts, invocations};
    ObjectTracker objects{core, processes, contexts, invocations, requests};
    RequestTracker requests{core, processes, contexts, invocations, objects};
    RpcTracker rpcs{core, processes, contexts, invocations};
    ShmTracker shm{core, processes, contexts, invocations, rpcs, guests};
    SessionTracker sessions{core, processes, contexts, invocations, guests};

    // An OP-TEE event of context `ctx` (0: none) in guest `guest`.
    void optee_seen(uint64_t ctx, int64_t guest, Ts ts) {
        if (ctx)
            contexts.note_optee(ctx, guest);
        guests.seen(guest, ts);
    }
};

Trackers::Trackers(RowSink &rows) : t_(std::make_unique<Entities>(rows)) {}

Trackers::~Trackers() = default;

std::string Trackers::object_class(int32_t kind, uint32_t uid) {
    return ObjectTracker::object_class(kind, uid);
}

// ---------------------------------------------------------------------------------------------
// Processes and threads

void Trackers::on_user_proc_fork(const EventHeader &h, const teescope_user_proc_fork &e) {
    t_->processes.on_user_proc_fork(h, e);
}

void Trackers::on_user_proc_exit(const EventHeader &h, const teescope_user_proc_exit &e) {
    t_->processes.on_user_proc_exit(h, e);
}

void Trackers::on_user_proc_name(const EventHeader &h, const teescope_user_proc_name &e) {
    t_->processes.on_user_proc_name(h, e);
}

// Events that only show their emitter alive: supplicant calls are not invocations.
void Trackers::on_user_dev_open(const EventHeader &h, const teescope_user_dev_open &) { t_->processes.touch_user(h); }
void Trackers::on_user_fd_adopt(const EventHeader &h, const teescope_user_fd_adopt &) { t_->processes.touch_user(h); }
void Trackers::on_user_fd_dup(const EventHeader &h, const teescope_user_fd_dup &e) {
    t_->processes.touch_user(h);
    t_->shm.on_user_fd_dup(h, e);
}
void Trackers::on_user_fd_close(const EventHeader &h, const teescope_user_fd_close &e) {
    t_->processes.touch_user(h);
    t_->shm.on_user_fd_close(h, e);
}
void Trackers::on_user_version(const EventHeader &h, const teescope_user_version &) { t_->processes.touch_user(h); }
void Trackers::on_user_supp_recv_begin(const EventHeader &h, const teescope_user_supp_recv_begin &) { t_->processes.touch_user(h); }
void Trackers::on_user_supp_recv_end(const EventHeader &h, const teescope_user_supp_recv_end &) { t_->processes.touch_user(h); }
void Trackers::on_user_supp_send_begin(const EventHeader &h, const teescope_user_supp_send_begin &) { t_->processes.touch_user(h); }
void Trackers::on_user_supp_send_end(const EventHeader &h, const teescope_user_supp_send_end &) { t_->processes.touch_user(h); }
void Trackers::on_user_shm_alloc(const EventHeader &h, const teescope_user_shm_alloc &e) {
    t_->processes.touch_user(h);
    t_->shm.on_user_shm_alloc(h, e);
}
void Trackers::on_user_shm_register(const EventHeader &h, const teescope_user_shm_register &e) {
    t_->processes.touch_user(h);
    t_->shm.on_user_shm_register(h, e);
}
void Trackers::on_user_shm_map(const EventHeader &h, const teescope_user_shm_map &) { t_->processes.touch_user(h); }
void Trackers::on_user_cancel(const EventHeader &h, const teescope_user_cancel &) { t_->processes.touch_user(h); }
void Trackers::on_user_ioctl_other(const EventHeader &h, const teescope_user_ioctl_other &) { t_->processes.touch_user(h); }

// ---------------------------------------------------------------------------------------------
// Contexts

void Trackers::on_drv_context_open(const EventHeader &h, const teescope_drv_context_open &e) {
    t_->contexts.on_drv_context_open(h, e);
    t_->guests.seen(e.guest, h.ts);
}

void Trackers::on_drv_context_close(const EventHeader &h, const teescope_drv_context_close &e) {
    t_->contexts.on_drv_context_close(h, e);
    t_->requests.on_context_close(h, e.ctx);
}

void Trackers::on_drv_context_release(const EventHeader &h, const teescope_drv_context_release &e) {
    t_->contexts.on_drv_context_release(h, e);
}

// ---------------------------------------------------------------------------------------------
// Objects, handles, callback objects and releases

void Trackers::on_drv_object_create(const EventHeader &h, const teescope_drv_object_create &e) {
    t_->objects.on_drv_object_create(h, e);
}

void Trackers::on_drv_object_free(const EventHeader &h, const teescope_drv_object_free &e) {
    t_->objects.on_drv_object_free(h, e);
}

void Trackers::on_drv_handle_bind(const EventHeader &h, const teescope_drv_handle_bind &e) {
    t_->objects.on_drv_handle_bind(h, e);
}

void Trackers::on_drv_handle_unbind(const EventHeader &h, const teescope_drv_handle_unbind &e) {
    t_->objects.on_drv_handle_unbind(h, e);
}

void Trackers::on_drv_callback_export(const EventHeader &h, const teescope_drv_callback_export &e) {
    t_->objects.on_drv_callback_export(h, e);
}

void Trackers::on_drv_callback_unexport(const EventHeader &h, const teescope_drv_callback_unexport &e) {
    t_->objects.on_drv_callback_unexport(h, e);
}

void Trackers::on_drv_release_queue(const EventHeader &h, const teescope_drv_release_queue &e) {
    t_->objects.on_drv_release_queue(h, e);
}

void Trackers::on_drv_release_done(const EventHeader &h, const teescope_drv_release_done &e) {
    t_->objects.on_drv_release_done(h, e);
}

void Trackers::on_drv_async_release(const EventHeader &h, const teescope_drv_async_release &e) {
    t_->objects.on_drv_async_release(h, e);
}

// ---------------------------------------------------------------------------------------------
// Invocations

void Trackers::on_drv_invoke_begin(const EventHeader &h, const teescope_drv_invoke_begin &e) {
    t_->invocations.on_drv_invoke_begin(h, e);
}

void Trackers::on_drv_invoke_end(const EventHeader &h, const teescope_drv_invoke_end &e) {
    t_->invocations.on_drv_invoke_end(h, e);
}

void Trackers::on_drv_optee_invoke_begin(const EventHeader &h, const teescope_drv_optee_invoke_begin &e) {
    t_->invocations.on_drv_optee_invoke_begin(h, e);
    t_->sessions.on_drv_optee_invoke_begin(h, e);
    t_->optee_seen(e.ctx, e.guest, h.ts);
}

void Trackers::on_drv_optee_invoke_end(const EventHeader &h, const teescope_drv_optee_invoke_end &e) {
    t_->invocations.on_drv_optee_invoke_end(h, e);
}

void Trackers::on_user_invoke_begin(const EventHeader &h, const teescope_user_invoke_begin &e) {
    t_->invocations.on_user_invoke_begin(h, e);
}

void Trackers::on_user_invoke_end(const EventHeader &h, const teescope_user_invoke_end &e) {
    t_->invocations.on_user_invoke_end(h, e);
}

void Trackers::on_user_open_session_begin(const EventHeader &h, const teescope_user_open_session_begin &e) {
    t_->invocations.on_user_open_session_begin(h, e);
}

void Trackers::on_user_open_session_end(const EventHeader &h, const teescope_user_open_session_end &e) {
    t_->invocations.on_user_open_session_end(h, e);
}

void Trackers::on_user_session_invoke_begin(const EventHeader &h, const teescope_user_session_invoke_begin &e) {
    t_->invocations.on_user_session_invoke_begin(h, e);
}

void Trackers::on_user_session_invoke_end(const EventHeader &h, const teescope_user_session_invoke_end &e) {
    t_->invocations.on_user_session_invoke_end(h, e);
}

void Trackers::on_user_close_session(const EventHeader &h, const teescope_user_close_session &e) {
    t_->invocations.on_user_close_session(h, e);
}

// ---------------------------------------------------------------------------------------------
// Callback requests and OP-TEE RPCs: a supplicant's pick, answer and abandon name the request by
// (context, id); QTEE requests were queued under that id, RPCs are taken in queue order.

void Trackers::on_drv_request_queue(const EventHeader &h, const teescope_drv_request_queue &e) {
    t_->requests.on_drv_request_queue(h, e);
}

void Trackers::on_drv_request_pick(const EventHeader &h, const teescope_drv_request_pick &e) {
    if (!t_->requests.pending(e.ctx, e.request) &&
        (t_->contexts.is_optee(e.ctx) || t_->rpcs.waiting(e.ctx, e.request)))
        t_->rpcs.on_drv_request_pick(h, e);
    else
        t_->requests.on_drv_request_pick(h, e);
}

void Trackers::on_drv_request_answer(const EventHeader &h, const teescope_drv_request_answer &e) {
    if (t_->rpcs.taken(e.ctx, e.request))
        t_->rpcs.on_drv_request_answer(h, e);
    else
        t_->requests.on_drv_request_answer(h, e);
}

void Trackers::on_drv_request_abandon(const EventHeader &h, const teescope_drv_request_abandon &e) {
    if (t_->rpcs.taken(e.ctx, e.request))
        t_->rpcs.on_drv_request_abandon(h, e);
    else
        t_->requests.on_drv_request_abandon(h, e);
}

void Trackers::on_drv_optee_rpc_begin(const EventHeader &h, const teescope_drv_optee_rpc_begin &e) {
    t_->rpcs.on_drv_optee_rpc_begin(h, e);
    t_->optee_seen(e.ctx, e.guest, h.ts);
}

void Trackers::on_drv_optee_rpc_end(const EventHeader &h, const teescope_drv_optee_rpc_end &e) {
    t_->rpcs.on_drv_optee_rpc_end(h, e);
}

// ---------------------------------------------------------------------------------------------
// Shared memory

void Trackers::on_drv_shm_alloc(const EventHeader &h, const teescope_drv_shm_alloc &e) {
    t_->shm.on_drv_shm_alloc(h, e);
}

void Trackers::on_drv_shm_register(const EventHeader &h, const teescope_drv_shm_register &e) {
    t_->shm.on_drv_shm_register(h, e);
}

void Trackers::on_drv_shm_free(const EventHeader &h, const teescope_drv_shm_free &e) {
    t_->shm.on_drv_shm_free(h, e);
}

void Trackers::on_drv_optee_memref(const EventHeader &h, const teescope_drv_optee_memref &e) {
    t_->shm.on_drv_optee_memref(h, e);
    t_->optee_seen(e.ctx, e.guest, h.ts);
}

// ---------------------------------------------------------------------------------------------
// OP-TEE sessions, calls and waits

void Trackers::on_drv_optee_open_begin(const EventHeader &h, const teescope_drv_optee_open_begin &e) {
    t_->invocations.on_drv_optee_open_begin(h, e);
    t_->sessions.on_drv_optee_open_begin(h, e);
    t_->optee_seen(e.ctx, e.guest, h.ts);
}

void Trackers::on_drv_optee_open_end(const EventHeader &h, const teescope_drv_optee_open_end &e) {
    t_->sessions.on_drv_optee_open_end(h, e);
    t_->invocations.on_drv_optee_open_end(h, e);
}

void Trackers::on_drv_optee_close(const EventHeader &h, const teescope_drv_optee_close &e) {
    t_->sessions.on_drv_optee_close(h, e);
    t_->optee_seen(e.ctx, e.guest, h.ts);
}

void Trackers::on_drv_optee_wait_begin(const EventHeader &h, const teescope_drv_optee_wait_begin &e) {
    t_->waits.on_drv_optee_wait_begin(h, e);
    t_->optee_seen(e.ctx, e.guest, h.ts);
}

void Trackers::on_drv_optee_wait_end(const EventHeader &h, const teescope_drv_optee_wait_end &e) {
    t_->waits.on_drv_optee_wait_end(h, e);
}

// ---------------------------------------------------------------------------------------------
// Xen guests

void Trackers::on_drv_guest_create(const EventHeader &h, const teescope_drv_guest_create &e) {
    t_->guests.on_drv_guest_create(h, e);
}

void Trackers::on_drv_guest_destroy(const EventHeader &h, const teescope_drv_guest_destroy &e) {
    t_->guests.on_drv_guest_destroy(h, e);
}

// ---------------------------------------------------------------------------------------------
// Trace-level messages

void Trackers::on_discarded_events(int64_t begin_ts, int64_t end_ts, uint64_t count, std::string_view stream) {
    t_->core.on_discarded("events", begin_ts, end_ts, count, stream);
}

void Trackers::on_discarded_packets(int64_t begin_ts, int64_t end_ts, uint64_t count, std::string_view stream) {
    t_->core.on_discarded("packets", begin_ts, end_ts, count, stream);
}

void Trackers::on_unreadable_packets(int64_t begin_ts, int64_t end_ts, uint64_t count, std::string_view stream,
                                     std::string_view why) {
    t_->core.on_unreadable(begin_ts, end_ts, count, stream, why);
}

void Trackers::on_foreign_event(std::string_view name, int64_t ts) { t_->core.on_foreign_event(name, ts); }

void Trackers::on_malformed_event(std::string_view name, std::string_view why, int64_t ts) {
    t_->core.on_malformed_event(name, why, ts);
}

void Trackers::on_other_recording(std::string_view name, uint64_t recording, uint64_t trace_recording, int64_t ts) {
    t_->core.on_other_recording(name, recording, trace_recording, ts);
}

void Trackers::on_read_error(std::string_view what, int64_t last_ts) { t_->core.on_read_error(what, last_ts); }

// What is still open is emitted innermost first; processes come last because the end kind of an
// object or a shm asks whether its holder process ended.
void Trackers::write_live() {
    if (ended_)
        return;
    t_->processes.write_live();
    t_->contexts.write_live();
    t_->guests.write_live();
    t_->objects.write_live();
    t_->invocations.write_live();
    t_->requests.write_live();
    t_->rpcs.write_live();
    t_->waits.write_live();
    t_->shm.write_live();
    t_->sessions.write_live();
    t_->core.live_written();
}

void Trackers::on_end(int64_t last_ts) {
    if (ended_)
        return;
    ended_ = true;
    t_->waits.finish(last_ts);
    t_->rpcs.finish(last_ts);
    t_->invocations.finish(last_ts);
    t_->requests.finish(last_ts);
    t_->objects.finish(last_ts); // handles, then objects
    // What a destroyed guest still held was dropped with it, even where no close followed.
    for (const auto &[guest, ts] : t_->guests.destroyed_guests())
        t_->contexts.drop_guest(guest, ts);
    t_->shm.finish(last_ts);
    t_->sessions.finish(last_ts);
    t_->guests.finish(last_ts);
    t_->contexts.finish(last_ts);
    t_->processes.finish(); // threads, then processes
}

} // namespace teescope::importer
