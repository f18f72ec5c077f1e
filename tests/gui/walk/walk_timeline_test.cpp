// SPDX-License-Identifier: MIT
// The main window in a real X11 window (xcb under Xvfb), driven as a user drives it: real mouse,
// wheel and key events on the shown window. The timeline (a click selects and keeps the view,
// double-click and Z zoom, the wheel zooms at the pointer, Up / Down / Left / Right step between
// lanes and invocations), application shortcuts with the focus in a text box, page switches
// that leave the text boxes alone, a 1024×700 window (the inspector yields, the tables' key
// columns stay in view) and the latency histogram's count axis. Screenshots of the screen's
// pixels go to $TEESCOPE_SCREENSHOTS/walk-timeline-*.png. Also: About shows the version, the
// title names a trace directory and the folder dialog starts at the last trace.
#include "walk_timeline_util.h"

#include "graph/graph_legend.h"
#include "tables/latency_histogram_widget.h"
#include "tables/latency_model.h"
#include "tables/latency_page.h"
#include "tables/latency_scatter_widget.h"
#include "tables/latency_sort_proxy.h"
#include "tables/leaks_model.h"
#include "tables/leaks_page.h"
#include "timeline/timeline_page.h"
#include "timeline/timeline_view.h"
#include "window/inspector.h"

#include <QAction>
#include <QDockWidget>
#include <QFileInfo>
#include <QHeaderView>
#include <QLineEdit>
#include <QTableView>
#include <QTreeView>

using namespace teescope::gui;
using namespace teescope::gui::test;

class WalkTimelineTest : public QObject {
    Q_OBJECT
private:
    std::unique_ptr<MainWindow> window_;

    TimelineView *timeline() const { return static_cast<TimelinePage *>(window_->page(ViewId::Timeline))->view(); }
    const TimelineData &timelineData() const
    {
        return static_cast<TimelinePage *>(window_->page(ViewId::Timeline))->data();
    }
    LatencyPage *latency() const { return static_cast<LatencyPage *>(window_->page(ViewId::Latency)); }

