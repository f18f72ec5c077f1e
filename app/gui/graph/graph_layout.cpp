// SPDX-License-Identifier: MIT
#include "graph/graph_layout.h"

#include "core/format.h"
#include "core/logging.h"

#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>

#include <QElapsedTimer>
#include <QHash>

#include <cmath>
#include <mutex>
#include <stdexcept>

namespace teescope::gui
{

namespace
{

std::mutex &graphvizMutex()
{
    static std::mutex m;
    return m;
}

QByteArray number(double v)
{
    return QByteArray::number(v, 'f', 2);
}

const char *kindName(NodeKind kind)
{
    switch (kind) {
    case NodeKind::Process:
        return "process";
    case NodeKind::Context:
        return "context";
    case NodeKind::Object:
        return "object";
    case NodeKind::Session:
        return "session";
    case NodeKind::Ta:
        return "ta";
    }
    return "";
}

// Graphviz reports errors through a callback; keep the last one for the exception.
QByteArray &lastGraphvizError()
{
    static QByteArray text;
    return text;
}

int collectGraphvizError(char *message)
{
    lastGraphvizError() = QByteArray(message).trimmed();
    return 0;
}

// Scales positions about their centre until the nodes' total area fills about a third of the
// bounding box: sfdp places nodes as points, far closer than our boxes are wide.
void spreadOut(const CapabilityGraph &graph, QList<QPointF> &positions)
{
    if (positions.size() < 2)
        return;
    double area = 0;
    QRectF box(positions.first(), QSizeF(0, 0));
    for (int i = 0; i < positions.size(); ++i) {
        const QSizeF s = nodeSize(graph.nodes[i].kind);
        area += s.width() * s.height();
        box |= QRectF(positions[i], QSizeF(0.001, 0.001));
    }
    const double boxArea = std::max(box.width(), 1.0) * std::max(box.height(), 1.0);
    const double factor = std::sqrt(3.0 * area / boxArea);
    if (!(factor > 1.0) || !std::isfinite(factor))
        return;
    const QPointF c = box.center();
    for (QPointF &p : positions)
        p = c + (p - c) * factor;
}

} // namespace

QSizeF nodeSize(NodeKind kind)
{
    switch (kind) {
    case NodeKind::Process:
        return {150, 36};
    case NodeKind::Context:
        return {110, 26};
    case NodeKind::Object:
        return {120, 30};
    case NodeKind::Session:
        return {100, 24};
    case NodeKind::Ta:
        return {140, 34};
    }
    return {100, 30};
}

QString layoutEngineFor(int nodeCount, const LayoutOptions &options)
{
    if (!options.engine.isEmpty())
        return options.engine;
    return nodeCount <= options.dotNodeLimit ? QStringLiteral("dot") : QStringLiteral("sfdp");
}

QByteArray dotQuoted(const QString &text)
{
    QByteArray out;
    out.reserve(text.size() + 2);
    out += '"';
    for (const QChar c : text) {
        if (c == u'"' || c == u'\\')
            out += '\\';
        if (c == u'\n') {
            out += "\\n";
            continue;
        }
        // Control characters are not valid in a DOT string; anything else passes as UTF-8.
        if (c.unicode() < 0x20 || c.unicode() == 0x7f) {
            out += ' ';
            continue;
        }
        out += QString(c).toUtf8();
    }
    out += '"';
    return out;
}

QByteArray capabilityGraphToDot(const CapabilityGraph &graph, const DotOptions &options)
{
    QByteArray dot;
    dot.reserve(graph.nodes.size() * 96 + graph.edges.size() * 32 + 256);
    dot += "digraph capabilities {\n";
    dot += "  graph [splines=false, outputorder=edgesfirst";
    if (options.engine == QLatin1String("dot"))
        dot += ", rankdir=LR, nodesep=0.25, ranksep=0.9, mclimit=0.5";
    else if (options.engine == QLatin1String("sfdp"))
        // Overlaps are left to spreadOut(): sfdp's own removal (overlap=prism) took 30 s and
        // more on 10 000 nodes, overlap=scale gave absurd sizes. The fast quadtree
        // approximates far repulsion.
        dot += ", quadtree=fast";
    dot += "];\n  node [fixedsize=true];\n";

    const bool positioned = options.layout && options.layout->isValid(graph);
    auto writeNode = [&](int i, const char *indent) {
        const GraphNode &n = graph.nodes[i];
        const QSizeF size = nodeSize(n.kind);
        dot += indent;
        dot += 'n' + QByteArray::number(i) +
               " [label=" + (options.labels ? dotQuoted(n.label) : QByteArray("\"\""));
        dot +=
            ", teescope_kind=" + QByteArray(kindName(n.kind)) + ", teescope_id=" + QByteArray::number(n.id);
        dot += n.kind == NodeKind::Object    ? ", shape=ellipse"
               : n.kind == NodeKind::Process ? ", shape=box"
               : n.kind == NodeKind::Session ? ", shape=hexagon"
               : n.kind == NodeKind::Ta      ? ", shape=octagon"
                                             : ", shape=box, style=rounded";
        dot += ", width=" + number(size.width() / 72.0) + ", height=" + number(size.height() / 72.0);
        if ((n.kind == NodeKind::Object || n.kind == NodeKind::Session || n.kind == NodeKind::Ta) && options.labels)
            dot += ", class=" + dotQuoted(n.objectClass);
        if (!n.uuid.isEmpty() && options.labels)
            dot += ", uuid=" + dotQuoted(n.uuid);
        if (n.leaked)
            dot += ", color=red, penwidth=2, leaked=true";
        else if (n.shared)
            dot += ", color=orange, penwidth=2";
        if (n.shared)
            dot += ", shared=true";
        if (n.dataLoss)
            dot += ", data_loss=true";
        if (positioned) {
            const QPointF p = options.layout->positions[i];
            dot += ", pos=\"" + number(p.x()) + ',' + number(-p.y()) + "!\"";
        }
        dot += "];\n";
    };

    if (graph.hasGuests()) {
        QHash<int, QList<int>> byGuest;
        for (int i = 0; i < graph.nodes.size(); ++i)
            byGuest[graph.nodes[i].guest].append(i);
        for (int guest : graph.guests) {
            dot += "  subgraph cluster_guest" + QByteArray::number(guest) + " {\n    label=" +
                   dotQuoted(guestLabel(guest)) + ";\n";
            for (int i : byGuest.value(guest))
                writeNode(i, "    ");
            dot += "  }\n";
        }
        for (auto it = byGuest.cbegin(); it != byGuest.cend(); ++it)
            if (!graph.guests.contains(it.key()))
                for (int i : it.value())
                    writeNode(i, "  ");
    } else {
        for (int i = 0; i < graph.nodes.size(); ++i)
            writeNode(i, "  ");
    }

    for (const GraphEdge &e : graph.edges) {
        if (e.from < 0 || e.to < 0 || e.from >= graph.nodes.size() || e.to >= graph.nodes.size())
            continue;
        dot += "  n" + QByteArray::number(e.from) + " -> n" + QByteArray::number(e.to) +
               " [teescope_kind=" + dotQuoted(edgeKindName(e.kind));
        // Only ownership, provenance and sessions rank the dot layout; calls and sharing cut across.
        if (e.kind == EdgeKind::Invokes || e.kind == EdgeKind::Uses || e.kind == EdgeKind::SameSecureObject)
            dot += ", constraint=false";
        if (e.kind == EdgeKind::Invokes)
            dot += ", calls=" + QByteArray::number(e.calls);
        if (e.kind == EdgeKind::SameSecureObject)
            dot += ", dir=none, style=dashed";
        dot += "];\n";
    }
    dot += "}\n";
    return dot;
}

GraphLayout gridLayout(const CapabilityGraph &graph)
{
    GraphLayout layout;
    layout.engine = QStringLiteral("grid");
    layout.positions.resize(graph.nodes.size());
    // Columns per process (its contexts and the objects only it holds), then the rest.
    QHash<int, int> column;
    QList<int> heights;
    for (int i = 0; i < graph.nodes.size(); ++i)
        if (graph.nodes[i].kind == NodeKind::Process) {
            column.insert(i, int(heights.size()));
            heights.append(0);
        }
    const double colWidth = 180, rowHeight = 44;
    int rest = 0;
    const int restColumns = std::max(8, int(std::ceil(std::sqrt(double(graph.nodes.size())))));
    double maxColumnBottom = 0;
    QList<int> loose;
    for (int i = 0; i < graph.nodes.size(); ++i) {
        const int owner = graph.nodes[i].ownerProcess;
        if (owner >= 0 && column.contains(owner) && heights[column[owner]] < 40) {
            const int c = column[owner];
            layout.positions[i] = QPointF(c * colWidth, heights[c] * rowHeight);
            maxColumnBottom = std::max(maxColumnBottom, heights[c] * rowHeight);
            ++heights[c];
        } else {
            loose.append(i);
        }
    }
    for (int i : loose) {
        layout.positions[i] = QPointF((rest % restColumns) * colWidth,
                                      maxColumnBottom + 2 * rowHeight + (rest / restColumns) * rowHeight);
        ++rest;
    }
    for (const QPointF &p : layout.positions)
        layout.bounds |= QRectF(p - QPointF(80, 20), QSizeF(160, 40));
    return layout;
}

GraphLayout layoutCapabilityGraph(const CapabilityGraph &graph, const LayoutOptions &options)
{
    GraphLayout layout;
    layout.engine = layoutEngineFor(int(graph.nodes.size()), options);
    layout.positions.resize(graph.nodes.size());
    if (graph.nodes.isEmpty())
        return layout;
    const QByteArray dot = capabilityGraphToDot(graph, {layout.engine, nullptr, false});

    std::lock_guard<std::mutex> lock(graphvizMutex());
    QElapsedTimer timer;
    timer.start();
    agseterr(AGERR);
    agseterrf(collectGraphvizError);
    lastGraphvizError().clear();
    GVC_t *gvc = gvContext();
    Agraph_t *g = agmemread(dot.constData());
    if (!g) {
        gvFreeContext(gvc);
        throw std::runtime_error("graphviz could not read the graph: " + lastGraphvizError().toStdString());
    }
    if (gvLayout(gvc, g, layout.engine.toLatin1().constData()) != 0) {
        agclose(g);
        gvFreeContext(gvc);
        throw std::runtime_error("graphviz layout " + layout.engine.toStdString() +
                                 " failed: " + lastGraphvizError().toStdString());
    }
    int placed = 0;
    for (Agnode_t *n = agfstnode(g); n; n = agnxtnode(g, n)) {
        const char *name = agnameof(n);
        if (!name || name[0] != 'n')
            continue;
        bool ok = false;
        const int i = QByteArray(name + 1).toInt(&ok);
        if (!ok || i < 0 || i >= layout.positions.size())
            continue;
        const pointf p = ND_coord(n);
        // Graphviz's y axis points up, the scene's down.
        layout.positions[i] = QPointF(p.x, -p.y);
        ++placed;
    }
    gvFreeLayout(gvc, g);
    agclose(g);
    gvFreeContext(gvc);
    layout.seconds = timer.nsecsElapsed() / 1e9;
    if (placed != graph.nodes.size())
        throw std::runtime_error("graphviz placed " + std::to_string(placed) + " of " +
                                 std::to_string(graph.nodes.size()) + " nodes");
    if (layout.engine != QLatin1String("dot"))
        spreadOut(graph, layout.positions);
    for (int i = 0; i < layout.positions.size(); ++i) {
        const QSizeF s = nodeSize(graph.nodes[i].kind);
        layout.bounds |= QRectF(layout.positions[i] - QPointF(s.width() / 2, s.height() / 2), s);
    }
    qCDebug(lcGraph) << "layout" << layout.engine << graph.nodes.size() << "nodes in" << layout.seconds
                     << "s";
    return layout;
}

} // namespace teescope::gui
