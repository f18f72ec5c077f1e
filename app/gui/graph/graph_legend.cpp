// SPDX-License-Identifier: MIT
#include "graph/graph_legend.h"

#include "core/theme.h"

#include <QPainter>

namespace teescope::gui
{

struct GraphLegend::Entry {
    enum Shape { Box, Pill, Ellipse, Line, DashedLine, Hexagon, Octagon, GuestBox } shape;
    QColor fill;
    QColor outline;
    QString text;
};

namespace
{
constexpr int kSwatch = 22, kGap = 6, kSpacing = 14, kRowHeight = 18;
}

GraphLegend::GraphLegend(QWidget *parent) : QWidget(parent)
{
    // As tall as its rows at the width it gets (heightForWidth).
    QSizePolicy policy(QSizePolicy::Preferred, QSizePolicy::Preferred);
    policy.setHeightForWidth(true);
    setSizePolicy(policy);
}

void GraphLegend::setContents(bool objects, bool sessions, bool guests)
{
    if (objects == objects_ && sessions == sessions_ && guests == guests_)
        return;
    objects_ = objects;
    sessions_ = sessions;
    guests_ = guests;
    updateGeometry();
    update();
}

QList<GraphLegend::Entry> GraphLegend::entries() const
{
    const bool dark = isDark(palette());
    const QColor line = palette().color(QPalette::WindowText);
    QList<Entry> e{
        {Entry::Box, processColor(dark), line, tr("process")},
        {Entry::Pill, contextColor(dark), line, tr("context")},
    };
    if (objects_ || !sessions_)
        e << Entry{Entry::Ellipse, objectKindColor(QStringLiteral("qtee"), dark), line, tr("QTEE object")}
          << Entry{Entry::Ellipse, objectKindColor(QStringLiteral("callback"), dark), line, tr("callback")}
          << Entry{Entry::Ellipse, objectKindColor(QStringLiteral("memory"), dark), line, tr("memory")}
          << Entry{Entry::Ellipse, objectKindColor(QStringLiteral("root"), dark), line, tr("root")};
    if (sessions_)
        e << Entry{Entry::Hexagon, sessionColor(dark), line, tr("session")}
          << Entry{Entry::Octagon, taColor(dark), line, tr("trusted application")};
    if (guests_)
        e << Entry{Entry::GuestBox, QColor(), guestColor(1, dark), tr("Xen guest")};
    e << Entry{Entry::Ellipse, leakColor(dark).lighter(140), leakColor(dark), tr("leaked")};
    if (objects_ || !sessions_)
        e << Entry{Entry::Ellipse, palette().color(QPalette::Base), sharedColor(dark), tr("shared")};
    e << Entry{Entry::Ellipse, palette().color(QPalette::Base), dataLossColor(dark), tr("data loss")};
    if (objects_ || !sessions_)
        e << Entry{Entry::Line, QColor(), dark ? QColor(0x7f, 0xc9, 0x8b) : QColor(0x2e, 0x7d, 0x32), tr("produced")};
    e << Entry{Entry::Line, QColor(), processColor(dark).darker(dark ? 90 : 140), tr("invokes")};
    if (sessions_)
        e << Entry{Entry::Line, QColor(), taColor(dark).darker(dark ? 100 : 150), tr("opened on")};
    if (objects_ || !sessions_)
        e << Entry{Entry::DashedLine, QColor(), sharedColor(dark), tr("same secure object")};
    return e;
}

int GraphLegend::entryWidth(const Entry &entry) const
{
    return kSwatch + kGap + fontMetrics().horizontalAdvance(entry.text) + kSpacing;
}

QSize GraphLegend::sizeHint() const
{
    int w = 0;
    for (const Entry &e : entries())
        w += entryWidth(e);
    return {w, kRowHeight};
}

int GraphLegend::heightForWidth(int width) const
{
    int x = 0, rows = 1;
    for (const Entry &e : entries()) {
        const int w = entryWidth(e);
        if (x > 0 && x + w - kSpacing > width) {
            ++rows;
            x = 0;
        }
        x += w;
    }
    return rows * kRowHeight;
}

void GraphLegend::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    int x = 0, top = 0;
    for (const Entry &e : entries()) {
        if (x > 0 && x + entryWidth(e) - kSpacing > width()) {
            x = 0; // on the next row
            top += kRowHeight;
        }
        const int y = top + (kRowHeight - 12) / 2;
        const QRectF swatch(x + 1, y, kSwatch - 2, 12);
        p.setPen(QPen(e.outline, e.shape == Entry::Line || e.shape == Entry::DashedLine ? 2 : 1.5,
                      e.shape == Entry::DashedLine ? Qt::DashLine : Qt::SolidLine));
        p.setBrush(e.fill.isValid() ? QBrush(e.fill) : Qt::NoBrush);
        switch (e.shape) {
        case Entry::Box:
            p.drawRect(swatch);
            break;
        case Entry::Pill:
            p.drawRoundedRect(swatch, 6, 6);
            break;
        case Entry::Ellipse:
            p.drawEllipse(swatch);
            break;
        case Entry::Line:
        case Entry::DashedLine:
            p.drawLine(swatch.left(), swatch.center().y(), swatch.right(), swatch.center().y());
            break;
        case Entry::Hexagon: {
            const double d = swatch.height() / 2;
            p.drawPolygon(QPolygonF({QPointF(swatch.left() + d, swatch.top()), QPointF(swatch.right() - d, swatch.top()),
                                     QPointF(swatch.right(), swatch.center().y()),
                                     QPointF(swatch.right() - d, swatch.bottom()),
                                     QPointF(swatch.left() + d, swatch.bottom()),
                                     QPointF(swatch.left(), swatch.center().y())}));
            break;
        }
        case Entry::Octagon: {
            const double d = swatch.height() * 0.3;
            p.drawPolygon(QPolygonF({QPointF(swatch.left() + d, swatch.top()), QPointF(swatch.right() - d, swatch.top()),
                                     QPointF(swatch.right(), swatch.top() + d), QPointF(swatch.right(), swatch.bottom() - d),
                                     QPointF(swatch.right() - d, swatch.bottom()), QPointF(swatch.left() + d, swatch.bottom()),
                                     QPointF(swatch.left(), swatch.bottom() - d), QPointF(swatch.left(), swatch.top() + d)}));
            break;
        }
        case Entry::GuestBox: {
            QColor fill = e.outline;
            fill.setAlpha(40);
            p.setBrush(fill);
            p.drawRoundedRect(swatch, 3, 3);
            break;
        }
        }
        x += kSwatch + kGap;
        p.setPen(palette().color(QPalette::WindowText));
        const int tw = fontMetrics().horizontalAdvance(e.text);
        p.drawText(QRect(x, top, tw, kRowHeight), Qt::AlignVCenter, e.text);
        x += tw + kSpacing;
    }
}

} // namespace teescope::gui
