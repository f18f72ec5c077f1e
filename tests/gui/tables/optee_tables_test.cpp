// SPDX-License-Identifier: MIT
// The Leaks and Latency pages on an OP-TEE trace under Xen: latency per TA and command with
// names (and per guest), the OP-TEE leak kinds with their titles, sessions in the selection,
// and the guest filter.
#include "optee_db.h"

#include "core/format.h"
#include "tables/latency_model.h"
#include "tables/latency_page.h"
#include "tables/latency_sort_proxy.h"
#include "tables/latency_stats.h"
#include "tables/leak_record.h"
#include "tables/leaks_model.h"
#include "tables/leaks_page.h"

#include <QAbstractItemModelTester>
#include <QTemporaryDir>
#include <QTreeView>
#include <QtTest>

using namespace teescope;
using namespace teescope::gui;
using namespace teescope::gui::test;

class OpteeTablesTest : public QObject
{
    Q_OBJECT
private:
    const LatencyRow *find(const QList<LatencyRow> &rows, const QString &klass, qint64 op)
    {
        for (const LatencyRow &r : rows)
            if (r.objectClass == klass && r.op == op)
                return &r;
        return nullptr;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(dir_.isValid());
        db_ = dir_.filePath(QStringLiteral("optee.db"));
        writeOpteeDb(db_);
    }

    void latencyPerTaAndCommand()
    {
        const QList<LatencyRow> rows = loadLatency(openTraceDb(db_));
        const LatencyRow *increment = find(rows, QStringLiteral("hello_world"), 0);
        QVERIFY(increment);
        QCOMPARE(increment->opName, QStringLiteral("increment"));
        QCOMPARE(increment->count, 4);
        QCOMPARE(find(rows, QStringLiteral("hello_world"), -1)->opName, QStringLiteral("open"));
        QCOMPARE(find(rows, QStringLiteral("hello_world"), -2)->opName, QStringLiteral("close"));
        QCOMPARE(find(rows, QStringLiteral("secure_storage"), 1)->opName, QStringLiteral("write_raw"));
        // A TA without a name is its uuid.
        QVERIFY(find(rows, QStringLiteral("11111111-2222-3333-4444-555555555555"), -1));

        LatencyModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        LatencySortProxy proxy;
        proxy.setSourceModel(&model);
        model.setRows(rows);
        auto displayed = [&](const QString &klass, qint64 op) {
            const int r = model.rowOf(klass, op);
            return proxy.mapFromSource(model.index(r, LatencyModel::OpColumn)).data().toString();
        };
        QCOMPARE(displayed(QStringLiteral("hello_world"), 0), QStringLiteral("increment (0)"));
        QCOMPARE(displayed(QStringLiteral("hello_world"), -1), QStringLiteral("open"));
        QCOMPARE(displayed(QStringLiteral("root"), 0), QStringLiteral("0"));
        proxy.setFilterText(QStringLiteral("write_raw"));
        QCOMPARE(proxy.rowCount(), 1);
        proxy.setFilterText(QString());

        // One guest: computed from its invocations only.
        const QList<LatencyRow> two = loadLatency(openTraceDb(db_), 2);
        QCOMPARE(two.size(), 3);
        for (const LatencyRow &r : two)
            QCOMPARE(r.objectClass, QStringLiteral("secure_storage"));
        QCOMPARE(find(two, QStringLiteral("secure_storage"), 1)->opName, QStringLiteral("write_raw"));
        QVERIFY(loadLatency(openTraceDb(db_), 7).isEmpty());
    }

    void latencyStatsOfATaRow()
    {
        const LatencyStats all = loadLatencyStats(openTraceDb(db_), QStringLiteral("hello_world"), 0);
        QCOMPARE(all.count, 4);
        QVERIFY(all.slowest);
        QCOMPARE(all.slowest->invocationId, OpteeDb::kWaitingInvocation);
        QCOMPARE(loadLatencyStats(openTraceDb(db_), QStringLiteral("hello_world"), 0, 20000, 2).count, 0);
        QCOMPARE(loadLatencyStats(openTraceDb(db_), QStringLiteral("hello_world"), 0, 20000, 1).count, 4);
        // QTEE classes still work in the same database.
        QCOMPARE(loadLatencyStats(openTraceDb(db_), QStringLiteral("root"), 0).count, 1);
    }

