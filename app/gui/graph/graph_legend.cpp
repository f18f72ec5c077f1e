// SPDX-License-Identifier: MIT
#include "graph/graph_legend.h"

#include "core/theme.h"

#include <QPainter>

namespace teescope::gui
{

struct GraphLegend::Entry {
    enum Shape { Box, Pill, Ellipse, Line, DashedLine } shape;
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
    setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Fixed);
}

QList<GraphLegend::Entry> GraphLegend::entries() const
{
    const bool dark = isDark(palette());
    const QColor line = palette().color(QPalette::WindowText);
    return {
        {Entry::Box, processColor(dark), line, tr("process")},
        {Entry::Pill, contextColor(dark), line, tr("context")},
        {Entry::Ellipse, objectKindColor(QStringLiteral("qtee"), dark), line, tr("QTEE object")},
        {Entry::Ellipse, objectKindColor(QStringLiteral("callback"), dark), line, tr("callback")},
        {Entry::Ellipse, objectKindColor(QStringLiteral("memory"), dark), line, tr("memory")},
        {Entry::Ellipse, objectKindColor(QStringLiteral("root"), dark), line, tr("root")},
        {Entry::Ellipse, leakColor(dark).lighter(140), leakColor(dark), tr("leaked")},
        {Entry::Ellipse, palette().color(QPalette::Base), sharedColor(dark), tr("shared")},
        {Entry::Ellipse, palette().color(QPalette::Base), dataLossColor(dark), tr("data loss")},
        {Entry::Line, QColor(), dark ? QColor(0x7f, 0xc9, 0x8b) : QColor(0x2e, 0x7d, 0x32), tr("produced")},
        {Entry::Line, QColor(), processColor(dark).darker(dark ? 90 : 140), tr("invokes")},
        {Entry::DashedLine, QColor(), sharedColor(dark), tr("same secure object")},
    };
}

QSize GraphLegend::sizeHint() const
{
    int w = 0;
    for (const Entry &e : entries())
        w += kSwatch + kGap + fontMetrics().horizontalAdvance(e.text) + kSpacing;
    return {w, kRowHeight};
}

void GraphLegend::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    int x = 0;
    const int y = (height() - 12) / 2;
    for (const Entry &e : entries()) {
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
        }
        x += kSwatch + kGap;
        p.setPen(palette().color(QPalette::WindowText));
        const int tw = fontMetrics().horizontalAdvance(e.text);
        p.drawText(QRect(x, 0, tw, height()), Qt::AlignVCenter, e.text);
        x += tw + kSpacing;
    }
}

} // namespace teescope::gui
