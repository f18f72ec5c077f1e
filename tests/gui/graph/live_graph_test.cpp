// SPDX-License-Identifier: MIT
// The live graph's pure parts: what is drawn at "now" (alive, fading within the linger, gone
// after it; capped with counts for the aggregate), where new nodes go (known ones never move,
// new ones next to what they hang from, never on another node), and the live status meter.
#include "core/live_watcher.h"
#include "graph/graph_layout.h"
#include "graph/live_graph.h"

#include <QtTest>

using namespace teescope::gui;

namespace {

constexpr qint64 kS = 1'000'000'000;

GraphNode node(NodeKind kind, qint64 id, qint64 begin, qint64 end = Interval::kOpenEnd)
{
    GraphNode n;
    n.kind = kind;
    n.id = id;
    n.label = QStringLiteral("n%1").arg(id);
    n.life.add({begin, end});
    return n;
}

// A process with a context holding `objects` objects created one second apart from t = 10 s.
CapabilityGraph processWithObjects(int objects)
{
    CapabilityGraph g;
    const int p = g.addNode(node(NodeKind::Process, 1, 0));
    const int c = g.addNode(node(NodeKind::Context, 1, 1 * kS));
    g.addEdge({EdgeKind::Opens, p, c, g.nodes[c].life});
    for (int i = 0; i < objects; ++i) {
        const int o = g.addNode(node(NodeKind::Object, i + 1, (10 + i) * kS));
        g.addEdge({EdgeKind::Holds, c, o, g.nodes[o].life});
    }
    g.finish();
    return g;
}

QRectF rectOf(const CapabilityGraph &g, const QList<QPointF> &pos, int i)
{
    const QSizeF s = nodeSize(g.nodes[i].kind);
    return QRectF(pos[i] - QPointF(s.width() / 2, s.height() / 2), s);
}

} // namespace

class LiveGraphTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void releasedNodesFadeThenGo()
    {
        CapabilityGraph g = processWithObjects(3);
        // Object 2 released at 20 s.
        g.nodes[g.indexOf(NodeKind::Object, 2)].life.intervals[0].end = 20 * kS;
        g.finish();
        LiveDrawOptions o;
        o.linger = 5 * kS;
        o.now = 22 * kS; // released 2 s ago: still drawn (faded by the page)
        LiveDrawing d = liveDrawing(g, o);
        QCOMPARE(d.graph.nodes.size(), 5);
        QVERIFY(d.graph.indexOf(NodeKind::Object, 2) >= 0);
        QCOMPARE(d.gone, 0);
        o.now = 30 * kS; // 10 s ago: gone, and its edge with it
        d = liveDrawing(g, o);
        QCOMPARE(d.graph.nodes.size(), 4);
        QCOMPARE(d.graph.indexOf(NodeKind::Object, 2), -1);
        QCOMPARE(d.gone, 1);
        QCOMPARE(d.graph.edges.size(), 3);
        for (const GraphEdge &e : d.graph.edges)
            QVERIFY(e.from >= 0 && e.from < d.graph.nodes.size() && e.to >= 0 && e.to < d.graph.nodes.size());
    }

    void capKeepsProcessesDrawnAndNewest()
    {
        const CapabilityGraph g = processWithObjects(50);
        LiveDrawOptions o;
        o.now = 100 * kS;
        o.cap = 10;
        // Objects 1 and 2 (the oldest) were drawn before: they stay.
        o.drawnBefore = {liveNodeKey(node(NodeKind::Object, 1, 0)), liveNodeKey(node(NodeKind::Object, 2, 0))};
        const LiveDrawing d = liveDrawing(g, o);
        QCOMPARE(d.graph.nodes.size(), 10);
        QCOMPARE(d.leftOutObjects, 42);
        QCOMPARE(d.leftOutOther, 0);
        QVERIFY(d.graph.indexOf(NodeKind::Process, 1) >= 0);
        QVERIFY(d.graph.indexOf(NodeKind::Context, 1) >= 0);
        QVERIFY(d.graph.indexOf(NodeKind::Object, 1) >= 0);
        QVERIFY(d.graph.indexOf(NodeKind::Object, 2) >= 0);
        // The rest are the newest.
        for (qint64 id = 45; id <= 50; ++id)
            QVERIFY2(d.graph.indexOf(NodeKind::Object, id) >= 0, qPrintable(QString::number(id)));
        QCOMPARE(d.graph.indexOf(NodeKind::Object, 44), -1);
    }

    void newNodesGoNextToTheirParentWithoutMovingOthers()
    {
        const CapabilityGraph g = processWithObjects(12);
        QList<std::optional<QPointF>> known(g.nodes.size());
        known[0] = QPointF(0, 0);    // process
        known[1] = QPointF(200, 0);  // context
        known[2] = QPointF(400, 0);  // object 1
        known[3] = QPointF(400, 44); // object 2
        const QList<QPointF> pos = placeNewNodes(g, known);
        QCOMPARE(pos.size(), g.nodes.size());
        for (int i = 0; i < 4; ++i)
            QCOMPARE(pos[i], *known[i]);
        for (int i = 4; i < g.nodes.size(); ++i) {
            // Right of the context, near it.
            QVERIFY2(pos[i].x() > 200 && pos[i].x() < 800, qPrintable(QStringLiteral("%1: %2").arg(i).arg(pos[i].x())));
            for (int j = 0; j < g.nodes.size(); ++j)
                if (j != i)
                    QVERIFY2(!rectOf(g, pos, i).intersects(rectOf(g, pos, j)),
                             qPrintable(QStringLiteral("%1 overlaps %2").arg(i).arg(j)));
        }
    }

    void nodeWithoutPlacedNeighbourGoesRightOfTheDrawing()
    {
        CapabilityGraph g;
        g.addNode(node(NodeKind::Process, 1, 0));
        g.addNode(node(NodeKind::Process, 2, 0));
        g.finish();
        const QList<QPointF> pos = placeNewNodes(g, {QPointF(0, 0), std::nullopt});
        QVERIFY(pos[1].x() > 150);
    }

    void meterSaysLagRateLossAndStall()
    {
        LiveMeter m;
        QCOMPARE(m.statusText(), QString());
        LiveSample s;
        s.live = true;
        s.liveWallMs = 10'000;
        s.liveEvents = 0;
        m.add(s, 10'050);
        s.liveWallMs = 11'000;
        s.liveEvents = 84'000;
        m.add(s, 11'120);
        QCOMPARE(m.lagMs(), 120);
        QCOMPARE(qRound(m.eventsPerSecond()), 84000);
        QCOMPARE(m.statusText(), QStringLiteral("live · lag 120 ms · 84 k events/s"));
        s.eventsLost = 3;
        s.liveWallMs = 11'200;
        s.liveEvents = 84'000 + 16'800;
        m.add(s, 11'300);
        QVERIFY2(m.statusText().endsWith(QStringLiteral(" · 3 lost")), qPrintable(m.statusText()));
        m.tick(11'200 + LiveMeter::kStallMs + 1500);
        QVERIFY(m.isStalled());
        QVERIFY2(m.statusText().startsWith(QStringLiteral("live · stalled 4 s")), qPrintable(m.statusText()));
        s.live = false;
        m.add(s, 20'000);
        QCOMPARE(m.statusText(), QStringLiteral("finished · 3 lost"));
    }

    void meterSaysHowFarAnImportThatIsBehindIs()
    {
        // Commits keep coming every 50 ms while the import reads a backlog: the lag is the age
        // of its newest event, not of its last commit; caught up, the commit's age again.
        LiveMeter m;
        LiveSample s;
        s.live = true;
        s.caughtUp = false;
        s.liveWallMs = 50'000;
        s.liveTs = qint64(46'000) * 1'000'000; // its newest event is 4 s old
        m.add(s, 50'020);
        QCOMPARE(m.lagMs(), 4020);
        QVERIFY(!m.isStalled());
        QVERIFY2(m.statusText().startsWith(QStringLiteral("live · lag 4020 ms")), qPrintable(m.statusText()));
        s.caughtUp = true;
        s.liveWallMs = 50'050;
        m.add(s, 50'070);
        QCOMPARE(m.lagMs(), 20);
        // A trace clock far from the wall clock (a board's): only the commit's age is known.
        s.caughtUp = false;
        s.liveTs = qint64(900'000) * 1'000'000; // ahead of the wall clock
        s.liveWallMs = 50'100;
        m.add(s, 50'130);
        QCOMPARE(m.lagMs(), 30);
    }
};

QTEST_MAIN(LiveGraphTest)
#include "live_graph_test.moc"
