// SPDX-License-Identifier: MIT
#include "graph/graph_view.h"

#include <algorithm>

#include "graph/graph_items.h"

#include <QContextMenuEvent>
#include <QKeyEvent>
#include <QMouseEvent>
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
}

void GraphView::fitAll()
{
    if (!scene())
        return;
    const QRectF r = scene()->itemsBoundingRect().adjusted(-20, -20, 20, 20);
    if (r.isEmpty())
        return;
    fitInView(r, Qt::KeepAspectRatio);
    // Small graphs are not blown up beyond their natural size.
    if (transform().m11() > 1.5)
        setTransform(QTransform::fromScale(1.5, 1.5));
    centerOn(r.center());
    // A tall drawing (many processes stacked by dot) fitted whole would be too small to read:
    // fit its width instead and show its top; the rest is a scroll away.
    constexpr double kReadable = 0.6;
    const double byWidth = std::min(1.5, 0.97 * viewport()->width() / r.width()); // room for a scroll bar
    if (transform().m11() < kReadable && byWidth >= kReadable) {
        setTransform(QTransform::fromScale(byWidth, byWidth));
        centerOn(r.center().x(), r.top() + viewport()->height() / (2 * byWidth));
    }
    userZoomed_ = false;
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
        fitAll();
        return;
    default:
        QGraphicsView::keyPressEvent(event);
    }
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
