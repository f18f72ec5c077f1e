// SPDX-License-Identifier: MIT
// The timeline of a large trace on the sample databases: every bucket of every level of the
// summary equals what the invocations and requests in it add up to (computed here from the rows
// the timeline reads in full), a range query returns exactly the invocations overlapping the range
// (fine buckets, where many calls are long, and coarse ones), and the page in windowed mode paints
// the summary zoomed out, reads the detail of a small range, and shows an invocation selected
// outside its window.
#include "core/selection.h"
#include "core/trace_db.h"
#include "timeline/timeline_data.h"
#include "timeline/timeline_page.h"
#include "timeline/timeline_summary.h"
#include "timeline/timeline_view.h"

#include <QDir>
#include <QImage>
#include <QSignalSpy>
#include <QTest>

#include <map>
#include <optional>
#include <set>

using namespace teescope;
using namespace teescope::gui;

namespace {

QString dbPath(const QString &name)
{
    return QDir(qEnvironmentVariable("TEESCOPE_TEST_DBS")).filePath(name + QStringLiteral(".db"));
}

// Every invocation as the timeline draws it, with its thread (0: none).
std::vector<TimelineStructure::Placed> allInvocations(const store::Database &db)
{
    return TimelineData::readInvocations(db, 0, std::numeric_limits<qint64>::max()).invocations;
}

TimelineSummary summarize(const store::Database &db, qint64 origin, qint64 span)
{
    TimelineSummary s(origin, span);
    s.read(db, 0, 0, std::numeric_limits<qint64>::max());
    s.finish();
    return s;
}

std::pair<qint64, qint64> traceSpan(const store::Database &db)
{
    const TraceInfo info = loadTraceInfo(db);
    return {info.firstTs, std::max<qint64>(1, info.duration())};
}

} // namespace

class TimelineSummaryTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void bucketsAddUp_data();
    void bucketsAddUp();
    void rangeIsExact_data();
    void rangeIsExact();
    void growsByCoarsening();
    void storedEqualsPass_data();
    void storedEqualsPass();
    void windowedPage();
};

void TimelineSummaryTest::bucketsAddUp_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<int>("spanFactor"); // 0: sized to the trace's span (fine buckets); more: coarser
    for (const char *n : {"callbacks", "sharing", "lossy", "killed"}) {
        QTest::newRow((std::string(n) + "-fine").c_str()) << QString::fromLatin1(n) << 0;
        QTest::newRow((std::string(n) + "-coarse").c_str()) << QString::fromLatin1(n) << 12;
    }
}

void TimelineSummaryTest::bucketsAddUp()
{
    QFETCH(QString, name);
    QFETCH(int, spanFactor);
    auto db = openTraceDb(dbPath(name));
    const auto [origin, span] = traceSpan(db);
    const TimelineSummary summary = summarize(db, origin, span << spanFactor);
    const auto rows = allInvocations(db);
    QVERIFY(!rows.empty());
    TimelineStructure structure = TimelineData::readStructure(db, 0, 0);
    qint64 total = 0;
    for (const TimelineLaneSummary &lane : summary.lanes())
        total += lane.invocations;
    QCOMPARE(total, qint64(rows.size()));
    for (const TimelineLaneSummary &lane : summary.lanes()) {
        QVERIFY(lane.levels.size() >= 1);
        QCOMPARE(lane.levels.back().buckets.size(), size_t(1)); // the coarsest: one bucket
        for (size_t level = 0; level < lane.levels.size(); ++level) {
            const int shift = summary.shift() + int(level);
            const qint64 bucketNs = summary.bucketNs(int(level));
            auto bucketOf = [&](qint64 ts) { return ts <= origin ? 0 : (ts - origin) >> shift; };
            // Expected buckets of this lane at this level, from the rows.
            std::map<qint64, TimelineBucket> want;
            for (const auto &p : rows) {
                if (p.threadId != lane.threadId)
                    continue;
                const TimelineSlice &s = p.slice;
                TimelineBucket &b = want[bucketOf(s.begin)];
                ++b.count;
                b.errors += s.is(TimelineSlice::Error) ? 1 : 0;
                b.maxDepth = std::max<qint16>(b.maxDepth, qint16(s.depth));
                if (s.depth != 0)
                    continue;
                for (qint64 k = bucketOf(s.begin); k <= bucketOf(s.end); ++k) {
                    const qint64 lo = std::max(s.begin, origin + k * bucketNs), hi = std::min(s.end, origin + (k + 1) * bucketNs);
                    if (hi > lo)
                        want[k].busyNs += quint64(hi - lo);
                }
            }
            for (const auto &r : structure.requests) {
                if (r.threadId != lane.threadId)
                    continue;
                const TimelineSlice &s = r.slice;
                ++want[bucketOf(s.begin)].requests;
                for (qint64 k = bucketOf(s.begin); k <= bucketOf(s.end); ++k) {
                    const qint64 lo = std::max(s.begin, origin + k * bucketNs), hi = std::min(s.end, origin + (k + 1) * bucketNs);
                    if (hi > lo)
                        want[k].requestBusyNs += quint64(hi - lo);
                }
            }
            const TimelineSummaryLevel &l = lane.levels[level];
            for (size_t i = 0; i < l.buckets.size(); ++i) {
                const qint64 index = l.first + qint64(i);
                const TimelineBucket &got = l.buckets[i];
                const TimelineBucket w = want.count(index) ? want[index] : TimelineBucket{};
                const QString where = QStringLiteral("thread %1 level %2 bucket %3").arg(lane.threadId).arg(level).arg(index);
                QVERIFY2(got.count == w.count, qPrintable(where + QStringLiteral(" count %1 want %2").arg(got.count).arg(w.count)));
                QVERIFY2(got.busyNs == w.busyNs, qPrintable(where + QStringLiteral(" busy %1 want %2").arg(got.busyNs).arg(w.busyNs)));
                QVERIFY2(got.errors == w.errors, qPrintable(where));
                QVERIFY2(got.maxDepth == w.maxDepth, qPrintable(where));
                QVERIFY2(got.requests == w.requests, qPrintable(where));
                QVERIFY2(got.requestBusyNs == w.requestBusyNs, qPrintable(where));
                want.erase(index);
            }
            QVERIFY2(want.empty(), qPrintable(QStringLiteral("thread %1 level %2: %3 buckets outside the summary")
                                                  .arg(lane.threadId).arg(level).arg(want.size())));
        }
    }
}

