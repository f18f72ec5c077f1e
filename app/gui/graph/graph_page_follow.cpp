// SPDX-License-Identifier: MIT
// The capability graph following a live file: each commit's graph is drawn in place (known nodes
// keep their positions, new ones go next to what they relate to, released ones fade and then
// go), capped with an aggregate node for the rest; Graphviz runs for the first drawing and when
// the user asks for a re-layout.
#include "core/format.h"
#include "core/logging.h"
#include "graph/graph_items.h"
#include "graph/graph_page.h"
#include "graph/graph_view.h"
#include "graph/live_graph.h"

#include <QBrush>
#include <QElapsedTimer>
#include <QGraphicsRectItem>
#include <QGraphicsScene>
#include <QGraphicsSimpleTextItem>
#include <QHash>
#include <QPen>
#include <QPushButton>
#include <QSlider>
#include <QScrollBar>

#include <optional>

namespace teescope::gui
{

void GraphPage::setLive(bool live, qint64 now)
{
    ViewPage::setLive(live, now);
    trace_.live = live;
    trace_.lastTs = std::max(trace_.lastTs, now);
}

void GraphPage::setLiveLimits(int cap, qint64 lingerNs)
{
    liveCap_ = std::max(1, cap);
    liveLinger_ = std::max<qint64>(0, lingerNs);
}

void GraphPage::relayout()
{
    if (!graph_ || graph_->isEmpty() || !isReady())
        return;
    setReady(false);
    Q_EMIT statusMessage(tr("Capability graph: laying out again…"));
    connect(this, &GraphPage::layoutApplied, this, &GraphPage::updateAggregate, Qt::SingleShotConnection);
    startLayout();
}

void GraphPage::loadLive()
{
    // One load at a time: a commit during a load is read when it is done.
    if (liveLoading_) {
        liveLoadPending_ = true;
        return;
    }
    liveLoading_ = true;
    liveLoadPending_ = false;
    const int generation = loadGeneration_.next();
    setReady(false);
    setLoadError({});
    if (!graph_)
        clearScene(tr("Loading the capability graph…"));
    LiveDrawOptions options;
    options.now = std::max(liveNow(), trace_.lastTs);
    options.linger = liveLinger_;
    options.cap = liveCap_;
    if (graph_)
        for (const GraphNode &n : graph_->nodes)
            options.drawnBefore.insert(liveNodeKey(n));
    const QString path = trace_.dbPath;
    runJob<LiveDrawing>(
        this, [path, options] { return liveDrawing(loadCapabilityGraph(openTraceDb(path)), options); },
        [this, generation, now = options.now](JobResult<LiveDrawing> result) {
            liveLoading_ = false;
            if (!loadGeneration_.isCurrent(generation))
                return;
            if (!result.ok()) {
                setLoadError(tr("Cannot read the capability graph: %1").arg(result.error));
                if (!graph_)
                    clearScene(loadError());
                setReady(true);
                return;
            }
            aggregatedObjects_ = result.value->leftOutObjects;
            aggregatedOther_ = result.value->leftOutOther;
            trace_.lastTs = std::max(trace_.lastTs, now);
            const bool first = !graph_ || nodeItems_.isEmpty();
            if (first) {
                // The first drawing gets a Graphviz layout; what comes later is placed in place.
                connectFollowControls();
                followingNow_ = true;
                connect(this, &GraphPage::layoutApplied, this, &GraphPage::updateAggregate, Qt::SingleShotConnection);
                showGraph(std::make_shared<const CapabilityGraph>(std::move(result.value->graph)));
                if (graph_ && !graph_->isEmpty())
                    setTime(now);
                updateAggregate();
            } else {
                const bool timeMode = timeMode_;
                const qint64 time = time_;
                showInPlace(std::move(result.value->graph));
                if (followingNow_)
                    setTime(now);
                else if (timeMode)
                    setTime(time);
                else
                    showWholeTrace();
            }
            if (liveLoadPending_ && isReady())
                loadLive();
        });
}

void GraphPage::showInPlace(CapabilityGraph g)
{
    QElapsedTimer took;
    took.start();
    // Known nodes keep their scene position; the selection, folded processes and the user's
    // framing carry over by row id (node indexes change between reloads).
    QHash<quint64, QPointF> known;
    for (int i = 0; i < nodeItems_.size() && i < graph_->nodes.size(); ++i)
        known.insert(liveNodeKey(graph_->nodes[i]), nodeItems_[i]->pos());
    const quint64 selectedKey = selectedNode_ >= 0 ? liveNodeKey(graph_->nodes[selectedNode_]) : 0;
    QSet<quint64> collapsedKeys;
    for (int c : std::as_const(collapsed_))
        if (c >= 0 && c < graph_->nodes.size())
            collapsedKeys.insert(liveNodeKey(graph_->nodes[c]));
    const bool userZoomed = view_->userZoomed();
    const QPointF centre = view_->mapToScene(view_->viewport()->rect().center());

    QList<std::optional<QPointF>> start(g.nodes.size());
    for (int i = 0; i < g.nodes.size(); ++i) {
        auto it = known.constFind(liveNodeKey(g.nodes[i]));
        if (it != known.constEnd())
            start[i] = *it;
    }
    const QList<QPointF> positions = placeNewNodes(g, start);
    const int added = int(std::count(start.begin(), start.end(), std::nullopt));
    graph_ = std::make_shared<const CapabilityGraph>(std::move(g));
    selectedNode_ = -1;
    QSet<int> collapsed;
    for (int i = 0; i < graph_->nodes.size(); ++i) {
        const quint64 key = liveNodeKey(graph_->nodes[i]);
        if (key == selectedKey && selectedKey != 0)
            selectedNode_ = i;
        if (collapsedKeys.contains(key))
            collapsed.insert(i);
    }
    collapsed_ = collapsed;
    layout_.positions = positions;
    layout_.engine = QStringLiteral("live");
    buildScene(positions);
    layout_.bounds = scene_->itemsBoundingRect();
    if (group_.isValid())
        onGroupChanged(group_);
    updateAggregate();
    if (userZoomed)
        view_->centerOn(centre);
    else
        frame();
    qCDebug(lcGraph) << "live graph:" << added << "nodes placed," << graph_->nodes.size() << "drawn in"
                     << took.elapsed() << "ms";
    setReady(true);
}

void GraphPage::connectFollowControls()
{
    // User actions only: the page moves the scrubber itself with signals blocked.
    connect(slider_, &QSlider::actionTriggered, this, &GraphPage::leaveNow, Qt::UniqueConnection);
    connect(wholeTrace_, &QPushButton::clicked, this, &GraphPage::leaveNow, Qt::UniqueConnection);
    connect(endOfTrace_, &QPushButton::clicked, this, &GraphPage::followNow, Qt::UniqueConnection);
}

void GraphPage::leaveNow()
{
    followingNow_ = false;
}

void GraphPage::followNow()
{
    followingNow_ = true;
    if (inPlace_)
        setTime(std::max(liveNow(), trace_.lastTs));
}

QString GraphPage::aggregateText() const
{
    if (aggregatedCount() <= 0)
        return {};
    if (aggregatedOther_ == 0)
        return tr("+%1 more objects").arg(formatCount(aggregatedObjects_));
    return tr("+%1 more objects, processes and contexts").arg(formatCount(aggregatedCount()));
}

void GraphPage::updateAggregate()
{
    if (aggregate_) {
        scene_->removeItem(aggregate_);
        delete aggregate_;
        aggregate_ = nullptr;
    }
    if (aggregatedCount() <= 0 || nodeItems_.isEmpty())
        return;
    // Below the drawing, at its left: the nodes the cap leaves out, counted.
    QRectF bounds;
    for (GraphNodeItem *item : std::as_const(nodeItems_))
        bounds |= item->sceneBoundingRect();
    auto *box = new QGraphicsRectItem;
    auto *text = new QGraphicsSimpleTextItem(aggregateText(), box);
    text->setBrush(palette().color(QPalette::WindowText));
    const QRectF t = text->boundingRect();
    text->setPos(10, 6);
    box->setRect(0, 0, t.width() + 20, t.height() + 12);
    box->setBrush(palette().color(QPalette::AlternateBase));
    box->setPen(QPen(palette().color(QPalette::Mid), 1, Qt::DashLine));
    box->setPos(bounds.left(), bounds.bottom() + 40);
    box->setToolTip(tr("Over %1 nodes the live graph draws what is alive and newest; the rest is counted here")
                        .arg(liveCap_));
    scene_->addItem(box);
    aggregate_ = box;
    scene_->setSceneRect(scene_->sceneRect() | box->sceneBoundingRect().adjusted(-400, -400, 400, 400));
    if (!view_->userZoomed())
        frame(); // the drawing grew by the aggregate
}

} // namespace teescope::gui
