// SPDX-License-Identifier: MIT
// The trackers: state machines that follow every lifetime of a trace (processes, threads,
// contexts, handle bindings, object instances, invocations, callback requests, OP-TEE RPCs and
// thread waits, shm and its uses, sessions, Xen guests) and hand each finished lifetime to a
// RowSink. Only what is alive is kept, so memory follows
// the live state of the traced system, not the length of the trace.
//
// Trackers is the trace's sink: it hands each event to the tracker of its entity (one per
// concern, in importer/trackers/: processes and threads, contexts, objects and handles,
// invocations, callback requests, OP-TEE RPCs, waits for an OP-TEE thread, shm, OP-TEE
// sessions, Xen guests), which share only the ids, the statistics and the row sink.
#pragma once

#include "teescope/importer/event.h"
#include "teescope/importer/rows.h"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace teescope::importer {

class Trackers : public TraceSink {
public:
    explicit Trackers(RowSink &rows);
    ~Trackers() override;
    Trackers(const Trackers &) = delete;
    Trackers &operator=(const Trackers &) = delete;

    // Driver side.
    void on_drv_context_open(const EventHeader &, const teescope_drv_context_open &) override;
    void on_drv_context_close(const EventHeader &, const teescope_drv_context_close &) override;
    void on_drv_context_release(const EventHeader &, const teescope_drv_context_release &) override;
    void on_drv_object_create(const EventHeader &, const teescope_drv_object_create &) override;
    void on_drv_object_free(const EventHeader &, const teescope_drv_object_free &) override;
    void on_drv_handle_bind(const EventHeader &, const teescope_drv_handle_bind &) override;
    void on_drv_handle_unbind(const EventHeader &, const teescope_drv_handle_unbind &) override;
    void on_drv_invoke_begin(const EventHeader &, const teescope_drv_invoke_begin &) override;
    void on_drv_invoke_end(const EventHeader &, const teescope_drv_invoke_end &) override;
    void on_drv_callback_export(const EventHeader &, const teescope_drv_callback_export &) override;
    void on_drv_callback_unexport(const EventHeader &, const teescope_drv_callback_unexport &) override;
    void on_drv_request_queue(const EventHeader &, const teescope_drv_request_queue &) override;
    void on_drv_request_pick(const EventHeader &, const teescope_drv_request_pick &) override;
    void on_drv_request_answer(const EventHeader &, const teescope_drv_request_answer &) override;
    void on_drv_request_abandon(const EventHeader &, const teescope_drv_request_abandon &) override;
    void on_drv_release_queue(const EventHeader &, const teescope_drv_release_queue &) override;
    void on_drv_release_done(const EventHeader &, const teescope_drv_release_done &) override;
    void on_drv_async_release(const EventHeader &, const teescope_drv_async_release &) override;
    void on_drv_shm_alloc(const EventHeader &, const teescope_drv_shm_alloc &) override;
    void on_drv_shm_register(const EventHeader &, const teescope_drv_shm_register &) override;
    void on_drv_shm_free(const EventHeader &, const teescope_drv_shm_free &) override;
    void on_drv_optee_open_begin(const EventHeader &, const teescope_drv_optee_open_begin &) override;
    void on_drv_optee_open_end(const EventHeader &, const teescope_drv_optee_open_end &) override;
    void on_drv_optee_invoke_begin(const EventHeader &, const teescope_drv_optee_invoke_begin &) override;
    void on_drv_optee_invoke_end(const EventHeader &, const teescope_drv_optee_invoke_end &) override;
    void on_drv_optee_close(const EventHeader &, const teescope_drv_optee_close &) override;
    void on_drv_optee_rpc_begin(const EventHeader &, const teescope_drv_optee_rpc_begin &) override;
    void on_drv_optee_rpc_end(const EventHeader &, const teescope_drv_optee_rpc_end &) override;
    void on_drv_optee_wait_begin(const EventHeader &, const teescope_drv_optee_wait_begin &) override;
    void on_drv_optee_wait_end(const EventHeader &, const teescope_drv_optee_wait_end &) override;
    void on_drv_optee_memref(const EventHeader &, const teescope_drv_optee_memref &) override;
    void on_drv_guest_create(const EventHeader &, const teescope_drv_guest_create &) override;
    void on_drv_guest_destroy(const EventHeader &, const teescope_drv_guest_destroy &) override;

