// SPDX-License-Identifier: MIT
// The capability graph of a trace as plain data: who holds, hosts, produced and invokes what,
// each with the time intervals it existed. Built in a background job from a database (or by
// hand in tests and benchmarks) and shared read-only afterwards.
//
// Object nodes are driver object instances (objects.id), not merged by secure-world id: a
// selection from another view names an instance, and instances of one secure-world object may
// live at different times. Instances of the same sw_id held by different contexts at
// overlapping times are flagged shared and linked by a SameSecureObject edge instead.
//
// OP-TEE: a context holds sessions (sessions.id, failed opens left out), each opened on a
// trusted application; a TA node per uuid stands for the TA in the secure world, shared by
// every guest (its guest is kSecureWorld).
#pragma once

#include "core/selection.h"

#include <QHash>
#include <QList>
#include <QString>

#include <algorithm>
#include <limits>
#include <memory>

namespace teescope::store
{
class Database;
}

namespace teescope::gui
{

// [begin, end) in trace ns; an end that is not in the trace is kOpenEnd.
struct Interval {
    static constexpr qint64 kOpenEnd = std::numeric_limits<qint64>::max();
    qint64 begin = 0;
    qint64 end = kOpenEnd;
    bool contains(qint64 t) const { return t >= begin && t < end; }
    bool overlaps(const Interval &o) const { return begin < o.end && o.begin < end; }
};

// One or more intervals (a handle may be bound, unbound and bound again).
struct Lifetime {
    QList<Interval> intervals;
    bool contains(qint64 t) const;
    qint64 begin() const; // the earliest begin (0 if empty)
    void add(Interval i) { intervals.append(i); }
};

enum class NodeKind { Process, Context, Object, Session, Ta };

struct GraphNode {
    // The guest of what lives in the secure world (TA nodes): no guest's box holds it.
    static constexpr int kSecureWorld = -1;

    NodeKind kind = NodeKind::Object;
    qint64 id = 0;       // row id in processes / contexts / objects / sessions; TAs: 1, 2, ... by uuid
    QString label;       // process "name (pid N)", context "ctx SERIAL dev", object "class #sw_id",
                         // session "session N", TA its name (else its uuid)
    QString processName; // processes: name; contexts: opener's name
    qint64 pid = -1;     // processes: raw pid; contexts: opener's pid
    qint64 serial = -1;  // contexts: serial; sessions: the raw session id
    QString objectKind;  // objects.kind (qtee, callback, memory, root, primordial); sessions: end_kind
    QString objectClass; // objects.class; sessions and TAs: the TA's name (else its uuid)
    QString uuid;        // sessions and TAs: the TA's uuid
    qint64 swId = -1;    // objects.sw_id, -1 if NULL
    int guest = 0;       // Xen client id (0 native; kSecureWorld for TAs)
    int ownerProcess =
        -1; // node index of the only process it belongs to (folds into it), -1 if none or several
    Lifetime life;
    bool leaked = false;   // an object in the leaks view
    bool shared = false;   // held by two or more contexts at overlapping times
    bool dataLoss = false; // origin_unknown or end_inferred

    ItemRef ref() const;
};

enum class EdgeKind {
    Opens,            // process -> context it opened
    Uses,             // process -> context it called through without opening it (context_users)
    Holds,            // context -> object: a handle in the context names the object; context -> session
    Hosts,            // context -> callback / memory / root object living in it
    Provenance,       // object -> object returned by an invocation on it
    Invokes,          // process -> object or session it invoked (aggregated)
    SameSecureObject, // object <-> object: instances of one secure-world object held at once
    OpenedOn,         // session -> the TA it was opened on
};

// Invokes: the calls of one op.
struct GraphEdgeOp {
    qint64 op = 0;
    QString name; // its name (op_names, a TA command's name), empty if none
    qint64 calls = 0;
};

struct GraphEdge {
    EdgeKind kind = EdgeKind::Holds;
    int from = -1; // node indexes
    int to = -1;
    Lifetime life;
    // Invokes: calls and driver-side latency (drv_end_ts - drv_begin_ts), summed by the import
    // (invocation_groups); p50 is approximate (the middle of its log-scale bucket, ten per decade).
    qint64 calls = 0;
    qint64 totalNs = 0;
    qint64 maxNs = -1;
    qint64 p50Ns = -1;
    QList<GraphEdgeOp> ops; // Invokes: calls per op, the most called first
};

class CapabilityGraph
{
  public:
    qint64 firstTs = 0;
    qint64 lastTs = 0;
    QList<GraphNode> nodes;
    QList<GraphEdge> edges;
    QList<int> guests; // distinct guests of processes, contexts and sessions, sorted

    int addNode(GraphNode node);
    int addEdge(GraphEdge edge);
    // Node index of a process / context / object / session row id (TAs: their local id), -1 if absent.
    int indexOf(NodeKind kind, qint64 id) const;
    int indexOf(ItemRef ref) const;
    // Edge indexes touching a node.
    const QList<int> &edgesOf(int node) const;
    // Guests, owner processes and adjacency from nodes and edges (call after adding by hand).
    void finish();

    bool isEmpty() const { return nodes.isEmpty(); }
    // OP-TEE under Xen: some node belongs to a guest (each guest then gets its box).
    bool hasGuests() const { return std::any_of(guests.begin(), guests.end(), [](int g) { return g != 0; }); }

  private:
    QHash<quint64, int> index_;
    QList<QList<int>> adjacency_;
};

using CapabilityGraphPtr = std::shared_ptr<const CapabilityGraph>;

// Reads the graph of a trace database. Throws store::Error.
CapabilityGraph loadCapabilityGraph(const store::Database &db);

QString edgeKindName(EdgeKind kind); // "opens", "holds", ... (DOT export, tooltips)

} // namespace teescope::gui
