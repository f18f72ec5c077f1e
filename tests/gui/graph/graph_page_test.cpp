// SPDX-License-Identifier: MIT
// GraphPage offscreen: screenshots of sample traces, export files, selection in both
// directions, search, time scrubbing and folding processes.
#include "core/theme.h"
#include "graph/graph_items.h"
#include "graph/graph_page.h"
#include "graph/graph_view.h"
#include "graph_test_util.h"

#include <QGraphicsScene>
#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace teescope;
using namespace teescope::gui;
using namespace teescope::gui::test;

class GraphPageTest : public QObject
{
    Q_OBJECT

  private:
    struct Opened {
        std::unique_ptr<Selection> selection = std::make_unique<Selection>();
        std::unique_ptr<GraphPage> page;
    };

    static Opened open(const QString &path, bool wait = true)
    {
        Opened o;
        o.page = std::make_unique<GraphPage>(o.selection.get());
        o.page->resize(1280, 800);
        o.page->show();
        TraceInfo info;
        info.dbPath = path;
        try {
            info = loadTraceInfo(openTraceDb(path));
        } catch (const std::exception &) {
        }
        o.page->openTrace(info);
        if (wait) {
            [&] { QTRY_VERIFY_WITH_TIMEOUT(o.page->isReady(), 60000); }();
        }
        return o;
    }

    // Pixels of `image` within a small distance of `color`.
    static int pixelsNear(const QImage &image, const QColor &color)
    {
        int n = 0;
        const QImage img = image.convertToFormat(QImage::Format_RGB32);
        for (int y = 0; y < img.height(); ++y) {
            const auto *line = reinterpret_cast<const QRgb *>(img.constScanLine(y));
            for (int x = 0; x < img.width(); ++x)
                if (std::abs(qRed(line[x]) - color.red()) + std::abs(qGreen(line[x]) - color.green()) +
                        std::abs(qBlue(line[x]) - color.blue()) <
                    40)
                    ++n;
        }
        return n;
    }

    static QString screenshotPath(const QString &name)
    {
        QString dir = qEnvironmentVariable("TEESCOPE_SCREENSHOTS");
        if (dir.isEmpty())
            dir = QDir::tempPath();
        QDir().mkpath(dir);
        return QDir(dir).filePath(QStringLiteral("graph-%1.png").arg(name));
    }

