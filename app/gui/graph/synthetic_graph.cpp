// SPDX-License-Identifier: MIT
#include "graph/synthetic_graph.h"

#include "core/format.h"

#include <QRandomGenerator>

namespace teescope::gui
{

CapabilityGraph syntheticCapabilityGraph(int processes, int objects, quint32 seed)
{
    static const char *const classes[] = {"client_env", "diagnostics", "apploader", "app_controller",
                                          "app",        "registry",    "callback"};
    QRandomGenerator rng(seed);
    CapabilityGraph g;
    g.firstTs = 1'000'000'000;
    const qint64 span = 10'000'000'000;
    g.lastTs = g.firstTs + span;
    processes = std::max(processes, 1);

    QList<int> contexts, procs;
    for (int p = 0; p < processes; ++p) {
        GraphNode proc;
        proc.kind = NodeKind::Process;
        proc.id = p + 1;
        proc.pid = 1000 + p;
        proc.processName = QStringLiteral("client%1").arg(p);
        proc.label = processLabel(proc.processName, proc.pid);
        proc.life.add({g.firstTs, Interval::kOpenEnd});
        procs.append(g.addNode(proc));

        GraphNode ctx;
        ctx.kind = NodeKind::Context;
        ctx.id = p + 1;
        ctx.serial = p + 1;
        ctx.pid = proc.pid;
        ctx.processName = proc.processName;
        ctx.label = QStringLiteral("ctx %1 tee0").arg(ctx.serial);
        ctx.life.add({g.firstTs + p, Interval::kOpenEnd});
        contexts.append(g.addNode(ctx));
        g.addEdge({EdgeKind::Opens, procs.last(), contexts.last(), ctx.life});
    }

    QList<int> previous(processes, -1); // last object of each process's chain
    for (int o = 0; o < objects; ++o) {
        const int p = o % processes;
        const int ctx = contexts[p];
        // Chains of up to 6 objects: the first is the context's root.
        const bool chainStart = previous[p] < 0 || rng.bounded(6) == 0;
        GraphNode obj;
        obj.kind = NodeKind::Object;
        obj.id = o + 1;
        obj.objectKind = chainStart ? QStringLiteral("root") : QStringLiteral("qtee");
        obj.objectClass = chainStart ? QStringLiteral("root") : QString::fromLatin1(classes[rng.bounded(7)]);
        obj.swId = chainStart ? -1 : o % (objects / 3 + 1);
        obj.label = obj.swId >= 0 ? obj.objectClass % QStringLiteral(" #") % QString::number(obj.swId)
                                  : obj.objectClass;
        const qint64 begin = g.firstTs + qint64(rng.bounded(1000)) * (span / 1000);
        const qint64 end = rng.bounded(10) == 0 ? Interval::kOpenEnd : begin + span / 20;
        obj.life.add({begin, end});
        obj.leaked = end == Interval::kOpenEnd && !chainStart;
        const int node = g.addNode(obj);
        if (chainStart) {
            g.addEdge({EdgeKind::Hosts, ctx, node, obj.life});
        } else {
            g.addEdge({EdgeKind::Holds, ctx, node, obj.life});
            g.addEdge({EdgeKind::Provenance, previous[p], node, obj.life});
            // Every 50th object is also held by the next process: sharing across processes.
            if (o % 50 == 0 && processes > 1) {
                g.nodes[node].shared = true;
                g.addEdge({EdgeKind::Holds, contexts[(p + 1) % processes], node, obj.life});
            }
            if (rng.bounded(4) == 0) {
                GraphEdge inv{EdgeKind::Invokes, procs[p], node, obj.life};
                inv.calls = 1 + rng.bounded(1000);
                inv.p50Ns = 1000 + rng.bounded(100000);
                inv.maxNs = inv.p50Ns * 4;
                inv.totalNs = inv.p50Ns * inv.calls;
                g.addEdge(inv);
            }
        }
        previous[p] = node;
    }
    g.finish();
    return g;
}

} // namespace teescope::gui
