// SPDX-License-Identifier: MIT
// CapabilityGraph read from the sample databases, checked against the views and tables.
#include "graph/capability_graph.h"
#include "graph_test_util.h"

#include "teescope/store/error.h"

#include <QTemporaryDir>
#include <QTest>

using namespace teescope;
using namespace teescope::gui;
using namespace teescope::gui::test;

class CapabilityGraphTest : public QObject
{
    Q_OBJECT

  private:
    static QSet<qint64> flagged(const CapabilityGraph &g, bool GraphNode::*flag)
    {
        QSet<qint64> ids;
        for (const GraphNode &n : g.nodes)
            if (n.kind == NodeKind::Object && n.*flag)
                ids.insert(n.id);
        return ids;
    }
    static void addDbRows()
    {
        QTest::addColumn<QString>("path");
        for (const char *name : kSampleDbs)
            QTest::newRow(name) << sampleDb(name);
    }

  private Q_SLOTS:
    void nodesAreEveryRow_data() { addDbRows(); }
    void nodesAreEveryRow()
    {
        QFETCH(QString, path);
        const store::Database db = openTraceDb(path);
        const CapabilityGraph g = loadCapabilityGraph(db);
        for (auto [kind, table] : {std::pair{NodeKind::Process, "processes"},
                                   {NodeKind::Context, "contexts"},
                                   {NodeKind::Object, "objects"}}) {
            const QSet<qint64> expected = queryIds(db, (std::string("SELECT id FROM ") + table).c_str());
            QSet<qint64> got;
            for (const GraphNode &n : g.nodes)
                if (n.kind == kind)
                    got.insert(n.id);
            QCOMPARE(got, expected);
            for (qint64 id : expected)
                QCOMPARE(g.nodes[g.indexOf(kind, id)].id, id);
        }
        for (const GraphEdge &e : g.edges) {
            QVERIFY(e.from >= 0 && e.from < g.nodes.size());
            QVERIFY(e.to >= 0 && e.to < g.nodes.size());
            QVERIFY(!e.life.intervals.isEmpty());
        }
    }

    // Leaked = the object rows of the leaks view.
    void leakedObjects_data() { addDbRows(); }
    void leakedObjects()
    {
        QFETCH(QString, path);
        const store::Database db = openTraceDb(path);
        const CapabilityGraph g = loadCapabilityGraph(db);
        const QSet<qint64> expected = queryIds(
            db, "SELECT object_id FROM leaks WHERE kind NOT IN ('shm_not_freed', 'session_not_closed')");
        QCOMPARE(flagged(g, &GraphNode::leaked), expected);
        if (path.endsWith(QLatin1String("leaky.db")))
            QVERIFY(!expected.isEmpty());
    }

    // Shared = instances of an sw_id listed by sharing_objects held at a time another context
    // held an instance of it.
    void sharedObjects_data() { addDbRows(); }
    void sharedObjects()
    {
        QFETCH(QString, path);
        const store::Database db = openTraceDb(path);
        const CapabilityGraph g = loadCapabilityGraph(db);
        const QSet<qint64> expected =
            queryIds(db, "SELECT DISTINCT h1.object_id FROM handles h1"
                         "  JOIN objects o1 ON o1.id = h1.object_id"
                         "  JOIN objects o2 ON o2.sw_id = o1.sw_id"
                         "  JOIN handles h2 ON h2.object_id = o2.id AND h2.context_id <> h1.context_id"
                         " WHERE o1.kind NOT IN ('root', 'primordial')"
                         "   AND COALESCE(h1.bind_ts, 0) < COALESCE(h2.unbind_ts, 9223372036854775807)"
                         "   AND COALESCE(h2.bind_ts, 0) < COALESCE(h1.unbind_ts, 9223372036854775807)");
        QCOMPARE(flagged(g, &GraphNode::shared), expected);
        QSet<qint64> sharedSwIds;
        for (const GraphNode &n : g.nodes)
            if (n.shared)
                sharedSwIds.insert(n.swId);
        QCOMPARE(sharedSwIds, queryIds(db, "SELECT sw_id FROM sharing_objects"));

        if (path.endsWith(QLatin1String("sharing.db"))) {
            // The shared instances belong to two different processes, linked by an edge.
            QVERIFY(!expected.isEmpty());
            QSet<int> owners;
            int links = 0;
            for (const GraphNode &n : g.nodes)
                if (n.shared)
                    owners.insert(n.ownerProcess);
            for (const GraphEdge &e : g.edges)
                links += e.kind == EdgeKind::SameSecureObject;
            QVERIFY2(owners.size() >= 2, "shared instances are held by two processes");
            QVERIFY(links >= 1);
        }
    }

