// SPDX-License-Identifier: MIT
// The timeline's summaries of a large trace: for each lane (a thread, or the driver's own lane)
// and each power-of-two bucket size, how many invocations began in each bucket, how busy its
// top level was, how deep calls nested, how many failed and how many callback requests or RPCs
// it served. A zoomed-out view paints from them; the detail of a range is read from the database
// with the id range the summary keeps per bucket (ids grow with the time a lifetime starts), so
// no index on time is needed. Built in one pass over the invocations (incremental by id for a
// file that grows), its size bounded by kMaxBuckets per lane whatever the trace size.
#pragma once

#include "core/trace_db.h"

#include <QtGlobal>

#include <unordered_map>
#include <vector>

namespace teescope::gui {

struct TimelineBucket {
    quint64 busyNs = 0;        // time covered by the lane's top-level invocations (depth 0)
    quint64 requestBusyNs = 0; // time covered by the callback requests or RPCs it served
    quint32 count = 0;         // invocations that began in the bucket
    quint16 errors = 0;        // of them, those that failed (saturated)
    quint16 requests = 0;      // callback requests or RPCs that began in the bucket (saturated)
    qint16 maxDepth = -1;      // deepest nesting of the invocations that began in it, -1 if none
    void add(const TimelineBucket &o);
    bool empty() const { return count == 0 && requests == 0 && busyNs == 0 && requestBusyNs == 0; }
};

// The buckets of one lane at one level: [first, first + buckets.size()).
struct TimelineSummaryLevel {
    qint64 first = 0;
    std::vector<TimelineBucket> buckets;
    const TimelineBucket *at(qint64 index) const
    {
        return index >= first && index < first + qint64(buckets.size()) ? &buckets[size_t(index - first)] : nullptr;
    }
};

struct TimelineLaneSummary {
    qint64 threadId = 0;                      // 0: the driver's lane (and what has no thread)
    std::vector<TimelineSummaryLevel> levels; // levels[i]: buckets of 2^(shift + i) ns
    qint64 invocations = 0;
    qint64 requests = 0;
    int maxDepth = -1;
};

// One invocation or callback request as the summary sees it (tests build them by hand).
struct TimelineSummaryRow {
    qint64 id = 0;
    qint64 threadId = 0;
    qint64 begin = 0;
    qint64 end = 0;
    int depth = 0;
    bool request = false;
    bool error = false;
    bool open = false; // no end yet (live): kept aside until it ends
};

class TimelineSummary {
public:
    static constexpr qint64 kMaxBuckets = qint64(1) << 17; // per lane at the finest level
    static constexpr int kMinShift = 10;                    // 1 µs buckets at the finest

    // A summary of [origin, origin + span) (it grows past that by coarsening).
    TimelineSummary(qint64 origin = 0, qint64 span = 1);

    // Adds rows; call finish() before reading levels.
    void add(const TimelineSummaryRow &row);
    // Builds the coarser levels of every lane from the finest.
    void finish();

    // Background reader: the invocations with id > afterId (at most `limit`), the callback
    // requests with id > afterRequestId, and again the rows open when last read.
    struct Progress { qint64 lastInvocationId = 0; qint64 lastRequestId = 0; bool more = false; };
    Progress read(const store::Database &db, qint64 afterId, qint64 afterRequestId, qint64 limit);

    int shift() const { return shift_; }
    qint64 origin() const { return origin_; }
    qint64 bucketNs(int level) const { return qint64(1) << (shift_ + level); }
    const std::vector<TimelineLaneSummary> &lanes() const { return lanes_; }
    const TimelineLaneSummary *lane(qint64 threadId) const;
    qint64 invocations() const { return invocations_; }
    qint64 lastInvocationId() const { return lastInvocationId_; }
    qint64 lastRequestId() const { return lastRequestId_; }

    // Invocations that began in [t0, t1) by the finest buckets (whole buckets: an upper bound).
    qint64 countIn(qint64 t0, qint64 t1) const;
    // What the detail of [t0, t1] needs to read: the id range of the short invocations
    // overlapping it, and the long or open ones to read by id.
    struct IdRanges { qint64 lo = 0; qint64 hi = -1; std::vector<qint64> ids; };
    IdRanges idsFor(qint64 t0, qint64 t1) const;

private:
    struct Long { qint64 id, begin, end; };
    qint64 bucketOf(qint64 ts) const;
    void coarsen();
    void addToBuckets(const TimelineSummaryRow &row);
    TimelineLaneSummary &laneFor(qint64 threadId);
    TimelineBucket &bucket(TimelineLaneSummary &lane, qint64 index);
    void noteIds(qint64 b0, qint64 b1, qint64 beginBucket, qint64 id);

    qint64 origin_ = 0;
    int shift_ = kMinShift;
    std::vector<TimelineLaneSummary> lanes_;
    std::unordered_map<qint64, size_t> laneIndex_;
    // Per finest bucket, over every lane: the smallest id of the short invocations overlapping
    // it and the largest id of those beginning in it.
    std::vector<qint64> loId_, hiId_;
    std::vector<Long> long_;            // invocations spanning more than kLongBuckets buckets
    std::vector<TimelineSummaryRow> open_; // live: invocations or requests with no end yet
    qint64 invocations_ = 0;
    qint64 lastInvocationId_ = 0;
    qint64 lastRequestId_ = 0;
    bool finished_ = false;
};

} // namespace teescope::gui
