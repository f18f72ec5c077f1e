// SPDX-License-Identifier: MIT
// The timeline's summaries of a large trace: for each lane (a thread, or the driver's own lane)
// and each power-of-two bucket size, how many invocations began in each bucket, how busy its
// top level was, how deep calls nested, how many failed and how many callback requests or RPCs
// it served. A zoomed-out view paints from them; the detail of a range is read from the database
// with the id range the summary keeps per bucket (ids grow with the time a lifetime starts), so
// no index on time is needed. Its size is bounded by kMaxBuckets per lane whatever the trace size.
// A plain import sums the rows as the writer stores them and writes the finest level to the
// timeline_* tables; a live import sums its finished table once at its end. A reader takes the
// tables when they are there, else makes one pass over the invocations (incremental by id for a
// file that grows).
#pragma once

#include "teescope/importer/rows.h"
#include "teescope/store/database.h"

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>


#include <unordered_map>
#include <vector>

namespace teescope::store {

struct TimelineBucket {
    uint64_t busyNs = 0;        // time covered by the lane's top-level invocations (depth 0)
    uint64_t requestBusyNs = 0; // time covered by the callback requests or RPCs it served
    uint32_t count = 0;         // invocations that began in the bucket
    uint16_t errors = 0;        // of them, those that failed (saturated)
    uint16_t requests = 0;      // callback requests or RPCs that began in the bucket (saturated)
    int16_t maxDepth = -1;      // deepest nesting of the invocations that began in it, -1 if none
    void add(const TimelineBucket &o);
    bool empty() const { return count == 0 && requests == 0 && busyNs == 0 && requestBusyNs == 0; }
    bool operator==(const TimelineBucket &) const = default;
};

// The buckets of one lane at one level: [first, first + buckets.size()).
struct TimelineSummaryLevel {
    int64_t first = 0;
    std::vector<TimelineBucket> buckets;
    const TimelineBucket *at(int64_t index) const
    {
        return index >= first && index < first + int64_t(buckets.size()) ? &buckets[size_t(index - first)] : nullptr;
    }
    bool operator==(const TimelineSummaryLevel &) const = default;
};

struct TimelineLaneSummary {
    int64_t threadId = 0;                      // 0: the driver's lane (and what has no thread)
    std::vector<TimelineSummaryLevel> levels; // levels[i]: buckets of 2^(shift + i) ns
    int64_t invocations = 0;
    int64_t requests = 0;
    int maxDepth = -1;
    bool operator==(const TimelineLaneSummary &) const = default;
};

// One invocation or callback request as the summary sees it (tests build them by hand).
struct TimelineSummaryRow {
    int64_t id = 0;
    int64_t threadId = 0;
    int64_t begin = 0;
    int64_t end = 0;
    int depth = 0;
    bool request = false;
    bool error = false;
    bool open = false; // no end yet (live): kept aside until it ends
};

class TimelineSummary {
public:
    static constexpr int64_t kMaxBuckets = int64_t(1) << 17; // per lane at the finest level
    static constexpr int kMinShift = 10;                    // 1 µs buckets at the finest

    // A summary of [origin, origin + span) (it grows past that by coarsening).
    TimelineSummary(int64_t origin = 0, int64_t span = 1);

    // Adds rows; call finish() before reading levels.
    void add(const TimelineSummaryRow &row);
    // Adds a row as the writer stores it.
    void add(const importer::InvocationRow &row);
    void add(const importer::CallbackRequestRow &row);
    // Coarsens until `span` ns from the origin fit in kMaxBuckets (as the constructor sizes it).
    void fit(int64_t span);
    // Builds the coarser levels of every lane from the finest.
    void finish();

    // Replaces the timeline_* tables' rows with the finest level. Throws Error naming `file`.
    // Call inside a transaction.
    void write(sqlite3 *db, const std::string &file) const;
    // The summary the timeline_* tables hold (finished), or nothing when they are empty (a live
    // file still growing). Throws Error naming the file.
    static std::optional<TimelineSummary> readTables(const Database &db);
    // The same buckets, id ranges, long and open rows (lanes in any order).
    bool operator==(const TimelineSummary &o) const;

    // Background reader: the invocations with id > afterId (at most `limit`), the callback
    // requests with id > afterRequestId, and again the rows open when last read.
    struct Progress { int64_t lastInvocationId = 0; int64_t lastRequestId = 0; bool more = false; };
    Progress read(const Database &db, int64_t afterId, int64_t afterRequestId, int64_t limit);

    int shift() const { return shift_; }
    int64_t origin() const { return origin_; }
    int64_t bucketNs(int level) const { return int64_t(1) << (shift_ + level); }
    const std::vector<TimelineLaneSummary> &lanes() const { return lanes_; }
    const TimelineLaneSummary *lane(int64_t threadId) const;
    int64_t invocations() const { return invocations_; }
    int64_t lastInvocationId() const { return lastInvocationId_; }
    int64_t lastRequestId() const { return lastRequestId_; }

    // Invocations that began in [t0, t1) by the finest buckets (whole buckets: an upper bound).
    int64_t countIn(int64_t t0, int64_t t1) const;
    // What the detail of [t0, t1] needs to read: the id range of the short invocations
    // overlapping it, and the long or open ones to read by id.
    struct IdRanges { int64_t lo = 0; int64_t hi = -1; std::vector<int64_t> ids; };
    IdRanges idsFor(int64_t t0, int64_t t1) const;

private:
    struct Long { int64_t id, begin, end; };
    int64_t bucketOf(int64_t ts) const;
    void coarsen();
    void addToBuckets(const TimelineSummaryRow &row);
    TimelineLaneSummary &laneFor(int64_t threadId);
    TimelineBucket &bucket(TimelineLaneSummary &lane, int64_t index);
    void noteIds(int64_t b0, int64_t b1, int64_t beginBucket, int64_t id);

    int64_t origin_ = 0;
    int shift_ = kMinShift;
    std::vector<TimelineLaneSummary> lanes_;
    std::unordered_map<int64_t, size_t> laneIndex_;
    // Per finest bucket, over every lane: the smallest id of the short invocations overlapping
    // it and the largest id of those beginning in it.
    std::vector<int64_t> loId_, hiId_;
    std::vector<Long> long_;            // invocations spanning more than kLongBuckets buckets
    std::vector<TimelineSummaryRow> open_; // live: invocations or requests with no end yet
    int64_t invocations_ = 0;
    int64_t lastInvocationId_ = 0;
    int64_t lastRequestId_ = 0;
    bool finished_ = false;
};

} // namespace teescope::store