    // Data loss: lifetimes whose start or end is uncertain.
    void dataLossObjects_data() { addDbRows(); }
    void dataLossObjects()
    {
        QFETCH(QString, path);
        const store::Database db = openTraceDb(path);
        const CapabilityGraph g = loadCapabilityGraph(db);
        QCOMPARE(flagged(g, &GraphNode::dataLoss),
                 queryIds(db, "SELECT id FROM objects WHERE origin_unknown <> 0 OR end_inferred <> 0"
                              " UNION SELECT object_id FROM handles WHERE end_inferred <> 0"));
    }

    void provenanceEdges_data() { addDbRows(); }
    void provenanceEdges()
    {
        QFETCH(QString, path);
        const store::Database db = openTraceDb(path);
        const CapabilityGraph g = loadCapabilityGraph(db);
        const qint64 expected = queryNumber(db, "SELECT COUNT(*) FROM objects o JOIN invocations i ON i.id = "
                                                "o.produced_by WHERE i.object_id IS NOT NULL");
        qint64 got = 0;
        for (const GraphEdge &e : g.edges)
            if (e.kind == EdgeKind::Provenance) {
                ++got;
                QCOMPARE(g.nodes[e.from].kind, NodeKind::Object);
            }
        QCOMPARE(got, expected);
    }

    // The holds edge of a context and an object exists from the bind on, not before it.
    void holdsEdgeAtTime_data() { addDbRows(); }
    void holdsEdgeAtTime()
    {
        QFETCH(QString, path);
        const store::Database db = openTraceDb(path);
        const CapabilityGraph g = loadCapabilityGraph(db);
        store::Statement s(db.handle(),
                           "SELECT context_id, object_id, MIN(bind_ts) FROM handles WHERE bind_ts IS NOT NULL"
                           " GROUP BY context_id, object_id",
                           db.path());
        int checked = 0;
        while (s.next()) {
            const int ctx = g.indexOf(NodeKind::Context, s.int_at(0));
            const int obj = g.indexOf(NodeKind::Object, s.int_at(1));
            const qint64 bind = s.int_at(2);
            int holds = 0;
            for (int e : g.edgesOf(obj)) {
                const GraphEdge &edge = g.edges[e];
                if (edge.kind != EdgeKind::Holds || edge.from != ctx || edge.to != obj)
                    continue;
                ++holds;
                QVERIFY(!edge.life.contains(bind - 1));
                QVERIFY(edge.life.contains(bind));
            }
            QCOMPARE(holds, 1);
            ++checked;
        }
        QCOMPARE(checked, int(queryNumber(db, "SELECT COUNT(DISTINCT context_id || ',' || object_id) FROM "
                                              "handles WHERE bind_ts IS NOT NULL")));
    }

