// SPDX-License-Identifier: MIT
// The window on an OP-TEE trace under Xen (a synthetic database): the summary names the stacks
// and shows sessions and guests, the guest filter of the tool bar filters every view, the
// inspector shows sessions and OP-TEE calls, and teescope-gui renders one guest's graph.
#include "optee_db.h"

#include "core/theme.h"
#include "graph/capability_graph.h"
#include "graph/graph_page.h"
#include "tables/latency_model.h"
#include "tables/latency_page.h"
#include "tables/leaks_model.h"
#include "tables/leaks_page.h"
#include "timeline/timeline_page.h"
#include "timeline/timeline_view.h"
#include "window/inspector_data.h"
#include "window/main_window.h"
#include "window/summary_data.h"
#include "window/summary_page.h"

#include <QComboBox>
#include <QDir>
#include <QImage>
#include <QProcess>
#include <QTemporaryDir>
#include <QToolBar>
#include <QtTest>

using namespace teescope::gui;
using namespace teescope::gui::test;

namespace {

bool waitReady(ViewPage *page, int ms = 30000)
{
    QDeadlineTimer deadline(ms);
    while (!page->isReady() && !deadline.hasExpired())
        QTest::qWait(10);
    return page->isReady();
}

// Pixels of `image` within `tolerance` of `colour` in each channel.
int pixelsNear(const QImage &image, const QColor &colour, int tolerance)
{
    int n = 0;
    for (int y = 0; y < image.height(); ++y)
        for (int x = 0; x < image.width(); ++x) {
            const QColor c = image.pixelColor(x, y);
            if (std::abs(c.red() - colour.red()) <= tolerance && std::abs(c.green() - colour.green()) <= tolerance &&
                std::abs(c.blue() - colour.blue()) <= tolerance)
                ++n;
        }
    return n;
}

} // namespace

class OpteeWindowTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(dir_.isValid());
        db_ = dir_.filePath(QStringLiteral("optee.db"));
        writeOpteeDb(db_);
        // Kept next to the screenshots, to look at it by hand.
        const QString shots = qEnvironmentVariable("TEESCOPE_SCREENSHOTS");
        if (!shots.isEmpty()) {
            QDir().mkpath(shots);
            QFile::remove(shots + QStringLiteral("/optee.db"));
            QFile::copy(db_, shots + QStringLiteral("/optee.db"));
        }
    }

    void traceInfoNamesTheStacksAndGuests()
    {
        const TraceInfo info = loadTraceInfo(openTraceDb(db_));
        QCOMPARE(info.stacks, QStringLiteral("QTEE + OP-TEE under Xen, 2 guests"));
        QVERIFY(info.hasQtee && info.hasOptee);
        QCOMPARE(info.guests, (QList<int>{1, 2}));
        QVERIFY(info.hasNative);
    }

    void summaryOfOneGuest()
    {
        const auto db = openTraceDb(db_);
        const SummaryCounts all = loadSummaryCounts(db);
        QCOMPARE(all.sessions, 4);
        QCOMPARE(all.rpcs, 3);
        QCOMPARE(all.guests, 2);
        const SummaryCounts two = loadSummaryCounts(db, 2);
        QCOMPARE(two.processes, 2);
        QCOMPARE(two.sessions, 1);
        QCOMPARE(two.invocations, 3);
        QCOMPARE(two.rpcs, 2);
        QCOMPARE(two.objects, 0);
        const SummaryDetails d = loadSummaryDetails(db, 2);
        QCOMPARE(d.processes.size(), 2);
        QCOMPARE(d.guests.size(), 1);
        QCOMPARE(d.guests.first().endKind, QStringLiteral("destroyed"));
        QStringList kinds;
        for (const LeakCount &l : d.leaks)
            kinds << l.kind;
        kinds.sort();
        QCOMPARE(kinds, (QStringList{QStringLiteral("session_closed_by_guest_destroy"),
                                     QStringLiteral("shm_freed_by_guest_destroy")}));
        QVERIFY(!d.slowest.isEmpty());
        QCOMPARE(d.slowest.first().serviceClass, QStringLiteral("secure_storage"));
        QCOMPARE(d.slowest.first().opName, QStringLiteral("write_raw"));
    }

    void summaryPageShowsStacksSessionsAndGuests()
    {
        Selection selection;
        SummaryPage page(&selection);
        page.resize(1200, 800);
        page.show();
        page.openTrace(loadTraceInfo(openTraceDb(db_)));
        QVERIFY(waitReady(&page));
        QCOMPARE(page.stacksText(), QStringLiteral("QTEE + OP-TEE under Xen, 2 guests"));
        QVERIFY2(page.guestsText().contains(QStringLiteral("guest 2 (2 OP-TEE threads), destroyed")),
                 qPrintable(page.guestsText()));
        QCOMPARE(page.counts().sessions, 4);
        selection.setGuestFilter(1);
        QVERIFY(waitReady(&page));
        QTRY_COMPARE(page.counts().guest, 1);
        QCOMPARE(page.counts().sessions, 3);
        QVERIFY(!page.guestsText().contains(QStringLiteral("guest 2")));
    }

    void guestFilterFiltersEveryView()
    {
        MainWindow window(nullptr, MainWindow::Layout::Fresh);
        window.resize(1400, 900);
        window.show();
        QString error;
        QVERIFY2(window.openDatabase(db_, &error), qPrintable(error));
        QComboBox *box = window.guestFilterBox();
        QStringList items;
        for (int i = 0; i < box->count(); ++i)
            items << box->itemText(i);
        QCOMPARE(items, (QStringList{QStringLiteral("All guests"), QStringLiteral("native"), QStringLiteral("guest 1"),
                                     QStringLiteral("guest 2")}));
        QVERIFY(box->isVisibleTo(&window));
        for (ViewId v : {ViewId::Summary, ViewId::Graph, ViewId::Timeline, ViewId::Leaks, ViewId::Latency})
            QVERIFY2(waitReady(window.page(v)), qPrintable(viewName(v)));

        box->setCurrentIndex(3); // guest 2
        QCOMPARE(window.selection()->guestFilter(), 2);
        for (ViewId v : {ViewId::Summary, ViewId::Graph, ViewId::Timeline, ViewId::Leaks, ViewId::Latency})
            QVERIFY2(waitReady(window.page(v)), qPrintable(viewName(v)));

        auto *leaks = static_cast<LeaksPage *>(window.page(ViewId::Leaks));
        QCOMPARE(leaks->model()->leakCount(), 2);
        for (const LeakRecord &r : leaks->model()->visibleRecords())
            QCOMPARE(r.guest, 2);

        auto *latency = static_cast<LatencyPage *>(window.page(ViewId::Latency));
        QTRY_VERIFY(latency->model()->rowCount() > 0);
        for (const LatencyRow &r : latency->model()->rows())
            QCOMPARE(r.objectClass, QStringLiteral("secure_storage"));

        auto *timeline = static_cast<TimelinePage *>(window.page(ViewId::Timeline));
        QCOMPARE(timeline->view()->guestFilter(), 2);
        int shown = 0;
        for (size_t l = 0; l < timeline->data().lanes().size(); ++l) {
            const bool hidden = timeline->view()->isLaneHidden(int(l));
            QCOMPARE(hidden, timeline->data().lanes()[l].guest != 2);
            shown += hidden ? 0 : 1;
        }
        QCOMPARE(shown, 2 + 2); // two processes, a thread each

        auto *graph = static_cast<GraphPage *>(window.page(ViewId::Graph));
        const CapabilityGraph &g = *graph->graph();
        for (int i = 0; i < g.nodes.size(); ++i) {
            const GraphNode &n = g.nodes[i];
            if (n.kind == NodeKind::Ta)
                QCOMPARE(graph->isFilteredOut(i), n.objectClass != QLatin1String("secure_storage"));
            else
                QCOMPARE(graph->isFilteredOut(i), n.guest != 2);
        }

        auto *summary = static_cast<SummaryPage *>(window.page(ViewId::Summary));
        QTRY_COMPARE(summary->counts().guest, 2);
        QCOMPARE(summary->counts().processes, 2);

        // Back to all guests from the selection: the box follows.
        window.selection()->setGuestFilter(Selection::kAllGuests);
        QCOMPARE(box->currentIndex(), 0);
        QVERIFY(waitReady(leaks));
        QCOMPARE(leaks->model()->leakCount(), 3);
    }

    void qteeTraceHasNoGuestFilter()
    {
        const QString db = dir_.filePath(QStringLiteral("qtee.db"));
        {
            teescope::store::Writer w(db.toStdString());
            ProcessRow p{};
            p.id = 1, p.pid = 100, p.name = "client", p.start_ts = 0, p.end_kind = "alive_at_end";
            w.add(p);
            w.finish();
        }
        MainWindow window(nullptr, MainWindow::Layout::Fresh);
        window.show();
        QString error;
        QVERIFY2(window.openDatabase(db, &error), qPrintable(error));
        QVERIFY(!window.guestFilterBox()->isVisibleTo(&window));
    }

    void inspectorShowsSessionsAndOpteeCalls()
    {
        const auto db = openTraceDb(db_);
        const InspectorData s = loadInspector(db, {ItemRef::Kind::Session, OpteeDb::kHelloSession}, {}, OpteeDb::kT0);
        QCOMPARE(s.title, QStringLiteral("session 1: hello_world"));
        const auto find = [](const InspectorData &d, const QString &key) -> const InspectorNode * {
            for (const InspectorNode &n : d.rows)
                if (n.key == key)
                    return &n;
            return nullptr;
        };
        QVERIFY(find(s, QStringLiteral("Calls")));
        QCOMPARE(find(s, QStringLiteral("Calls"))->value, QStringLiteral("7"));
        QCOMPARE(find(s, QStringLiteral("Lifetime"))->value, QStringLiteral("closed"));
        QCOMPARE(find(s, QStringLiteral("Guest"))->value, QStringLiteral("guest 1"));

        const InspectorData i =
            loadInspector(db, {ItemRef::Kind::Invocation, OpteeDb::kWaitingInvocation}, {}, OpteeDb::kT0);
        QCOMPARE(i.title, QStringLiteral("invocation 4: hello_world increment (0)"));
        const InspectorNode *waited = find(i, QStringLiteral("Waited for an OP-TEE thread"));
        QVERIFY(waited);
        QCOMPARE(waited->value, QStringLiteral("2 ms (1 wait)"));
        QCOMPARE(find(i, QStringLiteral("Session"))->link, (ItemRef{ItemRef::Kind::Session, OpteeDb::kHelloSession}));

        const InspectorData r = loadInspector(db, {ItemRef::Kind::Request, OpteeDb::kLoadTaRpc}, {}, OpteeDb::kT0);
        QCOMPARE(r.title, QStringLiteral("RPC 1 to tee-supplicant: LOAD_TA"));
        QCOMPARE(find(r, QStringLiteral("Served by"))->link, (ItemRef{ItemRef::Kind::Thread, OpteeDb::kSupplicantThread1}));

        // A process by its program's name; its executable and command line in full, as text.
        const InspectorData p = loadInspector(db, {ItemRef::Kind::Process, OpteeDb::kStorageApp}, {}, OpteeDb::kT0);
        QCOMPARE(p.title, QStringLiteral("process secure_storage_client (pid 201)"));
        QCOMPARE(find(p, QStringLiteral("Executable"))->value, QStringLiteral("/opt/tee/bin/secure_storage_client"));
        QCOMPARE(find(p, QStringLiteral("Command line"))->value,
                 QStringLiteral("secure_storage_client --store <b>notes</b>"));
        QCOMPARE(find(p, QStringLiteral("procname"))->value, QStringLiteral("secure_storage_"));

        ItemRef parsed;
        QVERIFY(parseItemRef(QStringLiteral("session:3"), &parsed));
        QCOMPARE(parsed, (ItemRef{ItemRef::Kind::Session, 3}));
    }

    // teescope-gui --guest: one guest's graph, rendered offscreen: its box colour is there, the
    // other guest's is not.
    void screenshotOfOneGuest()
    {
        const QString out = qEnvironmentVariable("TEESCOPE_SCREENSHOTS") + QStringLiteral("/optee-graph-guest2.png");
        QDir().mkpath(QFileInfo(out).absolutePath());
        QFile::remove(out);
        QProcess p;
        p.start(qEnvironmentVariable("TEESCOPE_BIN") + QStringLiteral("/teescope-gui"),
                {db_, QStringLiteral("--screenshot"), out, QStringLiteral("--view"), QStringLiteral("graph"),
                 QStringLiteral("--guest"), QStringLiteral("2"), QStringLiteral("--size"), QStringLiteral("1400x900")});
        QVERIFY(p.waitForFinished(120000));
        QCOMPARE(p.exitCode(), 0);
        const QImage image(out);
        QVERIFY(!image.isNull());
        QVERIFY2(pixelsNear(image, guestColor(2, false), 12) > 200, "no box of guest 2");
        QVERIFY2(pixelsNear(image, guestColor(1, false), 12) < 20, "guest 1 is shown");

        QProcess bad;
        bad.start(qEnvironmentVariable("TEESCOPE_BIN") + QStringLiteral("/teescope-gui"),
                  {db_, QStringLiteral("--screenshot"), out, QStringLiteral("--guest"), QStringLiteral("x")});
        QVERIFY(bad.waitForFinished(30000));
        QCOMPARE(bad.exitCode(), 2);
    }

private:
    QTemporaryDir dir_;
    QString db_;
};

QTEST_MAIN(OpteeWindowTest)
#include "optee_window_test.moc"