    // User side.
    void on_user_dev_open(const EventHeader &, const teescope_user_dev_open &) override;
    void on_user_fd_adopt(const EventHeader &, const teescope_user_fd_adopt &) override;
    void on_user_fd_dup(const EventHeader &, const teescope_user_fd_dup &) override;
    void on_user_fd_close(const EventHeader &, const teescope_user_fd_close &) override;
    void on_user_proc_fork(const EventHeader &, const teescope_user_proc_fork &) override;
    void on_user_proc_exit(const EventHeader &, const teescope_user_proc_exit &) override;
    void on_user_proc_name(const EventHeader &, const teescope_user_proc_name &) override;
    void on_user_version(const EventHeader &, const teescope_user_version &) override;
    void on_user_invoke_begin(const EventHeader &, const teescope_user_invoke_begin &) override;
    void on_user_invoke_end(const EventHeader &, const teescope_user_invoke_end &) override;
    void on_user_supp_recv_begin(const EventHeader &, const teescope_user_supp_recv_begin &) override;
    void on_user_supp_recv_end(const EventHeader &, const teescope_user_supp_recv_end &) override;
    void on_user_supp_send_begin(const EventHeader &, const teescope_user_supp_send_begin &) override;
    void on_user_supp_send_end(const EventHeader &, const teescope_user_supp_send_end &) override;
    void on_user_shm_alloc(const EventHeader &, const teescope_user_shm_alloc &) override;
    void on_user_shm_register(const EventHeader &, const teescope_user_shm_register &) override;
    void on_user_shm_map(const EventHeader &, const teescope_user_shm_map &) override;
    void on_user_open_session_begin(const EventHeader &, const teescope_user_open_session_begin &) override;
    void on_user_open_session_end(const EventHeader &, const teescope_user_open_session_end &) override;
    void on_user_session_invoke_begin(const EventHeader &, const teescope_user_session_invoke_begin &) override;
    void on_user_session_invoke_end(const EventHeader &, const teescope_user_session_invoke_end &) override;
    void on_user_close_session(const EventHeader &, const teescope_user_close_session &) override;
    void on_user_cancel(const EventHeader &, const teescope_user_cancel &) override;
    void on_user_ioctl_other(const EventHeader &, const teescope_user_ioctl_other &) override;

    // What the reader learned besides events.
    void on_discarded_events(int64_t begin_ts, int64_t end_ts, uint64_t count, std::string_view stream) override;
    void on_discarded_packets(int64_t begin_ts, int64_t end_ts, uint64_t count, std::string_view stream) override;
    void on_unreadable_packets(int64_t begin_ts, int64_t end_ts, uint64_t count, std::string_view stream,
                               std::string_view why) override;
    void on_foreign_event(std::string_view name, int64_t ts) override;
    void on_malformed_event(std::string_view name, std::string_view why, int64_t ts) override;
    void on_other_recording(std::string_view name, uint64_t recording, uint64_t trace_recording, int64_t ts) override;
    void on_read_error(std::string_view what, int64_t last_ts) override;
    // Emits every lifetime still open, then nothing more is accepted.
    void on_end(int64_t last_ts) override;

    // Live imports, at each commit: writes every lifetime still open as it is now (its end
    // columns empty, end_kind `live`), each with the id it keeps; its final row replaces it.
    void write_live();

    // The class name the database uses for an object of `kind` (enum teescope_object_kind) and uid.
    static std::string object_class(int32_t kind, uint32_t uid);

private:
    struct Entities; // the core and one tracker per entity (trackers.cpp)
    std::unique_ptr<Entities> t_;
    bool ended_ = false;
};

} // namespace teescope::importer
