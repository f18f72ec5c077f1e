// SPDX-License-Identifier: MIT
#include "window/graph_export.h"

#include "core/jobs.h"
#include "core/trace_db.h"
#include "graph/graph_layout.h"
#include "graph/graph_page.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QFile>
#include <QThread>

#include <exception>

namespace teescope::gui {

namespace {

// The nodes and edges alive at `ts`, placed where the whole trace's layout put them.
QByteArray dotAt(const CapabilityGraph &graph, const GraphLayout &layout, qint64 ts)
{
    CapabilityGraph g;
    g.firstTs = graph.firstTs;
    g.lastTs = graph.lastTs;
    GraphLayout placed;
    placed.engine = layout.engine;
    QList<int> index(graph.nodes.size(), -1);
    const bool positioned = layout.isValid(graph) && layout.engine != QLatin1String("grid");
    for (int i = 0; i < graph.nodes.size(); ++i) {
        if (!graph.nodes[i].life.contains(ts))
            continue;
        index[i] = g.addNode(graph.nodes[i]);
        if (positioned)
            placed.positions.append(layout.positions[i]);
    }
    for (const GraphEdge &e : graph.edges) {
        if (e.from < 0 || e.to < 0 || index[e.from] < 0 || index[e.to] < 0 || !e.life.contains(ts))
            continue;
        GraphEdge kept = e;
        kept.from = index[e.from];
        kept.to = index[e.to];
        g.addEdge(kept);
    }
    g.finish();
    for (const QPointF &p : std::as_const(placed.positions))
        placed.bounds |= QRectF(p, QSizeF(1, 1));
    return capabilityGraphToDot(g, {QString(), positioned ? &placed : nullptr});
}

} // namespace

QString exportGraph(const QString &dbPath, const QString &out, const QString &format, std::optional<qint64> atTs,
                    int timeoutMs)
{
    if (format != QLatin1String("svg") && format != QLatin1String("png") && format != QLatin1String("dot"))
        return QStringLiteral("unknown graph format '%1' (svg, png, dot)").arg(format);
    TraceInfo info;
    try {
        info = loadTraceInfo(openTraceDb(dbPath));
    } catch (const std::exception &e) {
        return QString::fromUtf8(e.what());
    }
    const qint64 ts = atTs.value_or(info.lastTs);
    if (ts < info.firstTs || ts > info.lastTs)
        return QStringLiteral("time %1 is outside the trace (%2 .. %3)").arg(ts).arg(info.firstTs).arg(info.lastTs);

    Selection selection;
    GraphPage page(&selection);
    page.setAnimated(false);
    page.resize(1600, 1000);
    page.show();
    page.openTrace(info);
    QDeadlineTimer deadline(timeoutMs);
    while (!page.isReady() && !deadline.hasExpired()) {
        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
        QThread::msleep(5);
    }
    if (!page.loadError().isEmpty())
        return page.loadError();
    if (!page.isReady())
        return QStringLiteral("the graph was not laid out after %1 s").arg(timeoutMs / 1000);
    jobPool()->waitForDone(qMax<qint64>(0, deadline.remainingTime()));
    QCoreApplication::processEvents();
    if (!page.graph() || page.graph()->isEmpty())
        return QStringLiteral("%1 has no capability graph (no process opened a TEE context)").arg(dbPath);

    if (format == QLatin1String("dot")) {
        QFile file(out);
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
            return QStringLiteral("cannot write %1: %2").arg(out, file.errorString());
        const QByteArray dot = dotAt(*page.graph(), page.layout(), ts);
        if (file.write(dot) != dot.size() || !file.flush())
            return QStringLiteral("cannot write %1: %2").arg(out, file.errorString());
        return {};
    }
    page.setTime(ts);
    QCoreApplication::processEvents();
    QString error;
    if (!page.exportTo(out, format, &error))
        return error;
    return {};
}

} // namespace teescope::gui