    void opteeLeakKinds()
    {
        const QList<LeakRecord> records = loadLeaks(openTraceDb(db_));
        QCOMPARE(records.size(), 3);
        for (const QString &kind : {QStringLiteral("shm_freed_at_exit"), QStringLiteral("shm_freed_by_guest_destroy"),
                                   QStringLiteral("session_closed_at_release"),
                                   QStringLiteral("session_closed_by_guest_destroy")}) {
            QVERIFY(leakKindOrder().contains(kind));
            QVERIFY(leakKindTitle(kind) != kind);
            QVERIFY(!leakKindExplanation(kind).isEmpty());
        }
        for (const LeakRecord &r : records) {
            QVERIFY(!r.isObject());
            if (r.kind.startsWith(QLatin1String("session_")))
                QCOMPARE(r.ref().kind, ItemRef::Kind::Session);
            else
                QVERIFY(!r.ref().isValid());
        }

        LeaksModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setRecords(records);
        QCOMPARE(model.leakCount(), 3);
        QVERIFY(model.indexOf({ItemRef::Kind::Session, OpteeDb::kLeakedSession}).isValid());
        QVERIFY(!model.indexOf({ItemRef::Kind::Object, OpteeDb::kLeakedSession}).isValid());
        // Under Xen the creator groups name their guest.
        const QModelIndex leaf = model.indexOf({ItemRef::Kind::Session, OpteeDb::kStorageSession});
        QCOMPARE(leaf.data(LeaksModel::CreatorLabelRole).toString(), QStringLiteral("guest 2 · secure_storage_client (pid 201)"));
        model.setGuestFilter(1);
        QCOMPARE(model.leakCount(), 1);
        QCOMPARE(model.visibleRecords().first().objectId, OpteeDb::kLeakedSession);
        model.setGuestFilter(Selection::kAllGuests);
        QCOMPARE(model.leakCount(), 3);
    }

    void leaksPageSelectsSessions()
    {
        Selection selection;
        LeaksPage page(&selection);
        page.setSuppressionsFile(dir_.filePath(QStringLiteral("suppressions.txt")));
        page.show();
        page.openTrace(loadTraceInfo(openTraceDb(db_)));
        QTRY_VERIFY_WITH_TIMEOUT(page.isReady(), 30000);
        // The selection names a session: its leak row becomes current; a click on it selects it.
        selection.select({ItemRef::Kind::Session, OpteeDb::kStorageSession});
        const QModelIndex current = page.treeView()->currentIndex();
        QVERIFY(current.isValid());
        QCOMPARE(current.data(LeaksModel::ObjectIdRole).toLongLong(), OpteeDb::kStorageSession);
        selection.select({});
        page.treeView()->setCurrentIndex(QModelIndex());
        page.treeView()->setCurrentIndex(current);
        QCOMPARE(selection.item(), (ItemRef{ItemRef::Kind::Session, OpteeDb::kStorageSession}));
        // The export names the guest of each leak.
        const QString csv = dir_.filePath(QStringLiteral("leaks.csv"));
        QString error;
        QVERIFY2(page.exportTo(csv, QStringLiteral("csv"), &error), qPrintable(error));
        QFile f(csv);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QVERIFY(f.readLine().trimmed().endsWith("suppressed,guest"));
        // The guest filter leaves guest 2's leaks.
        selection.setGuestFilter(2);
        QCOMPARE(page.model()->leakCount(), 2);
    }

    void latencyPageFollowsTheGuestFilter()
    {
        Selection selection;
        LatencyPage page(&selection);
        page.show();
        page.openTrace(loadTraceInfo(openTraceDb(db_)));
        QTRY_VERIFY_WITH_TIMEOUT(page.isReady(), 30000);
        QCOMPARE(page.model()->rowCount(), 9);
        // Selecting a session shows the rows of its TA.
        selection.select({ItemRef::Kind::Session, OpteeDb::kHelloSession});
        QTRY_COMPARE_WITH_TIMEOUT(page.proxy()->rowCount(), 4, 30000);
        for (int r = 0; r < page.proxy()->rowCount(); ++r)
            QCOMPARE(page.proxy()->index(r, 0).data(LatencyModel::ClassRole).toString(), QStringLiteral("hello_world"));
        page.proxy()->setClassFilter(QString());
        selection.setGuestFilter(2);
        QTRY_VERIFY_WITH_TIMEOUT(page.isReady() && page.model()->rowCount() == 3, 30000);
        QTRY_VERIFY_WITH_TIMEOUT(page.stats() != nullptr, 30000);
        QCOMPARE(page.stats()->objectClass, QStringLiteral("secure_storage"));
        QVERIFY(!page.stats()->opLabel.isEmpty());
        // The export of an OP-TEE trace names the ops.
        const QString csv = dir_.filePath(QStringLiteral("latency.csv"));
        QString error;
        QVERIFY2(page.exportTo(csv, QStringLiteral("csv"), &error), qPrintable(error));
        QFile f(csv);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QVERIFY(f.readLine().trimmed().endsWith("max_ns,op_name"));
    }

private:
    QTemporaryDir dir_;
    QString db_;
};

QTEST_MAIN(OpteeTablesTest)
#include "optee_tables_test.moc"
