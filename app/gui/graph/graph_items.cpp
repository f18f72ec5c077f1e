// SPDX-License-Identifier: MIT
#include "graph/graph_items.h"

#include "core/format.h"
#include "core/theme.h"
#include "graph/graph_layout.h"

#include <QCoreApplication>
#include <QGraphicsScene>
#include <QPainter>
#include <QStyleOptionGraphicsItem>
#include <QtMath>

namespace teescope::gui
{

namespace
{

constexpr double kBadge = 12; // diameter of the leak / shared / data loss badges
// Below this zoom level the text would be unreadable: shapes only.
constexpr double kTextLevel = 0.45;
// Below this one a node is a plain box and an edge a hairline, without antialiasing: a whole
// graph of 10 000 nodes then paints in a fraction of the time.
constexpr double kShapeLevel = 0.2;

bool darkScene(const QGraphicsItem *item)
{
    return item->scene() && isDark(item->scene()->palette());
}

void drawBadge(QPainter *p, QPointF centre, const QColor &color, const QString &text, bool withText)
{
    p->setPen(QPen(Qt::white, 1));
    p->setBrush(color);
    p->drawEllipse(centre, kBadge / 2, kBadge / 2);
    if (withText) {
        QFont f = p->font();
        f.setBold(true);
        f.setPointSizeF(6.5);
        p->setFont(f);
        p->drawText(QRectF(centre.x() - kBadge / 2, centre.y() - kBadge / 2, kBadge, kBadge), Qt::AlignCenter,
                    text);
    }
}

} // namespace

QColor matchColor(bool dark)
{
    return dark ? QColor(0x4c, 0xe0, 0x7a) : QColor(0x00, 0xa6, 0x3c);
}

GraphNodeItem::GraphNodeItem(int node, const GraphNode &data)
    : node_(node), ref_(data.ref()), label_(data.label), size_(nodeSize(data.kind)), leaked_(data.leaked),
      shared_(data.shared), dataLoss_(data.dataLoss)
{
    setZValue(1);
    setAcceptHoverEvents(false);
    setCacheMode(QGraphicsItem::NoCache);
}

void GraphNodeItem::setState(const NodeState &state)
{
    const bool changed = state.selected != state_.selected || state.match != state_.match ||
                         state.current != state_.current || state.folded != state_.folded;
    state_ = state;
    setOpacity(state.faded ? 0.18 : state.dimmed ? 0.35 : 1.0);
    setZValue(state.current ? 4 : state.selected || state.match ? 3 : 1);
    if (changed)
        update();
}

QRectF GraphNodeItem::boundingRect() const
{
    // Room for the selection ring and the badges that stick out of the corners.
    const double m = kBadge / 2 + 10;
    return QRectF(-size_.width() / 2 - m, -size_.height() / 2 - m, size_.width() + 2 * m,
                  size_.height() + 2 * m);
}

QPointF GraphNodeItem::boundaryPoint(QPointF outside) const
{
    const QPointF c = pos();
    const QPointF d = outside - c;
    if (qFuzzyIsNull(d.x()) && qFuzzyIsNull(d.y()))
        return c;
    const double a = size_.width() / 2, b = size_.height() / 2;
    double t;
    if (isElliptic()) {
        t = 1.0 / std::sqrt((d.x() * d.x()) / (a * a) + (d.y() * d.y()) / (b * b));
    } else {
        const double tx = qFuzzyIsNull(d.x()) ? 1e9 : a / std::abs(d.x());
        const double ty = qFuzzyIsNull(d.y()) ? 1e9 : b / std::abs(d.y());
        t = std::min(tx, ty);
    }
    return c + d * std::min(t, 1.0);
}

void GraphNodeItem::paint(QPainter *p, const QStyleOptionGraphicsItem *option, QWidget *)
{
    const bool dark = darkScene(this);
    const double lod = option->levelOfDetailFromTransform(p->worldTransform());
    const QRectF r(-size_.width() / 2, -size_.height() / 2, size_.width(), size_.height());

    if (lod < kShapeLevel) {
        p->setRenderHint(QPainter::Antialiasing, false);
        const QColor fill = state_.selected ? selectionColor(dark)
                            : state_.match  ? matchColor(dark)
                            : leaked_       ? leakColor(dark)
                            : shared_       ? sharedColor(dark)
                                            : fillColor(dark);
        p->fillRect(state_.match || state_.selected ? r.adjusted(-6, -6, 6, 6) : r, fill);
        return;
    }

    // Matches get a solid ring; the current match a wider one with a dark (light) rim so that it
    // stands out among the others; the selection its own colour inside.
    if (state_.match) {
        p->setBrush(Qt::NoBrush);
        if (state_.current) {
            p->setPen(QPen(dark ? Qt::white : Qt::black, 9));
            paintShape(p, r.adjusted(-5, -5, 5, 5));
            p->setPen(QPen(matchColor(dark), 6));
            paintShape(p, r.adjusted(-5, -5, 5, 5));
        } else {
            p->setPen(QPen(matchColor(dark), 4));
            paintShape(p, r.adjusted(-4, -4, 4, 4));
        }
    }
    if (state_.selected) {
        p->setPen(QPen(selectionColor(dark), 4));
        p->setBrush(Qt::NoBrush);
        paintShape(p, r.adjusted(-2, -2, 2, 2));
    }

    QPen outline(dark ? QColor(0xdf, 0xe1, 0xe5, 150) : QColor(0x30, 0x30, 0x30, 160), 1);
    if (leaked_)
        outline = QPen(leakColor(dark), 3);
    else if (shared_)
        outline = QPen(sharedColor(dark), 3);
    if (dataLoss_)
        outline.setStyle(Qt::DashLine);
    p->setPen(outline);
    // Leaked objects are filled with a tint of the leak colour so they stand out at any zoom.
    QColor fill = fillColor(dark);
    if (leaked_) {
        const QColor l = leakColor(dark);
        fill =
            QColor((fill.red() + l.red()) / 2, (fill.green() + l.green()) / 2, (fill.blue() + l.blue()) / 2);
    }
    p->setBrush(fill);
    paintShape(p, r);

    const bool text = lod >= kTextLevel;
    if (text) {
        QFont f = p->font();
        f.setPointSizeF(7.5);
        f.setBold(ref_.kind == ItemRef::Kind::Process);
        p->setFont(f);
        p->setPen(dark ? QColor(0xf0, 0xf0, 0xf0) : QColor(0x10, 0x10, 0x10));
        const QRectF inside = r.adjusted(5, 0, -5, 0);
        const qsizetype pidAt = ref_.kind == ItemRef::Kind::Process ? label_.lastIndexOf(QStringLiteral(" (pid ")) : -1;
        const QString elided = p->fontMetrics().elidedText(label_, Qt::ElideMiddle, int(inside.width()));
        if (pidAt > 0) {
            // A process: its name on one line, elided at its end, and its pid whole below it,
            // since the processes of one program differ by their pid only.
            const double half = inside.height() / 2;
            p->drawText(QRectF(inside.left(), inside.top(), inside.width(), half), Qt::AlignHCenter | Qt::AlignBottom,
                        p->fontMetrics().elidedText(label_.left(pidAt), Qt::ElideRight, int(inside.width())));
            QString below = label_.mid(pidAt + 1);
            if (state_.folded > 0)
                below += QStringLiteral(" · ") +
                         QCoreApplication::translate("GraphNodeItem", "+%n folded", nullptr, state_.folded);
            QFont small = p->font();
            small.setBold(false);
            small.setPointSizeF(6.5);
            p->setFont(small);
            p->drawText(QRectF(inside.left(), inside.top() + half, inside.width(), half), Qt::AlignHCenter | Qt::AlignTop,
                        p->fontMetrics().elidedText(below, Qt::ElideRight, int(inside.width())));
        } else if (state_.folded > 0) {
            // The name keeps its line; what is folded into the process goes below it.
            const double half = inside.height() / 2;
            p->drawText(QRectF(inside.left(), inside.top(), inside.width(), half), Qt::AlignHCenter | Qt::AlignBottom,
                        elided);
            QFont small = p->font();
            small.setBold(false);
            small.setPointSizeF(6.5);
            p->setFont(small);
            p->drawText(QRectF(inside.left(), inside.top() + half, inside.width(), half),
                        Qt::AlignHCenter | Qt::AlignTop, QCoreApplication::translate("GraphNodeItem", "+%n folded", nullptr, state_.folded));
        } else {
            p->drawText(inside, Qt::AlignCenter, elided);
        }
    }

    // Badges: leak top right, shared next to it, data loss top left.
    double x = r.right() - 2;
    if (leaked_) {
        drawBadge(p, QPointF(x, r.top() + 1), leakColor(dark), QStringLiteral("!"), text);
        x -= kBadge + 2;
    }
    if (shared_)
        drawBadge(p, QPointF(x, r.top() + 1), sharedColor(dark), QStringLiteral("2"), text);
    if (dataLoss_)
        drawBadge(p, QPointF(r.left() + 2, r.top() + 1), dataLossColor(dark), QStringLiteral("?"), text);
}

void ProcessItem::paintShape(QPainter *p, const QRectF &r) const
{
    p->drawRoundedRect(r, 4, 4);
}
QColor ProcessItem::fillColor(bool dark) const
{
    return processColor(dark);
}

void ContextItem::paintShape(QPainter *p, const QRectF &r) const
{
    p->drawRoundedRect(r, r.height() / 2, r.height() / 2);
}
QColor ContextItem::fillColor(bool dark) const
{
    return contextColor(dark);
}

ObjectItem::ObjectItem(int node, const GraphNode &data)
    : GraphNodeItem(node, data), objectKind_(data.objectKind)
{
}
void ObjectItem::paintShape(QPainter *p, const QRectF &r) const
{
    p->drawEllipse(r);
}
QColor ObjectItem::fillColor(bool dark) const
{
    return objectKindColor(objectKind_, dark);
}

namespace
{
QPolygonF hexagon(const QRectF &r)
{
    const double d = r.height() / 2;
    return QPolygonF({QPointF(r.left() + d, r.top()), QPointF(r.right() - d, r.top()), QPointF(r.right(), r.center().y()),
                      QPointF(r.right() - d, r.bottom()), QPointF(r.left() + d, r.bottom()),
                      QPointF(r.left(), r.center().y())});
}

QPolygonF octagon(const QRectF &r)
{
    const double d = r.height() * 0.3;
    return QPolygonF({QPointF(r.left() + d, r.top()), QPointF(r.right() - d, r.top()), QPointF(r.right(), r.top() + d),
                      QPointF(r.right(), r.bottom() - d), QPointF(r.right() - d, r.bottom()),
                      QPointF(r.left() + d, r.bottom()), QPointF(r.left(), r.bottom() - d),
                      QPointF(r.left(), r.top() + d)});
}
} // namespace

void SessionItem::paintShape(QPainter *p, const QRectF &r) const
{
    p->drawPolygon(hexagon(r));
}
QColor SessionItem::fillColor(bool dark) const
{
    return sessionColor(dark);
}

void TaItem::paintShape(QPainter *p, const QRectF &r) const
{
    p->drawPolygon(octagon(r));
    // The secure world: a second outline inside.
    const QPen pen = p->pen();
    if (pen.style() != Qt::NoPen && p->brush().style() != Qt::NoBrush) {
        p->setBrush(Qt::NoBrush);
        p->drawPolygon(octagon(r.adjusted(3, 3, -3, -3)));
    }
}
QColor TaItem::fillColor(bool dark) const
{
    return taColor(dark);
}

GraphNodeItem *createNodeItem(int node, const GraphNode &data)
{
    switch (data.kind) {
    case NodeKind::Process:
        return new ProcessItem(node, data);
    case NodeKind::Context:
        return new ContextItem(node, data);
    case NodeKind::Object:
        return new ObjectItem(node, data);
    case NodeKind::Session:
        return new SessionItem(node, data);
    case NodeKind::Ta:
        return new TaItem(node, data);
    }
    return nullptr;
}

namespace
{
constexpr double kGuestMargin = 14, kGuestLabel = 18;
}

GuestBoxItem::GuestBoxItem(int guest) : guest_(guest)
{
    setZValue(-1);
    setAcceptedMouseButtons(Qt::NoButton);
}

void GuestBoxItem::setNodesRect(const QRectF &nodes)
{
    if (nodes == nodes_)
        return;
    prepareGeometryChange();
    nodes_ = nodes;
}

QRectF GuestBoxItem::boxRect() const
{
    if (nodes_.isEmpty())
        return {};
    return nodes_.adjusted(-kGuestMargin, -kGuestMargin - kGuestLabel, kGuestMargin, kGuestMargin);
}

QRectF GuestBoxItem::boundingRect() const
{
    return boxRect().adjusted(-2, -2, 2, 2);
}

void GuestBoxItem::paint(QPainter *p, const QStyleOptionGraphicsItem *option, QWidget *)
{
    const QRectF box = boxRect();
    if (box.isEmpty())
        return;
    const bool dark = darkScene(this);
    const QColor c = guestColor(guest_, dark);
    QColor fill = c;
    fill.setAlpha(dark ? 40 : 26);
    const double lod = option->levelOfDetailFromTransform(p->worldTransform());
    QPen pen(c, 2);
    pen.setCosmetic(lod < 0.3);
    p->setPen(pen);
    p->setBrush(fill);
    p->drawRoundedRect(box, 8, 8);
    if (lod >= kTextLevel) {
        QFont f = p->font();
        f.setPointSizeF(9);
        f.setBold(true);
        p->setFont(f);
        p->setPen(c);
        p->drawText(QRectF(box.left() + 8, box.top() + 2, box.width() - 16, kGuestLabel), Qt::AlignLeft | Qt::AlignVCenter,
                    guestLabel(guest_));
    }
}

EdgeItem::EdgeItem(int edge, const GraphEdge &data, const QString &label)
    : edge_(edge), kind_(data.kind), label_(label)
{
    width_ = 1.2;
    if (kind_ == EdgeKind::Invokes)
        width_ = 1.0 + std::min(4.0, std::log10(double(std::max<qint64>(data.calls, 1))));
    setZValue(kind_ == EdgeKind::Invokes ? 0.5 : 0);
}

void EdgeItem::setEnds(QPointF from, QPointF to)
{
    if (from == from_ && to == to_)
        return;
    prepareGeometryChange();
    from_ = from;
    to_ = to;
}

void EdgeItem::updateOpacity()
{
    setOpacity(faded_ ? 0.12 : dimmed_ ? 0.2 : 1.0);
}
void EdgeItem::setFaded(bool faded)
{
    faded_ = faded;
    updateOpacity();
}
void EdgeItem::setDimmed(bool dimmed)
{
    dimmed_ = dimmed;
    updateOpacity();
}
void EdgeItem::setHighlighted(bool highlighted)
{
    if (highlighted == highlighted_)
        return;
    highlighted_ = highlighted;
    setZValue(highlighted ? 2 : kind_ == EdgeKind::Invokes ? 0.5 : 0);
    update();
}

QRectF EdgeItem::boundingRect() const
{
    QRectF r = QRectF(from_, to_).normalized().adjusted(-8, -8, 8, 8);
    if (!label_.isEmpty())
        r |= QRectF(QLineF(from_, to_).pointAt(0.6) - QPointF(60, 12), QSizeF(120, 24));
    return r;
}

QPainterPath EdgeItem::shape() const
{
    QPainterPath path(from_);
    path.lineTo(to_);
    QPainterPathStroker stroker;
    stroker.setWidth(6);
    return stroker.createStroke(path);
}

void EdgeItem::paint(QPainter *p, const QStyleOptionGraphicsItem *option, QWidget *)
{
    const bool dark = darkScene(this);
    const double lod = option->levelOfDetailFromTransform(p->worldTransform());
    QColor color = dark ? QColor(0xb0, 0xb4, 0xba) : QColor(0x60, 0x64, 0x6a);
    Qt::PenStyle style = Qt::SolidLine;
    bool arrow = true;
    switch (kind_) {
    case EdgeKind::Opens:
        arrow = false;
        break;
    case EdgeKind::Uses:
        style = Qt::DashLine;
        break;
    case EdgeKind::Holds:
        break;
    case EdgeKind::Hosts:
        style = Qt::DotLine;
        arrow = false;
        break;
    case EdgeKind::Provenance:
        color = dark ? QColor(0x7f, 0xc9, 0x8b) : QColor(0x2e, 0x7d, 0x32);
        break;
    case EdgeKind::Invokes:
        color = processColor(dark).darker(dark ? 90 : 140);
        break;
    case EdgeKind::SameSecureObject:
        color = sharedColor(dark);
        style = Qt::DashLine;
        arrow = false;
        break;
    case EdgeKind::OpenedOn:
        color = taColor(dark).darker(dark ? 100 : 150);
        break;
    }
    if (highlighted_)
        color = selectionColor(dark);
    if (lod < kShapeLevel) {
        p->setRenderHint(QPainter::Antialiasing, false);
        p->setPen(QPen(color, 0));
        p->drawLine(from_, to_);
        return;
    }
    QPen pen(color, highlighted_ ? width_ + 1.5 : width_, style);
    pen.setCosmetic(lod < 0.3); // keep lines visible when zoomed far out
    p->setPen(pen);
    p->drawLine(from_, to_);

    const QLineF line(from_, to_);
    if (arrow && lod >= 0.3 && line.length() > 12) {
        const double angle = std::atan2(from_.y() - to_.y(), from_.x() - to_.x());
        const double s = 7 + width_;
        const QPointF a = to_ + QPointF(std::cos(angle + 0.4) * s, std::sin(angle + 0.4) * s);
        const QPointF b = to_ + QPointF(std::cos(angle - 0.4) * s, std::sin(angle - 0.4) * s);
        p->setPen(Qt::NoPen);
        p->setBrush(color);
        p->drawPolygon(QPolygonF({to_, a, b}));
    }
    if (!label_.isEmpty() && lod >= kTextLevel + 0.15 && line.length() > 60) {
        QFont f = p->font();
        f.setPointSizeF(6.5);
        p->setFont(f);
        // Past the middle: lines fan out of a process, their middles crowd near it.
        const QPointF mid = line.pointAt(0.6);
        const QRectF box(mid - QPointF(55, 8), QSizeF(110, 16));
        p->setPen(color);
        p->drawText(box, Qt::AlignCenter, label_);
    }
}

} // namespace teescope::gui