  private Q_SLOTS:
    void screenshots_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<bool>("darkPalette");
        QTest::newRow("sharing") << "sharing" << false;
        QTest::newRow("leaky") << "leaky" << false;
        QTest::newRow("callbacks") << "callbacks" << false;
        QTest::newRow("leaky-dark") << "leaky" << true;
    }
    void screenshots()
    {
        QFETCH(QString, name);
        QFETCH(bool, darkPalette);
        applyPalette(*qApp, darkPalette ? Palette::Dark : Palette::Light);
        Opened o = open(sampleDb(name.toLatin1().constData()));
        QCOMPARE(isDark(o.page->palette()), darkPalette);
        QVERIFY2(o.page->loadError().isEmpty(), qPrintable(o.page->loadError()));
        QCOMPARE(o.page->layout().engine, QStringLiteral("dot"));
        const QImage shot = o.page->grab().toImage();
        QVERIFY(shot.save(screenshotPath(darkPalette ? name + QStringLiteral("-dark") : name)));

        // Pixels are counted in the graph only, the legend shows every colour.
        const QImage graph = o.page->view()->viewport()->grab().toImage();
        const bool dark = isDark(o.page->palette());
        const store::Database db = openTraceDb(sampleDb(name.toLatin1().constData()));
        const qint64 leaks = queryNumber(
            db, "SELECT COUNT(*) FROM leaks WHERE kind NOT IN ('shm_not_freed', 'session_not_closed')");
        const qint64 shared = queryNumber(db, "SELECT COUNT(*) FROM sharing_objects");
        const int leakPixels = pixelsNear(graph, leakColor(dark));
        const int sharedPixels = pixelsNear(graph, sharedColor(dark));
        qInfo() << name << "leak pixels" << leakPixels << "shared pixels" << sharedPixels;
        QCOMPARE(leakPixels > 50, leaks > 0);
        QCOMPARE(sharedPixels > 50, shared > 0);
        // Not blank: node fills are there.
        QVERIFY(pixelsNear(graph, processColor(dark)) > 100);

        // At the end of the trace, objects still held at the end keep their leak colour.
        if (name == QLatin1String("leaky") && !darkPalette) {
            o.page->setTime(loadTraceInfo(db).lastTs);
            QVERIFY(o.page->grab().toImage().save(screenshotPath(QStringLiteral("leaky-end"))));
            const qint64 heldAtEnd = queryNumber(db, "SELECT COUNT(*) FROM leaks WHERE kind = 'held_at_end'");
            QVERIFY(heldAtEnd > 0);
            QVERIFY(pixelsNear(o.page->view()->viewport()->grab().toImage(), leakColor(dark)) > 50);
        }
    }

    void exports()
    {
        Opened o = open(sampleDb("leaky"));
        QCOMPARE(o.page->exportFormats(),
                 QStringList({QStringLiteral("svg"), QStringLiteral("png"), QStringLiteral("dot")}));
        QTemporaryDir dir;
        QString error;
        const QString svg = dir.filePath(QStringLiteral("g.svg")),
                      png = dir.filePath(QStringLiteral("g.png")),
                      dot = dir.filePath(QStringLiteral("g.dot"));
        QVERIFY2(o.page->exportTo(svg, QStringLiteral("svg"), &error), qPrintable(error));
        QVERIFY2(o.page->exportTo(png, QStringLiteral("png"), &error), qPrintable(error));
        QVERIFY2(o.page->exportTo(dot, QStringLiteral("dot"), &error), qPrintable(error));
        QVERIFY(!o.page->exportTo(dir.filePath(QStringLiteral("g.csv")), QStringLiteral("csv"), &error));
        QVERIFY(!error.isEmpty());

        QFile svgFile(svg);
        QVERIFY(svgFile.open(QIODevice::ReadOnly));
        QVERIFY(svgFile.readAll().contains("<svg"));
        const QImage image(png);
        QVERIFY(!image.isNull());
        QVERIFY(pixelsNear(image, leakColor(isDark(o.page->palette()))) > 50);

        QFile dotFile(dot);
        QVERIFY(dotFile.open(QIODevice::ReadOnly));
        const QByteArray dotText = dotFile.readAll();
        QVERIFY(dotText.contains("pos=\""));
        const QString dotTool = QStandardPaths::findExecutable(QStringLiteral("dot"));
        if (dotTool.isEmpty())
            QSKIP("dot is not installed");
        QProcess p;
        p.start(dotTool, {QStringLiteral("-Tplain"), dot});
        QVERIFY(p.waitForFinished(30000));
        QCOMPARE(p.exitCode(), 0);
        QCOMPARE(p.readAllStandardOutput().count("\nnode "), o.page->graph()->nodes.size());
    }

    // A click selects the node in the shared Selection; a selection from elsewhere highlights.
    void selectionBothWays()
    {
        Opened o = open(sampleDb("sharing"));
        const CapabilityGraph &g = *o.page->graph();
        int object = -1;
        for (int i = 0; i < g.nodes.size(); ++i)
            if (g.nodes[i].shared)
                object = i;
        QVERIFY(object >= 0);
        GraphNodeItem *item = o.page->nodeItem(object);
        o.page->view()->centerOn(item);
        const QPoint at = o.page->view()->mapFromScene(item->pos());
        QTest::mouseClick(o.page->view()->viewport(), Qt::LeftButton, {}, at);
        QCOMPARE(o.selection->item(), g.nodes[object].ref());
        QCOMPARE(o.page->selectedNode(), object);
        QVERIFY(item->state().selected);

        int process = -1;
        for (int i = 0; i < g.nodes.size(); ++i)
            if (g.nodes[i].kind == NodeKind::Process)
                process = i;
        o.selection->select(g.nodes[process].ref());
        QCOMPARE(o.page->selectedNode(), process);
        QVERIFY(!item->state().selected);

        // An invocation selects the object it invoked (looked up in a job).
        const store::Database db = openTraceDb(sampleDb("sharing"));
        store::Statement s(
            db.handle(),
            "SELECT id, object_id FROM invocations WHERE object_id IS NOT NULL ORDER BY id DESC LIMIT 1",
            db.path());
        QVERIFY(s.next());
        o.selection->select({ItemRef::Kind::Invocation, s.int_at(0)});
        QTRY_COMPARE_WITH_TIMEOUT(o.page->selectedNode(), g.indexOf(NodeKind::Object, s.int_at(1)), 5000);

        QTest::mouseClick(o.page->view()->viewport(), Qt::LeftButton, {}, QPoint(2, 2));
        QVERIFY(!o.selection->item().isValid());
        QCOMPARE(o.page->selectedNode(), -1);
    }

    void search()
    {
        Opened o = open(sampleDb("leaky"));
        const store::Database db = openTraceDb(sampleDb("leaky"));
        const qint64 expected =
            queryNumber(db, "SELECT COUNT(*) FROM objects WHERE class LIKE '%diagnostics%'") +
            queryNumber(db, "SELECT COUNT(*) FROM processes WHERE display_name LIKE '%diagnostics%'") +
            queryNumber(db, "SELECT COUNT(*) FROM contexts c JOIN processes p ON p.id = c.process_id WHERE "
                            "p.display_name LIKE '%diagnostics%'");
        QVERIFY(expected > 0);
        o.page->setSearchText(QStringLiteral("DIAGNOSTICS"));
        QCOMPARE(qint64(o.page->searchMatches().size()), expected);
        for (int node : o.page->searchMatches())
            QVERIFY(o.page->nodeItem(node)->state().match);
        const int first = o.page->centreNextMatch();
        QCOMPARE(first, o.page->searchMatches().first());
        if (expected > 1)
            QCOMPARE(o.page->centreNextMatch(), o.page->searchMatches().at(1));

        // A pid finds its process (and the contexts it opened).
        const qint64 pid = queryNumber(db, "SELECT pid FROM processes ORDER BY id LIMIT 1");
        o.page->setSearchText(QString::number(pid));
        QCOMPARE(qint64(o.page->searchMatches().size()),
                 1 + queryNumber(db,
                                 "SELECT COUNT(*) FROM contexts c JOIN processes p ON p.id = c.process_id "
                                 "WHERE p.pid = (SELECT pid FROM processes ORDER BY id LIMIT 1)"));
        o.page->setSearchText(QString());
        QVERIFY(o.page->searchMatches().isEmpty());
    }

    // Before a handle's bind its edge is faded, from the bind on it is shown; a range selected
    // elsewhere moves the scrubber to the range's end.
    void timeScrubber()
    {
        Opened o = open(sampleDb("sharing"));
        const CapabilityGraph &g = *o.page->graph();
        const store::Database db = openTraceDb(sampleDb("sharing"));
        store::Statement s(db.handle(),
                           "SELECT context_id, object_id, bind_ts FROM handles WHERE bind_ts IS NOT NULL "
                           "ORDER BY bind_ts LIMIT 1",
                           db.path());
        QVERIFY(s.next());
        const int ctx = g.indexOf(NodeKind::Context, s.int_at(0)),
                  obj = g.indexOf(NodeKind::Object, s.int_at(1));
        int edge = -1;
        for (int e : g.edgesOf(obj))
            if (g.edges[e].kind == EdgeKind::Holds && g.edges[e].from == ctx)
                edge = e;
        QVERIFY(edge >= 0);
        const qint64 bind = s.int_at(2);
        QVERIFY(!o.page->isTimeMode());
        QCOMPARE(o.page->edgeItem(edge)->opacity(), 1.0);
        o.page->setTime(bind - 1);
        QVERIFY(o.page->edgeItem(edge)->opacity() < 0.5);
        o.page->setTime(bind);
        QCOMPARE(o.page->edgeItem(edge)->opacity(), 1.0);
        o.page->showWholeTrace();
        QVERIFY(!o.page->isTimeMode());

        o.selection->setRange({bind - 100, bind + 100});
        QVERIFY(o.page->isTimeMode());
        QCOMPARE(o.page->time(), bind + 99);
    }

    void collapseProcess()
    {
        Opened o = open(sampleDb("leaky"));
        const CapabilityGraph &g = *o.page->graph();
        int process = -1, members = 0;
        for (int p = 0; p < g.nodes.size() && members == 0; ++p) {
            if (g.nodes[p].kind != NodeKind::Process)
                continue;
            members = 0;
            for (const GraphNode &n : g.nodes)
                members += n.kind != NodeKind::Process && n.ownerProcess == p;
            process = p;
        }
        QVERIFY(members > 0);
        auto drawnBounds = [&] {
            QRectF r;
            for (int i = 0; i < g.nodes.size(); ++i)
                if (o.page->nodeItem(i)->isVisible())
                    r |= o.page->nodeItem(i)->sceneBoundingRect();
            return r;
        };
        const QRectF expanded = drawnBounds();
        QSignalSpy laidOut(o.page.get(), &GraphPage::layoutApplied);
        o.page->setCollapsed(process, true);
        for (int i = 0; i < g.nodes.size(); ++i) {
            const bool folded = g.nodes[i].kind != NodeKind::Process && g.nodes[i].ownerProcess == process;
            QCOMPARE(o.page->nodeItem(i)->isVisible(), !folded);
        }
        QCOMPARE(o.page->nodeItem(process)->state().folded, members);
        // Edges between folded nodes disappear; edges to the outside start at the process.
        for (int e = 0; e < g.edges.size(); ++e) {
            const int a = o.page->representative(g.edges[e].from), b = o.page->representative(g.edges[e].to);
            QCOMPARE(o.page->edgeItem(e)->isVisible(), a != b);
        }
        // Laid out again, the folded nodes leave no hole: the drawing is smaller, and they sit
        // under their process.
        QVERIFY(laidOut.wait(10000));
        const QRectF collapsed = drawnBounds();
        QVERIFY2(collapsed.width() * collapsed.height() < expanded.width() * expanded.height(),
                 qPrintable(QStringLiteral("%1x%2 collapsed, %3x%4 expanded")
                                .arg(collapsed.width()).arg(collapsed.height())
                                .arg(expanded.width()).arg(expanded.height())));
        for (int i = 0; i < g.nodes.size(); ++i)
            if (g.nodes[i].kind != NodeKind::Process && g.nodes[i].ownerProcess == process)
                QCOMPARE(o.page->nodeItem(i)->pos(), o.page->nodeItem(process)->pos());
        o.page->setCollapsed(process, false);
        for (int i = 0; i < g.nodes.size(); ++i)
            QVERIFY(o.page->nodeItem(i)->isVisible());
        QVERIFY(laidOut.wait(10000));

        // A double click on the process folds it too.
        o.page->view()->centerOn(o.page->nodeItem(process));
        QTest::mouseDClick(o.page->view()->viewport(), Qt::LeftButton, {},
                           o.page->view()->mapFromScene(o.page->nodeItem(process)->pos()));
        QVERIFY(o.page->isCollapsed(process));
    }

    void zoomKeys()
    {
        Opened o = open(sampleDb("clean"));
        GraphView *view = o.page->view();
        const double fitted = view->transform().m11();
        QTest::keyClick(view, Qt::Key_Plus);
        QVERIFY(view->transform().m11() > fitted);
        QVERIFY(view->userZoomed());
        QTest::keyClick(view, Qt::Key_Minus);
        QTest::keyClick(view, Qt::Key_Minus);
        QVERIFY(view->transform().m11() < fitted);
        // 0 is 100 %, F fits again.
        QTest::keyClick(view, Qt::Key_0);
        QCOMPARE(view->transform().m11(), 1.0);
        QVERIFY(view->userZoomed());
        QTest::keyClick(view, Qt::Key_F);
        QCOMPARE(view->transform().m11(), fitted);
        QVERIFY(!view->userZoomed());
        o.page->zoomIn();
        QVERIFY(view->transform().m11() > fitted);
        o.page->resetZoom();
        QCOMPARE(view->transform().m11(), 1.0);
        o.page->fitToView();
        QCOMPARE(view->transform().m11(), fitted);
    }

    void badDatabases()
    {
        QTemporaryDir dir;
        const QString empty = dir.filePath(QStringLiteral("empty.db"));
        store::Database::create(empty.toStdString()).close();
        Opened e = open(empty);
        QVERIFY(e.page->loadError().isEmpty());
        QVERIFY(e.page->graph()->isEmpty());
        QVERIFY(!e.page->exportTo(dir.filePath(QStringLiteral("x.svg")), QStringLiteral("svg"), nullptr));

        Opened missing = open(dir.filePath(QStringLiteral("missing.db")));
        QVERIFY(!missing.page->loadError().isEmpty());
        QVERIFY(missing.page->loadError().contains(QStringLiteral("missing.db")));
    }

    // Live mode: a refresh reloads and lays out again, keeping what is shown meanwhile.
    void refreshKeepsGraph()
    {
        Opened o = open(sampleDb("sharing"));
        const qsizetype nodes = o.page->graph()->nodes.size();
        const QPointF before = o.page->nodeItem(0)->pos();
        QSignalSpy ready(o.page.get(), &ViewPage::readyChanged);
        o.page->refresh();
        QVERIFY(!o.page->isReady());
        QCOMPARE(o.page->nodeItem(0)->pos(), before);
        QTRY_VERIFY_WITH_TIMEOUT(o.page->isReady(), 60000);
        QCOMPARE(o.page->graph()->nodes.size(), nodes);
        QCOMPARE(ready.count(), 2);
    }

    // Opening another trace while one loads drops the stale results.
    void reopenWhileLoading()
    {
        Opened o = open(sampleDb("lossy"), false);
        TraceInfo info = loadTraceInfo(openTraceDb(sampleDb("clean")));
        o.page->openTrace(info);
        QTRY_VERIFY_WITH_TIMEOUT(o.page->isReady(), 60000);
        const store::Database db = openTraceDb(sampleDb("clean"));
        QCOMPARE(qint64(o.page->graph()->nodes.size()),
                 queryNumber(db, "SELECT (SELECT COUNT(*) FROM processes) + (SELECT COUNT(*) FROM contexts) "
                                 "+ (SELECT COUNT(*) FROM objects)"));
    }
};

QTEST_MAIN(GraphPageTest)
#include "graph_page_test.moc"
