// SPDX-License-Identifier: MIT
#include "graph/graph_page.h"

#include "core/format.h"
#include "core/logging.h"
#include "core/theme.h"
#include "graph/graph_items.h"
#include "graph/graph_legend.h"
#include "graph/graph_view.h"

#include <QEvent>
#include <QFile>
#include <QGraphicsScene>
#include <QGraphicsSimpleTextItem>
#include <QHBoxLayout>
#include <QImage>
#include <QLabel>
#include <QLineEdit>
#include <QPainter>
#include <QPushButton>
#include <QSlider>
#include <QSvgGenerator>
#include <QVBoxLayout>
#include <QVariantAnimation>

namespace teescope::gui
{

namespace
{

constexpr int kSliderSteps = 10000;
// Bigger graphs jump to their layout: animating thousands of items costs more than it shows.
constexpr int kAnimatedNodeLimit = 1500;

} // namespace

GraphPage::GraphPage(Selection *selection, QWidget *parent)
    : ViewPage(selection, parent), scene_(new QGraphicsScene(this)), view_(new GraphView(this)),
      search_(new QLineEdit(this)), matchLabel_(new QLabel(this)), slider_(new QSlider(Qt::Horizontal, this)),
      timeLabel_(new QLabel(this)), wholeTrace_(new QPushButton(tr("Whole trace"), this)),
      endOfTrace_(new QPushButton(tr("End of trace"), this)), legend_(new GraphLegend(this)),
      animation_(new QVariantAnimation(this))
{
    scene_->setPalette(palette());
    scene_->setBackgroundBrush(palette().color(QPalette::Base));
    // No index: edges are long items that a BSP tree files in many leaves (building it took
    // seconds for 10 000 nodes), nodes move when the layout arrives, and a linear scan of the
    // items per paint or click costs far less than that.
    scene_->setItemIndexMethod(QGraphicsScene::NoIndex);
    view_->setScene(scene_);

    search_->setPlaceholderText(tr("Find class, TA, process, pid or context serial (Enter: next)"));
    search_->setClearButtonEnabled(true);
    matchLabel_->setTextFormat(Qt::PlainText);
    timeLabel_->setTextFormat(Qt::PlainText);
    timeLabel_->setMinimumWidth(fontMetrics().horizontalAdvance(QStringLiteral("+0000.000000000 s")));
    slider_->setRange(0, kSliderSteps);
    slider_->setToolTip(tr("Show the graph as it was at this time"));
    wholeTrace_->setCheckable(true);
    wholeTrace_->setChecked(true);
    wholeTrace_->setToolTip(tr("Show everything that existed during the trace"));

    auto *top = new QHBoxLayout;
    top->addWidget(search_, 1);
    top->addWidget(matchLabel_);
    auto *bottom = new QHBoxLayout;
    bottom->addWidget(slider_, 1);
    bottom->addWidget(timeLabel_);
    bottom->addWidget(wholeTrace_);
    bottom->addWidget(endOfTrace_);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(top);
    layout->addWidget(view_, 1);
    layout->addLayout(bottom);
    layout->addWidget(legend_);

    connect(search_, &QLineEdit::textChanged, this, &GraphPage::setSearchText);
    connect(search_, &QLineEdit::returnPressed, this, [this] { centreNextMatch(); });
    search_->installEventFilter(this); // Shift+Enter steps backwards
    // Moves made by the page itself are signal-blocked: this is the user.
    connect(slider_, &QSlider::valueChanged, this, [this](int v) {
        const qint64 span = trace_.lastTs - trace_.firstTs;
        setTime(trace_.firstTs + qint64(double(span) * v / kSliderSteps));
    });
    connect(wholeTrace_, &QPushButton::clicked, this, [this] { showWholeTrace(); });
    connect(endOfTrace_, &QPushButton::clicked, this, [this] { setTime(trace_.lastTs); });
    connect(view_, &GraphView::nodeClicked, this, [this](int node) {
        if (node < 0 || !graph_) {
            highlightNode(-1, false);
            if (this->selection())
                this->selection()->select({});
            return;
        }
        highlightNode(node, false);
        if (this->selection())
            this->selection()->select(graph_->nodes[node].ref());
    });
    connect(view_, &GraphView::nodeDoubleClicked, this, [this](int node) {
        if (!graph_)
            return;
        const GraphNode &n = graph_->nodes[node];
        if (n.kind == NodeKind::Process)
            setCollapsed(node, !isCollapsed(node));
    });
    connect(view_, &GraphView::nodeContextMenu, this, &GraphPage::showContextMenu);
    if (selection) {
        connect(selection, &Selection::itemChanged, this, &GraphPage::onSelectionItemChanged);
        connect(selection, &Selection::rangeChanged, this, [this](TimeRange range) {
            if (range.isValid())
                setTime(std::max(range.begin, range.end - 1));
        });
        connect(selection, &Selection::guestFilterChanged, this, [this] {
            applyStates();
            if (group_.isValid())
                onGroupChanged(group_); // the group's members are those of the guest shown
        });
        connect(selection, &Selection::groupChanged, this, &GraphPage::onGroupChanged);
    }

    animation_->setDuration(350);
    animation_->setStartValue(0.0);
    animation_->setEndValue(1.0);
    animation_->setEasingCurve(QEasingCurve::InOutCubic);

    updateTimeControls();
    clearScene(tr("No trace open"));
}

GraphPage::~GraphPage()
{
    animation_->stop();
}

void GraphPage::openTrace(const TraceInfo &trace)
{
    trace_ = trace;
    collapsed_.clear();
    selectedNode_ = -1;
    timeMode_ = false;
    inPlace_ = trace.live;
    graph_.reset();
    if (inPlace_)
        loadLive();
    else
        load(false);
}

void GraphPage::refresh()
{
    if (trace_.dbPath.isEmpty())
        return;
    if (inPlace_)
        loadLive();
    else
        load(true);
}

void GraphPage::load(bool keepPositions)
{
    const int generation = loadGeneration_.next();
    layoutGeneration_.next(); // a layout of the previous graph is stale now
    setReady(false);
    setLoadError({});
    if (!keepPositions)
        clearScene(tr("Loading the capability graph…"));
    const QString path = trace_.dbPath;
    runJob<CapabilityGraph>(
        this, [path] { return loadCapabilityGraph(openTraceDb(path)); },
        [this, generation, keepPositions](JobResult<CapabilityGraph> result) {
            if (!loadGeneration_.isCurrent(generation))
                return;
            if (!result.ok()) {
                setLoadError(tr("Cannot read the capability graph: %1").arg(result.error));
                clearScene(loadError());
                setReady(true);
                return;
            }
            CapabilityGraph g = std::move(*result.value);
            // The trace bounds may have grown (live mode).
            if (g.lastTs > trace_.lastTs)
                trace_.lastTs = g.lastTs;
            if (!keepPositions || !graph_) {
                showGraph(std::make_shared<const CapabilityGraph>(std::move(g)));
                return;
            }
            // Keep known nodes where they are; the new ones start on the grid.
            QList<QPointF> start = gridLayout(g).positions;
            for (int i = 0; i < g.nodes.size(); ++i) {
                const int old = graph_->indexOf(g.nodes[i].ref());
                if (old >= 0 && old < nodeItems_.size())
                    start[i] = nodeItems_[old]->pos();
            }
            graph_ = std::make_shared<const CapabilityGraph>(std::move(g));
            buildScene(start);
            startLayout();
        });
}

void GraphPage::showGraph(CapabilityGraphPtr graph)
{
    graph_ = std::move(graph);
    if (trace_.dbPath.isEmpty() && graph_) {
        trace_.firstTs = graph_->firstTs;
        trace_.lastTs = graph_->lastTs;
    }
    layoutGeneration_.next();
    setReady(false);
    if (!graph_ || graph_->isEmpty()) {
        clearScene(tr("No processes, contexts or objects in this trace"));
        setReady(true);
        return;
    }
    const GraphLayout grid = gridLayout(*graph_);
    layout_ = grid;
    buildScene(grid.positions);
    // What other views selected before the graph was there.
    if (Selection *sel = selection()) {
        if (sel->group().isValid())
            onGroupChanged(sel->group());
        if (sel->item().isValid())
            onSelectionItemChanged(sel->item());
        if (sel->range().isValid())
            setTime(std::max(sel->range().begin, sel->range().end - 1));
    }
    // Framed when the page is shown with its real size (the view defers it while hidden).
    frame();
    Q_EMIT statusMessage(tr("Capability graph: %1 nodes, %2 edges; laying out…")
                             .arg(formatCount(graph_->nodes.size()), formatCount(graph_->edges.size())));
    startLayout();
}

void GraphPage::clearScene(const QString &message)
{
    animation_->stop();
    animation_->disconnect(this);
    scene_->clear();
    nodeItems_.clear();
    edgeItems_.clear();
    guestBoxes_.clear();
    filteredOut_.clear();
    matches_.clear();
    currentMatch_ = -1;
    groupEdges_.clear();
    message_ = nullptr;
    aggregate_ = nullptr;
    if (!message.isEmpty()) {
        // Plain text item: the message may quote a file name or a trace string.
        message_ = scene_->addSimpleText(message);
        message_->setBrush(palette().color(QPalette::PlaceholderText));
        scene_->setSceneRect(message_->boundingRect().adjusted(-40, -40, 40, 40));
        view_->centerOn(message_);
    }
    updateTimeControls();
}

void GraphPage::buildScene(const QList<QPointF> &start)
{
    clearScene();
    const CapabilityGraph &g = *graph_;
    // Edges of a big graph on the placeholder grid cross the whole picture: thousands of long
    // lines that cost seconds to paint and say nothing. They appear with the layout.
    edgesHidden_ = g.nodes.size() > kAnimatedNodeLimit;
    nodeItems_.reserve(g.nodes.size());
    for (int i = 0; i < g.nodes.size(); ++i) {
        GraphNodeItem *item = createNodeItem(i, g.nodes[i]);
        item->setPos(i < start.size() ? start[i] : QPointF());
        item->setToolTip(nodeToolTip(g.nodes[i]));
        scene_->addItem(item);
        nodeItems_.append(item);
    }
    edgeItems_.reserve(g.edges.size());
    for (int e = 0; e < g.edges.size(); ++e) {
        auto *item = new EdgeItem(e, g.edges[e], edgeLabel(g.edges[e]));
        item->setToolTip(edgeToolTip(g.edges[e]));
        scene_->addItem(item);
        edgeItems_.append(item);
    }
    if (g.hasGuests()) {
        for (int guest : g.guests) {
            auto *box = new GuestBoxItem(guest);
            box->setToolTip(plainToolTip(tr("%1: its processes, contexts, objects and sessions").arg(guestLabel(guest))));
            scene_->addItem(box);
            guestBoxes_.append(box);
        }
    }
    bool sessions = false, objects = false;
    for (const GraphNode &n : g.nodes) {
        sessions |= n.kind == NodeKind::Session || n.kind == NodeKind::Ta;
        objects |= n.kind == NodeKind::Object;
    }
    legend_->setContents(objects, sessions, g.hasGuests());
    updateEdges();
    setSearchText(search_->text());
    applyStates();
    scene_->setSceneRect(scene_->itemsBoundingRect().adjusted(-400, -400, 400, 400));
    updateTimeControls();
}

void GraphPage::startLayout()
{
    if (!graph_ || graph_->isEmpty())
        return;
    const int generation = layoutGeneration_.next();
    // With processes collapsed, what folds into them takes no room: the drawing is laid out.
    QList<int> drawnIndex;
    CapabilityGraphPtr graph = collapsed_.isEmpty() ? graph_ : drawnGraph(&drawnIndex);
    const LayoutOptions options = layoutOptions_;
    runJob<GraphLayout>(
        this,
        [graph, options, drawnIndex] {
            GraphLayout layout = layoutCapabilityGraph(*graph, options);
            return drawnIndex.isEmpty() ? layout : spreadLayout(layout, drawnIndex);
        },
        [this, generation](JobResult<GraphLayout> result) {
            if (!layoutGeneration_.isCurrent(generation))
                return;
            if (!result.ok()) {
                // The placeholder placement stays: the graph is still usable.
                qCWarning(lcGraph) << "layout failed:" << result.error;
                edgesHidden_ = false;
                updateEdges();
                Q_EMIT statusMessage(tr("Graph layout failed: %1").arg(result.error));
                setReady(true);
                return;
            }
            finishLayout(std::move(*result.value));
        });
}

void GraphPage::finishLayout(GraphLayout layout)
{
    const QList<QPointF> target = layout.positions;
    auto done = [this, layout] {
        layout_ = layout;
        edgesHidden_ = false;
        applyPositions(layout_.positions);
        scene_->setSceneRect(layout_.bounds.adjusted(-400, -400, 400, 400));
        frame();
        Q_EMIT statusMessage(
            tr("Capability graph: %1 nodes, %2 edges; layout %3 in %4 s")
                .arg(formatCount(graph_->nodes.size()), formatCount(graph_->edges.size()), layout_.engine)
                .arg(layout_.seconds, 0, 'f', 2));
        Q_EMIT layoutApplied(layout_.seconds, layout_.engine);
        setReady(true);
    };
    if (!animated_ || !isVisible() || target.size() > kAnimatedNodeLimit ||
        target.size() != nodeItems_.size()) {
        done();
        return;
    }
    QList<QPointF> from;
    from.reserve(nodeItems_.size());
    for (GraphNodeItem *item : std::as_const(nodeItems_))
        from.append(item->pos());
    animation_->stop();
    animation_->disconnect(this);
    connect(animation_, &QVariantAnimation::valueChanged, this, [this, from, target](const QVariant &v) {
        const double t = v.toDouble();
        QList<QPointF> now(from.size());
        for (int i = 0; i < from.size(); ++i)
            now[i] = from[i] + (target[i] - from[i]) * t;
        applyPositions(now);
    });
    connect(animation_, &QVariantAnimation::finished, this, done);
    animation_->start();
}

void GraphPage::applyPositions(const QList<QPointF> &positions)
{
    for (int i = 0; i < nodeItems_.size() && i < positions.size(); ++i)
        nodeItems_[i]->setPos(positions[i]);
    updateEdges();
}

void GraphPage::updateEdges()
{
    if (!graph_)
        return;
    for (EdgeItem *item : std::as_const(edgeItems_)) {
        const GraphEdge &e = graph_->edges[item->edge()];
        const int a = representative(e.from), b = representative(e.to);
        if (a < 0 || b < 0 || a == b || edgesHidden_ || isFilteredOut(a) || isFilteredOut(b)) {
            item->setVisible(false);
            continue;
        }
        item->setVisible(true);
        GraphNodeItem *from = nodeItems_[a];
        GraphNodeItem *to = nodeItems_[b];
        item->setEnds(from->boundaryPoint(to->pos()), to->boundaryPoint(from->pos()));
    }
    updateGuestBoxes();
}

void GraphPage::updateGuestBoxes()
{
    if (!graph_ || guestBoxes_.isEmpty())
        return;
    QHash<int, QRectF> bounds;
    for (int i = 0; i < nodeItems_.size(); ++i) {
        const GraphNode &n = graph_->nodes[i];
        GraphNodeItem *item = nodeItems_[i];
        if (n.kind == NodeKind::Ta || !item->isVisible())
            continue;
        const QSizeF size = item->size();
        bounds[n.guest] |= QRectF(item->pos() - QPointF(size.width() / 2, size.height() / 2), size);
    }
    for (GuestBoxItem *box : std::as_const(guestBoxes_))
        box->setNodesRect(bounds.value(box->guest()));
}

void GraphPage::applyGuestFilter()
{
    const CapabilityGraph &g = *graph_;
    filteredOut_ = QList<bool>(g.nodes.size(), false);
    const Selection *sel = selection();
    if (!sel || sel->guestFilter() == Selection::kAllGuests)
        return;
    for (int i = 0; i < g.nodes.size(); ++i)
        filteredOut_[i] = g.nodes[i].kind == NodeKind::Ta || !sel->showsGuest(g.nodes[i].guest);
    // A TA stays when a session of the guest shown was opened on it.
    for (const GraphEdge &e : g.edges)
        if (e.kind == EdgeKind::OpenedOn && !filteredOut_[e.from])
            filteredOut_[e.to] = false;
}

void GraphPage::applyStates()
{
    if (!graph_)
        return;
    const CapabilityGraph &g = *graph_;
    QSet<int> neighbours;
    if (selectedNode_ >= 0) {
        neighbours.insert(representative(selectedNode_));
        for (int e : g.edgesOf(selectedNode_)) {
            neighbours.insert(representative(g.edges[e].from));
            neighbours.insert(representative(g.edges[e].to));
        }
    }
    QHash<int, int> folded;
    for (int i = 0; i < g.nodes.size(); ++i)
        if (representative(i) != i)
            ++folded[representative(i)];
    const QSet<int> matchSet(matches_.begin(), matches_.end());
    const int current = currentMatch() >= 0 ? representative(currentMatch()) : -1;
    // A group shown stands out: what is not in it is dimmed (unless a node is selected).
    const bool groupShown = group_.isValid() && selectedNode_ < 0;
    QSet<int> groupEnds;
    for (int e : groupEdges_)
        groupEnds << g.edges[e].from << g.edges[e].to;
    applyGuestFilter();
    for (int i = 0; i < nodeItems_.size(); ++i) {
        GraphNodeItem *item = nodeItems_[i];
        const bool shown = representative(i) == i && !isFilteredOut(i);
        item->setVisible(shown);
        NodeState s;
        s.faded = timeMode_ && !g.nodes[i].life.contains(time_);
        s.dimmed = (selectedNode_ >= 0 && !neighbours.contains(i)) ||
                   (groupShown && !matchSet.contains(i) && !groupEnds.contains(i));
        s.selected = representative(selectedNode_) == i && selectedNode_ >= 0;
        s.match = matchSet.contains(i);
        s.current = i == current;
        s.folded = folded.value(i);
        item->setState(s);
    }
    for (EdgeItem *item : std::as_const(edgeItems_)) {
        const GraphEdge &e = g.edges[item->edge()];
        item->setFaded(timeMode_ && !e.life.contains(time_));
        const bool touches = selectedNode_ >= 0 && (e.from == selectedNode_ || e.to == selectedNode_);
        const bool inGroup = groupEdges_.contains(item->edge());
        item->setHighlighted(touches || inGroup);
        item->setDimmed((selectedNode_ >= 0 && !touches) || (groupShown && !inGroup));
    }
    updateEdges();
}

void GraphPage::setTime(qint64 ts)
{
    timeMode_ = true;
    time_ = std::clamp(ts, trace_.firstTs, std::max(trace_.firstTs, trace_.lastTs));
    updateTimeControls();
    applyStates();
}

void GraphPage::showWholeTrace()
{
    timeMode_ = false;
    updateTimeControls();
    applyStates();
}

void GraphPage::updateTimeControls()
{
    const qint64 span = trace_.lastTs - trace_.firstTs;
    const bool enabled = span > 0 && graph_ && !graph_->isEmpty();
    slider_->setEnabled(enabled);
    endOfTrace_->setEnabled(enabled);
    wholeTrace_->setEnabled(enabled);
    wholeTrace_->setChecked(!timeMode_);
    const QSignalBlocker block(slider_);
    if (timeMode_ && span > 0) {
        slider_->setValue(int(double(time_ - trace_.firstTs) / double(span) * kSliderSteps));
        timeLabel_->setText(formatTraceTime(time_, trace_.firstTs));
    } else {
        slider_->setValue(kSliderSteps);
        timeLabel_->setText(tr("whole trace"));
    }
}

GraphNodeItem *GraphPage::nodeItem(int node) const
{
    return node >= 0 && node < nodeItems_.size() ? nodeItems_[node] : nullptr;
}

EdgeItem *GraphPage::edgeItem(int edge) const
{
    return edge >= 0 && edge < edgeItems_.size() ? edgeItems_[edge] : nullptr;
}

void GraphPage::highlightNode(int node, bool centre)
{
    selectedNode_ = graph_ && node >= 0 && node < graph_->nodes.size() ? node : -1;
    applyStates();
    if (centre && selectedNode_ >= 0)
        frame();
}

void GraphPage::onSelectionItemChanged(ItemRef item)
{
    if (!graph_)
        return; // applied when the graph is shown
    switch (item.kind) {
    case ItemRef::Kind::Process:
    case ItemRef::Kind::Context:
    case ItemRef::Kind::Object:
    case ItemRef::Kind::Session: {
        const int node = graph_->indexOf(item);
        if (node != selectedNode_)
            highlightNode(node, true);
        return;
    }
    case ItemRef::Kind::Thread:
    case ItemRef::Kind::Invocation:
    case ItemRef::Kind::Request:
        break;
    default:
        highlightNode(-1, false);
        return;
    }
    // A thread shows its process; an invocation or callback request the object it called, or
    // the OP-TEE session it was made on.
    const int generation = lookupGeneration_.next();
    const QString path = trace_.dbPath;
    runJob<ItemRef>(
        this,
        [path, item] {
            const char *sql = item.kind == ItemRef::Kind::Thread
                                  ? "SELECT process_id, NULL FROM threads WHERE id = ?"
                              : item.kind == ItemRef::Kind::Invocation
                                  ? "SELECT object_id, session_id FROM invocations WHERE id = ?"
                                  : "SELECT r.object_id, i.session_id FROM callback_requests r"
                                    " LEFT JOIN invocations i ON i.id = r.invocation_id WHERE r.id = ?";
            const store::Database db = openTraceDb(path);
            store::Statement s(db.handle(), sql, db.path());
            s.bind(1, int64_t(item.id));
            ItemRef target;
            if (s.next() && !s.null_at(0))
                target = {item.kind == ItemRef::Kind::Thread ? ItemRef::Kind::Process : ItemRef::Kind::Object,
                          s.int_at(0)};
            else if (!s.null_at(1))
                target = {ItemRef::Kind::Session, s.int_at(1)};
            return target;
        },
        [this, generation](JobResult<ItemRef> result) {
            if (!lookupGeneration_.isCurrent(generation) || !graph_)
                return;
            highlightNode(result.ok() ? graph_->indexOf(*result.value) : -1, true);
        });
}

QStringList GraphPage::exportFormats() const
{
    return {QStringLiteral("svg"), QStringLiteral("png"), QStringLiteral("dot")};
}

bool GraphPage::renderTo(QPaintDevice *device, const QRectF &target)
{
    QPainter painter(device);
    if (!painter.isActive())
        return false;
    painter.setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing);
    painter.fillRect(target, palette().color(QPalette::Base));
    scene_->render(&painter, target, scene_->itemsBoundingRect().adjusted(-20, -20, 20, 20));
    return true;
}

