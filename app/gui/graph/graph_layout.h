// SPDX-License-Identifier: MIT
// Node placement of a capability graph with Graphviz, computed once for every node that ever
// exists so the picture stays stable while the time scrubber moves. Graphviz is not thread-safe:
// layouts run one at a time (a process-wide mutex), in background jobs; the result is a value
// applied on the GUI thread.
#pragma once

#include "graph/capability_graph.h"

#include <QByteArray>
#include <QList>
#include <QPointF>
#include <QRectF>
#include <QSizeF>
#include <QString>

namespace teescope::gui
{

struct GraphLayout {
    QString engine;           // "dot", "sfdp", or "grid" for the placeholder placement
    QList<QPointF> positions; // node centres in scene units (points), by node index
    QRectF bounds;            // of all nodes
    double seconds = 0;       // time Graphviz took
    bool isValid(const CapabilityGraph &g) const { return positions.size() == g.nodes.size(); }
};

struct LayoutOptions {
    int dotNodeLimit = 300; // larger graphs use sfdp
    QString engine;         // forces an engine ("dot", "sfdp") when set
};

// The size of a node's shape, in points (shared by the scene items and the layout).
QSizeF nodeSize(NodeKind kind);
// The engine a graph of `nodeCount` nodes gets.
QString layoutEngineFor(int nodeCount, const LayoutOptions &options = {});

// Places every node with Graphviz. Blocks until the Graphviz mutex is free; throws
// std::runtime_error if Graphviz fails.
GraphLayout layoutCapabilityGraph(const CapabilityGraph &graph, const LayoutOptions &options = {});

// An immediate placement while Graphviz runs: processes in a row, their contexts and objects in
// columns under them, the rest in a grid below.
GraphLayout gridLayout(const CapabilityGraph &graph);

struct DotOptions {
    QString engine;                      // adds the attributes tuned for this engine ("" none)
    const GraphLayout *layout = nullptr; // writes pos="x,y!" (points, y up) when valid
    bool labels = true;                  // without them Graphviz skips measuring text (layout input)
};
// The graph in the DOT language: nodes n<index> with labels, kinds and flags; a cluster per
// guest under Xen (TAs outside them). Trace strings are escaped.
QByteArray capabilityGraphToDot(const CapabilityGraph &graph, const DotOptions &options = {});
// `text` as a DOT quoted string, quotes included.
QByteArray dotQuoted(const QString &text);

} // namespace teescope::gui
