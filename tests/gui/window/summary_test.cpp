// SPDX-License-Identifier: MIT
// The summary's data and models against the sample databases.
#include "test_dbs.h"
#include "window/summary_data.h"
#include "window/summary_models.h"

#include <QAbstractItemModelTester>
#include <QSortFilterProxyModel>
#include <QtTest>

using namespace teescope::gui;
using namespace teescope::gui::test;

class SummaryTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void countsMatchTheTables_data()
    {
        QTest::addColumn<QString>("db");
        for (const char *name : {"clean", "leaky", "sharing", "callbacks", "killed", "lossy"})
            QTest::newRow(name) << sampleDb(name);
    }
    void countsMatchTheTables()
    {
        QFETCH(QString, db);
        const SummaryCounts c = loadSummaryCounts(openTraceDb(db));
        QCOMPARE(c.processes, sqlInt(db, "SELECT count(*) FROM processes"));
        QCOMPARE(c.invocations, sqlInt(db, "SELECT count(*) FROM invocations"));
        QCOMPARE(c.callbackRequests, sqlInt(db, "SELECT count(*) FROM callback_requests"));
        QCOMPARE(c.objects, sqlInt(db, "SELECT count(*) FROM objects"));
        QVERIFY(c.invocations > 0);
        QVERIFY(c.info.complete);
        QCOMPARE(c.info.lastTs - c.info.firstTs, c.info.duration());

        const SummaryDetails d = loadSummaryDetails(openTraceDb(db));
        QCOMPARE(qint64(d.processes.size()), c.processes);
        qint64 perProcess = 0, leaks = 0;
        for (const ProcessSummary &p : d.processes)
            perProcess += p.invocations;
        // Every invocation with a thread is counted under its process.
        QCOMPARE(perProcess, sqlInt(db, "SELECT count(*) FROM invocations WHERE thread_id IS NOT NULL"));
        for (const LeakCount &l : d.leaks)
            leaks += l.count;
        QCOMPARE(leaks, sqlInt(db, "SELECT count(*) FROM leaks"));
        QCOMPARE(d.sharedObjects, sqlInt(db, "SELECT count(*) FROM sharing_objects"));
        QCOMPARE(qint64(d.stats.size()), sqlInt(db, "SELECT count(*) FROM import_stats"));
    }

    void dataLossIsCountedInLossy()
    {
        const TraceInfo info = loadTraceInfo(openTraceDb(sampleDb("lossy")));
        QVERIFY(info.hasDataLoss());
        QCOMPARE(info.lostEvents, sqlInt(sampleDb("lossy"), "SELECT count FROM import_stats WHERE name = 'discarded_events'"));
        QCOMPARE(info.lostEvents, sqlInt(sampleDb("lossy"), "SELECT SUM(count) FROM data_loss WHERE what = 'events'"));
        QVERIFY(!loadTraceInfo(openTraceDb(sampleDb("clean"))).hasDataLoss());
        // Data loss comes first in the statistics.
        const SummaryDetails d = loadSummaryDetails(openTraceDb(sampleDb("lossy")));
        QVERIFY(!d.stats.isEmpty());
        QCOMPARE(d.stats.first().severity, QStringLiteral("data_loss"));
    }

    void modelsPassTheTester()
    {
        const QString db = sampleDb("sharing");
        const SummaryDetails d = loadSummaryDetails(openTraceDb(db));
        ProcessesModel processes;
        QAbstractItemModelTester t1(&processes, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSortFilterProxyModel sorted;
        sorted.setSourceModel(&processes);
        sorted.setSortRole(ProcessesModel::SortRole);
        QAbstractItemModelTester t2(&sorted, QAbstractItemModelTester::FailureReportingMode::QtTest);
        processes.setProcesses(d.processes, 0);
        QCOMPARE(processes.rowCount(), int(d.processes.size()));
        sorted.sort(ProcessesModel::Invocations, Qt::DescendingOrder);
        // Numeric sort: the first row has the most invocations.
        qint64 most = 0;
        for (const ProcessSummary &p : d.processes)
            most = qMax(most, p.invocations);
        QCOMPARE(sorted.index(0, ProcessesModel::Invocations).data(ProcessesModel::SortRole).toLongLong(), most);
        // The label is "name (pid N)" and the id role gives the row id.
        const QModelIndex first = processes.index(0, ProcessesModel::Process);
        QVERIFY(first.data().toString().contains(QRegularExpression(QStringLiteral("^\\S.* \\(pid \\d+\\)$"))));
        QCOMPARE(first.data(ProcessesModel::IdRole).toLongLong(), d.processes.first().id);

        ImportStatsModel stats;
        QAbstractItemModelTester t3(&stats, QAbstractItemModelTester::FailureReportingMode::QtTest);
        stats.setStats(loadSummaryDetails(openTraceDb(sampleDb("lossy"))).stats);
        QVERIFY(stats.rowCount() > 0);
        // Data loss first, in words (never the raw "data_loss").
        QCOMPARE(stats.index(0, ImportStatsModel::Severity).data().toString(), QStringLiteral("data loss"));
        processes.setProcesses({}, 0);
        QCOMPARE(processes.rowCount(), 0);
    }
};

QTEST_MAIN(SummaryTest)
#include "summary_test.moc"
