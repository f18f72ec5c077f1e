// SPDX-License-Identifier: MIT
#include "tables/latency_model.h"
#include "tables/latency_sort_proxy.h"
#include "tables_test_util.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

using namespace teescope::gui;

namespace {
LatencyRow row(const QString &cls, qint64 op, qint64 count, qint64 p99)
{
    LatencyRow r;
    r.objectClass = cls;
    r.op = op;
    r.count = count;
    r.minNs = r.p50Ns = r.p90Ns = 1;
    r.p99Ns = r.p999Ns = r.maxNs = p99;
    return r;
}
} // namespace

class LatencyModelTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void matchesTable_data()
    {
        QTest::addColumn<QString>("db");
        for (const char *name : {"clean", "leaky", "sharing", "callbacks", "killed", "lossy"})
            QTest::newRow(name) << test::sampleDb(QString::fromLatin1(name));
    }
    void matchesTable()
    {
        QFETCH(QString, db);
        LatencyModel model;
        LatencySortProxy proxy;
        proxy.setSourceModel(&model);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester proxyTester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setRows(loadLatency(openTraceDb(db)));

        const QList<QStringList> expected =
            test::sqlRows(db, QStringLiteral("SELECT class, op, count, p99_ns FROM latency ORDER BY class, op"));
        QCOMPARE(model.rowCount(), int(expected.size()));
        for (const QStringList &e : expected) {
            const int r = model.rowOf(e[0], e[1].toLongLong());
            QVERIFY(r >= 0);
            QCOMPARE(model.index(r, LatencyModel::CountColumn).data().toLongLong(), e[2].toLongLong());
            QCOMPARE(model.index(r, LatencyModel::P99Column).data(LatencyModel::SortRole).toLongLong(), e[3].toLongLong());
        }

        // Sorted by p99 in the proxy: the order of the numbers, as SQL sorts them.
        proxy.sort(LatencyModel::P99Column, Qt::AscendingOrder);
        const QList<QStringList> byP99 = test::sqlRows(db, QStringLiteral("SELECT p99_ns FROM latency ORDER BY p99_ns"));
        QCOMPARE(proxy.rowCount(), int(byP99.size()));
        for (int r = 0; r < proxy.rowCount(); ++r)
            QCOMPARE(proxy.index(r, LatencyModel::P99Column).data(LatencyModel::SortRole).toLongLong(), byP99[r][0].toLongLong());
    }

    // QTEE ops by name with their number, from the table and when computed for one guest.
    void opsByName_data()
    {
        QTest::addColumn<int>("guest");
        QTest::newRow("table") << -1;
        QTest::newRow("computed") << 0;
    }
    void opsByName()
    {
        QFETCH(int, guest);
        LatencyModel model;
        LatencySortProxy proxy;
        proxy.setSourceModel(&model);
        model.setRows(loadLatency(openTraceDb(test::sampleDb(QStringLiteral("clean"))), guest));
        auto shown = [&](const QString &cls, qint64 op) {
            const int r = model.rowOf(cls, op);
            return r < 0 ? QString() : proxy.mapFromSource(model.index(r, LatencyModel::OpColumn)).data().toString();
        };
        QCOMPARE(shown(QStringLiteral("app"), 0), QStringLiteral("add (0)"));
        QCOMPARE(shown(QStringLiteral("root"), 2), QStringLiteral("register_as_client (2)"));
        QCOMPARE(shown(QStringLiteral("client_env"), 0), QStringLiteral("open (0)"));
        QCOMPARE(shown(QStringLiteral("apploader"), 1), QStringLiteral("load_from_region (1)"));
        QCOMPARE(shown(QStringLiteral("app"), 65535), QStringLiteral("release"));
        // The filter finds an op by its name.
        proxy.setFilterText(QStringLiteral("get_app_object"));
        QCOMPARE(proxy.rowCount(), 1);
        QCOMPARE(proxy.index(0, LatencyModel::ClassColumn).data().toString(), QStringLiteral("app_controller"));
    }

    void sortIsNumericNotText()
    {
        LatencyModel model;
        LatencySortProxy proxy;
        proxy.setSourceModel(&model);
        QAbstractItemModelTester proxyTester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
        // As text "10000" < "900" < "9500"; as durations 900 < 9500 < 10000. Formatted,
        // "900 ns" > "9.5 µs" > "10 µs" would be wrong too.
        model.setRows({row(QStringLiteral("a"), 0, 5, 10000), row(QStringLiteral("b"), 0, 7, 900),
                       row(QStringLiteral("c"), 0, 3, 9500)});
        proxy.sort(LatencyModel::P99Column, Qt::AscendingOrder);
        QStringList order;
        for (int r = 0; r < proxy.rowCount(); ++r)
            order.append(proxy.index(r, LatencyModel::ClassColumn).data().toString());
        QCOMPARE(order, (QStringList{QStringLiteral("b"), QStringLiteral("c"), QStringLiteral("a")}));
        // Displayed formatted.
        QCOMPARE(proxy.index(0, LatencyModel::P99Column).data().toString(), QStringLiteral("900 ns"));
        proxy.sort(LatencyModel::CountColumn, Qt::DescendingOrder);
        QCOMPARE(proxy.index(0, LatencyModel::ClassColumn).data().toString(), QStringLiteral("b"));
    }

    void filters()
    {
        LatencyModel model;
        LatencySortProxy proxy;
        proxy.setSourceModel(&model);
        QAbstractItemModelTester proxyTester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setRows({row(QStringLiteral("registry"), 2, 5, 1), row(QStringLiteral("registry"), 65535, 1, 1),
                       row(QStringLiteral("client_env"), 0, 1, 1)});
        proxy.setFilterText(QStringLiteral("REG"));
        QCOMPARE(proxy.rowCount(), 2);
        proxy.setFilterText(QStringLiteral("release"));
        QCOMPARE(proxy.rowCount(), 1);
        proxy.setFilterText(QString());
        proxy.setClassFilter(QStringLiteral("client_env"));
        QCOMPARE(proxy.rowCount(), 1);
        proxy.setClassFilter(QString());
        QCOMPARE(proxy.rowCount(), 3);
    }

    void updateAppendsAndChanges()
    {
        LatencyModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setRows({row(QStringLiteral("a"), 0, 1, 10)});
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
        model.update({row(QStringLiteral("a"), 0, 2, 20), row(QStringLiteral("b"), 0, 1, 5), row(QStringLiteral("c"), 1, 1, 5)});
        QCOMPARE(inserted.size(), 1); // one batch for both new rows
        QCOMPARE(changed.size(), 1);
        QCOMPARE(reset.size(), 0);
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(model.index(0, LatencyModel::CountColumn).data().toLongLong(), 2);
        model.update({row(QStringLiteral("b"), 0, 1, 5)}); // rows went away: reset
        QCOMPARE(reset.size(), 1);
        QCOMPARE(model.rowCount(), 1);
    }

    void nullDurations()
    {
        LatencyModel model;
        LatencySortProxy proxy;
        proxy.setSourceModel(&model);
        QAbstractItemModelTester proxyTester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
        LatencyRow empty;
        empty.objectClass = QStringLiteral("x");
        model.setRows({empty, row(QStringLiteral("y"), 0, 1, std::numeric_limits<qint64>::max())});
        proxy.sort(LatencyModel::MaxColumn, Qt::AscendingOrder);
        QCOMPARE(proxy.index(0, LatencyModel::ClassColumn).data().toString(), QStringLiteral("x"));
        QCOMPARE(proxy.index(0, LatencyModel::MaxColumn).data().toString(), QString());
        QVERIFY(!proxy.index(1, LatencyModel::MaxColumn).data().toString().isEmpty());
    }
};

QTEST_GUILESS_MAIN(LatencyModelTest)
#include "latency_model_test.moc"
