// SPDX-License-Identifier: MIT
// The trackers: state machines that follow every lifetime of a trace (processes, threads,
// contexts, handle bindings, object instances, invocations, callback requests, shm, sessions)
// and hand each finished lifetime to a RowSink. Only what is alive is kept, so memory follows
// the live state of the traced system, not the length of the trace.
#pragma once

#include "teescope/importer/event.h"
#include "teescope/importer/rows.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace teescope::importer {

// Insert and erase for a node-based map that recycle erased nodes, so lifetimes that begin and
// end at event rate (invocations) cost no allocation once the live set has been reached.
template <typename Map> class NodeRecycler {
public:
    void erase(Map &m, typename Map::iterator it) { spare_.push_back(m.extract(it)); }
    // Like try_emplace: an existing key is left as it is.
    std::pair<typename Map::iterator, bool> insert(Map &m, const typename Map::key_type &key,
                                                   const typename Map::mapped_type &value) {
        if (spare_.empty())
            return m.try_emplace(key, value);
        auto node = std::move(spare_.back());
        spare_.pop_back();
        node.key() = key;
        node.mapped() = value;
        auto r = m.insert(std::move(node));
        if (!r.inserted)
            spare_.push_back(std::move(r.node));
        return {r.position, r.inserted};
    }
    void clear() { spare_.clear(); }

private:
    std::vector<typename Map::node_type> spare_;
};

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

    // User side.
    void on_user_dev_open(const EventHeader &, const teescope_user_dev_open &) override;
    void on_user_fd_adopt(const EventHeader &, const teescope_user_fd_adopt &) override;
    void on_user_fd_dup(const EventHeader &, const teescope_user_fd_dup &) override;
    void on_user_fd_close(const EventHeader &, const teescope_user_fd_close &) override;
    void on_user_proc_fork(const EventHeader &, const teescope_user_proc_fork &) override;
    void on_user_proc_exit(const EventHeader &, const teescope_user_proc_exit &) override;
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
    void on_foreign_event(std::string_view name, int64_t ts) override;
    void on_malformed_event(std::string_view name, std::string_view why, int64_t ts) override;
    void on_read_error(std::string_view what, int64_t last_ts) override;
    // Emits every lifetime still open, then nothing more is accepted.
    void on_end(int64_t last_ts) override;

    // The class name the database uses for an object of `kind` (enum teescope_object_kind) and uid.
    static std::string object_class(int32_t kind, uint32_t uid);

