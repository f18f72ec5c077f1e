// SPDX-License-Identifier: MIT
// What `teescope top` shows of a trace database at one moment ("now"): per process the contexts
// open, handles held, calls and callback requests; latency per service and op; the oldest objects
// still held. The same queries read a finished database (now = its last event) and one a live
// import is still writing (now = the newest committed event): both answer "alive at T" as
// start <= T AND (end IS NULL OR end > T).
#pragma once

#include "teescope/store/database.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace teescope::store {

// live: a live import is writing it; stalled: it says live but its writer stopped committing;
// finished: the import completed; incomplete: an import that stopped before its end.
enum class TopState { live, stalled, finished, incomplete };
std::string_view top_state_name(TopState state);

struct TopQuery {
    int64_t window_ns = 10'000'000'000; // the recent past: growth, and while live rates and p99
    size_t oldest_objects = 10;         // how many of the oldest held objects to list
    int64_t stall_after_ms = 10'000;    // a live file not committed to for longer is stalled
    int64_t wall_now_ms = 0;            // the reader's clock (Unix ms), for the stall test
};

struct TopProcess {
    int64_t id = 0;  // processes.id
    int64_t pid = 0; // processes.pid
    std::string name; // processes.name as stored (trace text; empty if unknown)
    bool ended = false; // it ended at or before now
    int64_t contexts_open = 0;       // contexts it opened, open at now
    int64_t handles_held = 0;        // handles bound at now in the contexts it opened
    int64_t handles_held_before = 0; // the same at growth_begin_ts
    int64_t calls = 0;               // invocations it began in the rate window
    std::optional<int64_t> p99_ns;   // driver-side p99 of its invocations that ended in the rate window
    int64_t requests_queued = 0;     // callback requests to its contexts not picked yet at now
    int64_t requests_serving = 0;    // picked by its supplicant thread, not answered at now
};

struct TopOp {
    std::string klass;   // latency.class (service or TA)
    int64_t op = 0;
    std::string op_name; // the op in words
    int64_t count = 0;   // calls that ended in the rate window (both driver times)
    int64_t p50_ns = 0, p99_ns = 0, max_ns = 0;
};

struct TopHeldObject {
    int64_t object_id = 0; // objects.id
    std::string klass, kind;
    int64_t holder_id = 0; // processes.id holding it (the opener of the handles' context); 0 unknown
    int64_t holder_pid = 0;
    std::string holder_name;
    int64_t handles = 0;            // handles of the holder bound to it at now
    std::optional<int64_t> since_ts; // its creation, else its first bind; nullopt: before the trace
};

struct TopSnapshot {
    std::string file;
    TopState state = TopState::finished;
    int64_t first_ts = 0;                  // the trace's first event
    int64_t now_ts = 0;                    // live_ts while live, else last_ts
    std::optional<int64_t> last_commit_ms; // metadata live_wall_ms (live files)
    int64_t events = 0;                    // events read (live_events while live)
    int64_t lost_events = 0, lost_packets = 0; // what the tracer discarded (data_loss; events_lost, packets_lost)
    int64_t data_loss_findings = 0;        // other import statistics of severity data_loss
    // Rates and p99 are over [rate_begin_ts, now_ts]: the window while live, the whole trace
    // once finished. Growth is from growth_begin_ts (now minus the window) to now.
    int64_t rate_begin_ts = 0;
    bool rate_whole_trace = false;
    int64_t growth_begin_ts = 0;
    int64_t requests_unowned = 0;   // RPCs queued at now that no supplicant took yet
    int64_t objects_held = 0;       // (object, holder) pairs held at now; `oldest` lists the first
    std::vector<TopProcess> processes; // those alive in the rate window or holding something, by id
    std::vector<TopOp> ops;            // by class and op
    std::vector<TopHeldObject> oldest; // oldest first
};

// Reads one consistent snapshot (a single read transaction). Throws Error naming the file.
TopSnapshot read_top_snapshot(const Database &db, const TopQuery &query);

// A live snapshot read again at query.wall_now_ms without new commits: live or stalled now.
void update_top_state(TopSnapshot &snapshot, const TopQuery &query);

// PRAGMA data_version of the connection: it changes when another connection commits.
int64_t data_version(const Database &db);

} // namespace teescope::store
