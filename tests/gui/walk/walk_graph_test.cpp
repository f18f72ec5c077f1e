// SPDX-License-Identifier: MIT
// A walk through the window as a user meets it, with real clicks and keys in a real X11 window:
// the summary's numbers lead to views that show exactly what they count, the graph is framed
// readably the first time its tab is clicked, search steps through its matches, clearing the
// selection clears every view, and inspector links follow on a single click.
#include "walk_util.h"

#include "core/format.h"
#include "core/theme.h"
#include "graph/graph_items.h"
#include "graph/graph_page.h"
#include "graph/graph_view.h"
#include "tables/latency_model.h"
#include "tables/latency_page.h"
#include "tables/latency_sort_proxy.h"
#include "tables/leaks_model.h"
#include "tables/leaks_page.h"
#include "window/inspector.h"
#include "window/summary_loss_dialog.h"
#include "window/summary_page.h"

#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QScrollBar>
#include <QStatusBar>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTreeWidgetItemIterator>

using namespace teescope::gui;
using namespace teescope::gui::test;
using namespace teescope::gui::walk;

namespace {

QSet<qint64> sqlIds(const QString &db, const QString &sql)
{
    auto d = openTraceDb(db);
    teescope::store::Statement s(d.handle(), sql.toUtf8().constData(), d.path());
    QSet<qint64> ids;
    while (s.next())
        ids.insert(s.int_at(0));
    return ids;
}

// The database ids of the graph's group members.
QSet<qint64> groupIds(const GraphPage *graph)
{
    QSet<qint64> ids;
    for (int node : graph->groupNodes())
        ids.insert(graph->graph()->nodes[node].id);
    return ids;
}

// The count a summary card shows ("1,234\ncaption" -> 1234).
qint64 cardNumber(QPushButton *card)
{
    return card->text().section(QLatin1Char('\n'), 0, 0).remove(QLatin1Char(',')).toLongLong();
}

// Waits until the graph has applied its framing (it waits for a shown view with its real size).
bool framed(GraphPage *graph)
{
    return QTest::qWaitFor([graph] { return graph->isReady() && !graph->view()->framingPending(); }, kLoadTimeoutMs);
}

// Where a node is drawn, in the graph view's viewport.
QPoint nodeOnScreen(GraphPage *graph, int node)
{
    return graph->view()->mapFromScene(graph->nodeItem(graph->representative(node))->scenePos());
}

} // namespace

class WalkGraphTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(QGuiApplication::platformName() == QLatin1String("xcb"),
                 "the walk runs in a real X11 window (QT_QPA_PLATFORM=xcb under Xvfb)");
    }

    // Start on the summary, click the Graph tab: the drawing fills a real part of the view at a
    // zoom where labels are readable.
    void graphIsFramedTheFirstTimeItIsSeen_data()
    {
        QTest::addColumn<QString>("name");
        QTest::newRow("sharing") << QStringLiteral("sharing");
        QTest::newRow("callbacks") << QStringLiteral("callbacks");
    }
    void graphIsFramedTheFirstTimeItIsSeen()
    {
        QFETCH(QString, name);
        auto w = openWindow(sampleDb(name.toLatin1().constData()));
        QVERIFY(w);
        QCOMPARE(w->currentView(), ViewId::Summary);
        auto *graph = static_cast<GraphPage *>(w->page(ViewId::Graph));
        // Loaded and laid out while hidden: the framing waits for the page to be seen.
        QVERIFY(graph->view()->framingPending());
        clickTab(*w, ViewId::Graph);
        QVERIFY(framed(graph));
        QTest::qWait(100); // painted
        const QImage shot = graph->view()->viewport()->grab().toImage();
        screenshot(w.get(), QStringLiteral("graph-first-%1").arg(name));
        const QRect drawn = drawnBounds(shot, graph->palette().color(QPalette::Base));
        qInfo() << name << "viewport" << shot.size() << "drawn" << drawn << "zoom" << graph->view()->zoom();
        QVERIFY2(drawn.width() >= shot.width() / 2,
                 qPrintable(QStringLiteral("the drawing spans %1 of %2 px").arg(drawn.width()).arg(shot.width())));
        QVERIFY(drawn.height() >= shot.height() / 4);
        QVERIFY(graph->view()->zoom() >= GraphView::kReadableZoom);

        // Ctrl+0 is 100 %, Ctrl+9 fits again.
        QTest::keyClick(w.get(), Qt::Key_0, Qt::ControlModifier);
        QCOMPARE(graph->view()->zoom(), 1.0);
        QTest::keyClick(w.get(), Qt::Key_9, Qt::ControlModifier);
        QVERIFY(graph->view()->zoom() >= GraphView::kReadableZoom);
        QVERIFY(!graph->view()->userZoomed());
    }

    void summaryNumbersShowTheirItemsInTheGraph()
    {
        const QString db = sampleDb("sharing");
        auto w = openWindow(db);
        QVERIFY(w);
        auto *summary = static_cast<SummaryPage *>(w->page(ViewId::Summary));
        auto *graph = static_cast<GraphPage *>(w->page(ViewId::Graph));
        struct Case {
            const char *caption;
            ItemGroup::Kind kind;
            const char *ids; // the database ids the graph must mark
        };
        const Case cases[] = {
            {"processes", ItemGroup::Kind::Processes, "SELECT id FROM processes"},
            {"contexts", ItemGroup::Kind::Contexts, "SELECT id FROM contexts"},
            {"objects", ItemGroup::Kind::Objects, "SELECT id FROM objects"},
            // Instances of the shared secure-world objects held at overlapping times.
            {"shared objects", ItemGroup::Kind::SharedObjects,
             "SELECT DISTINCT h1.object_id FROM handles h1 JOIN objects o1 ON o1.id = h1.object_id"
             " JOIN objects o2 ON o2.sw_id = o1.sw_id"
             " JOIN handles h2 ON h2.object_id = o2.id AND h2.context_id <> h1.context_id"
             " WHERE o1.kind NOT IN ('root', 'primordial')"
             "   AND COALESCE(h1.bind_ts, 0) < COALESCE(h2.unbind_ts, 9223372036854775807)"
             "   AND COALESCE(h2.bind_ts, 0) < COALESCE(h1.unbind_ts, 9223372036854775807)"},
        };
        for (const Case &c : cases) {
            clickTab(*w, ViewId::Summary);
            QPushButton *card = summary->card(QString::fromLatin1(c.caption));
            QVERIFY2(card, c.caption);
            click(card);
            QCOMPARE(w->currentView(), ViewId::Graph);
            QCOMPARE(graph->group().kind, c.kind);
            const QSet<qint64> expected = sqlIds(db, QString::fromLatin1(c.ids));
            QVERIFY2(!expected.isEmpty(), c.caption);
            QCOMPARE(groupIds(graph), expected);
            QVERIFY(!w->selection()->item().isValid());
            QVERIFY(framed(graph));
            QTest::qWait(100);
            // The members are marked on screen.
            const QImage shot = graph->view()->viewport()->grab().toImage();
            const int marked = pixelsNear(shot, matchColor(false), {}, 30);
            QVERIFY2(marked > 100, qPrintable(QStringLiteral("%1: %2 marked pixels").arg(QLatin1String(c.caption)).arg(marked)));
            QVERIFY2(graph->matchText().contains(QString::number(c.kind == ItemGroup::Kind::SharedObjects
                                                                     ? cardNumber(card)
                                                                     : qint64(expected.size()))),
                     qPrintable(graph->matchText()));
            screenshot(w.get(), QStringLiteral("summary-to-graph-%1").arg(QString::fromLatin1(c.caption).replace(QLatin1Char(' '), QLatin1Char('-'))));
        }
        // The summary counts shared secure-world objects; the graph's instances are of exactly those.
        QSet<qint64> swIds;
        for (int node : graph->groupNodes())
            swIds.insert(graph->graph()->nodes[node].swId);
        QCOMPARE(swIds, sqlIds(db, QStringLiteral("SELECT sw_id FROM sharing_objects")));
        QCOMPARE(qint64(swIds.size()), cardNumber(summary->card(QStringLiteral("shared objects"))));

        // Handle bindings: the holds edges from contexts to objects, one interval per binding.
        clickTab(*w, ViewId::Summary);
        click(summary->card(QStringLiteral("handle bindings")));
        QCOMPARE(w->currentView(), ViewId::Graph);
        qint64 bindings = 0;
        for (int e : graph->groupEdges())
            bindings += graph->graph()->edges[e].life.intervals.size();
        QCOMPARE(bindings, sqlInt(db, "SELECT count(*) FROM handles WHERE context_id IS NOT NULL AND object_id IS NOT NULL"));
        QCOMPARE(bindings, cardNumber(summary->card(QStringLiteral("handle bindings"))));

        // Clear Selection (Ctrl+Shift+A) drops the group's marks.
        QTest::keyClick(w.get(), Qt::Key_A, Qt::ControlModifier | Qt::ShiftModifier);
        QVERIFY(!graph->group().isValid());
        QVERIFY(graph->groupNodes().isEmpty() && graph->groupEdges().isEmpty());
    }

    void leaksAndDataLossNumbers()
    {
        const QString db = sampleDb("leaky");
        const qint64 leaks = sqlInt(db, "SELECT count(*) FROM leaks");
        QVERIFY2(leaks > 0, "the leaky sample has leaks");
        QTemporaryDir dir;
        auto w = openWindow(db);
        QVERIFY(w);
        SummaryPage *summary = static_cast<SummaryPage *>(w->page(ViewId::Summary));
        auto *leaksPage = static_cast<LeaksPage *>(w->page(ViewId::Leaks));
        leaksPage->setSuppressionsFile(dir.filePath(QStringLiteral("suppressions.txt")));
        QCOMPARE(summary->leakTotal(), leaks);
        QCOMPARE(cardNumber(summary->card(QStringLiteral("leaks"))), leaks);

        // A leak kind of the summary opens the Leaks page on that kind.
        QTreeWidget *kinds = summary->leaksList();
        QVERIFY(kinds->topLevelItemCount() > 0);
        QTreeWidgetItem *first = kinds->topLevelItem(0);
        const QString kind = first->data(0, Qt::UserRole).toString();
        QVERIFY(!kind.isEmpty());
        doubleClickRow(kinds, kinds->indexFromItem(first));
        QTRY_COMPARE(w->currentView(), ViewId::Leaks);
        QCOMPARE(leaksPage->selectedKind(), kind);
        const QModelIndex current = leaksPage->treeView()->currentIndex();
        QCOMPARE(current.data(LeaksModel::LeakKindRole).toString(), kind);
        QVERIFY(leaksPage->treeView()->selectionModel()->isSelected(current));
        QVERIFY(leaksPage->treeView()->isExpanded(current));
        screenshot(w.get(), QStringLiteral("summary-to-leaks"));

        // Suppressing a class takes its leaks out of the summary's count, counted apart.
        auto d = openTraceDb(db);
        teescope::store::Statement s(d.handle(), "SELECT class, count(*) FROM leaks WHERE class IS NOT NULL GROUP BY class LIMIT 1",
                           d.path());
        QVERIFY(s.next());
        const QString suppressedClass = traceText(s.text_at(0));
        const qint64 suppressed = s.int_at(1);
        leaksPage->suppress({SuppressionRule::Kind::Class, suppressedClass});
        QCOMPARE(summary->leakTotal(), leaks - suppressed);
        QCOMPARE(summary->suppressedLeakTotal(), suppressed);
        QVERIFY2(summary->card(QStringLiteral("leaks"))->text().contains(QStringLiteral("suppressed")),
                 qPrintable(summary->card(QStringLiteral("leaks"))->text()));
        QCOMPARE(cardNumber(summary->card(QStringLiteral("leaks"))), leaks - suppressed);

        // Lost events: a dialog says so when nothing was lost...
        clickTab(*w, ViewId::Summary);
        click(summary->card(QStringLiteral("lost events")));
        QTRY_VERIFY(summary->dataLossDialog() && summary->dataLossDialog()->isVisible());
        QVERIFY(static_cast<DataLossDialog *>(summary->dataLossDialog())->headline().startsWith(QStringLiteral("No data was lost")));
        summary->dataLossDialog()->close();

        // ... and lists every data loss when something was.
        const QString lossy = sampleDb("lossy");
        w = openWindow(lossy);
        QVERIFY(w);
        summary = static_cast<SummaryPage *>(w->page(ViewId::Summary));
        QVERIFY(cardNumber(summary->card(QStringLiteral("lost events"))) > 0);
        click(summary->card(QStringLiteral("lost events")));
        QTRY_VERIFY(summary->dataLossDialog() && summary->dataLossDialog()->isVisible());
        auto *dialog = static_cast<DataLossDialog *>(summary->dataLossDialog());
        QVERIFY(QTest::qWaitForWindowExposed(dialog));
        QCOMPARE(qint64(dialog->table()->rowCount()), sqlInt(lossy, "SELECT count(*) FROM data_loss"));
        QVERIFY(dialog->table()->rowCount() > 0);
        QVERIFY2(dialog->headline().contains(formatCount(sqlInt(lossy, "SELECT SUM(count) FROM data_loss WHERE what = 'events'"))),
                 qPrintable(dialog->headline()));
        screenshot(dialog, QStringLiteral("data-loss-dialog"));
        // A row with its time shows it in the timeline.
        for (int r = 0; r < dialog->table()->rowCount(); ++r)
            if (dialog->table()->item(r, 2)->text().startsWith(QLatin1Char('+'))) {
                doubleClickRow(dialog->table(), dialog->table()->model()->index(r, 0));
                QTRY_COMPARE(w->currentView(), ViewId::Timeline);
                QVERIFY(w->selection()->range().isValid());
                break;
            }
    }

    void slowestServiceOpensItsLatencyRow()
    {
        const QString db = sampleDb("callbacks");
        auto w = openWindow(db);
        QVERIFY(w);
        auto *summary = static_cast<SummaryPage *>(w->page(ViewId::Summary));
        auto *latency = static_cast<LatencyPage *>(w->page(ViewId::Latency));
        QTreeWidget *slowest = summary->slowestList();
        QVERIFY(slowest->topLevelItemCount() > 1);
        // Not the first row: the latency table's first row is what it shows by itself.
        for (int i : {1, 0}) {
            QTreeWidgetItem *item = slowest->topLevelItem(i);
            const QString cls = item->data(0, Qt::UserRole).toString();
            const qint64 op = item->data(1, Qt::UserRole).toLongLong();
            clickTab(*w, ViewId::Summary);
            doubleClickRow(slowest, slowest->indexFromItem(item));
            QTRY_COMPARE(w->currentView(), ViewId::Latency);
            const QModelIndex row = latency->tableView()->currentIndex();
            QCOMPARE(row.data(LatencyModel::ClassRole).toString(), cls);
            QCOMPARE(row.data(LatencyModel::OpRole).toLongLong(), op);
            QVERIFY(latency->tableView()->selectionModel()->isRowSelected(row.row(), row.parent()));
        }
        screenshot(w.get(), QStringLiteral("summary-to-latency"));
    }

    // Type in the graph's search box, step with Enter and Shift+Enter: each match in turn is
    // centred and marked as the current one, "N of M".
    void searchStepsThroughMatches()
    {
        const QString db = sampleDb("callbacks");
        auto w = openWindow(db);
        QVERIFY(w);
        auto *graph = static_cast<GraphPage *>(w->page(ViewId::Graph));
        clickTab(*w, ViewId::Graph);
        QVERIFY(framed(graph));
        QLineEdit *search = graph->searchEdit();
        clickAt(search, search->rect());
        QTRY_VERIFY(search->hasFocus());
        QTest::keyClicks(search, QStringLiteral("client_env"));
        const QList<int> matches = graph->searchMatches();
        QCOMPARE(qint64(matches.size()),
                 sqlInt(db, "SELECT count(*) FROM objects WHERE class LIKE '%client_env%'") +
                     sqlInt(db, "SELECT count(*) FROM processes WHERE display_name LIKE '%client_env%'"));
        QVERIFY(matches.size() >= 3);
        const auto expectCurrent = [&](int k) {
            QCOMPARE(graph->currentMatch(), matches[k]);
            QCOMPARE(graph->matchText(), QStringLiteral("%1 of %2").arg(k + 1).arg(matches.size()));
            QVERIFY(graph->nodeItem(matches[k])->state().current);
            QVERIFY(graph->view()->zoom() >= GraphView::kReadableZoom);
            // Centred (within a few pixels) and marked on screen.
            const QPoint at = nodeOnScreen(graph, matches[k]);
            const QPoint centre = graph->view()->viewport()->rect().center();
            QVERIFY2((at - centre).manhattanLength() <= 6,
                     qPrintable(QStringLiteral("match %1 at %2,%3, centre %4,%5").arg(k).arg(at.x()).arg(at.y()).arg(centre.x()).arg(centre.y())));
            QTest::qWait(50);
            const QImage shot = graph->view()->viewport()->grab().toImage();
            const QRect around(centre - QPoint(90, 40), QSize(180, 80));
            QVERIFY(pixelsNear(shot, matchColor(false), around, 30) > 80);
            for (int other : matches)
                if (other != matches[k])
                    QVERIFY(!graph->nodeItem(other)->state().current && graph->nodeItem(other)->state().match);
        };
        QTest::keyClick(search, Qt::Key_Return);
        expectCurrent(0);
        screenshot(w.get(), QStringLiteral("graph-search-1"));
        QTest::keyClick(search, Qt::Key_Return);
        expectCurrent(1);
        QTest::keyClick(search, Qt::Key_Return);
        expectCurrent(2);
        screenshot(w.get(), QStringLiteral("graph-search-3"));
        QTest::keyClick(search, Qt::Key_Return, Qt::ShiftModifier);
        expectCurrent(1);
        // Backwards from the first wraps to the last.
        QTest::keyClick(search, Qt::Key_Return, Qt::ShiftModifier);
        QTest::keyClick(search, Qt::Key_Return, Qt::ShiftModifier);
        expectCurrent(int(matches.size()) - 1);
    }

    // One selection drives every view, and clearing it clears them all.
    void clearingTheSelectionClearsEveryView()
    {
        const QString db = sampleDb("leaky");
        auto w = openWindow(db);
        QVERIFY(w);
        auto *summary = static_cast<SummaryPage *>(w->page(ViewId::Summary));
        auto *graph = static_cast<GraphPage *>(w->page(ViewId::Graph));
        auto *leaks = static_cast<LeaksPage *>(w->page(ViewId::Leaks));
        auto *latency = static_cast<LatencyPage *>(w->page(ViewId::Latency));

        // A leaked object with invocations, clicked in the graph.
        const qint64 object = sqlInt(db, "SELECT l.object_id FROM leaks l JOIN objects o ON o.id = l.object_id"
                                         " WHERE l.kind NOT LIKE 'shm%' AND l.kind NOT LIKE 'session%'"
                                         " AND o.class IN (SELECT class FROM latency) ORDER BY l.object_id LIMIT 1");
        QVERIFY(object > 0);
        clickTab(*w, ViewId::Graph);
        QVERIFY(framed(graph));
        const int node = graph->graph()->indexOf({ItemRef::Kind::Object, object});
        QVERIFY(node >= 0);
        graph->view()->centerOn(graph->nodeItem(node));
        QTest::mouseClick(graph->view()->viewport(), Qt::LeftButton, {}, nodeOnScreen(graph, node));
        QCOMPARE(w->selection()->item(), (ItemRef{ItemRef::Kind::Object, object}));
        QCOMPARE(graph->selectedNode(), node);
        const QModelIndex leak = leaks->treeView()->currentIndex();
        QVERIFY(leak.isValid());
        QCOMPARE(leak.data(LeaksModel::ObjectIdRole).toLongLong(), object);
        QTRY_VERIFY(latency->proxy()->rowCount() < latency->model()->rowCount()); // filtered by its class
        screenshot(w.get(), QStringLiteral("selected-object"));

        QTest::keyClick(w.get(), Qt::Key_A, Qt::ControlModifier | Qt::ShiftModifier);
        QVERIFY(!w->selection()->item().isValid());
        QCOMPARE(graph->selectedNode(), -1);
        QVERIFY(!leaks->treeView()->currentIndex().isValid());
        QVERIFY(leaks->treeView()->selectionModel()->selectedIndexes().isEmpty());
        QCOMPARE(latency->proxy()->rowCount(), latency->model()->rowCount());
        QVERIFY(summary->processesView()->selectionModel()->selectedIndexes().isEmpty());
        QTRY_VERIFY(!w->inspector()->shown().item.isValid());

        // A leak row the user highlighted by hand is cleared too.
        clickTab(*w, ViewId::Leaks);
        clickRow(leaks->treeView(), leaks->treeView()->model()->index(0, 0));
        QVERIFY(leaks->treeView()->currentIndex().isValid());
        QTest::keyClick(w.get(), Qt::Key_A, Qt::ControlModifier | Qt::ShiftModifier);
        QVERIFY(!leaks->treeView()->currentIndex().isValid());
        QVERIFY(leaks->treeView()->selectionModel()->selectedIndexes().isEmpty());

        // A callback object has no latency row: selecting one does not leave an empty table.
        const qint64 callback = sqlInt(db, "SELECT id FROM objects WHERE kind = 'callback' LIMIT 1");
        if (callback > 0) {
            w->selection()->select({ItemRef::Kind::Object, object});
            QTRY_VERIFY(latency->proxy()->rowCount() < latency->model()->rowCount());
            w->selection()->select({ItemRef::Kind::Object, callback});
            QTRY_COMPARE(latency->proxy()->rowCount(), latency->model()->rowCount());
        }

        // A process clicked in the summary, then an inspector link followed: the summary lets go.
        clickTab(*w, ViewId::Summary);
        QTableView *processes = summary->processesView();
        clickRow(processes, processes->model()->index(0, 0));
        QCOMPARE(w->selection()->item().kind, ItemRef::Kind::Process);
        QVERIFY(!processes->selectionModel()->selectedRows().isEmpty());
        Inspector *inspector = w->inspector();
        QTRY_VERIFY(inspector->shown().item == w->selection()->item());
        QTreeWidgetItem *threads = inspector->tree()->findItems(QStringLiteral("Threads"), Qt::MatchExactly).value(0);
        QVERIFY(threads && threads->childCount() > 0);
        threads->setExpanded(true);
        clickItem(inspector->tree(), threads->child(0), 0);
        QCOMPARE(w->selection()->item().kind, ItemRef::Kind::Thread);
        QVERIFY(processes->selectionModel()->selectedRows().isEmpty());
        // The status bar names the thread as the lanes do: by its tid.
        const qint64 tid = sqlInt(db, qPrintable(QStringLiteral("SELECT tid FROM threads WHERE id = %1")
                                                     .arg(w->selection()->item().id)));
        QTRY_VERIFY([&] {
            for (QLabel *label : w->statusBar()->findChildren<QLabel *>())
                if (label->text().startsWith(QStringLiteral("selected: ") + threadLabel(tid) + QLatin1Char(' ')))
                    return true;
            return false;
        }());
    }

    // Links follow on a single click; keys and values are shown whole.
    void inspectorLinksFollowOnOneClick()
    {
        const QString db = sampleDb("sharing");
        const qint64 object = sqlInt(db, "SELECT object_id FROM handles h JOIN objects o ON o.id = h.object_id"
                                         " WHERE o.produced_by IS NOT NULL GROUP BY object_id ORDER BY count(*) DESC LIMIT 1");
        QVERIFY(object > 0);
        auto w = openWindow(db);
        QVERIFY(w);
        Inspector *inspector = w->inspector();
        w->selection()->select({ItemRef::Kind::Object, object});
        QTRY_VERIFY(inspector->shown().item == (ItemRef{ItemRef::Kind::Object, object}));
        QTest::qWait(50);
        QTreeWidget *tree = inspector->tree();
        screenshot(w.get(), QStringLiteral("inspector-object"));
        // Nothing is cut: every key and value fits its cell, wrapped if need be.
        for (QTreeWidgetItemIterator it(tree); *it; ++it) {
            QTreeWidgetItem *item = *it;
            const QRect row = tree->visualItemRect(item);
            if (row.isEmpty())
                continue;
            for (int c = 0; c < 2; ++c) {
                const QModelIndex index = tree->model()->index(tree->indexFromItem(item).row(), c,
                                                               tree->indexFromItem(item).parent());
                const QFontMetrics fm(item->font(c));
                const QRect needed = fm.boundingRect(QRect(0, 0, Inspector::textWidth(tree, index), 1 << 20),
                                                     Qt::TextWordWrap | Qt::TextWrapAnywhere, item->text(c));
                QVERIFY2(needed.height() <= row.height(),
                         qPrintable(QStringLiteral("\"%1\" needs %2 px of height, has %3")
                                        .arg(item->text(c)).arg(needed.height()).arg(row.height())));
            }
            QVERIFY(!item->toolTip(1).isEmpty() || item->text(1).isEmpty());
        }
        // The value column takes the rest of the width.
        QVERIFY(tree->columnWidth(1) >= tree->viewport()->width() - tree->columnWidth(0) - 2);
        QTreeWidgetItem *prov = tree->findItems(QStringLiteral("Provenance"), Qt::MatchExactly).value(0);
        QVERIFY(prov && prov->childCount() > 0);
        QCOMPARE(prov->child(0)->text(0), QStringLiteral("returned by"));

        QTreeWidgetItem *holders = tree->findItems(QStringLiteral("Holders"), Qt::MatchExactly).value(0);
        QVERIFY(holders && holders->childCount() > 0);
        holders->setExpanded(true);
        QTreeWidgetItem *link = holders->child(0);
        clickItem(tree, link, 1); // on its value: the whole row is the link
        QCOMPARE(w->selection()->item().kind, ItemRef::Kind::Context);
        QTRY_VERIFY(inspector->shown().item.kind == ItemRef::Kind::Context);

        // One way of naming a thread: the tid, as the timeline's lanes do.
        const qint64 invocation = sqlInt(db, "SELECT id FROM invocations WHERE thread_id IS NOT NULL LIMIT 1");
        const qint64 tid = sqlInt(db, qPrintable(QStringLiteral(
                                          "SELECT t.tid FROM invocations i JOIN threads t ON t.id = i.thread_id WHERE i.id = %1")
                                          .arg(invocation)));
        w->selection()->select({ItemRef::Kind::Invocation, invocation});
        QTRY_VERIFY(inspector->shown().item.kind == ItemRef::Kind::Invocation);
        QTreeWidgetItem *thread = tree->findItems(QStringLiteral("Thread"), Qt::MatchExactly).value(0);
        QVERIFY(thread);
        QCOMPARE(thread->text(1), threadLabel(tid));
        // No raw database words beside readable ones.
        for (QTreeWidgetItemIterator it(tree); *it; ++it)
            for (const char *raw : {"alive_at_end", "release_failed", "not_released_by_tee", "open_at_end"})
                QVERIFY2(!(*it)->text(1).contains(QLatin1String(raw)), qPrintable((*it)->text(1)));
    }
};

QTEST_MAIN(WalkGraphTest)
#include "walk_graph_test.moc"
