// SPDX-License-Identifier: MIT
// Following a live database in a real X11 window: a second connection (on a thread of its own)
// grows a WAL database from a finished import the way a live import writes it, and the window
// follows: the graph changes in place (known nodes keep their scene positions, new ones appear),
// the timeline's right edge tracks now until the user pans or zooms and again after End, the
// status bar says live and then finished, and the lost-events banner appears when loss is seen.
#include "live_db_grower.h"
#include "walk_util.h"

#include "core/format.h"
#include "graph/graph_items.h"
#include "graph/graph_page.h"
#include "graph/graph_view.h"
#include "graph/live_graph.h"
#include "tables/leaks_model.h"
#include "tables/leaks_page.h"
#include "timeline/timeline_page.h"
#include "timeline/timeline_view.h"
#include "window/live_follower.h"

#include <QGraphicsScene>
#include <QPushButton>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTreeView>

using namespace teescope::gui;
using namespace teescope::gui::test;
using namespace teescope::gui::walk;

namespace {

constexpr qint64 kMs = 1'000'000;

// Scene positions of the drawn nodes by row identity.
QHash<quint64, QPointF> nodePositions(const GraphPage *graph)
{
    QHash<quint64, QPointF> out;
    for (int i = 0; i < graph->graph()->nodes.size(); ++i)
        if (GraphNodeItem *item = graph->nodeItem(i))
            out.insert(liveNodeKey(graph->graph()->nodes[i]), item->pos());
    return out;
}

// A window shown and exposed, `db` opened, every page loaded once.
std::unique_ptr<MainWindow> openLive(const QString &db, int graphCap = 400)
{
    auto w = std::make_unique<MainWindow>(nullptr, MainWindow::Layout::Fresh);
    w->resize(1500, 950);
    static_cast<GraphPage *>(w->page(ViewId::Graph))->setLiveLimits(graphCap, 5'000'000'000);
    w->show();
    if (!QTest::qWaitForWindowExposed(w.get()))
        return nullptr;
    w->activateWindow();
    QString error;
    if (!w->openDatabase(db, &error)) {
        qWarning() << "cannot open" << db << error;
        return nullptr;
    }
    for (ViewId v : {ViewId::Summary, ViewId::Graph, ViewId::Timeline, ViewId::Leaks, ViewId::Latency})
        if (!QTest::qWaitFor([&] { return w->page(v)->isReady(); }, kLoadTimeoutMs))
            return nullptr;
    return w;
}

// Every page has taken in the commit at live_ts `now` and is done loading.
bool caughtUp(MainWindow &w, qint64 now)
{
    return QTest::qWaitFor(
        [&] {
            for (ViewId v : {ViewId::Summary, ViewId::Graph, ViewId::Timeline, ViewId::Leaks, ViewId::Latency})
                if (w.page(v)->liveNow() < now || !w.page(v)->isReady())
                    return false;
            return true;
        },
        kLoadTimeoutMs);
}

} // namespace

class WalkLiveTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void graphGrowsInPlace();
    void timelineFollowsNow();
    void statusSaysLiveThenFinished();
    void lostEventsBanner();
    void capDrawsAnAggregate();
    void guiStaysResponsiveWhileFollowing();

private:
    QTemporaryDir dir_;
};

