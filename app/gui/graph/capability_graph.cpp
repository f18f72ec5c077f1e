// SPDX-License-Identifier: MIT
#include "graph/capability_graph.h"

#include "core/format.h"
#include "core/trace_db.h"
#include "teescope/store/invocation_groups.h"
#include "teescope/store/op_names.h"

#include <QSet>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>

namespace teescope::gui
{

namespace
{

quint64 nodeKey(NodeKind kind, qint64 id)
{
    return (quint64(id) << 3) | quint64(kind);
}

qint64 orOpen(const store::Statement &s, int col)
{
    return s.null_at(col) ? Interval::kOpenEnd : s.int_at(col);
}

// An invoke edge's calls per op and its duration histogram, summed over the groups of one caller
// and target.
struct InvokeSums {
    int edge = -1;
    std::map<qint64, qint64> callsPerOp;
    std::map<int, qint64> buckets; // duration bucket -> measured calls
    qint64 minNs = -1, maxNs = -1;

    // The median's bucket, at its geometric middle, within [min, max] (a bucket is ~26% wide).
    qint64 median() const
    {
        qint64 measured = 0;
        for (const auto &[bucket, count] : buckets)
            measured += count;
        if (measured == 0 || maxNs < 0)
            return -1;
        qint64 seen = 0;
        for (const auto &[bucket, count] : buckets) {
            seen += count;
            if (seen * 2 < measured)
                continue;
            const double lo = double(store::duration_bucket_lower_bound(bucket));
            const double hi = double(store::duration_bucket_lower_bound(bucket + 1));
            const qint64 mid = bucket == 0 ? 0 : qint64(std::sqrt(lo * hi));
            return std::clamp(mid, std::max<qint64>(minNs, 0), maxNs);
        }
        return -1;
    }
};

// The invoke edges (process -> object, process -> OP-TEE session), from the invocation groups
// the import wrote (a finished file), or summed here from the invocations (a live file).
void addInvokeEdges(CapabilityGraph &g, const store::Database &db, const TraceInfo &info)
{
    auto *h = db.handle();
    const std::string &path = db.path();
    store::InvocationGroups groups;
    if (info.complete && !info.live)
        groups = store::InvocationGroups::read(h, path);
    else
        groups.add_table(h, path);
    const store::OpNames opNames = store::OpNames::read(h, path);
    std::map<std::pair<QString, qint64>, QString> commandNames; // (uuid, func) -> TA command name
    {
        store::Statement c(h, "SELECT uuid, func, name FROM ta_commands", path);
        while (c.next())
            commandNames.emplace(std::make_pair(traceText(c.text_at(0)), c.int_at(1)), traceText(c.text_at(2)));
    }
    for (const NodeKind target : {NodeKind::Object, NodeKind::Session}) {
        const bool session = target == NodeKind::Session;
        std::map<std::pair<qint64, qint64>, InvokeSums> invokes; // (process, target) -> sums
        for (const auto &[key, group] : groups.groups()) {
            const auto &[processId, objectId, sessionId, internal, guest, op] = key;
            const std::optional<int64_t> &targetId = session ? sessionId : objectId;
            if (!processId || !targetId)
                continue;
            const int proc = g.indexOf(NodeKind::Process, *processId);
            const int to = g.indexOf(target, *targetId);
            if (proc < 0 || to < 0)
                continue;
            InvokeSums &sums = invokes[{*processId, *targetId}];
            if (sums.edge < 0) {
                GraphEdge e{EdgeKind::Invokes, proc, to, Lifetime{{{Interval::kOpenEnd, Interval::kOpenEnd}}}};
                e.totalNs = 0;
                sums.edge = g.addEdge(e);
            }
            GraphEdge &e = g.edges[sums.edge];
            e.calls += group.calls;
            sums.callsPerOp[op] += group.calls;
            if (group.measured > 0) {
                for (const auto &[bucket, count] : group.buckets)
                    sums.buckets[bucket] += count;
                e.totalNs = group.total_ns > Interval::kOpenEnd - e.totalNs ? Interval::kOpenEnd : e.totalNs + group.total_ns;
                if (group.max_ns >= 0)
                    e.maxNs = std::max<qint64>(e.maxNs, group.max_ns);
                sums.minNs = sums.minNs < 0 ? group.min_ns : std::min<qint64>(sums.minNs, group.min_ns);
                sums.maxNs = e.maxNs;
            }
            Interval &span = e.life.intervals.first();
            if (group.first_ts)
                span.begin = std::min<qint64>(span.begin, *group.first_ts);
            if (group.last_ts && *group.last_ts < Interval::kOpenEnd) {
                const qint64 end = *group.last_ts + 1; // [first call, last return]
                span.end = span.end == Interval::kOpenEnd ? end : std::max<qint64>(span.end, end);
            }
        }
        for (auto &[key, sums] : invokes) {
            GraphEdge &e = g.edges[sums.edge];
            const GraphNode &to = g.nodes[e.to];
            for (const auto &[op, calls] : sums.callsPerOp) {
                QString name;
                if (session) {
                    auto c = commandNames.find({to.uuid, op});
                    if (op >= 0 && c != commandNames.end())
                        name = c->second;
                } else {
                    name = traceText(opNames.name(to.id, to.objectClass.toStdString(), op));
                }
                e.ops.append({op, name, calls});
            }
            std::stable_sort(e.ops.begin(), e.ops.end(),
                             [](const GraphEdgeOp &a, const GraphEdgeOp &b) { return a.calls > b.calls; });
            e.p50Ns = sums.median();
            Interval &span = e.life.intervals.first();
            if (span.begin == Interval::kOpenEnd)
                span.begin = g.firstTs;
        }
    }
}

} // namespace

bool Lifetime::contains(qint64 t) const
{
    return std::any_of(intervals.begin(), intervals.end(), [t](const Interval &i) { return i.contains(t); });
}

qint64 Lifetime::begin() const
{
    qint64 b = intervals.isEmpty() ? 0 : intervals.first().begin;
    for (const Interval &i : intervals)
        b = std::min(b, i.begin);
    return b;
}

ItemRef GraphNode::ref() const
{
    switch (kind) {
    case NodeKind::Process:
        return {ItemRef::Kind::Process, id};
    case NodeKind::Context:
        return {ItemRef::Kind::Context, id};
    case NodeKind::Object:
        return {ItemRef::Kind::Object, id};
    case NodeKind::Session:
        return {ItemRef::Kind::Session, id};
    case NodeKind::Ta:
        return {}; // a TA has no row of its own: nothing to select elsewhere
    }
    return {};
}

int CapabilityGraph::addNode(GraphNode node)
{
    const int i = int(nodes.size());
    index_.insert(nodeKey(node.kind, node.id), i);
    nodes.append(std::move(node));
    return i;
}

int CapabilityGraph::addEdge(GraphEdge edge)
{
    edges.append(std::move(edge));
    return int(edges.size() - 1);
}

int CapabilityGraph::indexOf(NodeKind kind, qint64 id) const
{
    return index_.value(nodeKey(kind, id), -1);
}

int CapabilityGraph::indexOf(ItemRef ref) const
{
    switch (ref.kind) {
    case ItemRef::Kind::Process:
        return indexOf(NodeKind::Process, ref.id);
    case ItemRef::Kind::Context:
        return indexOf(NodeKind::Context, ref.id);
    case ItemRef::Kind::Object:
        return indexOf(NodeKind::Object, ref.id);
    case ItemRef::Kind::Session:
        return indexOf(NodeKind::Session, ref.id);
    default:
        return -1;
    }
}

const QList<int> &CapabilityGraph::edgesOf(int node) const
{
    static const QList<int> none;
    return node >= 0 && node < adjacency_.size() ? adjacency_[node] : none;
}

void CapabilityGraph::finish()
{
    adjacency_ = QList<QList<int>>(nodes.size());
    for (int e = 0; e < edges.size(); ++e) {
        const GraphEdge &edge = edges[e];
        if (edge.from < 0 || edge.from >= nodes.size() || edge.to < 0 || edge.to >= nodes.size())
            continue;
        adjacency_[edge.from].append(e);
        if (edge.to != edge.from)
            adjacency_[edge.to].append(e);
    }

    std::set<int> guestSet;
    for (const GraphNode &n : nodes)
        if (n.kind != NodeKind::Object && n.kind != NodeKind::Ta)
            guestSet.insert(n.guest);
    guests = QList<int>(guestSet.begin(), guestSet.end());

    // A context folds into its opener when no other process called through it; an object folds
    // into a process when every context holding or hosting it folds into that process.
    for (GraphNode &n : nodes)
        if (n.kind != NodeKind::Process)
            n.ownerProcess = -1;
    for (const GraphEdge &e : edges)
        if (e.kind == EdgeKind::Opens && nodes[e.to].kind == NodeKind::Context)
            nodes[e.to].ownerProcess = e.from;
    for (const GraphEdge &e : edges)
        if (e.kind == EdgeKind::Uses && e.from != nodes[e.to].ownerProcess)
            nodes[e.to].ownerProcess = -2;    // several users: stays on its own
    QList<int> objectOwner(nodes.size(), -1); // -1 unknown yet, -2 several
    for (const GraphEdge &e : edges) {
        if (e.kind != EdgeKind::Holds && e.kind != EdgeKind::Hosts)
            continue;
        const int owner = nodes[e.from].ownerProcess;
        int &o = objectOwner[e.to];
        o = (o == -1 || o == owner) && owner >= 0 ? owner : -2;
    }
    // Sessions fold like objects; a TA lives in the secure world and never folds.
    for (int i = 0; i < nodes.size(); ++i) {
        GraphNode &n = nodes[i];
        if (n.kind == NodeKind::Process)
            n.ownerProcess = i;
        else if (n.kind == NodeKind::Object || n.kind == NodeKind::Session)
            n.ownerProcess = std::max(objectOwner[i], -1);
        else if (n.kind == NodeKind::Ta)
            n.ownerProcess = -1;
        else
            n.ownerProcess = std::max(n.ownerProcess, -1);
    }
}

QString edgeKindName(EdgeKind kind)
{
    switch (kind) {
    case EdgeKind::Opens:
        return QStringLiteral("opens");
    case EdgeKind::Uses:
        return QStringLiteral("uses");
    case EdgeKind::Holds:
        return QStringLiteral("holds");
    case EdgeKind::Hosts:
        return QStringLiteral("hosts");
    case EdgeKind::Provenance:
        return QStringLiteral("produced");
    case EdgeKind::Invokes:
        return QStringLiteral("invokes");
    case EdgeKind::SameSecureObject:
        return QStringLiteral("same secure-world object");
    case EdgeKind::OpenedOn:
        return QStringLiteral("opened on");
    }
    return {};
}

CapabilityGraph loadCapabilityGraph(const store::Database &db)
{
    CapabilityGraph g;
    QSet<qint64> leakedSessions;
    const TraceInfo info = loadTraceInfo(db);
    g.firstTs = info.firstTs;
    g.lastTs = info.lastTs;
    auto *h = db.handle();
    const std::string &path = db.path();
    auto beginOr = [&](const store::Statement &s, int col) {
        return s.null_at(col) ? g.firstTs : s.int_at(col);
    };

    {
        store::Statement s(
            h, "SELECT id, pid, display_name, guest, start_ts, end_ts, end_kind FROM processes ORDER BY id", path);
        while (s.next()) {
            GraphNode n;
            n.kind = NodeKind::Process;
            n.id = s.int_at(0);
            n.pid = s.int_at(1);
            n.processName = traceText(s.text_at(2));
            n.label = processLabel(n.processName, n.pid);
            n.guest = int(s.int_at(3));
            const bool alive = s.text_at(6) == "alive_at_end";
            n.life.add({s.int_at(4), alive ? Interval::kOpenEnd : orOpen(s, 5)});
            g.addNode(std::move(n));
        }
    }
    {
        store::Statement s(h,
                           "SELECT c.id, c.serial, c.process_id, c.dev, c.guest, c.open_ts, c.release_ts,"
                           "       c.origin_unknown, c.end_inferred, p.display_name, p.pid"
                           "  FROM contexts c LEFT JOIN processes p ON p.id = c.process_id ORDER BY c.id",
                           path);
        while (s.next()) {
            GraphNode n;
            n.kind = NodeKind::Context;
            n.id = s.int_at(0);
            n.serial = s.int_at(1);
            const QString dev = traceText(s.text_at(3));
            n.label = QStringLiteral("ctx %1 %2").arg(n.serial).arg(dev).trimmed();
            n.guest = int(s.int_at(4));
            n.life.add({beginOr(s, 5), orOpen(s, 6)});
            n.dataLoss = s.int_at(7) != 0 || s.int_at(8) != 0;
            n.processName = traceText(s.text_at(9));
            n.pid = s.null_at(10) ? -1 : s.int_at(10);
            const int ctx = g.addNode(n);
            if (!s.null_at(2)) {
                const int proc = g.indexOf(NodeKind::Process, s.int_at(2));
                if (proc >= 0)
                    g.addEdge({EdgeKind::Opens, proc, ctx, n.life});
            }
        }
    }
    {
        store::Statement s(h,
                           "SELECT id, kind, class, sw_id, context_id, created_ts, freed_ts, origin_unknown,"
                           "       end_inferred FROM objects ORDER BY id",
                           path);
        while (s.next()) {
            GraphNode n;
            n.kind = NodeKind::Object;
            n.id = s.int_at(0);
            n.objectKind = traceText(s.text_at(1));
            n.objectClass = traceText(s.text_at(2));
            n.swId = s.null_at(3) ? -1 : s.int_at(3);
            n.label =
                n.swId >= 0 ? n.objectClass % QStringLiteral(" #") % QString::number(n.swId) : n.objectClass;
            n.life.add({beginOr(s, 5), orOpen(s, 6)});
            n.dataLoss = s.int_at(7) != 0 || s.int_at(8) != 0;
            const int obj = g.addNode(n);
            const bool hosted = n.objectKind == QLatin1String("callback") ||
                                n.objectKind == QLatin1String("memory") ||
                                n.objectKind == QLatin1String("root");
            if (hosted && !s.null_at(4)) {
                const int ctx = g.indexOf(NodeKind::Context, s.int_at(4));
                if (ctx >= 0) {
                    g.nodes[obj].guest = g.nodes[ctx].guest;
                    g.addEdge({EdgeKind::Hosts, ctx, obj, n.life});
                }
            }
        }
    }
    {
        store::Statement s(h,
                           "SELECT DISTINCT object_id, kind LIKE 'session%' FROM leaks WHERE kind NOT LIKE 'shm%'",
                           path);
        leakedSessions.clear();
        while (s.next()) {
            if (s.int_at(1) != 0) {
                leakedSessions.insert(s.int_at(0));
                continue;
            }
            const int obj = g.indexOf(NodeKind::Object, s.int_at(0));
            if (obj >= 0)
                g.nodes[obj].leaked = true;
        }
    }
    {
        // OP-TEE: a node per TA (by uuid), then the sessions held by each context.
        store::Statement s(h,
                           "SELECT s.id, s.context_id, s.session, s.uuid, COALESCE(t.name, s.uuid), s.guest,"
                           "       s.open_ts, s.close_ts, s.end_kind, s.origin_unknown, s.end_inferred"
                           "  FROM sessions s LEFT JOIN ta_names t ON t.uuid = s.uuid"
                           " WHERE s.end_kind <> 'failed' ORDER BY s.id",
                           path);
        QHash<QString, int> taNode;
        while (s.next()) {
            const QString uuid = traceText(s.text_at(3));
            const QString ta = s.null_at(4) ? QStringLiteral("?") : traceText(s.text_at(4));
            int taIndex = taNode.value(uuid, -1);
            if (taIndex < 0) {
                GraphNode t;
                t.kind = NodeKind::Ta;
                t.id = taNode.size() + 1;
                t.uuid = uuid;
                t.objectClass = ta;
                t.label = ta;
                t.guest = GraphNode::kSecureWorld;
                t.life.add({g.firstTs, Interval::kOpenEnd});
                taIndex = g.addNode(std::move(t));
                taNode.insert(uuid, taIndex);
            }
            GraphNode n;
            n.kind = NodeKind::Session;
            n.id = s.int_at(0);
            n.serial = s.null_at(2) ? -1 : s.int_at(2);
            n.uuid = uuid;
            n.objectClass = ta;
            n.objectKind = traceText(s.text_at(8));
            n.label = n.serial >= 0 ? QStringLiteral("session %1").arg(n.serial) : QStringLiteral("session ?");
            n.guest = int(s.int_at(5));
            n.life.add({beginOr(s, 6), orOpen(s, 7)});
            n.dataLoss = s.int_at(9) != 0 || s.int_at(10) != 0;
            n.leaked = leakedSessions.contains(n.id);
            const int session = g.addNode(n);
            g.addEdge({EdgeKind::OpenedOn, session, taIndex, n.life});
            if (!s.null_at(1)) {
                const int ctx = g.indexOf(NodeKind::Context, s.int_at(1));
                if (ctx >= 0)
                    g.addEdge({EdgeKind::Holds, ctx, session, n.life});
            }
        }
    }
    {
        // One edge per (context, object); each binding adds an interval.
        store::Statement s(h,
                           "SELECT context_id, object_id, bind_ts, unbind_ts, end_inferred FROM handles"
                           " ORDER BY context_id, object_id, bind_ts",
                           path);
        qint64 lastCtx = -1, lastObj = -1;
        int edge = -1;
        while (s.next()) {
            const int ctx = g.indexOf(NodeKind::Context, s.int_at(0));
            const int obj = g.indexOf(NodeKind::Object, s.int_at(1));
            if (ctx < 0 || obj < 0)
                continue;
            const Interval bound{beginOr(s, 2), orOpen(s, 3)};
            if (s.int_at(0) != lastCtx || s.int_at(1) != lastObj || edge < 0) {
                edge = g.addEdge({EdgeKind::Holds, ctx, obj, {}});
                lastCtx = s.int_at(0);
                lastObj = s.int_at(1);
                if (g.nodes[obj].guest == 0)
                    g.nodes[obj].guest = g.nodes[ctx].guest;
            }
            g.edges[edge].life.add(bound);
            if (s.int_at(4) != 0)
                g.nodes[obj].dataLoss = true;
        }
    }
    {
        store::Statement s(
            h,
            "SELECT o.id, i.object_id FROM objects o JOIN invocations i ON i.id = o.produced_by"
            " WHERE i.object_id IS NOT NULL ORDER BY o.id",
            path);
        while (s.next()) {
            const int produced = g.indexOf(NodeKind::Object, s.int_at(0));
            const int producer = g.indexOf(NodeKind::Object, s.int_at(1));
            if (produced >= 0 && producer >= 0)
                g.addEdge({EdgeKind::Provenance, producer, produced, g.nodes[produced].life});
        }
    }
    {
        store::Statement s(h,
                           "SELECT cu.context_id, cu.process_id, cu.first_ts FROM context_users cu"
                           "  JOIN contexts c ON c.id = cu.context_id"
                           " WHERE c.process_id IS NULL OR c.process_id <> cu.process_id ORDER BY 1, 2",
                           path);
        while (s.next()) {
            const int ctx = g.indexOf(NodeKind::Context, s.int_at(0));
            const int proc = g.indexOf(NodeKind::Process, s.int_at(1));
            if (ctx < 0 || proc < 0)
                continue;
            qint64 end = Interval::kOpenEnd;
            for (const Interval &i : g.nodes[ctx].life.intervals)
                end = i.end;
            g.addEdge({EdgeKind::Uses, proc, ctx, Lifetime{{{s.int_at(2), end}}}});
        }
    }
    addInvokeEdges(g, db, info);

    // Sharing: holdings of instances with one sw_id, swept by begin time; two holdings from
    // different contexts that overlap make both instances shared.
    struct Holding {
        int object, context;
        Interval when;
    };
    std::map<qint64, std::vector<Holding>> bySwId;
    for (const GraphEdge &e : g.edges) {
        if (e.kind != EdgeKind::Holds)
            continue;
        const GraphNode &o = g.nodes[e.to];
        if (o.swId < 0 || o.objectKind == QLatin1String("root") ||
            o.objectKind == QLatin1String("primordial"))
            continue;
        for (const Interval &i : e.life.intervals)
            bySwId[o.swId].push_back({e.to, e.from, i});
    }
    for (auto &[swId, holdings] : bySwId) {
        std::sort(holdings.begin(), holdings.end(),
                  [](const Holding &a, const Holding &b) { return a.when.begin < b.when.begin; });
        std::map<std::pair<int, int>, int> linked; // object pair -> SameSecureObject edge
        std::vector<Holding> active;
        for (const Holding &cur : holdings) {
            std::erase_if(active, [&](const Holding &a) { return a.when.end <= cur.when.begin; });
            for (const Holding &a : active) {
                if (a.context == cur.context)
                    continue;
                g.nodes[a.object].shared = true;
                g.nodes[cur.object].shared = true;
                if (a.object == cur.object)
                    continue;
                const Interval overlap{std::max(a.when.begin, cur.when.begin),
                                       std::min(a.when.end, cur.when.end)};
                const auto key = std::minmax(a.object, cur.object);
                auto it = linked.find(key);
                if (it == linked.end())
                    it = linked
                             .emplace(key, g.addEdge({EdgeKind::SameSecureObject, key.first, key.second, {}}))
                             .first;
                g.edges[it->second].life.add(overlap);
            }
            active.push_back(cur);
        }
    }

    g.finish();
    return g;
}

} // namespace teescope::gui
