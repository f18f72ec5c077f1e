// SPDX-License-Identifier: MIT
#include "graph/graph_view.h"

#include <algorithm>

#include "graph/graph_items.h"

#include <QContextMenuEvent>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QTimer>
#include <QWheelEvent>

namespace teescope::gui
{

GraphView::GraphView(QWidget *parent) : QGraphicsView(parent)
{
    setDragMode(QGraphicsView::ScrollHandDrag);
    setTransformationAnchor(QGraphicsView::AnchorUnderMouse);
    setResizeAnchor(QGraphicsView::AnchorViewCenter);
    setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing);
    // Nodes and edges are many small items: redraw the exposed region, not each bounding rect.
    setViewportUpdateMode(QGraphicsView::SmartViewportUpdate);
    setOptimizationFlags(QGraphicsView::DontSavePainterState);
    setFocusPolicy(Qt::StrongFocus);
}

void GraphView::zoomBy(double factor)
{
    const double current = transform().m11();
    const double next = std::clamp(current * factor, 0.01, 8.0);
    if (current <= 0)
        return;
    scale(next / current, next / current);
    userZoomed_ = true;
    pending_ = false;
}

bool GraphView::hasRealSize() const
{
    // A hidden page's view has a made-up size: nothing is framed by it.
    return isVisible() && viewport()->width() >= 64 && viewport()->height() >= 64;
}

void GraphView::fitAll()
{
    frameFocus(QRectF());
}

void GraphView::frameFocus(const QRectF &focus)
{
    focus_ = focus;
    centreOnly_ = false;
    userZoomed_ = false;
    pending_ = true;
    if (hasRealSize())
        applyFraming();
}

void GraphView::centreReadable(const QRectF &focus)
{
    focus_ = focus;
    centreOnly_ = true;
    pending_ = true;
    if (hasRealSize())
        applyCentre();
}

void GraphView::showActualSize()
{
    const QPointF centre = mapToScene(viewport()->rect().center());
    setTransform(QTransform());
    centerOn(centre);
    userZoomed_ = true;
    pending_ = false;
}

void GraphView::applyFraming()
{
    pending_ = false;
    if (!scene())
        return;
    const QRectF all = scene()->itemsBoundingRect().adjusted(-20, -20, 20, 20);
    if (all.isEmpty())
        return;
    const double vw = viewport()->width(), vh = viewport()->height();
    double s = std::min({vw / all.width(), vh / all.height(), kMaxFitZoom});
    const bool whole = s >= kReadableZoom;
    if (!whole) // too tall or too wide to read whole: fit the width, never below readable
        s = std::clamp(0.97 * vw / all.width(), kReadableZoom, kMaxFitZoom);
    QPointF centre = all.center();
    if (!whole && focus_.isNull()) {
        // The top of the drawing (its left part when even its width does not fit).
        centre = QPointF(all.width() * s <= vw ? all.center().x() : all.left() + vw / (2 * s), all.top() + vh / (2 * s));
    } else if (!whole) {
        const QRectF f = focus_.adjusted(-20, -20, 20, 20);
        const double fs = std::min(vw / f.width(), vh / f.height());
        if (fs < s)
            s = std::max(fs, kReadableZoom);
        centre = f.center();
        if (f.height() * s > vh)
            centre.setY(f.top() + vh / (2 * s));
    }
    setTransform(QTransform::fromScale(s, s));
    centerOn(centre);
}

void GraphView::applyCentre()
{
    pending_ = false;
    if (transform().m11() < kReadableZoom)
        setTransform(QTransform::fromScale(kReadableZoom, kReadableZoom));
    centerOn(focus_.center());
}

void GraphView::showEvent(QShowEvent *event)
{
    QGraphicsView::showEvent(event);
    const auto apply = [this] {
        if (!pending_ || !hasRealSize())
            return;
        centreOnly_ ? applyCentre() : applyFraming();
    };
    apply();
    // The scroll area may lay out its viewport after the show: try again once it has.
    if (pending_)
        QTimer::singleShot(0, this, apply);
}

void GraphView::resizeEvent(QResizeEvent *event)
{
    QGraphicsView::resizeEvent(event);
    if (!hasRealSize())
        return;
    if (pending_)
        centreOnly_ ? applyCentre() : applyFraming();
    else if (!userZoomed_)
        applyFraming(); // the framing follows the window until the user zooms or pans
}

GraphNodeItem *GraphView::nodeAt(QPoint viewPos) const
{
    for (QGraphicsItem *item : items(viewPos))
        if (auto *node = dynamic_cast<GraphNodeItem *>(item); node && node->isVisible())
            return node;
    return nullptr;
}

void GraphView::wheelEvent(QWheelEvent *event)
{
    const double steps = event->angleDelta().y() / 120.0;
    if (steps != 0)
        zoomBy(std::pow(1.2, steps));
    event->accept();
}

void GraphView::keyPressEvent(QKeyEvent *event)
{
    switch (event->key()) {
    case Qt::Key_Plus:
    case Qt::Key_Equal:
        zoomBy(1.25);
        return;
    case Qt::Key_Minus:
        zoomBy(0.8);
        return;
    case Qt::Key_0:
        showActualSize();
        return;
    case Qt::Key_F:
        if (event->modifiers() & (Qt::ControlModifier | Qt::AltModifier | Qt::MetaModifier))
            break;
        fitAll();
        return;
    default:
        break;
    }
    QGraphicsView::keyPressEvent(event);
}

void GraphView::mousePressEvent(QMouseEvent *event)
{
    pressPos_ = event->position().toPoint();
    QGraphicsView::mousePressEvent(event);
}

void GraphView::mouseReleaseEvent(QMouseEvent *event)
{
    QGraphicsView::mouseReleaseEvent(event);
    const QPoint pos = event->position().toPoint();
    if (event->button() != Qt::LeftButton)
        return;
    if ((pos - pressPos_).manhattanLength() > 4) {
        userZoomed_ = true; // panned
        pending_ = false;
        return;
    }
    GraphNodeItem *node = nodeAt(pos);
    Q_EMIT nodeClicked(node ? node->node() : -1);
}

void GraphView::mouseDoubleClickEvent(QMouseEvent *event)
{
    if (GraphNodeItem *node = nodeAt(event->position().toPoint())) {
        Q_EMIT nodeDoubleClicked(node->node());
        event->accept();
        return;
    }
    QGraphicsView::mouseDoubleClickEvent(event);
}

void GraphView::contextMenuEvent(QContextMenuEvent *event)
{
    GraphNodeItem *node = nodeAt(event->pos());
    Q_EMIT nodeContextMenu(node ? node->node() : -1, event->globalPos());
    event->accept();
}

} // namespace teescope::gui
