// SPDX-License-Identifier: MIT
// What the graph page says about its nodes and edges: the context menu, tooltips and edge labels.
#include "graph/graph_page.h"

#include "core/format.h"
#include "graph/graph_items.h"
#include "graph/graph_view.h"

#include <QMenu>
#include <QTextDocument>

namespace teescope::gui
{

void GraphPage::showContextMenu(int node, QPoint globalPos)
{
    if (!graph_)
        return;
    QMenu menu(this);
    if (node >= 0) {
        const GraphNode &n = graph_->nodes[node];
        const int process = n.kind == NodeKind::Process ? node : n.ownerProcess;
        if (process >= 0) {
            const bool folded = isCollapsed(process);
            const QString name = graph_->nodes[process].label;
            menu.addAction(folded ? tr("Expand %1").arg(name) : tr("Collapse %1").arg(name), this,
                           [this, process, folded] { setCollapsed(process, !folded); });
        }
        menu.addAction(tr("Centre"), this, [this, node] {
            if (GraphNodeItem *item = nodeItem(representative(node)))
                view_->centerOn(item);
        });
        menu.addSeparator();
    }
    menu.addAction(tr("Collapse all processes"), this, [this] {
        QSet<int> all;
        for (int i = 0; i < graph_->nodes.size(); ++i)
            if (graph_->nodes[i].kind == NodeKind::Process)
                all.insert(i);
        setCollapsedSet(all);
    });
    menu.addAction(tr("Expand all processes"), this, [this] { setCollapsedSet({}); });
    menu.exec(globalPos);
}

QString GraphPage::nodeToolTip(const GraphNode &n) const
{
    QStringList lines;
    const auto lifetime = [this](const Lifetime &life) {
        QStringList parts;
        for (const Interval &i : life.intervals)
            parts.append(formatTraceTime(i.begin, trace_.firstTs) % QStringLiteral(" → ") %
                         (i.end == Interval::kOpenEnd ? tr("end") : formatTraceTime(i.end, trace_.firstTs)));
        return parts.join(QStringLiteral(", "));
    };
    switch (n.kind) {
    case NodeKind::Process:
        lines << tr("process %1").arg(n.label);
        break;
    case NodeKind::Context:
        lines << tr("context %1, opened by %2").arg(n.label, processLabel(n.processName, n.pid));
        break;
    case NodeKind::Object:
        lines << tr("%1 object %2").arg(valueText(n.objectKind), n.objectClass);
        if (n.swId >= 0)
            lines << tr("secure-world id %1").arg(n.swId);
        break;
    case NodeKind::Session:
        lines << tr("OP-TEE %1 on %2").arg(n.label, n.objectClass);
        lines << tr("TA %1").arg(n.uuid);
        lines << tr("ended: %1").arg(valueText(n.objectKind));
        break;
    case NodeKind::Ta:
        lines << tr("trusted application %1").arg(n.objectClass) << n.uuid;
        break;
    }
    if (n.guest > 0)
        lines << guestLabel(n.guest);
    lines << tr("alive %1").arg(lifetime(n.life));
    if (n.leaked)
        lines << tr("LEAKED");
    if (n.shared)
        lines << tr("held by several contexts at once");
    if (n.dataLoss)
        lines << tr("data loss: its start or end is uncertain");
    // Tool tips guess rich text: convert the plain text (trace strings included) explicitly.
    return Qt::convertFromPlainText(lines.join(QLatin1Char('\n')), Qt::WhiteSpaceNormal);
}

QString GraphPage::edgeLabel(const GraphEdge &e) const
{
    if (e.kind != EdgeKind::Invokes)
        return {};
    // The op by name when it is the only one (labels are tight; the tooltip lists them all).
    QString label = formatCount(e.calls) % QStringLiteral("×");
    if (e.ops.size() == 1)
        label = (e.ops.first().name.isEmpty() ? opName(e.ops.first().op) : e.ops.first().name) % QStringLiteral(" ") %
                label;
    if (e.p50Ns >= 0)
        label += QStringLiteral(" · p50 ") % formatDuration(e.p50Ns);
    return label;
}

QString GraphPage::edgeToolTip(const GraphEdge &e) const
{
    QString text = edgeKindName(e.kind);
    if (e.kind == EdgeKind::Invokes) {
        text += QLatin1Char('\n') % tr("%1 calls, p50 %2, max %3, total %4")
                                        .arg(formatCount(e.calls), formatDuration(e.p50Ns),
                                             formatDuration(e.maxNs), formatDuration(e.totalNs));
        for (const GraphEdgeOp &op : e.ops)
            text += QLatin1Char('\n') % tr("%1: %2").arg(opWithName(op.op, op.name), countOf(op.calls, tr("call"), tr("calls")));
    }
    return Qt::convertFromPlainText(text, Qt::WhiteSpaceNormal);
}

} // namespace teescope::gui