void WalkLiveTest::graphGrowsInPlace()
{
    const QString db = dir_.filePath(QStringLiteral("graph.db"));
    LiveDbGrower grower(sampleDb("sharing").toStdString(), db.toStdString());
    const qint64 step1 = grower.firstTs() + 30 * kMs, step2 = grower.firstTs() + 80 * kMs;
    // The sample creates objects between the two steps (else this test proves nothing).
    QVERIFY(sqlInt(sampleDb("sharing"), "SELECT COUNT(*) FROM objects WHERE created_ts > "
                                        "(SELECT value FROM metadata WHERE key = 'first_ts') + 30000000 AND created_ts <= "
                                        "(SELECT value FROM metadata WHERE key = 'first_ts') + 80000000") >= 3);
    QVERIFY(growInThread([&] { grower.growTo(step1); }));

    auto w = openLive(db);
    QVERIFY(w);
    clickTab(*w, ViewId::Graph);
    auto *graph = static_cast<GraphPage *>(w->page(ViewId::Graph));
    QVERIFY(graph->isInPlace());
    QTRY_VERIFY_WITH_TIMEOUT(graph->isReady() && graph->graph(), kLoadTimeoutMs);
    const QHash<quint64, QPointF> before = nodePositions(graph);
    QVERIFY(!before.isEmpty());
    screenshot(w.get(), QStringLiteral("live-graph-1"));

    QVERIFY(growInThread([&] { grower.growTo(step2); }));
    QVERIFY(caughtUp(*w, step2));
    const QHash<quint64, QPointF> after = nodePositions(graph);
    int kept = 0;
    for (auto it = before.begin(); it != before.end(); ++it) {
        if (!after.contains(it.key()))
            continue; // gone (released longer ago than the linger): not the case here
        ++kept;
        const QPointF moved = after.value(it.key()) - it.value();
        QVERIFY2(qAbs(moved.x()) < 0.01 && qAbs(moved.y()) < 0.01,
                 qPrintable(QStringLiteral("node %1 moved by (%2, %3)").arg(it.key()).arg(moved.x()).arg(moved.y())));
    }
    QCOMPARE(kept, before.size());
    QVERIFY2(after.size() >= before.size() + 3, qPrintable(QStringLiteral("%1 -> %2 nodes").arg(before.size()).arg(after.size())));
    // New nodes do not sit on old ones (their shapes; the items' bounds include room for badges).
    const auto shape = [graph](int i) {
        const GraphNodeItem *item = graph->nodeItem(i);
        return QRectF(item->pos() - QPointF(item->size().width() / 2, item->size().height() / 2), item->size());
    };
    for (int i = 0; i < graph->graph()->nodes.size(); ++i) {
        if (before.contains(liveNodeKey(graph->graph()->nodes[i])))
            continue;
        const QRectF r = shape(i);
        for (int j = 0; j < graph->graph()->nodes.size(); ++j)
            if (j != i && graph->nodeItem(j)->isVisible())
                QVERIFY2(!r.intersects(shape(j)),
                         qPrintable(graph->graph()->nodes[i].label + QStringLiteral(" overlaps ") + graph->graph()->nodes[j].label));
    }
    // Released nodes fade: the graph shows now.
    QVERIFY(graph->isTimeMode());
    QCOMPARE(graph->time(), step2);
    screenshot(w.get(), QStringLiteral("live-graph-2"));

    // Whole trace leaves now: the next commit keeps showing the whole trace; End of trace
    // follows now again.
    QPushButton *whole = nullptr, *end = nullptr;
    for (QPushButton *b : graph->findChildren<QPushButton *>()) {
        if (b->text() == QStringLiteral("Whole trace"))
            whole = b;
        if (b->text() == QStringLiteral("End of trace"))
            end = b;
    }
    QVERIFY(whole && end);
    click(whole);
    QVERIFY(!graph->isTimeMode());
    QVERIFY(!graph->isFollowingNow());
    const qint64 step3 = grower.firstTs() + 82 * kMs;
    QVERIFY(growInThread([&] { grower.growTo(step3); }));
    QVERIFY(caughtUp(*w, step3));
    QVERIFY(!graph->isTimeMode());
    click(end);
    QVERIFY(graph->isFollowingNow());
    QCOMPARE(graph->time(), step3);

    // A re-layout is what moves nodes, and only when asked.
    graph->relayout();
    QTRY_VERIFY_WITH_TIMEOUT(graph->isReady(), kLoadTimeoutMs);
    QCOMPARE(graph->layout().engine, QStringLiteral("dot"));
}