    // Invocation edges: the calls of every (process, object) pair, their max latency.
    void invokeEdges_data() { addDbRows(); }
    void invokeEdges()
    {
        QFETCH(QString, path);
        const store::Database db = openTraceDb(path);
        const CapabilityGraph g = loadCapabilityGraph(db);
        store::Statement s(
            db.handle(),
            "SELECT process_id, object_id, COUNT(*), MAX(CASE WHEN drv_end_ts >= drv_begin_ts THEN "
            "drv_end_ts - drv_begin_ts END), TOTAL(MAX(drv_end_ts - drv_begin_ts, 0)),"
            "       MIN(COALESCE(drv_begin_ts, user_begin_ts)),"
            "       MAX(COALESCE(drv_end_ts, user_end_ts, drv_begin_ts, user_begin_ts)), COUNT(DISTINCT op)"
            "  FROM invocations WHERE process_id IS NOT NULL AND object_id IS NOT NULL GROUP BY 1, 2",
            db.path());
        int pairs = 0;
        while (s.next()) {
            const int proc = g.indexOf(NodeKind::Process, s.int_at(0));
            const int obj = g.indexOf(NodeKind::Object, s.int_at(1));
            const GraphEdge *edge = nullptr;
            for (int e : g.edgesOf(obj))
                if (g.edges[e].kind == EdgeKind::Invokes && g.edges[e].from == proc)
                    edge = &g.edges[e];
            QVERIFY(edge);
            QCOMPARE(edge->calls, s.int_at(2));
            QCOMPARE(edge->maxNs, s.null_at(3) ? qint64(-1) : s.int_at(3));
            // Summed by the import (invocation groups), as the rows add up.
            QCOMPARE(edge->totalNs, qint64(s.real_at(4)));
            if (!s.null_at(5))
                QCOMPARE(edge->life.intervals.first().begin, s.int_at(5));
            if (!s.null_at(6))
                QCOMPARE(edge->life.intervals.first().end, s.int_at(6) + 1);
            QCOMPARE(qint64(edge->ops.size()), s.int_at(7));
            qint64 opCalls = 0;
            for (const GraphEdgeOp &op : edge->ops)
                opCalls += op.calls;
            QCOMPARE(opCalls, edge->calls);
            if (edge->maxNs >= 0) {
                QVERIFY(edge->p50Ns >= 0);
                QVERIFY(edge->p50Ns <= edge->maxNs * 1.1);
            }
            ++pairs;
        }
        int edges = 0;
        for (const GraphEdge &e : g.edges)
            edges += e.kind == EdgeKind::Invokes;
        QCOMPARE(edges, pairs);
    }

    // An invokes edge lists its calls per op, by name: app add and release in the clean run.
    void invokeEdgesNameTheirOps()
    {
        const store::Database db = openTraceDb(sampleDb("clean"));
        const CapabilityGraph g = loadCapabilityGraph(db);
        int named = 0;
        for (const GraphEdge &e : g.edges) {
            if (e.kind != EdgeKind::Invokes || g.nodes[e.to].objectClass != QLatin1String("app"))
                continue;
            qint64 calls = 0;
            for (const GraphEdgeOp &op : e.ops) {
                calls += op.calls;
                store::Statement s(db.handle(),
                                   "SELECT COUNT(*) FROM invocations WHERE process_id = ? AND object_id = ? AND op = ?",
                                   db.path());
                s.bind(1, int64_t(g.nodes[e.from].id));
                s.bind(2, int64_t(g.nodes[e.to].id));
                s.bind(3, int64_t(op.op));
                QVERIFY(s.next());
                QCOMPARE(op.calls, s.int_at(0));
                if (op.op == 0) {
                    QCOMPARE(op.name, QStringLiteral("add"));
                    ++named;
                }
                if (op.op == 65535)
                    QCOMPARE(op.name, QStringLiteral("release"));
            }
            QCOMPARE(calls, e.calls);
            for (qsizetype i = 1; i < e.ops.size(); ++i)
                QVERIFY(e.ops[i - 1].calls >= e.ops[i].calls);
        }
        QVERIFY(named > 0);
    }

