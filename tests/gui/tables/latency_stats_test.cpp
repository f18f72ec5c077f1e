// SPDX-License-Identifier: MIT
#include "tables/latency_stats.h"
#include "tables_test_util.h"

#include <QElapsedTimer>
#include <QFileInfo>
#include <QHash>
#include <QTest>

#include <random>

using namespace teescope::gui;

class LatencyStatsTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void buckets_data()
    {
        QTest::addColumn<qint64>("ns");
        for (qint64 ns : {qint64(-5), qint64(0), qint64(1), qint64(2), qint64(9), qint64(10), qint64(11), qint64(999),
                          qint64(1000), qint64(1259), qint64(1000000), qint64(123456789), qint64(4000000000000LL),
                          std::numeric_limits<qint64>::max()})
            QTest::newRow(qPrintable(QString::number(ns))) << ns;
    }
    void buckets()
    {
        QFETCH(qint64, ns);
        const int b = LatencyHistogram::bucketOf(ns);
        QVERIFY(b >= 0);
        QVERIFY(LatencyHistogram::lowerBound(b) <= std::max<qint64>(ns, 0));
        if (ns > 1 && b < 189)
            QVERIFY(ns < LatencyHistogram::lowerBound(b + 1));
    }

    // Every latency row of the sample databases: the histogram counts every invocation of the
    // row, the slowest one is the row's max.
    void histogramMatchesTable_data()
    {
        QTest::addColumn<QString>("db");
        QTest::addColumn<QString>("objectClass");
        QTest::addColumn<qint64>("op");
        QTest::addColumn<qint64>("count");
        QTest::addColumn<qint64>("maxNs");
        for (const char *name : {"callbacks", "leaky", "lossy"}) {
            const QString db = test::sampleDb(QString::fromLatin1(name));
            for (const QStringList &r : test::sqlRows(db, QStringLiteral("SELECT class, op, count, max_ns FROM latency")))
                QTest::addRow("%s %s %s", name, qPrintable(r[0]), qPrintable(r[1]))
                    << db << r[0] << r[1].toLongLong() << r[2].toLongLong() << r[3].toLongLong();
        }
    }
    void histogramMatchesTable()
    {
        QFETCH(QString, db);
        QFETCH(QString, objectClass);
        QFETCH(qint64, op);
        QFETCH(qint64, count);
        QFETCH(qint64, maxNs);
        const LatencyStats s = loadLatencyStats(openTraceDb(db), objectClass, op);
        QCOMPARE(s.count, count);
        QCOMPARE(s.histogram.total(), count);
        QVERIFY(s.slowest.has_value());
        QCOMPARE(s.slowest->durationNs, maxNs);
        QCOMPARE(s.maxNs, maxNs);
        // The slowest invocation really is one of the row, with that duration.
        QCOMPARE(test::sqlInt(db, QStringLiteral("SELECT drv_end_ts - drv_begin_ts FROM invocations WHERE id = %1 AND op = %2")
                                      .arg(s.slowest->invocationId)
                                      .arg(op)),
                 maxNs);
        QCOMPARE(qint64(s.points.size()), count); // small rows: every point
        QVERIFY(!s.downsampled);
        // The histogram summed from the import's invocation groups is the one the invocations
        // themselves make.
        const LatencyStats fromRows = buildLatencyStats(std::vector<LatencySample>(s.points.begin(), s.points.end()));
        QCOMPARE(s.histogram.firstBucket, fromRows.histogram.firstBucket);
        QCOMPARE(s.histogram.counts, fromRows.histogram.counts);
        QCOMPARE(s.minNs, fromRows.minNs);
    }

    // Over the scan limit, the scatter is a sample of the row's invocations plus the slowest;
    // the histogram, the count and the extremes stay those of every invocation.
    void bigRowsAreSampled_data() { histogramMatchesTable_data(); }
    void bigRowsAreSampled()
    {
        QFETCH(QString, db);
        QFETCH(QString, objectClass);
        QFETCH(qint64, op);
        QFETCH(qint64, count);
        const teescope::store::Database d = openTraceDb(db);
        const LatencyStats whole = loadLatencyStats(d, objectClass, op);
        const LatencyStats sampled = loadLatencyStats(d, objectClass, op, 20000, -1, /*scanLimit*/ 0);
        QVERIFY(sampled.sampled);
        QCOMPARE(sampled.count, count);
        QCOMPARE(sampled.histogram.firstBucket, whole.histogram.firstBucket);
        QCOMPARE(sampled.histogram.counts, whole.histogram.counts);
        QCOMPARE(sampled.minNs, whole.minNs);
        QCOMPARE(sampled.maxNs, whole.maxNs);
        QCOMPARE(sampled.slowest->invocationId, whole.slowest->invocationId);
        // Every point drawn is an invocation of the row, as the whole read has it; the slowest is
        // among them.
        QHash<qint64, qint64> durations;
        for (const LatencySample &p : whole.points)
            durations.insert(p.invocationId, p.durationNs);
        bool slowest = false;
        for (const LatencySample &p : sampled.points) {
            QVERIFY(durations.contains(p.invocationId));
            QCOMPARE(p.durationNs, durations.value(p.invocationId));
            slowest |= p.invocationId == whole.slowest->invocationId;
        }
        QVERIFY(slowest);
        QVERIFY(sampled.points.size() <= whole.points.size());
    }

    void downsampledKeepsTheMax()
    {
        std::vector<LatencySample> samples;
        std::mt19937_64 random(7);
        std::lognormal_distribution<double> duration(8.0, 1.0);
        const qint64 n = 200000;
        for (qint64 i = 0; i < n; ++i)
            samples.push_back({i + 1, 1000 + i * 37, qint64(duration(random)) + 1});
        // A single outlier in the middle of the densest part, and the same top duration twice.
        samples[123456].durationNs = 5000000000LL;
        const qint64 slowestId = samples[123456].invocationId;
        qint64 fastest = std::numeric_limits<qint64>::max();
        for (const LatencySample &s : samples)
            fastest = std::min(fastest, s.durationNs);

        const int maxPoints = 3000;
        const LatencyStats s = buildLatencyStats(samples, maxPoints);
        QVERIFY(s.downsampled);
        QVERIFY(s.points.size() <= maxPoints);
        QVERIFY(s.points.size() > maxPoints / 2);
        QCOMPARE(s.count, n);
        QCOMPARE(s.histogram.total(), n);
        QCOMPARE(s.slowest->invocationId, slowestId);
        bool keptSlowest = false, keptFastest = false;
        qint64 previousTs = std::numeric_limits<qint64>::min();
        for (const LatencySample &p : s.points) {
            keptSlowest |= p.invocationId == slowestId;
            keptFastest |= p.durationNs == fastest;
            QVERIFY(p.beginTs >= previousTs); // by time
            previousTs = p.beginTs;
        }
        QVERIFY(keptSlowest);
        QVERIFY(keptFastest);
        // Same input, same picture.
        const LatencyStats again = buildLatencyStats(samples, maxPoints);
        QCOMPARE(again.points.size(), s.points.size());
        QCOMPARE(again.points.last().invocationId, s.points.last().invocationId);
    }

    void degenerateInput()
    {
        const LatencyStats none = buildLatencyStats({});
        QCOMPARE(none.count, 0);
        QVERIFY(!none.slowest);
        QVERIFY(none.points.isEmpty());
        // Bad durations (negative, huge) and a single timestamp.
        const LatencyStats odd = buildLatencyStats({{1, 5, -10}, {2, 5, std::numeric_limits<qint64>::max()}, {3, 5, 0}}, 3);
        QCOMPARE(odd.histogram.total(), 3);
        QCOMPARE(odd.slowest->invocationId, 2);
        const LatencyStats missing = loadLatencyStats(openTraceDb(test::sampleDb(QStringLiteral("clean"))),
                                                      QStringLiteral("no such class"), 0);
        QCOMPARE(missing.count, 0);
    }

    // The biggest row of a large trace (TEESCOPE_BIG_DB, default /tmp/big5m.db): the job's time
    // against a plain scan of the invocations' driver times in the same run.
    void benchBiggestRow()
    {
        const QString db = qEnvironmentVariable("TEESCOPE_BIG_DB", QStringLiteral("/tmp/big5m.db"));
        if (!QFileInfo::exists(db))
            QSKIP("no big database");
        const QList<QStringList> top =
            test::sqlRows(db, QStringLiteral("SELECT class, op, count FROM latency ORDER BY count DESC LIMIT 1"));
        QCOMPARE(top.size(), 1);
        QElapsedTimer t;
        t.start();
        qint64 scanned = test::sqlInt(
            db, QStringLiteral("SELECT count(drv_end_ts - drv_begin_ts) FROM invocations WHERE drv_begin_ts IS NOT NULL"));
        const qint64 referenceMs = std::max<qint64>(1, t.restart());
        const LatencyStats s = loadLatencyStats(openTraceDb(db), top[0][0], top[0][1].toLongLong());
        const qint64 jobMs = t.elapsed();
        QCOMPARE(s.count, top[0][2].toLongLong());
        QCOMPARE(s.histogram.total(), s.count);
        QVERIFY(s.points.size() <= 20000);
        qInfo("latency stats of %s op %s: %lld invocations, %lld points, %lld ms; reference scan of %lld "
              "invocations %lld ms; ratio %.2f",
              qPrintable(top[0][0]), qPrintable(top[0][1]), s.count, qint64(s.points.size()), jobMs, scanned,
              referenceMs, double(jobMs) / double(referenceMs));
    }
};

QTEST_GUILESS_MAIN(LatencyStatsTest)
#include "latency_stats_test.moc"