void WalkLiveTest::timelineFollowsNow()
{
    const QString db = dir_.filePath(QStringLiteral("timeline.db"));
    LiveDbGrower grower(sampleDb("sharing").toStdString(), db.toStdString());
    QVERIFY(growInThread([&] { grower.growTo(grower.at(0.3)); }));
    auto w = openLive(db);
    QVERIFY(w);
    clickTab(*w, ViewId::Timeline);
    auto *page = static_cast<TimelinePage *>(w->page(ViewId::Timeline));
    TimelineView *view = page->view();
    QVERIFY(view->isFollowing());
    QCOMPARE(view->mapping().viewEnd(), grower.at(0.3));

    // Zoomed in, End follows now at that zoom: the right edge is now after each commit.
    QTest::keyClick(view, Qt::Key_Plus);
    QVERIFY(!view->isFollowing());
    QTest::keyClick(view, Qt::Key_End);
    QVERIFY(view->isFollowing());
    const qint64 span = view->mapping().viewSpan();
    QVERIFY(span < view->mapping().traceSpan());
    // An invocation in flight at a commit (the sample's longest one, 78.9 to 79.2 ms).
    const qint64 longest = sqlInt(sampleDb("sharing"),
                                  "SELECT id FROM invocations ORDER BY user_end_ts - user_begin_ts DESC LIMIT 1");
    const qint64 longestBegin = sqlInt(sampleDb("sharing"), qPrintable(QStringLiteral(
        "SELECT user_begin_ts FROM invocations WHERE id = %1").arg(longest)));
    const qint64 longestEnd = sqlInt(sampleDb("sharing"), qPrintable(QStringLiteral(
        "SELECT user_end_ts FROM invocations WHERE id = %1").arg(longest)));
    const qint64 midCall = longestBegin + (longestEnd - longestBegin) / 2;
    for (qint64 ts : {grower.at(0.5), midCall}) {
        QVERIFY(growInThread([&] { grower.growTo(ts); }));
        QVERIFY(caughtUp(*w, ts));
        QCOMPARE(view->mapping().viewEnd(), ts);
        QVERIFY(qAbs(view->mapping().viewSpan() - span) <= 1);
    }
    // In flight: drawn from its begin up to now.
    auto found = page->data().find(false, longest);
    QVERIFY(found.ok());
    QVERIFY(page->data().slice(found).is(TimelineSlice::InFlight));
    QCOMPARE(page->data().slice(found).begin, longestBegin);
    QCOMPARE(page->data().slice(found).end, midCall);
    screenshot(w.get(), QStringLiteral("live-timeline-following"));

    // A pan stops following: the next commit leaves the view where the user put it.
    QTest::keyClick(view, Qt::Key_Left, Qt::ShiftModifier);
    QVERIFY(!view->isFollowing());
    const qint64 kept = view->mapping().viewEnd();
    QVERIFY(kept < midCall);
    const qint64 later = grower.at(0.96);
    QVERIFY(later > longestEnd);
    QVERIFY(growInThread([&] { grower.growTo(later); }));
    QVERIFY(caughtUp(*w, later));
    QCOMPARE(view->mapping().viewEnd(), kept);
    // The call ended meanwhile: its row was replaced, the slice has its real end.
    found = page->data().find(false, longest);
    QVERIFY(found.ok());
    QVERIFY(!page->data().slice(found).is(TimelineSlice::InFlight));
    QCOMPARE(page->data().slice(found).end, longestEnd);
    screenshot(w.get(), QStringLiteral("live-timeline-panned"));

    // End resumes.
    QTest::keyClick(view, Qt::Key_End);
    QVERIFY(view->isFollowing());
    QCOMPARE(view->mapping().viewEnd(), later);
}