void TimelineSummaryTest::rangeIsExact_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<int>("spanFactor");
    for (const char *n : {"callbacks", "sharing", "lossy", "clean"}) {
        QTest::newRow((std::string(n) + "-fine").c_str()) << QString::fromLatin1(n) << 0;
        QTest::newRow((std::string(n) + "-coarse").c_str()) << QString::fromLatin1(n) << 8;
    }
}

void TimelineSummaryTest::rangeIsExact()
{
    QFETCH(QString, name);
    QFETCH(int, spanFactor);
    auto db = openTraceDb(dbPath(name));
    const auto [origin, span] = traceSpan(db);
    const TimelineSummary summary = summarize(db, origin, span << spanFactor);
    const auto rows = allInvocations(db);
    int nonEmpty = 0;
    // Ranges of several widths over the whole trace, and one before and one after it.
    for (int parts : {1, 3, 10, 40, 200})
        for (int i = -1; i <= parts; ++i) {
            const qint64 t0 = origin + span * i / parts, t1 = t0 + std::max<qint64>(1, span / parts / 2);
            std::set<qint64> want;
            for (const auto &p : rows)
                if (p.slice.begin <= t1 && (p.slice.end >= t0 || p.slice.is(TimelineSlice::InFlight)))
                    want.insert(p.slice.id);
            const TimelineChunk got = TimelineData::readRange(db, t0, t1, summary.idsFor(t0, t1));
            std::set<qint64> ids;
            for (const auto &p : got.invocations)
                QVERIFY2(ids.insert(p.slice.id).second, "an invocation read twice");
            QVERIFY2(ids == want, qPrintable(QStringLiteral("[%1, %2]: %3 read, %4 overlap").arg(t0).arg(t1).arg(ids.size()).arg(want.size())));
            nonEmpty += want.empty() ? 0 : 1;
            // What countIn says is an upper bound of those that begin in the range.
            qint64 begin = 0;
            for (const auto &p : rows)
                begin += p.slice.begin >= t0 && p.slice.begin < t1 ? 1 : 0;
            QVERIFY(summary.countIn(t0, t1) >= begin);
        }
    QVERIFY(nonEmpty > 10);
}

void TimelineSummaryTest::growsByCoarsening()
{
    // Rows far past the span it was sized for: the buckets double until they fit, sums kept.
    TimelineSummary s(1000, 1);
    const qint64 first = s.bucketNs(0);
    qint64 busy = 0;
    for (int i = 0; i < 1000; ++i) {
        const qint64 b = 1000 + qint64(i) * 7919 * 1000, e = b + 5000 + i;
        s.add(TimelineSummaryRow{i + 1, 3, b, e, 0, false, i % 10 == 0, false});
        busy += e - b;
    }
    s.finish();
    QVERIFY(s.bucketNs(0) > first);
    const TimelineLaneSummary *lane = s.lane(3);
    QVERIFY(lane);
    QVERIFY(qint64(lane->levels.front().buckets.size()) <= TimelineSummary::kMaxBuckets);
    for (const auto &level : lane->levels) {
        qint64 n = 0, errors = 0;
        quint64 b = 0;
        for (const auto &k : level.buckets) {
            n += k.count;
            errors += k.errors;
            b += k.busyNs;
        }
        QCOMPARE(n, qint64(1000));
        QCOMPARE(errors, qint64(100));
        QCOMPARE(qint64(b), busy);
    }
    // Every invocation is found by a range that holds it.
    for (int i = 0; i < 1000; i += 37) {
        const qint64 b = 1000 + qint64(i) * 7919 * 1000;
        const auto ids = s.idsFor(b + 1, b + 2);
        QVERIFY((ids.lo <= i + 1 && i + 1 <= ids.hi) ||
                std::find(ids.ids.begin(), ids.ids.end(), i + 1) != ids.ids.end());
    }
}

