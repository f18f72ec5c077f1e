// SPDX-License-Identifier: MIT
// Graphviz layout of capability graphs: engine choice, finite distinct positions, DOT text.
#include "graph/graph_layout.h"
#include "graph/synthetic_graph.h"
#include "graph_test_util.h"

#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <thread>

using namespace teescope;
using namespace teescope::gui;
using namespace teescope::gui::test;

class GraphLayoutTest : public QObject
{
    Q_OBJECT

  private:
    static void checkPositions(const CapabilityGraph &g, const GraphLayout &layout)
    {
        QVERIFY(layout.isValid(g));
        QSet<QPair<qint64, qint64>> seen;
        for (const QPointF &p : layout.positions) {
            QVERIFY(std::isfinite(p.x()) && std::isfinite(p.y()));
            seen.insert({qRound64(p.x() * 10), qRound64(p.y() * 10)});
        }
        QCOMPARE(seen.size(), g.nodes.size());
        for (const QPointF &p : layout.positions)
            QVERIFY(layout.bounds.contains(p));
    }

  private Q_SLOTS:
    void engineChoice_data()
    {
        QTest::addColumn<int>("nodes");
        QTest::addColumn<QString>("engine");
        QTest::newRow("tiny") << 1 << "dot";
        QTest::newRow("limit") << 300 << "dot";
        QTest::newRow("above") << 301 << "sfdp";
        QTest::newRow("huge") << 100000 << "sfdp";
    }
    void engineChoice()
    {
        QFETCH(int, nodes);
        QFETCH(QString, engine);
        QCOMPARE(layoutEngineFor(nodes), engine);
    }

    void sampleDatabasesUseDot_data()
    {
        QTest::addColumn<QString>("path");
        for (const char *name : kSampleDbs)
            QTest::newRow(name) << sampleDb(name);
    }
    void sampleDatabasesUseDot()
    {
        QFETCH(QString, path);
        const CapabilityGraph g = loadCapabilityGraph(openTraceDb(path));
        const GraphLayout layout = layoutCapabilityGraph(g);
        QCOMPARE(layout.engine, QStringLiteral("dot"));
        checkPositions(g, layout);
    }

    void largeSyntheticUsesSfdp()
    {
        const CapabilityGraph g = syntheticCapabilityGraph(10, 600);
        QVERIFY(g.nodes.size() > 300);
        const GraphLayout layout = layoutCapabilityGraph(g);
        QCOMPARE(layout.engine, QStringLiteral("sfdp"));
        checkPositions(g, layout);
    }

    // Several guests (Xen clients) get a cluster each.
    void guestClusters()
    {
        CapabilityGraph g = syntheticCapabilityGraph(4, 40);
        for (GraphNode &n : g.nodes)
            if (n.kind != NodeKind::Object && n.id % 2 == 0)
                n.guest = 3;
        g.finish();
        QCOMPARE(g.guests, QList<int>({0, 3}));
        const QByteArray dot = capabilityGraphToDot(g);
        QVERIFY(dot.contains("subgraph cluster_guest0"));
        QVERIFY(dot.contains("subgraph cluster_guest3"));
        QCOMPARE(dot.count(" [label="), g.nodes.size());
        checkPositions(g, layoutCapabilityGraph(g));
    }

    void gridPlacementIsDistinct()
    {
        const CapabilityGraph g = syntheticCapabilityGraph(5, 200);
        checkPositions(g, gridLayout(g));
    }

    // Layouts requested from several threads at once are serialised, not corrupted.
    void concurrentLayouts()
    {
        const CapabilityGraph g = syntheticCapabilityGraph(4, 60);
        std::vector<GraphLayout> layouts(4);
        std::vector<std::thread> threads;
        for (auto &layout : layouts)
            threads.emplace_back([&g, &layout] { layout = layoutCapabilityGraph(g); });
        for (auto &t : threads)
            t.join();
        for (const auto &layout : layouts)
            checkPositions(g, layout);
    }

    void emptyGraph()
    {
        const CapabilityGraph g;
        const GraphLayout layout = layoutCapabilityGraph(g);
        QVERIFY(layout.positions.isEmpty());
        QVERIFY(capabilityGraphToDot(g).startsWith("digraph"));
    }

    void dotQuoting_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QByteArray>("quoted");
        QTest::newRow("plain") << "app" << QByteArray("\"app\"");
        QTest::newRow("quote") << "a\"b" << QByteArray("\"a\\\"b\"");
        QTest::newRow("backslash") << "a\\N" << QByteArray("\"a\\\\N\"");
        QTest::newRow("newline") << "a\nb" << QByteArray("\"a\\nb\"");
        QTest::newRow("control") << QStringLiteral("a\u0001b") << QByteArray("\"a b\"");
        QTest::newRow("utf8") << QStringLiteral("d\u00e9j\u00e0") << QByteArray("\"d\xc3\xa9j\xc3\xa0\"");
    }
    void dotQuoting()
    {
        QFETCH(QString, text);
        QFETCH(QByteArray, quoted);
        QCOMPARE(dotQuoted(text), quoted);
    }

    // Hostile process names still give a DOT file Graphviz reads, with positions kept.
    void dotWithHostileLabelsParses()
    {
        CapabilityGraph g = syntheticCapabilityGraph(3, 12);
        g.nodes[0].label = QStringLiteral("evil\"]; n1 -> n2; x [label=\"\\G\n{}<>");
        const GraphLayout layout = layoutCapabilityGraph(g);
        checkPositions(g, layout);
        const QByteArray dot = capabilityGraphToDot(g, {QString(), &layout});
        const QString dotTool = QStandardPaths::findExecutable(QStringLiteral("dot"));
        if (dotTool.isEmpty())
            QSKIP("dot is not installed");
        QProcess p;
        p.start(dotTool, {QStringLiteral("-Kneato"), QStringLiteral("-n"), QStringLiteral("-Tplain")});
        p.write(dot);
        p.closeWriteChannel();
        QVERIFY(p.waitForFinished(30000));
        QCOMPARE(p.exitCode(), 0);
        const QByteArray plain = p.readAllStandardOutput();
        // One "node" line per node: no node was invented or lost by the label.
        QCOMPARE(plain.count("\nnode "), g.nodes.size());
    }
};

QTEST_GUILESS_MAIN(GraphLayoutTest)
#include "graph_layout_test.moc"
