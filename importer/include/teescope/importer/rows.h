// SPDX-License-Identifier: MIT
// Rows of the trace database (schemas/teescope.sql), one struct per table, fields in column
// order. Trackers emit a row once the lifetime it describes is complete (or at the end of the
// trace), with ids assigned when the lifetime began, so the writer only ever inserts and the
// importer's memory is bounded by what is alive, not by the size of the trace.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace teescope::importer {

using Id = int64_t;               // an assigned lifetime id (1, 2, ...)
using Ts = int64_t;               // trace clock, ns
using OptId = std::optional<Id>;
using OptTs = std::optional<Ts>;
using OptInt = std::optional<int64_t>;

struct ProcessRow {
    Id id;
    int64_t pid;
    std::string name;
    int64_t guest = 0;
    OptId parent_id;
    Ts start_ts;
    OptTs end_ts;
    std::string end_kind;          // exited | vanished | alive_at_end
    std::optional<std::string> exe; // proc_name of its last program; none in older traces
    std::optional<std::string> cmdline;
    OptInt cmdline_bytes;

    bool operator==(const ProcessRow &) const = default;
};

struct ThreadRow {
    Id id;
    Id process_id;
    int64_t tid;
    Ts start_ts;
    OptTs end_ts;

    bool operator==(const ThreadRow &) const = default;
};

struct ContextRow {
    Id id;
    int64_t serial;
    OptId process_id;
    std::string dev;
    OptInt impl;
    int64_t guest = 0;
    OptTs open_ts, close_ts, release_ts;
    OptInt handles_at_close, requests_at_close;
    std::string end_kind;          // released | closed | open_at_end
    bool origin_unknown = false;
    bool end_inferred = false;

    bool operator==(const ContextRow &) const = default;
};

struct ContextUserRow {
    Id context_id;
    Id process_id;
    Ts first_ts, last_ts;
    int64_t calls;

    bool operator==(const ContextUserRow &) const = default;
};

struct ObjectRow {
    Id id;
    int64_t address;
    std::string kind;              // qtee | callback | memory | root | primordial
    std::string klass;             // column "class"
    OptInt uid, sw_id;
    OptId context_id;
    OptInt ref;
    OptTs created_ts;
    OptId produced_by, creator_process_id, creator_thread_id;
    OptInt wire_id;
    OptTs unexported_ts, release_queue_ts, release_done_ts;
    OptInt release_result, release_retries;
    OptTs freed_ts;
    std::string end_kind;
    bool origin_unknown = false;
    bool end_inferred = false;

    bool operator==(const ObjectRow &) const = default;
};

struct HandleRow {
    Id id;
    Id context_id;
    int64_t handle;
    Id object_id;
    OptTs bind_ts, unbind_ts;
    std::optional<std::string> unbind_reason;
    OptId invocation_id, request_id, process_id;
    bool end_inferred = false;

    bool operator==(const HandleRow &) const = default;
};

struct InvocationRow {
    Id id;
    OptInt serial, user_serial;
    OptId context_id, process_id, thread_id, object_id;
    OptInt handle;
    int64_t op;
    OptInt bi, bo, oi, oo, in_bytes, out_bytes;
    OptTs user_begin_ts, user_end_ts, drv_begin_ts, drv_end_ts;
    OptInt err, ret;
    int64_t depth = 0;
    OptId parent_request_id;
    bool internal = false;
    bool end_inferred = false;
    std::string call;              // OP-TEE: open_session | invoke | close_session; empty (NULL) for QTEE OBJECT_INVOKE
    OptId session_id;
    OptInt origin;
    int64_t guest = 0;
    OptInt wait_ns;

    bool operator==(const InvocationRow &) const = default;
};

// invocations.op of the OP-TEE session calls that have no TA command.
inline constexpr int64_t kOpOpenSession = -1;
inline constexpr int64_t kOpCloseSession = -2;