void WalkLiveTest::statusSaysLiveThenFinished()
{
    const QString db = dir_.filePath(QStringLiteral("status.db"));
    LiveDbGrower grower(sampleDb("sharing").toStdString(), db.toStdString());
    QVERIFY(growInThread([&] { grower.growTo(grower.at(0.5)); }));
    auto w = openLive(db);
    QVERIFY(w);
    QTRY_VERIFY_WITH_TIMEOUT(w->liveStatusText().startsWith(QStringLiteral("live · lag ")), 5000);
    QVERIFY2(w->liveStatusText().contains(QStringLiteral("events/s")), qPrintable(w->liveStatusText()));
    // Live is not "incomplete".
    QVERIFY2(!w->bannerText().contains(QStringLiteral("did not finish")), qPrintable(w->bannerText()));
    // The leaks page lists what is held now, aged from now.
    clickTab(*w, ViewId::Leaks);
    auto *leaks = static_cast<LeaksPage *>(w->page(ViewId::Leaks));
    QVERIFY2(leaks->summaryText().contains(QStringLiteral("held now")), qPrintable(leaks->summaryText()));
    auto *leakTree = leaks->findChild<QTreeView *>();
    QVERIFY(leakTree);
    QCOMPARE(leakTree->model()->headerData(LeaksModel::HoldersColumn, Qt::Horizontal).toString(), QStringLiteral("Holders now"));
    // Every row held now is aged from now (the sample holds objects at mid-trace).
    QVERIFY(!leaks->model()->records().isEmpty());
    for (const LeakRecord &r : leaks->model()->records()) {
        QVERIFY(r.kind.endsWith(QStringLiteral("_now")));
        QVERIFY(r.createdTs && r.ageNs);
        QCOMPARE(*r.ageNs, grower.at(0.5) - *r.createdTs);
    }
    screenshot(w.get(), QStringLiteral("live-leaks"));

    // A writer that stops committing is said to be stalled.
    QTRY_VERIFY_WITH_TIMEOUT(w->liveStatusText().contains(QStringLiteral("stalled")), 6000);

    QVERIFY(growInThread([&] { grower.finish(); }));
    QTRY_COMPARE_WITH_TIMEOUT(w->liveStatusText(), QStringLiteral("finished"), 5000);
    QVERIFY(w->trace().complete);
    QVERIFY(!w->liveFollower()->isFollowing());
    for (ViewId v : {ViewId::Summary, ViewId::Graph, ViewId::Timeline, ViewId::Leaks, ViewId::Latency})
        QTRY_VERIFY_WITH_TIMEOUT(w->page(v)->isReady() && !w->page(v)->isLive(), kLoadTimeoutMs);
    // Finished: the leaks of the finished file.
    QTRY_VERIFY_WITH_TIMEOUT(leaks->summaryText().contains(QStringLiteral("leaks")), kLoadTimeoutMs);
    QCOMPARE(leakTree->model()->headerData(LeaksModel::HoldersColumn, Qt::Horizontal).toString(), QStringLiteral("Holders at end"));
    screenshot(w.get(), QStringLiteral("live-finished"));
}

void WalkLiveTest::lostEventsBanner()
{
    const QString db = dir_.filePath(QStringLiteral("lossy.db"));
    LiveDbGrower grower(sampleDb("lossy").toStdString(), db.toStdString());
    const qint64 loss = sqlInt(sampleDb("lossy"), "SELECT MIN(begin_ts) FROM data_loss");
    QVERIFY(loss > grower.firstTs());
    QVERIFY(growInThread([&] { grower.growTo(loss - 1); }));
    auto w = openLive(db);
    QVERIFY(w);
    QTRY_VERIFY_WITH_TIMEOUT(w->liveStatusText().startsWith(QStringLiteral("live")), 5000);
    QVERIFY2(w->bannerText().isEmpty(), qPrintable(w->bannerText()));
    QVERIFY(!w->liveStatusText().contains(QStringLiteral("lost")));

    QVERIFY(growInThread([&] { grower.growTo(grower.at(0.6)); }));
    const qint64 lost = sqlInt(sampleDb("lossy"), "SELECT SUM(count) FROM data_loss WHERE what = 'events'");
    QTRY_VERIFY_WITH_TIMEOUT(w->bannerText().contains(QStringLiteral("lost")), 5000);
    QVERIFY2(w->liveStatusText().contains(formatCount(lost) + QStringLiteral(" lost")), qPrintable(w->liveStatusText()));
    screenshot(w.get(), QStringLiteral("live-loss-banner"));
}

