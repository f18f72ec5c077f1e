// SPDX-License-Identifier: MIT
#include "tables/latency_histogram_widget.h"

#include "core/format.h"
#include "core/theme.h"

#include <QPainter>

#include <algorithm>
#include <cmath>

namespace teescope::gui {

QList<qint64> LatencyHistogramWidget::countTicks(qint64 maxCount)
{
    QList<qint64> ticks{0};
    for (qint64 t = 1; t < maxCount; t *= 10)
        ticks << t;
    if (maxCount > 0)
        ticks << maxCount;
    return ticks;
}

LatencyHistogramWidget::LatencyHistogramWidget(QWidget *parent) : QWidget(parent)
{
    setAutoFillBackground(true);
    setBackgroundRole(QPalette::Base);
}

void LatencyHistogramWidget::setStats(std::shared_ptr<const LatencyStats> stats)
{
    stats_ = std::move(stats);
    update();
}

void LatencyHistogramWidget::setPlaceholder(const QString &text)
{
    placeholder_ = text;
    update();
}

void LatencyHistogramWidget::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    const QPalette pal = palette();
    const bool dark = isDark(pal);
    countLabels_.clear();
    if (!stats_ || stats_->count == 0) {
        p.setPen(pal.color(QPalette::Disabled, QPalette::Text));
        p.drawText(rect(), Qt::AlignCenter, placeholder_.isEmpty() ? tr("No invocations") : placeholder_);
        return;
    }
    const QFontMetrics fm = fontMetrics();
    const int left = fm.horizontalAdvance(QStringLiteral("1,000,000")) + 8;
    const int top = fm.height() + 6;
    const QRect plot(left, top, width() - left - 10, height() - top - fm.height() * 2 - 6);
    if (plot.width() < 10 || plot.height() < 10)
        return;

    const LatencyHistogram &h = stats_->histogram;
    // Always at least one decade wide, whole decades, so labels fall on powers of ten.
    const int per = LatencyHistogram::bucketsPerDecade;
    const int from = (h.firstBucket / per) * per;
    const int to = std::max((h.lastBucket() / per + 1) * per, from + per); // exclusive
    const double bucketWidth = double(plot.width()) / (to - from);
    // Counts on a log scale of count + 1: 0 on the baseline, the largest bin at the top.
    const double maxLog = std::log10(double(h.maxCount()) + 1.0);
    const auto countY = [&](qint64 count) {
        return plot.bottom() - std::log10(double(std::max<qint64>(count, 0)) + 1.0) / maxLog * plot.height();
    };
    const auto barHeight = [&](qint64 count) {
        return count <= 0 ? 0.0 : std::max(2.0, plot.bottom() - countY(count));
    };

    // Title: what this is, shortened to the widget's width rather than cut.
    p.setPen(pal.color(QPalette::Text));
    const QString what = tr("%1: %2 invocations")
                             .arg(callText(stats_->objectClass, stats_->op, stats_->opLabel), formatCount(stats_->count));
    QString title = what + tr(" (count, log scale)");
    if (fm.horizontalAdvance(title) > width() - 4)
        title = fm.elidedText(what, Qt::ElideRight, width() - 4);
    p.drawText(QRect(2, 0, width() - 4, top), Qt::AlignCenter, title);

    // Grid lines and labels at each decade of duration.
    p.setPen(pal.color(QPalette::Mid));
    p.drawLine(plot.bottomLeft(), plot.bottomRight());
    p.drawLine(plot.bottomLeft(), plot.topLeft());
    for (int b = from; b <= to; b += per) {
        const int x = plot.left() + int((b - from) * bucketWidth);
        p.setPen(pal.color(QPalette::Mid));
        p.drawLine(x, plot.bottom(), x, plot.bottom() + 4);
        p.setPen(pal.color(QPalette::Text));
        const QString label = formatDuration(LatencyHistogram::lowerBound(b));
        // Centred on its tick, but kept inside the widget.
        const int w = fm.horizontalAdvance(label) + 4;
        const int lx = std::clamp(x - w / 2, 0, std::max(0, width() - w));
        p.drawText(QRect(lx, plot.bottom() + 5, w, fm.height()), Qt::AlignHCenter | Qt::AlignTop, label);
    }
    // The count axis: 0 at the baseline, the largest count at the top, powers of ten between
    // where they have room.
    for (const qint64 count : countTicks(h.maxCount())) {
        const int y = int(std::lround(countY(count)));
        if (count != 0 && count != h.maxCount() &&
            (y - plot.top() < fm.height() || plot.bottom() - y < fm.height()))
            continue;
        p.setPen(pal.color(QPalette::Mid));
        p.drawLine(plot.left() - 3, y, plot.left(), y);
        p.setPen(pal.color(QPalette::Text));
        p.drawText(QRect(0, y - fm.height() / 2, left - 6, fm.height()), Qt::AlignRight | Qt::AlignVCenter,
                   formatCount(count));
        countLabels_ << formatCount(count);
    }

    const QColor bar = categoryColor(stats_->objectClass, dark);
    for (qsizetype i = 0; i < h.counts.size(); ++i) {
        const qint64 c = h.counts.at(i);
        if (c <= 0)
            continue;
        const double x = plot.left() + (h.firstBucket + i - from) * bucketWidth;
        const double bh = barHeight(c);
        p.fillRect(QRectF(x + 0.5, plot.bottom() - bh, std::max(1.0, bucketWidth - 1.0), bh), bar);
    }
    // The slowest invocation's bucket, outlined in the leak colour so it is easy to find.
    if (stats_->slowest) {
        const int b = LatencyHistogram::bucketOf(stats_->slowest->durationNs);
        const double x = plot.left() + (b - from) * bucketWidth;
        const double bh = barHeight(h.counts.value(b - h.firstBucket));
        p.setPen(QPen(leakColor(dark), 2));
        p.setBrush(Qt::NoBrush);
        p.drawRect(QRectF(x + 0.5, plot.bottom() - bh, std::max(1.0, bucketWidth - 1.0), bh));
    }
    p.setPen(pal.color(QPalette::Text));
    p.drawText(QRect(plot.left(), plot.bottom() + fm.height() + 4, plot.width(), fm.height()), Qt::AlignCenter,
               tr("driver-side duration"));
}

} // namespace teescope::gui
