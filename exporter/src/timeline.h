// SPDX-License-Identifier: MIT
// The timeline of a trace database in the shape trace viewers want: processes and threads,
// properly nested slices per thread, flows between slices, instants and counters. Read once from
// the database; the Perfetto and Chrome JSON writers only format it.
#pragma once

#include "teescope/export/export.h"

#include <array>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace teescope::store {
class Database;
}

namespace teescope::exporter {

// Strings are stored once per timeline (a large trace has a million slices and a few dozen names).
class StringTable {
public:
    uint32_t intern(const std::string &text);
    const std::string &operator[](uint32_t id) const { return strings_[id]; }

private:
    std::vector<std::string> strings_;
    std::unordered_map<std::string, uint32_t> ids_;
};

// An argument of a slice or an instant: a number, or a string of the table.
struct Arg {
    const char *name = nullptr; // a literal
    int64_t number = 0;
    int64_t text = -1; // StringTable id, or -1 for a number
    bool is_text() const { return text >= 0; }
};

// A few arguments, kept inside the slice.
class Args {
public:
    static constexpr size_t kMax = 6;
    void number(const char *name, int64_t v)
    {
        if (size_ < kMax)
            items_[size_++] = Arg{name, v, -1};
    }
    void text(const char *name, uint32_t id)
    {
        if (size_ < kMax)
            items_[size_++] = Arg{name, 0, int64_t(id)};
    }
    const Arg *begin() const { return items_.data(); }
    const Arg *end() const { return items_.data() + size_; }

private:
    std::array<Arg, kMax> items_{};
    uint8_t size_ = 0;
};

struct Process {
    int64_t id = 0; // processes.id
    int64_t pid = 0;
    std::string name;
    int64_t start_ts = 0;
    int64_t end_ts = 0;
};

struct Thread {
    int64_t id = 0; // threads.id
    int64_t process_id = 0;
    size_t process = 0; // index into Timeline::processes
    int64_t tid = 0;
    std::string name;
};

// Ranks of slices, outermost first: a request served by a supplicant thread, the user side of
// an invocation, its driver side, a wait for a request it caused.
constexpr int kServedRank = 0;
constexpr int kUserRank = 1;
constexpr int kDriverRank = 2;
constexpr int kWaitRank = 3;

struct Slice {
    size_t thread = 0; // index into Timeline::threads
    int64_t begin = 0;
    int64_t end = 0;
    int rank = 0; // breaks ties between equal intervals: the lower rank is the parent (kServedRank ...)
    uint32_t name = 0; // StringTable id
    const char *category = ""; // invocation | driver | callback_wait | callback | rpc_wait | rpc
    uint32_t args = 0;         // Timeline::args index: the user and driver sides of a call share theirs
    bool open_end = false; // its end is not in the database: it ends where the next one of its kind begins
    uint64_t flow_out = 0; // the flow starting at this slice, 0 if none
    uint64_t flow_in = 0;  // the flow ending at this slice, 0 if none
};

// A moment on a process's track, or on the trace-wide data-loss track (process = npos).
struct Instant {
    static constexpr size_t npos = static_cast<size_t>(-1);
    size_t process = npos;
    int64_t ts = 0;
    uint32_t name = 0;         // StringTable id
    const char *category = ""; // release | process | data_loss
    uint32_t args = 0;         // Timeline::args index
};

struct CounterPoint {
    int64_t ts = 0;
    int64_t value = 0;
};

struct Counter {
    size_t process = 0;
    std::string name; // "handles held", "objects alive", "shm bytes"
    bool bytes = false;
    std::vector<CounterPoint> points; // ts ascending, one per distinct ts
};

// What a viewer draws, one record per slice begin / end, instant and counter value, in the
// order to write them: time ascending, and on one track ends before the begins at the same time
// except for an empty slice, children inside their parents.
struct TimelineEvent {
    enum class Kind : uint8_t { begin, end, instant, counter };
    int64_t ts = 0;
    uint32_t index = 0; // into slices, instants, or counters (with point below)
    uint32_t point = 0;
    Kind kind = Kind::begin;
};

struct Timeline {
    StringTable strings;
    std::vector<Args> args;
    int64_t first_ts = 0;
    int64_t last_ts = 0;
    std::vector<Process> processes;
    std::vector<Thread> threads;
    std::vector<Slice> slices;
    std::vector<Instant> instants;
    std::vector<Counter> counters;
    std::vector<TimelineEvent> events;
    int64_t clipped_slices = 0; // slices cut to fit inside their parent (an end lost to data loss)
    bool has_data_loss = false;
};

// Reads the timeline of `db`, keeping what overlaps `range`. Throws store::Error.
Timeline read_timeline(const store::Database &db, const TimeRange &range);

// metadata first_ts / last_ts of the trace, or the extent of its processes. Throws store::Error.
struct TraceSpan {
    int64_t first_ts = 0;
    int64_t last_ts = 0;
};
TraceSpan trace_span(const store::Database &db);

} // namespace teescope::exporter