void WalkLiveTest::capDrawsAnAggregate()
{
    const QString db = dir_.filePath(QStringLiteral("cap.db"));
    LiveDbGrower grower(sampleDb("sharing").toStdString(), db.toStdString());
    QVERIFY(growInThread([&] { grower.growTo(grower.at(0.95)); }));
    auto w = openLive(db, 8);
    QVERIFY(w);
    clickTab(*w, ViewId::Graph);
    auto *graph = static_cast<GraphPage *>(w->page(ViewId::Graph));
    QTRY_VERIFY_WITH_TIMEOUT(graph->isReady() && graph->aggregateItem(), kLoadTimeoutMs);
    QVERIFY(graph->graph()->nodes.size() <= 8 + 2); // TAs of drawn sessions may come on top
    QVERIFY(graph->aggregatedCount() > 0);
    QVERIFY2(graph->aggregateText().startsWith(QStringLiteral("+")), qPrintable(graph->aggregateText()));
    // Framed: the aggregate and the nodes are in view.
    const QRect viewport = graph->view()->viewport()->rect();
    const QRect aggregate = graph->view()->mapFromScene(graph->aggregateItem()->sceneBoundingRect()).boundingRect();
    QVERIFY2(viewport.contains(aggregate), "the aggregate node is out of view");
    screenshot(w.get(), QStringLiteral("live-graph-cap"));
}

void WalkLiveTest::guiStaysResponsiveWhileFollowing()
{
    // The largest sample, committed every 150 ms as a live import does, with the graph shown (it
    // changes in place at each commit) and then the timeline: the longest time the GUI thread
    // was kept from its events.
    const QString db = dir_.filePath(QStringLiteral("stall.db"));
    LiveDbGrower grower(sampleDb("lossy").toStdString(), db.toStdString());
    QVERIFY(growInThread([&] { grower.growTo(grower.at(0.05)); }));
    auto w = openLive(db);
    QVERIFY(w);
    for (ViewId view : {ViewId::Graph, ViewId::Timeline}) {
        clickTab(*w, view);
        QVERIFY(caughtUp(*w, grower.at(0.05)));
        // The reference, measured in the same run: the same window idle for as long (on a loaded
        // machine the GUI thread also waits for a CPU).
        w->liveFollower()->resetLongestStall();
        QTest::qWait(15 * 150);
        const qint64 idle = w->liveFollower()->longestStallMs();
        w->liveFollower()->resetLongestStall();
        const double from = view == ViewId::Graph ? 0.05 : 0.5;
        for (int i = 1; i <= 15; ++i) {
            const qint64 ts = grower.at(from + i * 0.03);
            QVERIFY(growInThread([&] { grower.growTo(ts); }));
            QTest::qWait(150);
        }
        QVERIFY(caughtUp(*w, grower.at(from + 15 * 0.03)));
        const qint64 stall = w->liveFollower()->longestStallMs();
        qInfo("%s: longest GUI stall over 15 commits: %lld ms; idle, as long: %lld ms", qPrintable(viewName(view)), stall,
              idle);
        // A hang shows here; the figure itself is what the report quotes.
        QVERIFY2(stall < 1000, qPrintable(QString::number(stall)));
    }
}

QTEST_MAIN(WalkLiveTest)
#include "walk_live_test.moc"
