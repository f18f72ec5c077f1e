// SPDX-License-Identifier: MIT
#include "tables/leaks_display_proxy.h"
#include "tables/leaks_model.h"
#include "tables_test_util.h"

#include <QAbstractItemModelTester>
#include <QHash>

#include <limits>
#include <QTest>

using namespace teescope::gui;

namespace {
using NodeType = LeaksModel::NodeType;

NodeType typeOf(const QModelIndex &i)
{
    return NodeType(i.data(LeaksModel::NodeTypeRole).toInt());
}

// Leaves below `parent`, depth first.
void collectLeaves(const QAbstractItemModel &m, const QModelIndex &parent, QList<QModelIndex> *out)
{
    for (int r = 0; r < m.rowCount(parent); ++r) {
        const QModelIndex i = m.index(r, 0, parent);
        if (typeOf(i) == NodeType::Leak)
            out->append(i);
        else
            collectLeaves(m, i, out);
    }
}

QList<QModelIndex> leaves(const QAbstractItemModel &m, const QModelIndex &parent = {})
{
    QList<QModelIndex> out;
    collectLeaves(m, parent, &out);
    return out;
}
} // namespace

class LeaksModelTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void rowsPerKind_data()
    {
        QTest::addColumn<QString>("db");
        for (const char *name : {"clean", "leaky", "sharing", "callbacks", "killed", "lossy"})
            QTest::newRow(name) << test::sampleDb(QString::fromLatin1(name));
    }
    void rowsPerKind()
    {
        QFETCH(QString, db);
        LeaksModel model;
        LeaksDisplayProxy proxy;
        proxy.setSourceModel(&model);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester proxyTester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setRecords(loadLeaks(openTraceDb(db)));

        QHash<QString, int> expected;
        for (const QStringList &row : test::sqlRows(db, QStringLiteral("SELECT kind, count(*) FROM leaks GROUP BY kind")))
            expected.insert(row.at(0), row.at(1).toInt());
        QHash<QString, int> got;
        for (int r = 0; r < model.rowCount(); ++r) {
            const QModelIndex kind = model.index(r, 0);
            QCOMPARE(typeOf(kind), NodeType::Kind);
            const int n = int(leaves(model, kind).size());
            QCOMPARE(kind.data(LeaksModel::CountRole).toInt(), n);
            got.insert(kind.data(LeaksModel::LeakKindRole).toString(), n);
            // Every group's count is the number of leaves below it, at each level.
            for (int c = 0; c < model.rowCount(kind); ++c) {
                const QModelIndex cls = model.index(c, 0, kind);
                QCOMPARE(typeOf(cls), NodeType::Class);
                QCOMPARE(cls.data(LeaksModel::CountRole).toInt(), int(leaves(model, cls).size()));
                for (int k = 0; k < model.rowCount(cls); ++k) {
                    const QModelIndex creator = model.index(k, 0, cls);
                    QCOMPARE(typeOf(creator), NodeType::Creator);
                    QCOMPARE(creator.data(LeaksModel::CountRole).toInt(), model.rowCount(creator));
                }
            }
        }
        QCOMPARE(got, expected);
        const int total = int(test::sqlInt(db, QStringLiteral("SELECT count(*) FROM leaks")));
        QCOMPARE(model.leakCount(), total);
        QCOMPARE(model.suppressedCount(), 0);
        QCOMPARE(int(model.visibleRecords().size()), total);
        // The proxy titles every kind with its count.
        for (int r = 0; r < proxy.rowCount(); ++r) {
            const QString title = proxy.index(r, 0).data().toString();
            QVERIFY2(title.endsWith(QStringLiteral("(%1)").arg(model.index(r, 0).data(LeaksModel::CountRole).toInt())),
                     qPrintable(title));
            QVERIFY(!proxy.index(r, 0).data(Qt::ToolTipRole).toString().isEmpty());
        }
    }

    void leafValues()
    {
        const QString db = test::sampleDb(QStringLiteral("leaky"));
        LeaksModel model;
        model.setRecords(loadLeaks(openTraceDb(db)));
        const QList<QModelIndex> all = leaves(model);
        QVERIFY(!all.isEmpty());
        for (const QModelIndex &leaf : all) {
            const LeakRecord *rec = model.record(leaf);
            QVERIFY(rec);
            const QList<QStringList> row = test::sqlRows(
                db, QStringLiteral("SELECT class, age_ns, created_ts, provenance FROM leaks WHERE kind = '%1' AND object_id = %2")
                        .arg(rec->kind)
                        .arg(rec->objectId));
            QCOMPARE(row.size(), 1);
            const auto col = [&](int c) { return model.index(leaf.row(), c, leaf.parent()).data(); };
            QCOMPARE(col(LeaksModel::ClassColumn).toString(), row[0][0]);
            QCOMPARE(col(LeaksModel::AgeColumn).toLongLong(), row[0][1].toLongLong());
            QCOMPARE(col(LeaksModel::CreatedColumn).toLongLong(), row[0][2].toLongLong());
            QCOMPARE(col(LeaksModel::ProvenanceColumn).toString(), row[0][3]);
            if (rec->isObject())
                QCOMPARE(model.indexOfObject(rec->objectId).data(LeaksModel::ObjectIdRole).toLongLong(), rec->objectId);
        }
    }

    void suppressionHidesAndCounts_data()
    {
        QTest::addColumn<bool>("byClass");
        QTest::newRow("class") << true;
        QTest::newRow("creator") << false;
    }
    void suppressionHidesAndCounts()
    {
        QFETCH(bool, byClass);
        const QString db = test::sampleDb(QStringLiteral("leaky"));
        LeaksModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setRecords(loadLeaks(openTraceDb(db)));
        const int total = model.leakCount();
        QVERIFY(total > 0);

        // The most frequent class (or creator name) of the trace is suppressed.
        const QString column = byClass ? QStringLiteral("class") : QStringLiteral("creator_name");
        const QList<QStringList> top = test::sqlRows(
            db, QStringLiteral("SELECT %1, count(*) FROM leaks GROUP BY %1 ORDER BY count(*) DESC LIMIT 1").arg(column));
        QCOMPARE(top.size(), 1);
        const QString name = top[0][0];
        const int matching = top[0][1].toInt();

        Suppressions s;
        s.add({byClass ? SuppressionRule::Kind::Class : SuppressionRule::Kind::Creator, name});
        model.setSuppressions(s);
        QCOMPARE(model.suppressedCount(), matching);
        QCOMPARE(model.leakCount(), total - matching);
        QCOMPARE(int(leaves(model).size()), total - matching);
        for (const QModelIndex &leaf : leaves(model)) {
            QVERIFY(!leaf.data(LeaksModel::SuppressedRole).toBool());
            const LeakRecord *rec = model.record(leaf);
            QVERIFY((byClass ? rec->objectClass : rec->creatorName) != name);
        }

        // Shown again, flagged, and still counted as suppressed.
        model.setShowSuppressed(true);
        QCOMPARE(int(leaves(model).size()), total);
        int flagged = 0;
        for (const QModelIndex &leaf : leaves(model))
            flagged += leaf.data(LeaksModel::SuppressedRole).toBool();
        QCOMPARE(flagged, matching);
        QCOMPARE(model.suppressedCount(), matching);

        model.setSuppressions({});
        QCOMPARE(model.suppressedCount(), 0);
        QCOMPARE(model.leakCount(), total);
    }

    void nullsAndUnknownKinds()
    {
        LeaksModel model;
        LeaksDisplayProxy proxy;
        proxy.setSourceModel(&model);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester proxyTester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
        LeakRecord empty; // every optional NULL, empty strings
        empty.kind = QStringLiteral("some_future_kind");
        LeakRecord shm;
        shm.kind = QStringLiteral("shm_not_freed");
        shm.objectId = 7;
        shm.objectClass = QStringLiteral("shm");
        shm.ageNs = std::numeric_limits<qint64>::max();
        model.setRecords({empty, shm});
        QCOMPARE(model.rowCount(), 2);
        // Domain kinds first, unknown ones after.
        QCOMPARE(model.index(0, 0).data(LeaksModel::LeakKindRole).toString(), QStringLiteral("shm_not_freed"));
        QVERIFY(!model.indexOfObject(7).isValid()); // shm ids are not object ids
        const QList<QModelIndex> all = leaves(proxy);
        QCOMPARE(all.size(), 2);
        for (const QModelIndex &leaf : all)
            for (int c = 0; c < LeaksModel::ColumnCount; ++c)
                proxy.index(leaf.row(), c, leaf.parent()).data(); // must not crash
        // No creator known: the creator group says so.
        QCOMPARE(proxy.index(0, 0, proxy.index(0, 0, proxy.index(0, 0))).data().toString(), QStringLiteral("? (1)"));
    }
};

QTEST_MAIN(LeaksModelTest)
#include "leaks_model_test.moc"
