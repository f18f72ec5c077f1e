// SPDX-License-Identifier: MIT
// File > Record Live with real processes, in a real X11 window: `teescope record --live --sim`
// of scenario_load runs as the window's child, the window opens the database as soon as it
// exists and follows it while the scenario runs (the graph keeps the positions of what it drew,
// the status says live), and Stop ends the recording and leaves a finished database. It also
// prints how old the newest event is when the timeline has shown it (the lag to the screen, from
// the events' trace times: LTTng's clock is offset to the wall clock), beside the same age when
// the commit reached the window's watcher. Records with LTTng: run under the machine's recording
// lock.
#include "walk_util.h"

#include "graph/graph_items.h"
#include "graph/graph_page.h"
#include "graph/live_graph.h"
#include "timeline/timeline_page.h"
#include "window/live_follower.h"
#include "window/live_source.h"

#include <QDateTime>
#include <QStatusBar>

#include <algorithm>

using namespace teescope::gui;
using namespace teescope::gui::test;
using namespace teescope::gui::walk;

namespace {

qint64 percentile(QList<qint64> v, double q)
{
    if (v.isEmpty())
        return -1;
    std::sort(v.begin(), v.end());
    return v[std::min<qsizetype>(v.size() - 1, qsizetype(q * double(v.size())))];
}

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

        // The lag to the screen: each time the timeline (on screen, following) has loaded a new
        // commit and painted it, the age of the newest event it shows.
        clickTab(w, ViewId::Timeline);
        ViewPage *timeline = w.page(ViewId::Timeline);
        QList<qint64> shown, seen;
        qint64 lastShown = timeline->liveNow();
        QObject::connect(w.liveFollower(), &LiveFollower::statusChanged, &w, [&] {
            const qint64 ts = w.liveFollower()->meter().last().liveTs;
            if (ts > 0)
                seen.append(QDateTime::currentMSecsSinceEpoch() - ts / 1'000'000);
        });
        QElapsedTimer measuring;
        measuring.start();
        while (measuring.elapsed() < 8000) {
            QTest::qWait(5);
            if (timeline->isReady() && timeline->liveNow() > lastShown) {
                lastShown = timeline->liveNow();
                timeline->repaint(); // what is loaded is on screen once painted
                shown.append(QDateTime::currentMSecsSinceEpoch() - lastShown / 1'000'000);
            }
        }
        QVERIFY2(shown.size() >= 10, qPrintable(QStringLiteral("%1 commits shown").arg(shown.size())));
        qInfo().noquote() << QStringLiteral("GUI LAG timeline: %1 commits shown, newest event p50 %2 ms p99 %3 ms on "
                                            "screen; p50 %4 ms p99 %5 ms when the watcher saw the commit")
                                 .arg(shown.size())
                                 .arg(percentile(shown, 0.5))
                                 .arg(percentile(shown, 0.99))
                                 .arg(percentile(seen, 0.5))
                                 .arg(percentile(seen, 0.99));

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
