// SPDX-License-Identifier: MIT
// File > Record Live with real processes, in a real X11 window: `teescope record --live --sim`
// of scenario_load runs as the window's child, the window opens the database as soon as it
// exists and follows it while the scenario runs (the graph keeps the positions of what it drew,
// the status says live), and Stop ends the recording and leaves a finished database. Records
// with LTTng: run under the machine's recording lock.
#include "walk_util.h"

#include "graph/graph_items.h"
#include "graph/graph_page.h"
#include "graph/live_graph.h"
#include "window/live_source.h"

#include <QStatusBar>

using namespace teescope::gui;
using namespace teescope::gui::test;
using namespace teescope::gui::walk;

namespace {

QHash<quint64, QPointF> nodePositions(const GraphPage *graph)
{
    QHash<quint64, QPointF> out;
    for (int i = 0; i < graph->graph()->nodes.size(); ++i)
        if (GraphNodeItem *item = graph->nodeItem(i))
            out.insert(liveNodeKey(graph->graph()->nodes[i]), item->pos());
    return out;
}

} // namespace

class WalkRecordLiveTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void recordsFollowsAndStops()
    {
        MainWindow w(nullptr, MainWindow::Layout::Fresh);
        w.resize(1500, 950);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        LiveRecordOptions o;
        o.sim = QStringLiteral("qtee");
        o.command = {QStringLiteral(TEESCOPE_BIN_DIR "/scenario_load"), QStringLiteral("--processes"), QStringLiteral("2"),
                     QStringLiteral("--threads"), QStringLiteral("2"), QStringLiteral("--calls"),
                     QStringLiteral("1000000"), QStringLiteral("--rate"), QStringLiteral("500")};
        QString error;
        QVERIFY2(w.startLiveRecording(o, &error), qPrintable(error));
        QVERIFY(w.liveSource());
        const QString db = w.liveSource()->databasePath();

        // Opened while the scenario runs, and followed.
        QTRY_VERIFY_WITH_TIMEOUT(w.trace().dbPath == db, 30000);
        QTRY_VERIFY_WITH_TIMEOUT(w.liveStatusText().startsWith(QStringLiteral("live · lag ")), 30000);
        clickTab(w, ViewId::Graph);
        auto *graph = static_cast<GraphPage *>(w.page(ViewId::Graph));
        // Both client processes have drawn their contexts and apps.
        QTRY_VERIFY_WITH_TIMEOUT(graph->isReady() && graph->graph() && graph->graph()->nodes.size() >= 8, 30000);
        const qint64 now = graph->liveNow();
        const QHash<quint64, QPointF> before = nodePositions(graph);
        QVERIFY(!before.isEmpty());
        // Later commits: what was drawn stays where it was.
        QTRY_VERIFY_WITH_TIMEOUT(graph->isReady() && graph->liveNow() > now + 500'000'000, 30000);
        const QHash<quint64, QPointF> after = nodePositions(graph);
        int kept = 0;
        for (auto it = before.begin(); it != before.end(); ++it) {
            if (!after.contains(it.key()))
                continue; // released and gone
            QCOMPARE(after.value(it.key()), it.value());
            ++kept;
        }
        QVERIFY2(kept >= 4, qPrintable(QStringLiteral("%1 nodes kept").arg(kept)));
        QVERIFY2(w.liveStatusText().contains(QStringLiteral("events/s")), qPrintable(w.liveStatusText()));
        screenshot(&w, QStringLiteral("record-live"));

        // Stop: the scenario is interrupted, the import finishes the database.
        w.stopLive();
        QTRY_COMPARE_WITH_TIMEOUT(w.liveStatusText(), QStringLiteral("finished"), 120000);
        QTRY_VERIFY_WITH_TIMEOUT(!w.liveSource()->isRunning(), 120000);
        QVERIFY(w.trace().complete);
        screenshot(&w, QStringLiteral("record-live-finished"));
    }
};

QTEST_MAIN(WalkRecordLiveTest)
#include "walk_record_live_test.moc"
