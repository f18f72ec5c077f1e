// SPDX-License-Identifier: MIT
#include "tables/latency_stats.h"

#include "core/format.h"

#include "teescope/store/latency.h"

#include <QElapsedTimer>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <random>

namespace teescope::gui {

namespace {
// 10^18.9 is the last lower bound below the largest qint64.
constexpr int topBucket = 189;

// Lower bounds of every bucket, computed once: bucketOf is called for each of millions of
// invocations and a binary search over 190 integers beats log10 and pow.
const std::array<qint64, topBucket + 1> &lowerBounds()
{
    static const std::array<qint64, topBucket + 1> bounds = [] {
        std::array<qint64, topBucket + 1> b{};
        for (int i = 1; i <= topBucket; ++i)
            b[size_t(i)] = qint64(std::ceil(std::pow(10.0, double(i) / LatencyHistogram::bucketsPerDecade)));
        return b;
    }();
    return bounds;
}
} // namespace

int LatencyHistogram::bucketOf(qint64 ns)
{
    if (ns <= 1)
        return 0;
    const auto &b = lowerBounds();
    // The last bound <= ns.
    return int(std::upper_bound(b.begin(), b.end(), ns) - b.begin()) - 1;
}

qint64 LatencyHistogram::lowerBound(int bucket)
{
    if (bucket <= 0)
        return 0;
    if (bucket > topBucket)
        return std::numeric_limits<qint64>::max();
    return lowerBounds()[size_t(bucket)];
}

qint64 LatencyHistogram::total() const
{
    qint64 t = 0;
    for (qint64 c : counts)
        t += c;
    return t;
}

qint64 LatencyHistogram::maxCount() const
{
    qint64 m = 0;
    for (qint64 c : counts)
        m = std::max(m, c);
    return m;
}

LatencyStats buildLatencyStats(std::vector<LatencySample> samples, int maxPoints)
{
    LatencyStats stats;
    stats.count = qint64(samples.size());
    if (samples.empty())
        return stats;

    stats.minTs = stats.maxTs = samples.front().beginTs;
    stats.minNs = stats.maxNs = samples.front().durationNs;
    const LatencySample *slowest = &samples.front();
    int lo = std::numeric_limits<int>::max(), hi = 0;
    std::vector<int> buckets(samples.size());
    for (size_t i = 0; i < samples.size(); ++i) {
        const LatencySample &s = samples[i];
        stats.minTs = std::min(stats.minTs, s.beginTs);
        stats.maxTs = std::max(stats.maxTs, s.beginTs);
        stats.minNs = std::min(stats.minNs, s.durationNs);
        stats.maxNs = std::max(stats.maxNs, s.durationNs);
        if (s.durationNs > slowest->durationNs)
            slowest = &s;
        buckets[i] = LatencyHistogram::bucketOf(s.durationNs);
        lo = std::min(lo, buckets[i]);
        hi = std::max(hi, buckets[i]);
    }
    stats.slowest = *slowest;
    stats.histogram.firstBucket = lo;
    stats.histogram.counts.fill(0, hi - lo + 1);
    for (int b : buckets)
        ++stats.histogram.counts[b - lo];

    maxPoints = std::max(maxPoints, 3);
    if (qint64(samples.size()) <= maxPoints) {
        std::sort(samples.begin(), samples.end(),
                  [](const LatencySample &a, const LatencySample &b) { return a.beginTs < b.beginTs; });
        stats.points = QList<LatencySample>(samples.begin(), samples.end());
        return stats;
    }

    // Time columns with their fastest, slowest and one uniformly drawn sample (a reservoir of 1,
    // with a fixed seed so the picture is the same each time).
    stats.downsampled = true;
    const int columns = maxPoints / 3;
    const double span = double(stats.maxTs) - double(stats.minTs) + 1.0;
    struct Column {
        const LatencySample *fastest = nullptr, *slowest = nullptr, *drawn = nullptr;
        qint64 seen = 0;
    };
    std::vector<Column> cols(static_cast<size_t>(columns));
    std::minstd_rand random(20261121);
    for (const LatencySample &s : samples) {
        const int c = std::clamp(int((double(s.beginTs) - double(stats.minTs)) / span * columns), 0, columns - 1);
        Column &col = cols[size_t(c)];
        if (!col.fastest || s.durationNs < col.fastest->durationNs)
            col.fastest = &s;
        if (!col.slowest || s.durationNs > col.slowest->durationNs)
            col.slowest = &s;
        ++col.seen;
        if (std::uniform_int_distribution<qint64>(1, col.seen)(random) == 1)
            col.drawn = &s;
    }
    std::vector<const LatencySample *> kept;
    kept.reserve(size_t(columns) * 3);
    for (const Column &col : cols) {
        if (!col.seen)
            continue;
        kept.push_back(col.fastest);
        if (col.slowest != col.fastest)
            kept.push_back(col.slowest);
        if (col.drawn != col.fastest && col.drawn != col.slowest)
            kept.push_back(col.drawn);
    }
    std::sort(kept.begin(), kept.end(), [](const LatencySample *a, const LatencySample *b) {
        return a->beginTs != b->beginTs ? a->beginTs < b->beginTs : a->invocationId < b->invocationId;
    });
    stats.points.reserve(qsizetype(kept.size()));
    for (const LatencySample *s : kept)
        stats.points.append(*s);
    return stats;
}

LatencyStats loadLatencyStats(const store::Database &db, const QString &objectClass, qint64 op, int maxPoints,
                              int guest)
{
    QElapsedTimer timer;
    timer.start();
    // No index on invocations(object_id): one scan of the invocations, filtered by op and by the
    // (few) objects of the class, or the sessions on the TA of that name.
    store::Statement s(db.handle(),
                       "SELECT i.id, i.drv_begin_ts, i.drv_end_ts - i.drv_begin_ts FROM invocations i "
                       "WHERE i.op = ?1 AND i.drv_begin_ts IS NOT NULL AND i.drv_end_ts IS NOT NULL "
                       "AND (?3 < 0 OR i.guest = ?3) "
                       "AND (i.object_id IN (SELECT id FROM objects WHERE class = ?2) "
                       "OR (i.object_id IS NULL AND i.session_id IN (SELECT s.id FROM sessions s "
                       "    LEFT JOIN ta_names t ON t.uuid = s.uuid WHERE COALESCE(t.name, s.uuid, 'unknown') = ?2)) "
                       "OR (?2 = (CASE i.internal WHEN 0 THEN 'unknown' ELSE ?4 END) AND i.session_id IS NULL "
                       "    AND (i.object_id IS NULL OR i.object_id NOT IN (SELECT id FROM objects))))",
                       db.path());
    const std::string klass = objectClass.toStdString();
    s.bind(1, int64_t(op));
    s.bind(2, klass);
    s.bind(3, int64_t(guest));
    s.bind(4, std::string(store::kDriverClass));
    std::vector<LatencySample> samples;
    while (s.next())
        samples.push_back({s.int_at(0), s.int_at(1), s.int_at(2)});
    LatencyStats stats = buildLatencyStats(std::move(samples), maxPoints);
    stats.objectClass = objectClass;
    stats.op = op;
    stats.opLabel = opName(op);
    stats.loadMs = timer.elapsed();
    return stats;
}

} // namespace teescope::gui
