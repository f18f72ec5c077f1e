// SPDX-License-Identifier: MIT
// The capability graph of an OP-TEE trace under Xen: process → context → session → TA, a TA node
// per uuid with its name, Invokes edges to sessions, guests boxed around their nodes in the
// scene (and clustered in DOT), the guest filter, and the pixels of a screenshot.
#include "optee_db.h"

#include "core/theme.h"
#include "graph/graph_items.h"
#include "graph/graph_layout.h"
#include "graph/graph_page.h"
#include "graph/graph_view.h"

#include <QDir>
#include <QGraphicsScene>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace teescope;
using namespace teescope::gui;
using namespace teescope::gui::test;

class OpteeGraphTest : public QObject
{
    Q_OBJECT

  private:
    static int pixelsNear(const QImage &image, const QColor &color, int distance = 40)
    {
        int n = 0;
        const QImage img = image.convertToFormat(QImage::Format_RGB32);
        for (int y = 0; y < img.height(); ++y) {
            const auto *line = reinterpret_cast<const QRgb *>(img.constScanLine(y));
            for (int x = 0; x < img.width(); ++x)
                if (std::abs(qRed(line[x]) - color.red()) + std::abs(qGreen(line[x]) - color.green()) +
                        std::abs(qBlue(line[x]) - color.blue()) <
                    distance)
                    ++n;
        }
        return n;
    }

    int node(const CapabilityGraph &g, NodeKind kind, const QString &label) const
    {
        for (int i = 0; i < g.nodes.size(); ++i)
            if (g.nodes[i].kind == kind && g.nodes[i].label == label)
                return i;
        return -1;
    }

    bool hasEdge(const CapabilityGraph &g, EdgeKind kind, int from, int to) const
    {
        for (const GraphEdge &e : g.edges)
            if (e.kind == kind && e.from == from && e.to == to)
                return true;
        return false;
    }