private:
    void shm_created(const EventHeader &h, int32_t pid, int32_t tid, uint64_t ctx, int32_t shm, uint64_t size,
                     const char *how, const char *event);

    struct PairHash {
        size_t operator()(const std::pair<uint64_t, uint64_t> &k) const noexcept {
            return std::hash<uint64_t>{}(k.first * 0x9E3779B97F4A7C15ULL ^ (k.second + 0x632BE59BD9B4E019ULL));
        }
    };
    using PairKey = std::pair<uint64_t, uint64_t>;

    struct Process {
        ProcessRow row;
        Ts last_ts = 0;
        int64_t exit_tid = -1;      // the thread that emitted proc_exit (it cannot emit again)
        int contexts_touched = 0;   // contexts it opened or called through
        int contexts_open = 0;      // of those, not closed yet
        bool exited = false;
    };
    struct Thread {
        ThreadRow row;
        OptId serving_request;      // callback request it picked and has not answered
        int64_t serving_depth = 0;  // depth of the invocation that caused that request
    };
    struct ContextState {
        ContextRow row;
        std::vector<ContextUserRow> users; // calls == 0: opener that never called
        bool closed = false;
    };
    struct ObjectState {
        ObjectRow row;
        int32_t kind = 0;
        int bound = 0;              // handles naming it now
        int32_t last_unbind = -1;   // enum teescope_unbind_reason of the last unbind
        OptId holder_process;       // process that caused its last bind
        bool exported = false;
    };
    struct Invocation {
        InvocationRow row;
        int64_t user_pid = -1;      // user side key
        int64_t tid = -1;
        bool has_user = false, user_done = false, has_drv = false, drv_done = false;
    };
    struct Request {
        CallbackRequestRow row;
        int64_t depth = 0;          // depth of its invocation
        int64_t supplicant_tid = -1;
    };
    struct Shm {
        ShmRow row;
    };

    // Identity.
    Process *process_for(int64_t pid, Ts ts, bool user_event, int64_t tid, std::string_view name);
    Thread *thread_for(Process &p, int64_t tid, Ts ts);
    // Process and thread ids of a driver event's caller (pid 0: driver-internal, none).
    std::pair<OptId, OptId> caller(int32_t pid, int32_t tid, Ts ts);
    std::pair<OptId, OptId> user_caller(const EventHeader &h);
    void end_process(Process &p, bool at_end);
    bool process_ended(OptId id) const;

    ContextState *context_for(uint64_t serial, Ts ts, const char *event);
    OptId context_id(uint64_t serial, Ts ts, const char *event);
    void note_context_user(ContextState &c, Id process_id, Ts ts, bool call);
    void emit_context(ContextState &c);

    ObjectState *object_for(uint64_t address);
    ObjectState &unknown_object(uint64_t address, int32_t kind, OptId ctx, Ts ts, const char *event);
    Id new_object(uint64_t address, int32_t kind, Ts ts);
    void emit_object(ObjectState &o, bool at_end);

    uint32_t new_invocation();
    void emit_invocation(uint32_t slot);
    void drv_begin(const EventHeader &h, int32_t pid, int32_t tid, uint64_t ctx, uint64_t serial, Ts ts, uint32_t &slot_out);
    void drv_end(uint64_t serial, int32_t err, int32_t ret, OptInt out_bytes, Ts ts, const char *event);
    void nest(InvocationRow &row, int64_t tid);

    void emit_request(Request &r, const char *end_kind);
    void stop_serving(const Request &r);

    void stat(const char *name, const char *severity, uint64_t n, Ts ts, const std::string &what);
    // A data_loss row for discarded events or packets.
    void add_data_loss(const char *what, int64_t begin_ts, int64_t end_ts, uint64_t count, std::string_view stream);
    void touch_user(const EventHeader &h);

    RowSink &rows_;
    bool data_lost_ = false;
    bool ended_ = false;
    Id next_process_ = 1, next_thread_ = 1, next_context_ = 1, next_object_ = 1, next_handle_ = 1,
       next_invocation_ = 1, next_request_ = 1, next_async_ = 1, next_data_loss_ = 1, next_shm_ = 1, next_session_ = 1;

    std::unordered_map<Id, Process> processes_;          // by processes.id, live or exited-but-current
    std::unordered_map<int64_t, Id> pid_current_;         // raw pid -> current lifetime
    std::unordered_map<int64_t, Thread> threads_;         // raw tid -> current lifetime
    std::unordered_map<uint64_t, ContextState> contexts_; // serial -> not yet released
    std::unordered_map<uint64_t, Id> released_contexts_;  // serial -> id (serials are never reused)
    std::unordered_map<uint64_t, ObjectState> objects_;   // driver address -> live instance
    std::unordered_map<PairKey, HandleRow, PairHash> handles_;     // (ctx serial, handle) -> binding
    std::vector<Invocation> invocations_;                 // pool of in-flight invocations
    std::vector<uint32_t> free_invocations_;
    using DrvIndex = std::unordered_map<uint64_t, uint32_t>;
    using UserIndex = std::unordered_map<PairKey, uint32_t, PairHash>;
    using WaitIndex = std::unordered_map<int64_t, uint32_t>;
    DrvIndex drv_invocations_;   // driver serial -> slot
    UserIndex user_invocations_; // (vpid, user serial) -> slot
    WaitIndex user_waiting_;     // tid -> user call not yet joined to a driver side
    NodeRecycler<DrvIndex> drv_nodes_;
    NodeRecycler<UserIndex> user_nodes_;
    NodeRecycler<WaitIndex> wait_nodes_;
    std::unordered_map<PairKey, Request, PairHash> requests_;      // (ctx serial, request) -> pending
    std::unordered_map<int64_t, Shm> shms_;               // raw shm id -> live shm
    std::unordered_map<uint64_t, SessionRow> opening_sessions_;    // driver serial of OPEN_SESSION -> session
    std::unordered_map<PairKey, SessionRow, PairHash> sessions_;   // (ctx serial, session) -> open session
    std::vector<std::pair<uint64_t, uint64_t>> awaiting_invocation_; // (driver serial, object address) created before its begin

    std::string example_; // reused for the examples of statistics
};

} // namespace teescope::importer