bool GraphPage::exportTo(const QString &path, const QString &format, QString *error)
{
    auto fail = [error](const QString &message) {
        if (error)
            *error = message;
        return false;
    };
    if (!graph_ || nodeItems_.isEmpty())
        return fail(tr("there is no graph to export"));
    const QRectF source = scene_->itemsBoundingRect().adjusted(-20, -20, 20, 20);
    if (format == QLatin1String("dot")) {
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
            return fail(tr("cannot write %1: %2").arg(path, file.errorString()));
        const QByteArray dot = capabilityGraphToDot(
            *graph_, {QString(), layout_.engine == QLatin1String("grid") ? nullptr : &layout_});
        if (file.write(dot) != dot.size() || !file.flush())
            return fail(tr("cannot write %1: %2").arg(path, file.errorString()));
        return true;
    }
    if (format == QLatin1String("svg")) {
        QSvgGenerator svg;
        svg.setFileName(path);
        svg.setTitle(tr("teescope capability graph"));
        svg.setSize(source.size().toSize());
        svg.setViewBox(QRectF(QPointF(0, 0), source.size()));
        if (!renderTo(&svg, QRectF(QPointF(0, 0), source.size())))
            return fail(tr("cannot write %1").arg(path));
        if (!QFile::exists(path))
            return fail(tr("cannot write %1").arg(path));
        return true;
    }
    if (format == QLatin1String("png")) {
        // Twice the scene size for small graphs, capped for huge ones.
        const double scale = std::min(2.0, 12000.0 / std::max(source.width(), source.height()));
        QImage image((source.size() * scale).toSize().expandedTo(QSize(1, 1)),
                     QImage::Format_ARGB32_Premultiplied);
        if (image.isNull())
            return fail(tr("the graph is too large for an image"));
        if (!renderTo(&image, QRectF(QPointF(0, 0), image.size())))
            return fail(tr("cannot render the graph"));
        if (!image.save(path, "PNG"))
            return fail(tr("cannot write %1").arg(path));
        return true;
    }
    return ViewPage::exportTo(path, format, error);
}

void GraphPage::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::PaletteChange) {
        scene_->setPalette(palette());
        scene_->setBackgroundBrush(palette().color(QPalette::Base));
        if (message_)
            message_->setBrush(palette().color(QPalette::PlaceholderText));
    }
    ViewPage::changeEvent(event);
}

} // namespace teescope::gui