    // NULL times, dangling ids, reversed and huge durations, hostile strings: no crash, and
    // what can be read is read.
    void hostileRows()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("hostile.db")).toStdString();
        {
            store::Database db = store::Database::create(path);
            db.exec(
                "INSERT OR REPLACE INTO metadata VALUES ('first_ts', '100'), ('last_ts', "
                "'9223372036854775806');"
                "INSERT INTO processes (id, pid, name, guest, parent_id, start_ts, end_ts, end_kind)"
                "  VALUES (1, 9223372036854775807, '<b>x</b>\"\n]; n9 -> n1', 0, NULL, 100, NULL, 'vanished');"
                "INSERT INTO processes (id, pid, name, guest, parent_id, start_ts, end_ts, end_kind)"
                "  VALUES (2, -1, NULL, 7, 99, 50, 40, 'exited');"
                "INSERT INTO contexts (id, serial, process_id, dev, end_kind) VALUES (1, 1, NULL, NULL, "
                "'open_at_end');"
                "INSERT INTO contexts (id, serial, process_id, dev, guest, open_ts, end_kind, end_inferred)"
                "  VALUES (2, -5, 2, 'tee\\0', 7, 300, 'closed', 1);"
                "INSERT INTO objects (id, address, kind, class, sw_id, context_id, produced_by, end_kind, "
                "origin_unknown)"
                "  VALUES (1, 0, 'root', 'root', NULL, 1, NULL, 'alive_at_end', 0),"
                "         (2, 0, 'qtee', '', 9223372036854775807, 99, 12345, 'freed', 1),"
                "         (3, 0, 'weird', 'uid:1', 4, 2, 1, 'alive_at_end', 0),"
                "         (4, 0, 'qtee', 'x', 4, 1, 1, 'alive_at_end', 0);"
                "INSERT INTO handles (id, context_id, handle, object_id, bind_ts, unbind_ts)"
                "  VALUES (1, 1, 0, 4, NULL, NULL), (2, 2, 0, 3, 10, NULL), (3, 1, 1, 77, 5, 6), (4, 55, 1, "
                "3, 5, 6);"
                "INSERT INTO invocations (id, process_id, object_id, op, drv_begin_ts, drv_end_ts)"
                "  VALUES (1, 1, 1, 0, 500, 400), (2, 1, 1, 0, 0, 9223372036854775807), (3, 2, 3, 0, NULL, "
                "NULL),"
                "         (4, 9, 1, 0, 1, 2), (5, 1, NULL, 0, 1, 2), (6, 2, 4, 0, 10, 20), (7, 1, 1, 0, 0, "
                "9223372036854775807);");
            db.close();
        }
        const store::Database db = store::Database::open_read_only(path);
        const CapabilityGraph g = loadCapabilityGraph(db);
        QCOMPARE(g.nodes.size(), 2 + 2 + 4);
        const GraphNode &p1 = g.nodes[g.indexOf(NodeKind::Process, 1)];
        QVERIFY(p1.label.contains(QStringLiteral("<b>x</b>\"\n]; n9 -> n1")));
        QCOMPARE(g.guests, QList<int>({0, 7}));
        // Dangling handles (unknown context or object) make no edge; sw_id 4 is held by two
        // contexts at once.
        int holds = 0, invokes = 0;
        for (const GraphEdge &e : g.edges) {
            holds += e.kind == EdgeKind::Holds;
            if (e.kind == EdgeKind::Invokes) {
                ++invokes;
                QVERIFY(e.p50Ns >= -1);
                QVERIFY(e.maxNs >= -1);
                QVERIFY(e.totalNs >= 0);
            }
        }
        QCOMPARE(holds, 2);
        QCOMPARE(invokes, 3); // (1,1) with three calls, (2,3), (2,4); unknown process or object skipped
        QVERIFY(g.nodes[g.indexOf(NodeKind::Object, 3)].shared);
        QVERIFY(g.nodes[g.indexOf(NodeKind::Object, 4)].shared);
        QVERIFY(g.nodes[g.indexOf(NodeKind::Object, 2)].dataLoss);
        QVERIFY(g.nodes[g.indexOf(NodeKind::Context, 2)].dataLoss);
    }

    void missingDatabaseThrows()
    {
        QVERIFY_THROWS_EXCEPTION(store::Error, openTraceDb(QStringLiteral("/nonexistent/x.db")));
    }

    // A database with the schema and nothing in it gives an empty graph.
    void emptyDatabase()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("empty.db")).toStdString();
        store::Database::create(path).close();
        const CapabilityGraph g = loadCapabilityGraph(store::Database::open_read_only(path));
        QVERIFY(g.isEmpty());
        QVERIFY(g.edges.isEmpty());
    }
};

QTEST_GUILESS_MAIN(CapabilityGraphTest)
#include "capability_graph_test.moc"