  private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(dir_.isValid());
        db_ = dir_.filePath(QStringLiteral("optee.db"));
        writeOpteeDb(db_);
    }

    void sessionsAndTasInTheGraph()
    {
        const CapabilityGraph g = loadCapabilityGraph(openTraceDb(db_));
        const int client = g.indexOf(NodeKind::Process, OpteeDb::kHelloClient);
        const int ctx = g.indexOf(NodeKind::Context, 1);
        const int session = g.indexOf(ItemRef{ItemRef::Kind::Session, OpteeDb::kHelloSession});
        const int hello = node(g, NodeKind::Ta, QStringLiteral("hello_world"));
        const int storage = node(g, NodeKind::Ta, QStringLiteral("secure_storage"));
        QVERIFY(client >= 0 && ctx >= 0 && session >= 0 && hello >= 0 && storage >= 0);
        // One TA node per uuid, in the secure world; the failed open has no session node.
        int tas = 0, sessions = 0;
        for (const GraphNode &n : g.nodes) {
            tas += n.kind == NodeKind::Ta;
            sessions += n.kind == NodeKind::Session;
        }
        QCOMPARE(tas, 2);
        QCOMPARE(sessions, 3);
        QCOMPARE(g.nodes[hello].uuid, QStringLiteral("8aaaf200-2450-11e4-abe2-0002a5d5c51b"));
        QCOMPARE(g.nodes[hello].guest, GraphNode::kSecureWorld);
        QVERIFY(!g.nodes[hello].ref().isValid());
        QCOMPARE(g.nodes[session].label, QStringLiteral("session 1"));
        QCOMPARE(g.nodes[session].objectClass, QStringLiteral("hello_world"));
        QCOMPARE(g.nodes[session].guest, 1);

        QVERIFY(hasEdge(g, EdgeKind::Opens, client, ctx));
        QVERIFY(hasEdge(g, EdgeKind::Holds, ctx, session));
        QVERIFY(hasEdge(g, EdgeKind::OpenedOn, session, hello));
        // The calls of the client on its session: 7 of them (open, 5 invokes, close).
        bool invokes = false;
        for (const GraphEdge &e : g.edges)
            if (e.kind == EdgeKind::Invokes && e.from == client && e.to == session) {
                invokes = true;
                QCOMPARE(e.calls, 7);
                QVERIFY(e.p50Ns > 0);
            }
        QVERIFY(invokes);
        // Leaked sessions stand out; the closed one does not.
        QVERIFY(g.nodes[g.indexOf(ItemRef{ItemRef::Kind::Session, OpteeDb::kLeakedSession})].leaked);
        QVERIFY(g.nodes[g.indexOf(ItemRef{ItemRef::Kind::Session, OpteeDb::kStorageSession})].leaked);
        QVERIFY(!g.nodes[session].leaked);
        // Sessions fold into their process, TAs never.
        QCOMPARE(g.nodes[session].ownerProcess, client);
        QCOMPARE(g.nodes[hello].ownerProcess, -1);
        QCOMPARE(g.guests, (QList<int>{0, 1, 2}));
        QVERIFY(g.hasGuests());
    }

    void dotClustersPerGuestWithTasOutside()
    {
        const CapabilityGraph g = loadCapabilityGraph(openTraceDb(db_));
        const QByteArray dot = capabilityGraphToDot(g);
        QVERIFY(dot.contains("subgraph cluster_guest1"));
        QVERIFY(dot.contains("subgraph cluster_guest2"));
        QVERIFY(dot.contains("label=\"guest 2\""));
        QVERIFY(dot.contains("shape=octagon"));
        QVERIFY(dot.contains("shape=hexagon"));
        // The TA nodes come after the clusters, at the top level.
        const int hello = node(g, NodeKind::Ta, QStringLiteral("hello_world"));
        const qsizetype taAt = dot.indexOf(QByteArray("  n" + QByteArray::number(hello) + " ["));
        QVERIFY(taAt > 0);
        QVERIFY(taAt > dot.lastIndexOf("subgraph cluster_guest"));
    }

    void guestBoxesHoldTheirNodes()
    {
        Selection selection;
        GraphPage page(&selection);
        page.setAnimated(false);
        page.resize(1300, 850);
        page.show();
        page.openTrace(loadTraceInfo(openTraceDb(db_)));
        QTRY_VERIFY_WITH_TIMEOUT(page.isReady(), 60000);
        QCOMPARE(page.layout().engine, QStringLiteral("dot"));
        const CapabilityGraph &g = *page.graph();
        QCOMPARE(page.guestBoxes().size(), 3);
        QHash<int, GuestBoxItem *> boxes;
        for (GuestBoxItem *b : page.guestBoxes()) {
            QCOMPARE(b->type(), int(GuestBoxItem::Type));
            boxes.insert(b->guest(), b);
        }
        for (int i = 0; i < g.nodes.size(); ++i) {
            const GraphNode &n = g.nodes[i];
            const QPointF centre = page.nodeItem(i)->pos();
            if (n.kind == NodeKind::Ta) {
                // The secure world is in no guest's box.
                for (GuestBoxItem *b : page.guestBoxes())
                    QVERIFY2(!b->boxRect().contains(centre), qPrintable(n.label));
                QCOMPARE(page.nodeItem(i)->type(), int(TaItem::Type));
                continue;
            }
            QVERIFY2(boxes.value(n.guest)->boxRect().contains(centre), qPrintable(n.label));
            for (GuestBoxItem *b : page.guestBoxes())
                if (b->guest() != n.guest)
                    QVERIFY2(!b->boxRect().contains(centre), qPrintable(n.label + QStringLiteral(" in another box")));
            if (n.kind == NodeKind::Session)
                QCOMPARE(page.nodeItem(i)->type(), int(SessionItem::Type));
        }
        // Folding a process shrinks its guest's box to what is still shown.
        const QRectF before = boxes.value(1)->nodesRect();
        page.setCollapsed(g.indexOf(NodeKind::Process, OpteeDb::kHelloClient), true);
        QVERIFY(boxes.value(1)->nodesRect().width() < before.width() ||
                boxes.value(1)->nodesRect().height() < before.height());
    }

    void guestFilterLeavesOneGuest()
    {
        Selection selection;
        GraphPage page(&selection);
        page.setAnimated(false);
        page.resize(1300, 850);
        page.show();
        page.openTrace(loadTraceInfo(openTraceDb(db_)));
        QTRY_VERIFY_WITH_TIMEOUT(page.isReady(), 60000);
        const CapabilityGraph &g = *page.graph();
        selection.setGuestFilter(1);
        int shown = 0;
        for (int i = 0; i < g.nodes.size(); ++i) {
            const GraphNode &n = g.nodes[i];
            const bool expected = n.kind == NodeKind::Ta ? n.objectClass == QLatin1String("hello_world") : n.guest == 1;
            QCOMPARE(page.nodeItem(i)->isVisible(), expected);
            shown += expected;
        }
        QCOMPARE(shown, 2 + 2 + 2 + 1); // processes, contexts, sessions, TA
        for (int e = 0; e < g.edges.size(); ++e)
            if (page.edgeItem(e)->isVisible())
                QVERIFY(!page.isFilteredOut(g.edges[e].from) && !page.isFilteredOut(g.edges[e].to));
        for (GuestBoxItem *b : page.guestBoxes())
            QCOMPARE(b->nodesRect().isEmpty(), b->guest() != 1);
        selection.setGuestFilter(Selection::kAllGuests);
        for (int i = 0; i < g.nodes.size(); ++i)
            QVERIFY(page.nodeItem(i)->isVisible());
    }

    // The picture: each guest's box in its colour, sessions and TAs in theirs, the leaked
    // sessions in the leak colour; the guest filter leaves guest 2's colour only.
    void screenshotPixels()
    {
        Selection selection;
        GraphPage page(&selection);
        page.setAnimated(false);
        page.resize(1300, 850);
        page.show();
        page.openTrace(loadTraceInfo(openTraceDb(db_)));
        QTRY_VERIFY_WITH_TIMEOUT(page.isReady(), 60000);
        QTest::qWait(50);
        const QImage image = page.view()->viewport()->grab().toImage();
        const QString shots = qEnvironmentVariable("TEESCOPE_SCREENSHOTS");
        if (!shots.isEmpty()) {
            QDir().mkpath(shots);
            image.save(shots + QStringLiteral("/graph-optee.png"));
        }
        const bool dark = isDark(page.palette());
        QVERIFY2(pixelsNear(image, guestColor(1, dark), 20) > 150, "no box of guest 1");
        QVERIFY2(pixelsNear(image, guestColor(2, dark), 20) > 150, "no box of guest 2");
        QVERIFY2(pixelsNear(image, taColor(dark)) > 500, "no TA");
        QVERIFY2(pixelsNear(image, sessionColor(dark)) > 200, "no session");
        QVERIFY2(pixelsNear(image, leakColor(dark)) > 50, "no leaked session");

        selection.setGuestFilter(2);
        QTest::qWait(50);
        const QImage two = page.view()->viewport()->grab().toImage();
        QVERIFY2(pixelsNear(two, guestColor(2, dark), 20) > 150, "guest 2 hidden");
        QVERIFY2(pixelsNear(two, guestColor(1, dark), 20) < 20, "guest 1 shown");
    }

  private:
    QTemporaryDir dir_;
    QString db_;
};

QTEST_MAIN(OpteeGraphTest)
#include "optee_graph_test.moc"
