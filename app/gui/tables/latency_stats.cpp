// SPDX-License-Identifier: MIT
#include "tables/latency_stats.h"

#include "core/format.h"

#include "teescope/store/invocation_groups.h"
#include "teescope/store/latency.h"

#include <QElapsedTimer>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <random>

namespace teescope::gui {

// The buckets of the import's invocation groups, so that a histogram summed from them and one
// counted here agree.
static_assert(LatencyHistogram::bucketsPerDecade == store::kDurationBucketsPerDecade);

int LatencyHistogram::bucketOf(qint64 ns)
{
    return store::duration_bucket(ns);
}

qint64 LatencyHistogram::lowerBound(int bucket)
{
    return store::duration_bucket_lower_bound(bucket);
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

namespace {

// The invocations of (class, op) with both driver times: ?1 op, ?2 class, ?3 guest (-1: all),
// ?4 the driver's class. The class is that of the objects invoked, or the TA of OP-TEE calls;
// "driver (kernel)" and "unknown" take the calls of no known object, as the latency table does.
// No index on invocations(object_id): the (few) objects of the class, or sessions on the TA.
constexpr const char *kRowFilter =
    "i.op = ?1 AND (?3 < 0 OR i.guest = ?3) "
    "AND (i.object_id IN (SELECT id FROM objects WHERE class = ?2) "
    "OR (i.object_id IS NULL AND i.session_id IN (SELECT s.id FROM sessions s "
    "    LEFT JOIN ta_names t ON t.uuid = s.uuid WHERE COALESCE(t.name, s.uuid, 'unknown') = ?2)) "
    "OR (?2 = (CASE i.internal WHEN 0 THEN 'unknown' ELSE ?4 END) AND i.session_id IS NULL "
    "    AND (i.object_id IS NULL OR i.object_id NOT IN (SELECT id FROM objects))))";

void bindRow(store::Statement &s, const std::string &klass, qint64 op, int guest)
{
    s.bind(1, int64_t(op));
    s.bind(2, klass);
    s.bind(3, int64_t(guest));
    s.bind(4, std::string(store::kDriverClass));
}

std::string sql(const char *head, const char *from, const char *tail = "")
{
    return std::string(head) + from + " WHERE " + kRowFilter + tail;
}

// The samples of (class, op) within [from, to) of invocations.id, or all of them.
void readSamples(const store::Database &db, const std::string &klass, qint64 op, int guest,
                 std::vector<LatencySample> &out, std::optional<std::pair<qint64, qint64>> ids = std::nullopt)
{
    store::Statement s(db.handle(),
                       sql("SELECT i.id, i.drv_begin_ts, i.drv_end_ts - i.drv_begin_ts FROM ", "invocations i",
                           ids ? " AND i.drv_begin_ts IS NOT NULL AND i.drv_end_ts IS NOT NULL AND i.id >= ?5 AND i.id < ?6"
                               : " AND i.drv_begin_ts IS NOT NULL AND i.drv_end_ts IS NOT NULL"),
                       db.path());
    bindRow(s, klass, op, guest);
    if (ids) {
        s.bind(5, int64_t(ids->first));
        s.bind(6, int64_t(ids->second));
    }
    while (s.next())
        out.push_back({s.int_at(0), s.int_at(1), s.int_at(2)});
}

// A finished file: the groups of the row give the histogram, the count and the extremes; the
// scatter reads the row whole up to `scanLimit` invocations, else a sample.
LatencyStats loadFromGroups(const store::Database &db, const std::string &klass, qint64 op, int maxPoints, int guest,
                            qint64 scanLimit)
{
    store::Statement g(db.handle(),
                       sql("SELECT i.id, i.measured, i.min_ns, i.max_ns, i.slowest_id FROM ", "invocation_groups i",
                           " AND i.measured > 0 ORDER BY i.id"),
                       db.path());
    bindRow(g, klass, op, guest);
    std::string ids;
    qint64 measured = 0, minNs = 0, maxNs = 0, slowestId = 0;
    while (g.next()) {
        if (measured == 0 || g.int_at(2) < minNs)
            minNs = g.int_at(2);
        if (measured == 0 || g.int_at(3) > maxNs || (g.int_at(3) == maxNs && g.int_at(4) < slowestId)) {
            maxNs = g.int_at(3);
            slowestId = g.int_at(4);
        }
        measured += g.int_at(1);
        ids += (ids.empty() ? "" : ",") + std::to_string(g.int_at(0));
    }
    if (measured == 0)
        return {};

    std::vector<LatencySample> samples;
    bool sampled = false;
    if (measured <= scanLimit) {
        readSamples(db, klass, op, guest, samples);
    } else {
        // Stretches of the table spread evenly over its ids: about scanLimit rows read in all,
        // each stretch read through the primary key. Few stretches, each long: a cold file costs
        // a disk seek per stretch.
        store::Statement range(db.handle(), "SELECT MIN(id), MAX(id) FROM invocations", db.path());
        range.next();
        const qint64 first = range.int_at(0), last = range.int_at(1);
        const qint64 stretches = 128, width = std::max<qint64>(scanLimit / stretches, 1);
        for (qint64 k = 0; k < stretches; ++k) {
            const qint64 from = first + qint64((double(last - first + 1) - double(width)) * double(k) / double(stretches - 1));
            readSamples(db, klass, op, guest, samples, std::make_pair(from, from + width));
        }
        std::sort(samples.begin(), samples.end(),
                  [](const LatencySample &a, const LatencySample &b) { return a.invocationId < b.invocationId; });
        samples.erase(std::unique(samples.begin(), samples.end(),
                                  [](const LatencySample &a, const LatencySample &b) {
                                      return a.invocationId == b.invocationId;
                                  }),
                      samples.end());
        sampled = true;
    }
    // The slowest is always drawn.
    std::optional<LatencySample> slowest;
    {
        store::Statement s(db.handle(), "SELECT drv_begin_ts, drv_end_ts - drv_begin_ts FROM invocations WHERE id = ?1",
                           db.path());
        s.bind(1, int64_t(slowestId));
        if (s.next())
            slowest = LatencySample{slowestId, s.int_at(0), s.int_at(1)};
    }
    if (slowest && std::none_of(samples.begin(), samples.end(),
                                [&](const LatencySample &p) { return p.invocationId == slowestId; }))
        samples.push_back(*slowest);

    LatencyStats stats = buildLatencyStats(std::move(samples), maxPoints);
    stats.count = measured;
    stats.minNs = minNs;
    stats.maxNs = maxNs;
    stats.slowest = slowest;
    if (sampled) {
        stats.sampled = true;
        stats.downsampled = true;
    }
    // The histogram of every invocation of the row, summed in SQL over its groups' buckets.
    store::Statement h(db.handle(),
                       "SELECT bucket, SUM(count) FROM invocation_group_durations WHERE group_id IN (" + ids +
                           ") GROUP BY bucket ORDER BY bucket",
                       db.path());
    std::vector<std::pair<int, qint64>> buckets;
    while (h.next())
        buckets.emplace_back(int(h.int_at(0)), h.int_at(1));
    stats.histogram = LatencyHistogram();
    if (!buckets.empty()) {
        stats.histogram.firstBucket = buckets.front().first;
        stats.histogram.counts.fill(0, buckets.back().first - buckets.front().first + 1);
        for (const auto &[bucket, count] : buckets)
            stats.histogram.counts[bucket - stats.histogram.firstBucket] = count;
    }
    return stats;
}

} // namespace

LatencyStats loadLatencyStats(const store::Database &db, const QString &objectClass, qint64 op, int maxPoints,
                              int guest, qint64 scanLimit)
{
    QElapsedTimer timer;
    timer.start();
    const std::string klass = objectClass.toStdString();
    const TraceInfo info = loadTraceInfo(db);
    LatencyStats stats;
    if (info.complete && !info.live) {
        stats = loadFromGroups(db, klass, op, maxPoints, guest, scanLimit);
    } else {
        // A live file has no groups yet: its invocations are read.
        std::vector<LatencySample> samples;
        readSamples(db, klass, op, guest, samples);
        stats = buildLatencyStats(std::move(samples), maxPoints);
    }
    stats.objectClass = objectClass;
    stats.op = op;
    stats.opLabel = opName(op);
    stats.loadMs = timer.elapsed();
    return stats;
}

} // namespace teescope::gui