void TimelineSummaryTest::storedEqualsPass_data()
{
    QTest::addColumn<QString>("name");
    for (const char *n : {"callbacks", "sharing", "lossy", "killed", "clean"})
        QTest::newRow(n) << QString::fromLatin1(n);
}

void TimelineSummaryTest::storedEqualsPass()
{
    // The summary the import wrote is the one the pass over the rows builds, at every level.
    QFETCH(QString, name);
    auto db = openTraceDb(dbPath(name));
    const auto [origin, span] = traceSpan(db);
    const std::optional<TimelineSummary> stored = TimelineSummary::readTables(db);
    QVERIFY(stored);
    const TimelineSummary built = summarize(db, origin, span);
    QVERIFY(!built.lanes().empty());
    QCOMPARE(stored->origin(), built.origin());
    QCOMPARE(stored->shift(), built.shift());
    QCOMPARE(stored->lanes().size(), built.lanes().size());
    for (const TimelineLaneSummary &lane : built.lanes()) {
        const TimelineLaneSummary *other = stored->lane(lane.threadId);
        QVERIFY(other);
        QCOMPARE(other->levels.size(), lane.levels.size());
        for (size_t level = 0; level < lane.levels.size(); ++level)
            QVERIFY2(other->levels[level] == lane.levels[level],
                     qPrintable(QStringLiteral("thread %1 level %2").arg(lane.threadId).arg(level)));
    }
    QVERIFY(*stored == built);
}

void TimelineSummaryTest::windowedPage()
{
    // callbacks.db windowed as if it were large: a detail limit well below its invocations.
    const QString path = dbPath(QStringLiteral("callbacks"));
    auto db = openTraceDb(path);
    const auto rows = allInvocations(db);
    QVERIFY(rows.size() > 40);
    TimelinePage::setFullLoadLimit(0);
    TimelinePage::setDetailLimit(qint64(rows.size()) / 8);
    Selection selection;
    TimelinePage page(&selection);
    page.resize(1200, 600);
    page.show();
    page.openTrace(loadTraceInfo(db));
    QTRY_VERIFY_WITH_TIMEOUT(page.isReady(), 30000);
    QVERIFY(page.loadError().isEmpty());
    QVERIFY(page.data().isWindowed());
    QVERIFY(page.data().summary());
    QCOMPARE(page.data().summary()->invocations(), qint64(rows.size()));
    // Zoomed out: no detail, the summary is painted (lanes are not blank).
    QTest::qWait(200);
    QVERIFY(!page.data().windowCovers(page.view()->mapping().viewBegin(), page.view()->mapping().viewEnd()));
    QImage out(page.size(), QImage::Format_ARGB32_Premultiplied);
    page.render(&out);
    QSet<QRgb> colours;
    for (int y = TimelineView::kRulerHeight; y < out.height() - TimelineView::kOverviewHeight; y += 2)
        for (int x = TimelineView::kHeaderWidth; x < out.width() - 20; x += 2)
            colours.insert(out.pixel(x, y));
    QVERIFY2(colours.size() > 4, qPrintable(QString::number(colours.size())));

    // Zoomed in around an invocation: its window is read, and holds what overlaps the view.
    const TimelineSlice target = rows[rows.size() / 2].slice;
    page.view()->showRange(target.begin - 1000, target.end + 1000);
    QTRY_VERIFY_WITH_TIMEOUT(page.data().windowCovers(page.view()->mapping().viewBegin(), page.view()->mapping().viewEnd()), 10000);
    QVERIFY(page.data().find(false, target.id).ok());
    QVERIFY(page.data().invocationCount() <= qint64(rows.size()));
    const qint64 w0 = page.data().windowBegin(), w1 = page.data().windowEnd();
    qint64 overlapping = 0;
    for (const auto &p : rows)
        overlapping += p.slice.begin <= w1 && p.slice.end >= w0 ? 1 : 0;
    QCOMPARE(page.data().invocationCount(), overlapping);

    // Selected elsewhere, an invocation outside the window: the view goes to it and outlines it.
    const TimelineSlice far = rows.front().slice.id == target.id ? rows.back().slice : rows.front().slice;
    QVERIFY(far.end < w0 || far.begin > w1);
    selection.select({ItemRef::Kind::Invocation, far.id});
    QTRY_VERIFY_WITH_TIMEOUT(page.data().find(false, far.id).ok(), 10000);
    QVERIFY(page.view()->mapping().viewBegin() <= far.begin && far.end <= page.view()->mapping().viewEnd());
    TimelinePage::setFullLoadLimit(500000);
    TimelinePage::setDetailLimit(150000);
}

QTEST_MAIN(TimelineSummaryTest)
#include "timeline_summary_test.moc"