    // Shows the timeline (Ctrl+3 on the window) at the whole trace, the focus in it.
    void showWholeTimeline()
    {
        QTest::keyClick(window_.get(), Qt::Key_3, Qt::ControlModifier);
        QCOMPARE(window_->currentView(), ViewId::Timeline);
        QTest::mouseClick(timeline(), Qt::LeftButton, {}, QPoint(5, TimelineView::kRulerHeight / 2));
        QTest::keyClick(timeline(), Qt::Key_Home);
        QVERIFY(timeline()->mapping().showsAll());
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(QGuiApplication::platformName() == QLatin1String("xcb"),
                 qPrintable(QStringLiteral("needs a real X11 window, got platform ") + QGuiApplication::platformName()));
        // Qt's own dialogs, so a test can close them (no desktop theme under Xvfb anyway).
        QCoreApplication::setAttribute(Qt::AA_DontUseNativeDialogs);
        window_ = std::make_unique<MainWindow>(nullptr, MainWindow::Layout::Fresh);
        window_->resize(1500, 950);
        window_->show();
        QVERIFY(QTest::qWaitForWindowExposed(window_.get()));
        window_->activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(window_.get()));
        QString error;
        QVERIFY2(window_->openDatabase(sampleDb("callbacks"), &error), qPrintable(error));
        for (ViewId v : {ViewId::Summary, ViewId::Graph, ViewId::Timeline, ViewId::Leaks, ViewId::Latency})
            QTRY_VERIFY_WITH_TIMEOUT(window_->page(v)->isReady(), 60000);
    }

    void cleanupTestCase() { window_.reset(); }

    void clickSelectsAndKeepsTheView()
    {
        showWholeTimeline();
        TimelineView *view = timeline();
        // A time range chosen by dragging on the ruler.
        const int y = TimelineView::kRulerHeight / 2;
        const int x0 = TimelineView::kHeaderWidth + int(view->plotWidth() * 0.2);
        const int x1 = TimelineView::kHeaderWidth + int(view->plotWidth() * 0.8);
        QTest::mousePress(view, Qt::LeftButton, {}, QPoint(x0, y));
        QTest::mouseMove(view, QPoint((x0 + x1) / 2, y));
        QTest::mouseMove(view, QPoint(x1, y));
        QTest::mouseRelease(view, Qt::LeftButton, {}, QPoint(x1, y));
        const TimeRange range = window_->selection()->range();
        QVERIFY2(range.isValid(), "a drag on the ruler selects a range");

        const VisibleSlice target = findVisibleSlice(*view, timelineData());
        QVERIFY2(target.found.ok(), "a slice a few pixels wide in view");
        const qint64 begin = view->mapping().viewBegin(), span = view->mapping().viewSpan();
        // Four clicks in a row: each selects, none zooms (it zoomed 132 ms → 461 µs before).
        for (int i = 0; i < 4; ++i) {
            QTest::mouseClick(view, Qt::LeftButton, {}, target.pos);
            QCOMPARE(window_->selection()->item(), target.item);
            QCOMPARE(view->mapping().viewBegin(), begin);
            QCOMPARE(view->mapping().viewSpan(), span);
        }
        QCOMPARE(window_->selection()->range(), range);
        saveScreen(window_.get(), QStringLiteral("click"));
    }

    void doubleClickAndZZoom()
    {
        showWholeTimeline();
        TimelineView *view = timeline();
        const VisibleSlice target = findVisibleSlice(*view, timelineData());
        QVERIFY(target.found.ok());
        const TimelineSlice &s = timelineData().slice(target.found);
        const qint64 whole = view->mapping().viewSpan();
        QTest::mouseDClick(view, Qt::LeftButton, {}, target.pos);
        QCOMPARE(window_->selection()->item(), target.item);
        QVERIFY2(view->mapping().viewSpan() < whole / 2, "a double-click zooms to the slice");
        QVERIFY(view->mapping().viewBegin() <= s.begin && view->mapping().viewEnd() >= s.end);

        QTest::keyClick(view, Qt::Key_Home);
        QCOMPARE(view->mapping().viewSpan(), whole);
        QTest::keyClick(view, Qt::Key_Z);
        QVERIFY2(view->mapping().viewSpan() < whole / 2, "Z zooms to the selected slice");
        QVERIFY(view->mapping().viewBegin() <= s.begin && view->mapping().viewEnd() >= s.end);
        saveScreen(window_.get(), QStringLiteral("zoomed"));
        QTest::keyClick(view, Qt::Key_Home);
    }

    void wheelZoomsAtThePointer()
    {
        showWholeTimeline();
        TimelineView *view = timeline();
        const QPoint at(TimelineView::kHeaderWidth + int(view->plotWidth() * 0.3), view->laneTop(0) + 5);
        const qint64 under = view->mapping().xToTs(at.x() - TimelineView::kHeaderWidth);
        const qint64 span = view->mapping().viewSpan();
        wheel(view, at, 120);
        QVERIFY2(view->mapping().viewSpan() < span, "the plain wheel zooms in");
        // The time under the pointer stays there (within a pixel).
        const qint64 after = view->mapping().xToTs(at.x() - TimelineView::kHeaderWidth);
        QVERIFY(std::abs(after - under) <= qint64(view->mapping().nsPerPixel()) + 1);
        const qint64 zoomed = view->mapping().viewSpan();
        wheel(view, at, 120, Qt::ControlModifier);
        QVERIFY2(view->mapping().viewSpan() < zoomed, "Ctrl+wheel zooms in too");
        // Shift+wheel pans: same span, later begin.
        const qint64 begin = view->mapping().viewBegin(), spanNow = view->mapping().viewSpan();
        wheel(view, at, -120, Qt::ShiftModifier);
        QCOMPARE(view->mapping().viewSpan(), spanNow);
        QVERIFY2(view->mapping().viewBegin() > begin, "Shift+wheel pans");
        wheel(view, at, -240);
        QVERIFY2(view->mapping().viewSpan() > spanNow, "the wheel zooms out");
        QTest::keyClick(view, Qt::Key_Home);
    }

    void keysStepBetweenLanesAndInvocations()
    {
        showWholeTimeline();
        TimelineView *view = timeline();
        const TimelineData &data = timelineData();
        // A slice with a next one in its row, in a thread lane.
        const VisibleSlice target = findVisibleSlice(*view, data, /*withNext=*/true);
        QVERIFY2(target.found.ok(), "a slice with a successor in its row");
        QTest::mouseClick(view, Qt::LeftButton, {}, target.pos);
        QCOMPARE(window_->selection()->item(), target.item);
        const qint64 span = view->mapping().viewSpan();

        const TimelineSlice &next = data.lanes()[size_t(target.found.lane)].rows[size_t(target.found.row)]
                                        .slices[size_t(target.found.index + 1)];
        QTest::keyClick(view, Qt::Key_Right);
        QCOMPARE(window_->selection()->item().id, qint64(next.id));
        QCOMPARE(view->mapping().viewSpan(), span); // stepping keeps the zoom
        QVERIFY(view->mapping().viewBegin() <= next.begin && view->mapping().viewEnd() >= next.end);
        QTest::keyClick(view, Qt::Key_Left);
        QCOMPARE(window_->selection()->item(), target.item);
        QTest::keyClick(view, Qt::Key_BracketRight);
        QCOMPARE(window_->selection()->item().id, qint64(next.id));
        QTest::keyClick(view, Qt::Key_BracketLeft);
        QCOMPARE(window_->selection()->item(), target.item);

        // Down: the next shown lane (its thread or process), Up: back to the slice's lane (the
        // other way round at the last lane).
        const int lane = target.found.lane;
        const auto shownLane = [&](int from, int step) {
            int l = from + step;
            while (l >= 0 && size_t(l) < data.lanes().size() && view->laneHeight(l) == 0)
                l += step;
            return l >= 0 && size_t(l) < data.lanes().size() ? l : -1;
        };
        const int below = shownLane(lane, 1), above = shownLane(lane, -1);
        QVERIFY2(below >= 0 || above >= 0, "two lanes at least");
        const int step = below >= 0 ? 1 : -1;
        QTest::keyClick(view, step > 0 ? Qt::Key_Down : Qt::Key_Up);
        QCOMPARE(window_->selection()->item(), laneItem(data.lanes()[size_t(step > 0 ? below : above)]));
        QTest::keyClick(view, step > 0 ? Qt::Key_Up : Qt::Key_Down);
        QCOMPARE(window_->selection()->item(), laneItem(data.lanes()[size_t(lane)]));
        // Right from a lane: the lane's first call from where the keys came from.
        QTest::keyClick(view, Qt::Key_Right);
        const ItemRef chosen = window_->selection()->item();
        QCOMPARE(chosen.kind, ItemRef::Kind::Invocation);
        const auto found = data.find(false, chosen.id);
        QCOMPARE(found.lane, lane);
        QCOMPARE(view->mapping().viewSpan(), span);
        saveScreen(window_.get(), QStringLiteral("keys"));
    }

    void shortcutsWorkInTextBoxes()
    {
        // Latency filter: Ctrl+E (export) opens the export dialog, Ctrl+3 switches views.
        QTest::keyClick(window_.get(), Qt::Key_5, Qt::ControlModifier);
        QCOMPARE(window_->currentView(), ViewId::Latency);
        QLineEdit *filter = latency()->filterEdit();
        QTest::mouseClick(filter, Qt::LeftButton);
        QTRY_VERIFY(filter->hasFocus());
        QString dialog = pressClosingDialog(filter, Qt::Key_E, Qt::ControlModifier);
        QVERIFY2(dialog.contains(QStringLiteral("Export")), qPrintable(QStringLiteral("Ctrl+E in the filter: ") + dialog));
        // Typing still types, and the line edit keeps its own Ctrl+A.
        QTest::mouseClick(filter, Qt::LeftButton);
        QTest::keyClicks(filter, QStringLiteral("zz"));
        QCOMPARE(filter->text(), QStringLiteral("zz"));
        QTest::keyClick(filter, Qt::Key_A, Qt::ControlModifier);
        QCOMPARE(filter->selectedText(), QStringLiteral("zz"));
        QTest::keyClick(filter, Qt::Key_Backspace);
        QCOMPARE(filter->text(), QString());
        const bool dark = window_->isDarkPalette();
        QTest::keyClick(filter, Qt::Key_D, Qt::ControlModifier | Qt::ShiftModifier);
        QCOMPARE(window_->isDarkPalette(), !dark);
        QTest::keyClick(filter, Qt::Key_D, Qt::ControlModifier | Qt::ShiftModifier);
        QCOMPARE(window_->isDarkPalette(), dark);
        QTest::keyClick(filter, Qt::Key_3, Qt::ControlModifier);
        QCOMPARE(window_->currentView(), ViewId::Timeline);

        // Graph search box.
        QTest::keyClick(window_.get(), Qt::Key_2, Qt::ControlModifier);
        QCOMPARE(window_->currentView(), ViewId::Graph);
        QLineEdit *search = firstLineEdit(window_->page(ViewId::Graph));
        QVERIFY(search);
        QTest::mouseClick(search, Qt::LeftButton);
        QTRY_VERIFY(search->hasFocus());
        dialog = pressClosingDialog(search, Qt::Key_E, Qt::ControlModifier);
        QVERIFY2(dialog.contains(QStringLiteral("Export")), qPrintable(QStringLiteral("Ctrl+E in the search: ") + dialog));
        QTest::mouseClick(search, Qt::LeftButton);
        QTest::keyClick(search, Qt::Key_4, Qt::ControlModifier);
        QCOMPARE(window_->currentView(), ViewId::Leaks);
    }

    void switchingPagesLeavesTextBoxesAlone()
    {
        // From the timeline by key, and from the graph's search box by a click on the tab.
        showWholeTimeline();
        QTRY_VERIFY(timeline()->hasFocus());
        QTest::keyClick(timeline(), Qt::Key_5, Qt::ControlModifier);
        QCOMPARE(window_->currentView(), ViewId::Latency);
        QVERIFY2(!latency()->filterEdit()->hasFocus(), "switching to Latency focuses its filter");
        QCOMPARE(QApplication::focusWidget(), static_cast<QWidget *>(latency()->tableView()));

        QTest::keyClick(window_.get(), Qt::Key_2, Qt::ControlModifier);
        QLineEdit *search = firstLineEdit(window_->page(ViewId::Graph));
        QTest::mouseClick(search, Qt::LeftButton);
        QTRY_VERIFY(search->hasFocus());
        QTabBar *tabs = window_->findChild<QTabBar *>();
        QVERIFY(tabs);
        QTest::mouseClick(tabs, Qt::LeftButton, {}, tabs->tabRect(int(ViewId::Latency)).center());
        QCOMPARE(window_->currentView(), ViewId::Latency);
        QVERIFY2(!latency()->filterEdit()->hasFocus(), "a click on the Latency tab focuses its filter");
    }

    void latencyFilterKeepsTheSelectedRow()
    {
        QTest::keyClick(window_.get(), Qt::Key_5, Qt::ControlModifier);
        QTableView *table = latency()->tableView();
        QVERIFY(latency()->proxy()->rowCount() >= 2);
        // Select the last row by clicking it; a filter that keeps it keeps it selected.
        const int row = latency()->proxy()->rowCount() - 1;
        const QModelIndex index = latency()->proxy()->index(row, LatencyModel::ClassColumn);
        QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, table->visualRect(index).center());
        QCOMPARE(table->currentIndex().row(), row);
        const QString cls = index.data(LatencyModel::ClassRole).toString();
        const qint64 op = index.data(LatencyModel::OpRole).toLongLong();
        QLineEdit *filter = latency()->filterEdit();
        QTest::mouseClick(filter, Qt::LeftButton);
        QTest::keyClicks(filter, cls.left(3));
        QModelIndex current = table->currentIndex();
        QVERIFY(current.isValid());
        QCOMPARE(current.data(LatencyModel::ClassRole).toString(), cls);
        QCOMPARE(current.data(LatencyModel::OpRole).toLongLong(), op);
        QVERIFY(table->selectionModel()->isRowSelected(current.row(), {}));
        // A filter that drops it leaves nothing selected (not a neighbour).
        QTest::keyClicks(filter, QStringLiteral("\u00a7no such class"));
        QVERIFY(!table->selectionModel()->hasSelection());
        filter->clear();
        QVERIFY(!table->selectionModel()->hasSelection());
    }

    void histogramCountAxis()
    {
        // Three calls in three buckets: every bin holds 1.
        std::vector<LatencySample> samples{{1, 1000, 12000}, {2, 2000, 130000}, {3, 3000, 1400000}};
        auto stats = std::make_shared<const LatencyStats>(buildLatencyStats(samples));
        QCOMPARE(stats->histogram.maxCount(), 1);
        QTest::keyClick(window_.get(), Qt::Key_5, Qt::ControlModifier);
        LatencyHistogramWidget *histogram = latency()->histogram();
        histogram->setStats(stats);
        histogram->repaint();
        const QStringList labels = histogram->countAxisLabels();
        QVERIFY2(labels.size() >= 2, qPrintable(labels.join(QLatin1Char(','))));
        QCOMPARE(labels.first(), QStringLiteral("0"));
        QCOMPARE(labels.last(), QStringLiteral("1"));
        // The scatter's first, last, fastest and slowest points stay off its axes.
        LatencyScatterWidget *scatter = latency()->scatter();
        scatter->setStats(stats);
        const QRect axes = scatter->plotRect();
        for (const LatencySample &sample : stats->points) {
            const QPointF at = scatter->position(sample);
            QVERIFY2(at.x() >= axes.left() + LatencyScatterWidget::kInset - 0.5 &&
                         at.x() <= axes.right() - LatencyScatterWidget::kInset + 0.5 &&
                         at.y() >= axes.top() + LatencyScatterWidget::kInset - 0.5 &&
                         at.y() <= axes.bottom() - LatencyScatterWidget::kInset + 0.5,
                     qPrintable(QStringLiteral("point at %1,%2").arg(at.x()).arg(at.y())));
        }
        saveScreen(window_.get(), QStringLiteral("histogram-all-ones"));
        latency()->selectRow(0);
    }

    void smallWindowKeepsKeyColumns()
    {
        window_->resize(1024, 700);
        QTRY_COMPARE(window_->size(), QSize(1024, 700));
        QDockWidget *dock = window_->findChild<QDockWidget *>(QStringLiteral("InspectorDock"));
        QVERIFY(dock && dock->isVisible());
        QTRY_VERIFY2(dock->width() <= int(window_->width() * 0.27),
                     qPrintable(QStringLiteral("inspector %1 px of %2").arg(dock->width()).arg(window_->width())));
        // A database with leaks (and their long provenance and holders).
        QString error;
        QVERIFY2(window_->openDatabase(sampleDb("leaky"), &error), qPrintable(error));
        for (ViewId v : {ViewId::Summary, ViewId::Graph, ViewId::Timeline, ViewId::Leaks, ViewId::Latency})
            QTRY_VERIFY_WITH_TIMEOUT(window_->page(v)->isReady(), 60000);

        QTest::keyClick(window_.get(), Qt::Key_4, Qt::ControlModifier);
        QCOMPARE(window_->currentView(), ViewId::Leaks);
        auto *leaks = static_cast<LeaksPage *>(window_->page(ViewId::Leaks));
        QTreeView *tree = leaks->findChild<QTreeView *>();
        QVERIFY(tree);
        QTest::qWait(100);
        QVERIFY(leaks->model()->rowCount() > 0);
        for (int column : {int(LeaksModel::NameColumn), int(LeaksModel::ClassColumn), int(LeaksModel::AgeColumn)})
            QVERIFY2(sectionInView(tree->header(), column, 40),
                     qPrintable(QStringLiteral("leaks column %1: %2").arg(column).arg(describeSection(tree->header(), column))));
        saveScreen(window_.get(), QStringLiteral("1024x700-leaks"));

        QTest::keyClick(window_.get(), Qt::Key_5, Qt::ControlModifier);
        QCOMPARE(window_->currentView(), ViewId::Latency);
        QTableView *table = latency()->tableView();
        QTest::qWait(100);
        for (int column : {int(LatencyModel::ClassColumn), int(LatencyModel::OpColumn), int(LatencyModel::CountColumn),
                           int(LatencyModel::P50Column), int(LatencyModel::P99Column), int(LatencyModel::MaxColumn)})
            QVERIFY2(sectionInView(table->horizontalHeader(), column, 30),
                     qPrintable(QStringLiteral("latency column %1: %2").arg(column).arg(describeSection(table->horizontalHeader(), column))));
        saveScreen(window_.get(), QStringLiteral("1024x700-latency"));

        for (ViewId v : {ViewId::Summary, ViewId::Graph, ViewId::Timeline}) {
            window_->showView(v);
            QTest::qWait(200);
            saveScreen(window_.get(), QStringLiteral("1024x700-") + viewName(v));
        }
        // The graph's legend wraps onto as many rows as its width needs (it was cut).
        auto *legend = window_->page(ViewId::Graph)->findChild<GraphLegend *>();
        QVERIFY(legend);
        QVERIFY(legend->sizeHint().width() > legend->width()); // too narrow for one row here
        QCOMPARE(legend->height(), legend->heightForWidth(legend->width()));
        window_->resize(1500, 950);
    }

    void aboutShowsTheVersion()
    {
        QAction *about = nullptr;
        for (QAction *a : window_->findChildren<QAction *>())
            if (a->text().remove(QLatin1Char('&')) == QLatin1String("About teescope"))
                about = a;
        QVERIFY(about);
        const QString shown = closingDialog([about] { about->trigger(); });
        QVERIFY2(shown.contains(QStringLiteral(TEESCOPE_TEST_VERSION)), qPrintable(shown));
    }

    void titleNamesTheTraceDirectory()
    {
        const QString trace = qEnvironmentVariable("TEESCOPE_SAMPLES") + QStringLiteral("/sharing");
        QVERIFY(QFileInfo(trace).isDir());
        QSignalSpy opened(window_.get(), &MainWindow::traceOpened);
        window_->openTraceDirectory(trace);
        QTRY_VERIFY_WITH_TIMEOUT(opened.count() == 1, 60000);
        QCOMPARE(window_->windowTitle(), QStringLiteral("sharing — teescope"));
        // Opened again, from its up-to-date database in the cache: the same title.
        window_->openTraceDirectory(trace);
        QTRY_VERIFY_WITH_TIMEOUT(opened.count() == 2, 60000);
        QCOMPARE(window_->windowTitle(), QStringLiteral("sharing — teescope"));
        for (ViewId v : {ViewId::Summary, ViewId::Graph, ViewId::Timeline, ViewId::Leaks, ViewId::Latency})
            QTRY_VERIFY_WITH_TIMEOUT(window_->page(v)->isReady(), 60000);
    }

    void openTraceDirectoryStartsAtTheLastTrace()
    {
        // A window that remembers: the folder dialog starts at the last trace opened, not in
        // the cache folder its database went to.
        const QString trace = qEnvironmentVariable("TEESCOPE_SAMPLES") + QStringLiteral("/callbacks");
        MainWindow remembered(nullptr, MainWindow::Layout::Remembered);
        remembered.show();
        QVERIFY(QTest::qWaitForWindowExposed(&remembered));
        remembered.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&remembered));
        QSignalSpy opened(&remembered, &MainWindow::traceOpened);
        remembered.openTraceDirectory(trace);
        QTRY_VERIFY_WITH_TIMEOUT(opened.count() == 1, 60000);
        QCOMPARE(remembered.windowTitle(), QStringLiteral("callbacks — teescope"));
        QAction *openTrace = nullptr;
        for (QAction *a : remembered.findChildren<QAction *>())
            if (a->text().startsWith(QLatin1String("Open &Trace Directory")))
                openTrace = a;
        QVERIFY(openTrace);
        const QString shown = closingDialog([openTrace] { openTrace->trigger(); });
        QVERIFY2(shown.endsWith(QLatin1Char('\n') + QFileInfo(trace).canonicalFilePath()), qPrintable(shown));
        for (ViewId v : {ViewId::Summary, ViewId::Graph, ViewId::Timeline, ViewId::Leaks, ViewId::Latency})
            QTRY_VERIFY_WITH_TIMEOUT(remembered.page(v)->isReady(), 60000);
        remembered.close();
        window_->activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(window_.get()));
    }

    void helpListsMouseGestures()
    {
        const QString help = window_->shortcutsHelp();
        for (const char *expected : {"Timeline:", "Wheel or Ctrl+wheel: zoom", "Double-click or Z", "Up / Down",
                                     "Graph:", "Wheel: zoom", "Latency:"})
            QVERIFY2(help.contains(QLatin1String(expected)), expected);
    }
};

QTEST_MAIN(WalkTimelineTest)
#include "walk_timeline_test.moc"
