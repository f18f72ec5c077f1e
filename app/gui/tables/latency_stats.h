// SPDX-License-Identifier: MIT
// The invocations of one latency row (class, op), as the histogram and the scatter draw them:
// a histogram over every invocation in log-scaled duration buckets, and a scatter of
// (driver begin, duration) downsampled to a bounded number of points that always keeps the
// slowest invocations. Computed in a background job; an immutable value afterwards.
#pragma once

#include "core/trace_db.h"

#include <QList>
#include <QString>

#include <optional>
#include <vector>

namespace teescope::gui {

struct LatencySample {
    qint64 invocationId = 0;
    qint64 beginTs = 0;    // invocations.drv_begin_ts
    qint64 durationNs = 0; // drv_end_ts - drv_begin_ts
};

// Buckets of durations on a log scale: bucket b holds [lowerBound(b), lowerBound(b + 1)),
// bucketsPerDecade buckets per power of ten; durations below 1 ns go to bucket 0.
struct LatencyHistogram {
    static constexpr int bucketsPerDecade = 10;
    static int bucketOf(qint64 ns);
    static qint64 lowerBound(int bucket);

    int firstBucket = 0;   // bucket of counts[0]
    QList<qint64> counts;  // consecutive buckets from firstBucket to the slowest one
    qint64 total() const;
    qint64 maxCount() const;
    int lastBucket() const { return firstBucket + int(counts.size()) - 1; }
};

struct LatencyStats {
    QString objectClass;
    qint64 op = 0;
    QString opLabel;                  // the op in words, as the latency table names it
    qint64 count = 0;                 // invocations with both driver times
    LatencyHistogram histogram;       // over all of them
    QList<LatencySample> points;      // the scatter, by begin time; every invocation unless downsampled
    bool downsampled = false;
    // The points are a sample of a big row (a finished file holding more than the scan limit):
    // every invocation of the row within evenly spaced stretches of the invocations table, then
    // downsampled as above, plus the slowest. The histogram and the counts still cover them all.
    bool sampled = false;
    std::optional<LatencySample> slowest;
    qint64 minTs = 0, maxTs = 0;      // begin times
    qint64 minNs = 0, maxNs = 0;      // durations
    qint64 loadMs = 0;                // how long the job took
};

// The stats of `samples` (any order); the scatter keeps at most about `maxPoints` points: per
// time column the fastest, the slowest and one drawn at random, so the envelope and the
// slowest invocation survive.
LatencyStats buildLatencyStats(std::vector<LatencySample> samples, int maxPoints = 20000);

// Rows that are read whole for the scatter; a bigger row (of a finished file) is sampled.
inline constexpr qint64 kLatencyScanLimit = 200000;

// Reads the invocations of (class, op) with both driver times and builds their stats; the class
// is that of the objects invoked, or the TA of OP-TEE calls. The classes "driver (kernel)" (the
// driver's own calls) and "unknown" (the others) take invocations of no known object, as the
// latency table does. With guest >= 0, only the
// invocations of that guest. A finished file gives the histogram, the count, the extremes and the
// slowest from its invocation groups and reads at most about kLatencyScanLimit invocations for
// the scatter; a live one reads them all. Throws store::Error.
LatencyStats loadLatencyStats(const store::Database &db, const QString &objectClass, qint64 op, int maxPoints = 20000,
                              int guest = -1, qint64 scanLimit = kLatencyScanLimit);

} // namespace teescope::gui
