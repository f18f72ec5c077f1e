// SPDX-License-Identifier: MIT
// Capability graph layout benchmark: a synthetic graph of N objects (50 processes, provenance
// chains, sharing) shown by GraphPage while the GUI thread ticks a 16 ms timer. Prints the
// Graphviz layout time, the time until the page is ready, the worst gap between ticks (how
// interactive the page stays meanwhile) and the ratio of the layout time to the `sfdp -Tplain`
// command line run on the same graph's DOT in the same run.
//   gui_graph_layout [--objects 10000] [--processes 50] [--db trace.db]
//                    [--dot-out graph.dot] [--screenshot page.png] [--verbose]
// With --db it also times loading the graph of a database, against the bare GROUP BY of its
// invocations as reference.
#include "core/selection.h"
#include "core/trace_db.h"
#include "graph/graph_items.h"
#include "graph/graph_layout.h"
#include "graph/graph_page.h"
#include "graph/graph_view.h"
#include "graph/synthetic_graph.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTimer>

#include <cstdio>

using namespace teescope;
using namespace teescope::gui;

namespace
{

double timeDatabase(const QString &path)
{
    QElapsedTimer t;
    t.start();
    const CapabilityGraph g = loadCapabilityGraph(openTraceDb(path));
    const double load = t.nsecsElapsed() / 1e9;
    t.restart();
    {
        const store::Database db = openTraceDb(path);
        store::Statement s(db.handle(),
                           "SELECT process_id, object_id, COUNT(*), SUM(drv_end_ts - drv_begin_ts) FROM "
                           "invocations GROUP BY 1, 2",
                           db.path());
        while (s.next()) {
        }
    }
    const double reference = t.nsecsElapsed() / 1e9;
    std::printf("db=%s nodes=%lld edges=%lld load_s=%.3f group_by_reference_s=%.3f\n", qPrintable(path),
                qint64(g.nodes.size()), qint64(g.edges.size()), load, reference);
    std::printf("RATIO load/group_by=%.2f\n", reference > 0 ? load / reference : 0.0);
    return load;
}

} // namespace

int main(int argc, char **argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    int objects = 10000, processes = 50;
    QString dbPath, dotOut, screenshot;
    const bool verbose = app.arguments().contains(QStringLiteral("--verbose"));
    const QStringList args = app.arguments();
    for (int i = 1; i + 1 < args.size(); ++i) {
        if (args[i] == QLatin1String("--objects"))
            objects = args[++i].toInt();
        else if (args[i] == QLatin1String("--processes"))
            processes = args[++i].toInt();
        else if (args[i] == QLatin1String("--db"))
            dbPath = args[++i];
        else if (args[i] == QLatin1String("--dot-out"))
            dotOut = args[++i];
        else if (args[i] == QLatin1String("--screenshot"))
            screenshot = args[++i];
    }
    if (!dbPath.isEmpty())
        timeDatabase(dbPath);

    auto graph = std::make_shared<const CapabilityGraph>(syntheticCapabilityGraph(processes, objects));
    std::printf("objects=%d processes=%d nodes=%lld edges=%lld engine=%s\n", objects, processes,
                qint64(graph->nodes.size()), qint64(graph->edges.size()),
                qPrintable(layoutEngineFor(int(graph->nodes.size()))));

    if (!dotOut.isEmpty()) {
        // The graph without engine attributes, for trying Graphviz settings by hand.
        QFile f(dotOut);
        if (f.open(QIODevice::WriteOnly))
            f.write(capabilityGraphToDot(*graph));
        return 0;
    }

    Selection selection;
    GraphPage page(&selection);
    page.setAnimated(false);
    page.resize(1280, 800);
    page.show();

    QElapsedTimer wall;
    wall.start();
    page.showGraph(graph);
    const double buildMs = wall.nsecsElapsed() / 1e6;

    // Ticks of the GUI thread while the layout runs in the background.
    QElapsedTimer sinceTick;
    double worstGapMs = 0;
    int ticks = 0;
    QTimer ticker;
    ticker.setInterval(16);
    QObject::connect(&ticker, &QTimer::timeout, [&] {
        const double gap = sinceTick.nsecsElapsed() / 1e6;
        if (gap > 100 && verbose)
            std::printf("  gap %.0f ms ending at %.3f s\n", gap, wall.nsecsElapsed() / 1e9);
        worstGapMs = std::max(worstGapMs, gap);
        sinceTick.restart();
        ++ticks;
    });
    QEventLoop loop;
    QObject::connect(&page, &ViewPage::readyChanged, &loop, [&](bool ready) {
        if (ready)
            loop.quit();
    });
    QTimer::singleShot(300000, &loop, &QEventLoop::quit);
    sinceTick.start();
    ticker.start();
    if (!page.isReady())
        loop.exec();
    ticker.stop();
    const double readyS = wall.nsecsElapsed() / 1e9;
    const double layoutS = page.layout().seconds;
    if (!page.isReady() || page.layout().engine == QLatin1String("grid")) {
        std::fprintf(stderr, "layout did not finish\n");
        return 1;
    }

    // One repaint of the whole graph, zoomed to fit (what zooming out costs afterwards).
    QElapsedTimer paint;
    paint.start();
    page.view()->viewport()->repaint();
    const double paintMs = paint.nsecsElapsed() / 1e6;
    if (verbose) {
        for (int e = 0; e < graph->edges.size(); ++e)
            page.edgeItem(e)->setVisible(false);
        paint.restart();
        page.view()->viewport()->repaint();
        const QRectF b = page.layout().bounds;
        std::printf(
            "  full view paint without edges: %.1f ms (scale %.3f, bounds %.0fx%.0f, viewport %dx%d)\n",
            paint.nsecsElapsed() / 1e6, page.view()->transform().m11(), b.width(), b.height(),
            page.view()->viewport()->width(), page.view()->viewport()->height());
    }

    if (!screenshot.isEmpty())
        page.grab().save(screenshot);

    // Reference: the sfdp command line on the same DOT, attributes included.
    double sfdpS = -1;
    const QString sfdp = QStandardPaths::findExecutable(page.layout().engine);
    QTemporaryDir dir;
    if (!sfdp.isEmpty() && dir.isValid()) {
        const QString dotFile = dir.filePath(QStringLiteral("graph.dot"));
        QFile f(dotFile);
        if (f.open(QIODevice::WriteOnly)) {
            f.write(capabilityGraphToDot(*graph, {page.layout().engine, nullptr, false}));
            f.close();
            QElapsedTimer t;
            t.start();
            QProcess p;
            p.start(sfdp, {QStringLiteral("-Tplain"), QStringLiteral("-o"),
                           dir.filePath(QStringLiteral("out.plain")), dotFile});
            if (p.waitForFinished(600000) && p.exitCode() == 0)
                sfdpS = t.nsecsElapsed() / 1e9;
        }
    }

    std::printf("scene_build_ms=%.1f layout_s=%.3f page_ready_s=%.3f ticks=%d worst_tick_gap_ms=%.1f "
                "full_view_paint_ms=%.1f\n",
                buildMs, layoutS, readyS, ticks, worstGapMs, paintMs);
    if (sfdpS > 0)
        std::printf("%s_cli_s=%.3f\nRATIO layout/sfdp=%.2f\n", qPrintable(page.layout().engine), sfdpS,
                    layoutS / sfdpS);
    else
        std::printf("RATIO layout/sfdp=n/a (no %s)\n", qPrintable(page.layout().engine));
    return 0;
}