struct CallbackRequestRow {
    Id id;
    OptId context_id;
    OptInt request;
    OptId object_id;
    int64_t op;
    OptId invocation_id, invoker_process_id;
    OptTs queue_ts, pick_ts, answer_ts;
    OptId supplicant_thread_id;
    OptInt ret, err;
    std::string end_kind;
    bool end_inferred = false;
    std::string kind = "callback"; // callback | rpc
    OptTs return_ts;
    int64_t guest = 0;

    bool operator==(const CallbackRequestRow &) const = default;
};

struct AsyncReleaseRow {
    Id id;
    OptId object_id, carrier_invocation_id, carrier_context_id;
    Ts ts;

    bool operator==(const AsyncReleaseRow &) const = default;
};

struct DataLossRow {
    Id id;
    std::string what;              // events | packets | unreadable_packets
    int64_t count = 0;
    OptTs begin_ts, end_ts;
    std::string stream;

    bool operator==(const DataLossRow &) const = default;
};

struct ShmRow {
    Id id;
    OptId context_id;
    int64_t shm;
    OptInt size;
    std::string how;               // alloc | register
    OptId process_id;
    OptTs created_ts, freed_ts;
    std::string end_kind;          // freed | held_at_exit | alive_at_end
    bool end_inferred = false;
    std::optional<std::string> freed_by; // client | process_exit | guest_destroy
    int64_t guest = 0;
    OptId rpc_request_id;
    bool origin_unknown = false;

    bool operator==(const ShmRow &) const = default;
};

struct ShmUseRow {
    Id id;
    OptId shm_id;
    OptId invocation_id;
    int64_t param = 0;
    int64_t shm = -1;
    OptInt offset, size;
    std::string dir;               // in | out | inout
    OptTs ts;

    bool operator==(const ShmUseRow &) const = default;
};

struct SessionRow {
    Id id;
    OptId context_id;
    OptInt session;
    std::string uuid;
    OptInt login;
    int64_t guest = 0;
    OptTs open_ts, close_ts;
    OptInt ret, origin;
    std::string end_kind;          // closed | closed_at_release | closed_by_guest_destroy | failed | open_at_end
    OptId process_id, thread_id, opened_by, closed_by;
    OptInt err;
    bool origin_unknown = false;
    bool end_inferred = false;

    bool operator==(const SessionRow &) const = default;
};

struct OpteeWaitRow {
    Id id;
    OptId invocation_id, context_id, thread_id;
    int64_t guest = 0;
    std::string reason;            // no_thread | guest_limit
    OptTs begin_ts, end_ts;
    bool end_inferred = false;

    bool operator==(const OpteeWaitRow &) const = default;
};

struct GuestRow {
    Id id;
    int64_t guest = 0;
    OptInt threads;
    OptTs created_ts, destroyed_ts;
    OptInt contexts_dropped, sessions_dropped, shm_dropped;
    std::string end_kind;          // destroyed | alive_at_end
    bool origin_unknown = false;
    bool end_inferred = false;

    bool operator==(const GuestRow &) const = default;
};

// Where trackers put finished rows (the SQLite writer, or a test's collector).
class RowSink {
public:
    virtual ~RowSink() = default;
    virtual void add(const ProcessRow &) = 0;
    virtual void add(const ThreadRow &) = 0;
    virtual void add(const ContextRow &) = 0;
    virtual void add(const ContextUserRow &) = 0;
    virtual void add(const ObjectRow &) = 0;
    virtual void add(const HandleRow &) = 0;
    virtual void add(const InvocationRow &) = 0;
    virtual void add(const CallbackRequestRow &) = 0;
    virtual void add(const AsyncReleaseRow &) = 0;
    virtual void add(const DataLossRow &) = 0;
    virtual void add(const ShmRow &) = 0;
    virtual void add(const ShmUseRow &) = 0;
    virtual void add(const SessionRow &) = 0;
    virtual void add(const OpteeWaitRow &) = 0;
    virtual void add(const GuestRow &) = 0;
    // A named import statistic (import_stats): count += n; the first example is kept.
    virtual void count(const std::string &name, const std::string &severity, uint64_t n,
                       const std::string &example) = 0;
};

} // namespace teescope::importer
