// SPDX-License-Identifier: MIT
// What the inspector loads for each kind of item, checked against the database.
#include "test_dbs.h"
#include "window/inspector.h"
#include "window/inspector_data.h"

#include <QTreeWidget>
#include <QtTest>

using namespace teescope::gui;
using namespace teescope::gui::test;
using Kind = ItemRef::Kind;

namespace {
const InspectorNode *find(const QList<InspectorNode> &rows, const QString &key)
{
    for (const InspectorNode &n : rows)
        if (n.key == key)
            return &n;
    return nullptr;
}
} // namespace

class InspectorTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void objectHoldersAndProvenance()
    {
        const QString db = sampleDb("sharing");
        // An object with a produced_by and the most handle bindings.
        const qint64 id = sqlInt(db, "SELECT object_id FROM handles h JOIN objects o ON o.id = h.object_id"
                                     " WHERE o.produced_by IS NOT NULL GROUP BY object_id ORDER BY count(*) DESC LIMIT 1");
        QVERIFY(id > 0);
        const InspectorData d = loadInspector(openTraceDb(db), {Kind::Object, id}, {}, 0);
        QVERIFY(d.title.startsWith(QStringLiteral("object %1").arg(id)));
        const InspectorNode *holders = find(d.rows, QStringLiteral("Holders"));
        QVERIFY(holders);
        const qint64 bindings = sqlInt(db, qPrintable(QStringLiteral("SELECT count(*) FROM handles WHERE object_id = %1").arg(id)));
        QCOMPARE(holders->value, QString::number(bindings));
        QCOMPARE(qint64(holders->children.size()), bindings);
        for (const InspectorNode &h : holders->children)
            QCOMPARE(h.link.kind, Kind::Context);
        // The provenance chain goes back to the root and links each invocation on the way.
        const InspectorNode *prov = find(d.rows, QStringLiteral("Provenance"));
        QVERIFY(prov);
        QVERIFY2(prov->value.startsWith(QStringLiteral("root")), qPrintable(prov->value));
        QVERIFY(!prov->children.isEmpty());
        QCOMPARE(prov->children.first().link.kind, Kind::Invocation);
        QCOMPARE(prov->children.first().link.id,
                 sqlInt(db, qPrintable(QStringLiteral("SELECT produced_by FROM objects WHERE id = %1").arg(id))));
    }

    void invocationShowsItsCallbackRequests()
    {
        const QString db = sampleDb("callbacks");
        const qint64 inv = sqlInt(db, "SELECT invocation_id FROM callback_requests WHERE invocation_id IS NOT NULL"
                                      " GROUP BY invocation_id ORDER BY count(*) DESC LIMIT 1");
        QVERIFY(inv > 0);
        const InspectorData d = loadInspector(openTraceDb(db), {Kind::Invocation, inv}, {}, 0);
        const InspectorNode *requests = find(d.rows, QStringLiteral("Callback requests it caused"));
        QVERIFY(requests);
        const qint64 n = sqlInt(db, qPrintable(QStringLiteral("SELECT count(*) FROM callback_requests WHERE invocation_id = %1").arg(inv)));
        QCOMPARE(qint64(requests->children.size()), n);
        QCOMPARE(requests->children.first().link.kind, Kind::Request);
        // And the request links back to its cause.
        const InspectorData r = loadInspector(openTraceDb(db), requests->children.first().link, {}, 0);
        const InspectorNode *cause = find(r.rows, QStringLiteral("Caused by"));
        QVERIFY(cause);
        QCOMPARE(cause->link, (ItemRef{Kind::Invocation, inv}));
    }

    // An invocation and a callback request name their op, the number kept.
    void opsByName()
    {
        const QString db = sampleDb("clean");
        const qint64 add = sqlInt(db, "SELECT i.id FROM invocations i JOIN objects o ON o.id = i.object_id"
                                      " WHERE o.class = 'app' AND i.op = 0 LIMIT 1");
        QVERIFY(add > 0);
        const InspectorData d = loadInspector(openTraceDb(db), {Kind::Invocation, add}, {}, 0);
        QCOMPARE(d.title, QStringLiteral("invocation %1: app.add (0)").arg(add));
        const InspectorNode *op = find(d.rows, QStringLiteral("Op"));
        QVERIFY(op);
        QCOMPARE(op->value, QStringLiteral("add (0)"));
        const qint64 read = sqlInt(db, "SELECT id FROM callback_requests WHERE op = 1 LIMIT 1");
        QVERIFY(read > 0);
        const InspectorData r = loadInspector(openTraceDb(db), {Kind::Request, read}, {}, 0);
        QCOMPARE(r.title, QStringLiteral("callback request %1: callback.read_at_offset (1)").arg(read));
    }

    void everyKindLoads_data()
    {
        QTest::addColumn<int>("kind");
        QTest::addColumn<QString>("table");
        QTest::newRow("process") << int(Kind::Process) << QStringLiteral("processes");
        QTest::newRow("thread") << int(Kind::Thread) << QStringLiteral("threads");
        QTest::newRow("context") << int(Kind::Context) << QStringLiteral("contexts");
        QTest::newRow("object") << int(Kind::Object) << QStringLiteral("objects");
        QTest::newRow("invocation") << int(Kind::Invocation) << QStringLiteral("invocations");
        QTest::newRow("request") << int(Kind::Request) << QStringLiteral("callback_requests");
    }
    void everyKindLoads()
    {
        QFETCH(int, kind);
        QFETCH(QString, table);
        const QString db = sampleDb("callbacks");
        const qint64 id = sqlInt(db, qPrintable(QStringLiteral("SELECT max(id) FROM ") + table));
        QVERIFY(id > 0);
        const InspectorData d = loadInspector(openTraceDb(db), {Kind(kind), id}, {}, 0);
        QVERIFY(!d.rows.isEmpty());
        QVERIFY(find(d.rows, QStringLiteral("Not in this database")) == nullptr);
        // An id that does not exist says so instead of failing.
        const InspectorData missing = loadInspector(openTraceDb(db), {Kind(kind), id + 1000}, {}, 0);
        QVERIFY(find(missing.rows, QStringLiteral("Not in this database")));
    }

    void rangeCountsInvocations()
    {
        const QString db = sampleDb("clean");
        const TraceInfo info = loadTraceInfo(openTraceDb(db));
        const InspectorData d = loadInspector(openTraceDb(db), {}, {info.firstTs, info.lastTs + 1}, info.firstTs);
        const InspectorNode *inv = find(d.rows, QStringLiteral("Invocations started"));
        QVERIFY(inv);
        QCOMPARE(QString(inv->value).remove(QLatin1Char(',')).toLongLong(),
                 sqlInt(db, "SELECT count(*) FROM invocations WHERE drv_begin_ts IS NOT NULL"));
    }

    void widgetFollowsTheSelection()
    {
        const QString db = sampleDb("leaky");
        Selection selection;
        Inspector inspector(&selection);
        inspector.setTrace(loadTraceInfo(openTraceDb(db)));
        QSignalSpy loaded(&inspector, &Inspector::loaded);
        const qint64 process = sqlInt(db, "SELECT min(id) FROM processes");
        selection.select({Kind::Process, process});
        QTRY_VERIFY_WITH_TIMEOUT(inspector.shown().item == (ItemRef{Kind::Process, process}), 10000);
        QVERIFY(inspector.tree()->topLevelItemCount() > 0);
        // Activating a linked row selects what it names.
        QTreeWidgetItem *threads = inspector.tree()->findItems(QStringLiteral("Threads"), Qt::MatchExactly).value(0);
        QVERIFY(threads && threads->childCount() > 0);
        Q_EMIT inspector.tree()->itemActivated(threads->child(0), 0);
        QCOMPARE(selection.item().kind, Kind::Thread);
        QTRY_VERIFY_WITH_TIMEOUT(inspector.shown().item.kind == Kind::Thread, 10000);
    }
};

QTEST_MAIN(InspectorTest)
#include "inspector_test.moc"
