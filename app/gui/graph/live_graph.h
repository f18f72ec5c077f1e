// SPDX-License-Identifier: MIT
// The capability graph while a live import writes the file: what is drawn (alive now, or
// released a moment ago and fading out; at most a cap of nodes, the rest counted for an
// aggregate), and where new nodes go (next to what they relate to, without moving the others).
// Pure functions of the graph, run in background jobs and tested without a scene.
#pragma once

#include "graph/capability_graph.h"

#include <QHash>
#include <QList>
#include <QPointF>
#include <QSet>

#include <optional>

namespace teescope::gui
{

// A node's identity across reloads of a growing file (row ids never change once written).
quint64 liveNodeKey(const GraphNode &node);

struct LiveDrawOptions {
    qint64 now = 0;                   // metadata.live_ts
    qint64 linger = 5'000'000'000;    // a node released longer ago than this (trace ns) is gone
    int cap = 400;                    // the most nodes drawn
    QSet<quint64> drawnBefore;        // liveNodeKey of the nodes drawn now: they keep their place first
};

struct LiveDrawing {
    CapabilityGraph graph; // the nodes drawn and the edges between them (finish() called)
    qint64 leftOutObjects = 0; // objects and sessions left out by the cap
    qint64 leftOutOther = 0;   // processes and contexts left out by the cap
    qint64 gone = 0;           // released longer ago than the linger
};

// What a live graph draws: nodes alive at `now`, or released within the linger; TAs while a
// drawn session is opened on them. Over the cap, processes and contexts come first, then what
// was drawn before, then the newest.
LiveDrawing liveDrawing(const CapabilityGraph &graph, const LiveDrawOptions &options);

// Positions for every node of `graph`: `known[i]` where set (never moved), else a free place
// next to a neighbour that has a place (below a process or context it hangs from, beside the
// others), else to the right of the drawing.
QList<QPointF> placeNewNodes(const CapabilityGraph &graph, const QList<std::optional<QPointF>> &known);

} // namespace teescope::gui
