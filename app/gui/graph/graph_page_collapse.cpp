// SPDX-License-Identifier: MIT
// Collapsed processes on the graph page: the contexts and objects that belong to one process
// alone fold into it, and the graph is laid out again so that they leave no hole.
#include "graph/graph_page.h"

namespace teescope::gui {

int GraphPage::representative(int node) const
{
    if (!graph_ || node < 0 || node >= graph_->nodes.size())
        return -1;
    const GraphNode &n = graph_->nodes[node];
    if (n.kind != NodeKind::Process && n.ownerProcess >= 0 && collapsed_.contains(n.ownerProcess))
        return n.ownerProcess;
    return node;
}

void GraphPage::setCollapsed(int processNode, bool collapsed)
{
    if (!graph_ || processNode < 0 || processNode >= graph_->nodes.size() ||
        graph_->nodes[processNode].kind != NodeKind::Process)
        return;
    QSet<int> processes = collapsed_;
    if (collapsed)
        processes.insert(processNode);
    else
        processes.remove(processNode);
    setCollapsedSet(std::move(processes));
}

void GraphPage::setCollapsedSet(QSet<int> processes)
{
    if (!graph_ || processes == collapsed_)
        return;
    collapsed_ = std::move(processes);
    applyStates();
    startLayout();
}

CapabilityGraphPtr GraphPage::drawnGraph(QList<int> *drawnIndex) const
{
    auto drawn = std::make_shared<CapabilityGraph>();
    drawn->firstTs = graph_->firstTs;
    drawn->lastTs = graph_->lastTs;
    *drawnIndex = QList<int>(graph_->nodes.size(), -1);
    for (int i = 0; i < graph_->nodes.size(); ++i)
        if (representative(i) == i)
            (*drawnIndex)[i] = drawn->addNode(graph_->nodes[i]);
    for (int i = 0; i < graph_->nodes.size(); ++i)
        (*drawnIndex)[i] = (*drawnIndex)[representative(i)];
    QSet<quint64> seen; // one edge of a kind between two drawn nodes is enough for the layout
    for (GraphEdge e : graph_->edges) {
        if (e.from < 0 || e.to < 0)
            continue;
        e.from = (*drawnIndex)[e.from];
        e.to = (*drawnIndex)[e.to];
        const quint64 key = (quint64(quint32(e.from)) << 32 | quint32(e.to)) * 16 + quint64(e.kind);
        if (e.from == e.to || seen.contains(key))
            continue;
        seen.insert(key);
        drawn->addEdge(e);
    }
    drawn->finish();
    return drawn;
}

GraphLayout GraphPage::spreadLayout(const GraphLayout &drawn, const QList<int> &drawnIndex)
{
    GraphLayout all = drawn;
    all.positions.clear();
    all.positions.reserve(drawnIndex.size());
    for (int d : drawnIndex)
        all.positions.append(d >= 0 && d < drawn.positions.size() ? drawn.positions[d] : QPointF());
    return all;
}

} // namespace teescope::gui
