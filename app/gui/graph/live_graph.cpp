// SPDX-License-Identifier: MIT
#include "graph/live_graph.h"

#include "graph/graph_layout.h"

#include <QRectF>

#include <algorithm>

namespace teescope::gui
{

namespace
{

int kindRank(NodeKind kind)
{
    switch (kind) {
    case NodeKind::Process:
        return 0;
    case NodeKind::Context:
        return 1;
    case NodeKind::Ta:
        return 2;
    case NodeKind::Session:
    case NodeKind::Object:
        return 3;
    }
    return 3;
}

qint64 lastEnd(const Lifetime &life)
{
    qint64 end = 0;
    for (const Interval &i : life.intervals)
        end = std::max(end, i.end);
    return end;
}

// The edge kinds that hang their `to` node from their `from` node (a context from its process,
// an object from the context holding it, ...).
bool hangs(EdgeKind kind)
{
    return kind == EdgeKind::Opens || kind == EdgeKind::Holds || kind == EdgeKind::Hosts || kind == EdgeKind::Provenance ||
           kind == EdgeKind::Uses;
}

} // namespace

quint64 liveNodeKey(const GraphNode &node)
{
    return (quint64(node.id) << 3) | quint64(node.kind);
}

LiveDrawing liveDrawing(const CapabilityGraph &graph, const LiveDrawOptions &options)
{
    LiveDrawing out;
    out.graph.firstTs = graph.firstTs;
    out.graph.lastTs = std::max(graph.lastTs, options.now);
    const int n = int(graph.nodes.size());
    // Alive now, or released within the linger (drawn faded); the rest is gone.
    QList<bool> shown(n, false);
    for (int i = 0; i < n; ++i) {
        const GraphNode &node = graph.nodes[i];
        if (node.kind == NodeKind::Ta)
            continue; // kept with their sessions below
        shown[i] = node.life.contains(options.now) || lastEnd(node.life) >= options.now - options.linger;
        if (!shown[i])
            ++out.gone;
    }
    QList<int> order;
    for (int i = 0; i < n; ++i)
        if (shown[i])
            order.append(i);
    // Over the cap: processes and contexts first, then what was drawn before (it keeps its
    // place), then alive before fading, then the newest.
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
        const GraphNode &x = graph.nodes[a], &y = graph.nodes[b];
        const int rx = kindRank(x.kind), ry = kindRank(y.kind);
        if (rx != ry)
            return rx < ry;
        const bool dx = options.drawnBefore.contains(liveNodeKey(x)), dy = options.drawnBefore.contains(liveNodeKey(y));
        if (dx != dy)
            return dx;
        const bool ax = x.life.contains(options.now), ay = y.life.contains(options.now);
        if (ax != ay)
            return ax;
        return x.life.begin() > y.life.begin();
    });
    const int cap = std::max(1, options.cap);
    QList<bool> kept(n, false);
    int keptCount = 0;
    for (int i : std::as_const(order)) {
        if (keptCount < cap) {
            kept[i] = true;
            ++keptCount;
        } else if (kindRank(graph.nodes[i].kind) >= 3) {
            ++out.leftOutObjects;
        } else {
            ++out.leftOutOther;
        }
    }
    // A TA stays while a session drawn was opened on it.
    for (const GraphEdge &e : graph.edges)
        if (e.kind == EdgeKind::OpenedOn && kept[e.from] && graph.nodes[e.to].kind == NodeKind::Ta)
            kept[e.to] = true;

    QList<int> newIndex(n, -1);
    for (int i = 0; i < n; ++i)
        if (kept[i])
            newIndex[i] = out.graph.addNode(graph.nodes[i]);
    for (GraphEdge e : graph.edges) {
        if (e.from < 0 || e.to < 0 || e.from >= n || e.to >= n || newIndex[e.from] < 0 || newIndex[e.to] < 0)
            continue;
        e.from = newIndex[e.from];
        e.to = newIndex[e.to];
        out.graph.addEdge(std::move(e));
    }
    out.graph.finish();
    return out;
}

QList<QPointF> placeNewNodes(const CapabilityGraph &graph, const QList<std::optional<QPointF>> &known)
{
    const int n = int(graph.nodes.size());
    QList<QPointF> pos(n);
    QList<bool> placed(n, false);
    QList<QRectF> taken;
    QRectF bounds;
    auto rectAt = [&](int i, QPointF centre) {
        const QSizeF s = nodeSize(graph.nodes[i].kind);
        return QRectF(centre.x() - s.width() / 2, centre.y() - s.height() / 2, s.width(), s.height());
    };
    for (int i = 0; i < n && i < known.size(); ++i)
        if (known[i]) {
            pos[i] = *known[i];
            placed[i] = true;
            taken.append(rectAt(i, pos[i]));
            bounds |= taken.back();
        }
    auto isFree = [&](int i, QPointF centre) {
        const QRectF r = rectAt(i, centre).adjusted(-8, -6, 8, 6);
        return std::none_of(taken.begin(), taken.end(), [&r](const QRectF &t) { return t.intersects(r); });
    };
    auto take = [&](int i, QPointF centre) {
        pos[i] = centre;
        placed[i] = true;
        taken.append(rectAt(i, centre));
        bounds |= taken.back();
    };
    // Parents before children: processes, contexts, TAs, then objects and sessions.
    QList<int> order;
    for (int i = 0; i < n; ++i)
        if (!placed[i])
            order.append(i);
    std::stable_sort(order.begin(), order.end(),
                     [&](int a, int b) { return kindRank(graph.nodes[a].kind) < kindRank(graph.nodes[b].kind); });
    for (int i : std::as_const(order)) {
        // The neighbour it hangs from (else any placed neighbour); children go to its right, as
        // the layout ranks left to right, a parent to the left of its child.
        int anchor = -1;
        double side = 1;
        for (int e : graph.edgesOf(i)) {
            const GraphEdge &edge = graph.edges[e];
            const int other = edge.from == i ? edge.to : edge.from;
            if (other < 0 || other >= n || !placed[other])
                continue;
            const bool child = edge.to == i && hangs(edge.kind);
            if (anchor < 0 || child) {
                anchor = other;
                side = edge.to == i ? 1 : -1;
                if (child)
                    break;
            }
        }
        const QSizeF size = nodeSize(graph.nodes[i].kind);
        bool done = false;
        if (anchor >= 0) {
            const QSizeF as = nodeSize(graph.nodes[anchor].kind);
            const double stepX = as.width() / 2 + size.width() / 2 + 60;
            const double stepY = size.height() + 14;
            for (int k = 1; k <= 4 && !done; ++k)
                for (int m = 0; m <= 24 && !done; ++m) {
                    // 0, +1, -1, +2, -2, ... rows around the anchor's height.
                    const double dy = (m % 2 ? 1 : -1) * ((m + 1) / 2) * stepY;
                    const QPointF c(pos[anchor].x() + side * (stepX + (k - 1) * (size.width() + 40)), pos[anchor].y() + dy);
                    if (isFree(i, c)) {
                        take(i, c);
                        done = true;
                    }
                }
        }
        if (!done) {
            // Nothing placed to relate to: a column right of the drawing.
            const double x = bounds.isNull() ? 0 : bounds.right() + 80 + size.width() / 2;
            double y = bounds.isNull() ? 0 : bounds.top() + size.height() / 2;
            while (!isFree(i, QPointF(x, y)))
                y += size.height() + 14;
            take(i, QPointF(x, y));
        }
    }
    return pos;
}

} // namespace teescope::gui
