// SPDX-License-Identifier: MIT
#include "tables/latency_scatter_widget.h"

#include "core/format.h"
#include "core/theme.h"

#include <QMouseEvent>
#include <QPainter>

#include <cmath>

namespace teescope::gui {

namespace {
double logDuration(qint64 ns)
{
    return std::log10(double(std::max<qint64>(ns, 1)));
}
// The y range in whole decades around [minNs, maxNs], at least one decade.
std::pair<double, double> decades(const LatencyStats &s)
{
    const double lo = std::floor(logDuration(s.minNs));
    const double hi = std::max(std::ceil(logDuration(s.maxNs)), lo + 1.0);
    return {lo, hi};
}
} // namespace

LatencyScatterWidget::LatencyScatterWidget(QWidget *parent) : QWidget(parent)
{
    setAutoFillBackground(true);
    setBackgroundRole(QPalette::Base);
}

void LatencyScatterWidget::setStats(std::shared_ptr<const LatencyStats> stats)
{
    stats_ = std::move(stats);
    update();
}

void LatencyScatterWidget::setPlaceholder(const QString &text)
{
    placeholder_ = text;
    update();
}

void LatencyScatterWidget::setTraceStart(qint64 ts)
{
    traceStart_ = ts;
    update();
}

void LatencyScatterWidget::setHighlightRange(TimeRange range)
{
    range_ = range;
    update();
}

void LatencyScatterWidget::setSelectedInvocation(std::optional<qint64> invocationId)
{
    selected_ = invocationId;
    update();
}

QRect LatencyScatterWidget::plotRect() const
{
    const QFontMetrics fm = fontMetrics();
    const int left = fm.horizontalAdvance(QStringLiteral("999 ms")) + 10;
    const int top = fm.height() + 6;
    return QRect(left, top, width() - left - 14, height() - top - fm.height() * 2 - 6);
}

QRect LatencyScatterWidget::dataRect() const
{
    // Points stay off the axes: the fastest and the first call would sit on them otherwise.
    return plotRect().adjusted(kInset, kInset, -kInset, -kInset);
}

QPointF LatencyScatterWidget::position(const LatencySample &sample) const
{
    const QRect plot = dataRect();
    if (!stats_)
        return {};
    const double span = std::max(1.0, double(stats_->maxTs) - double(stats_->minTs));
    const auto [lo, hi] = decades(*stats_);
    const double x = plot.left() + (double(sample.beginTs) - double(stats_->minTs)) / span * (plot.width() - 1);
    const double y = plot.bottom() - (logDuration(sample.durationNs) - lo) / (hi - lo) * (plot.height() - 1);
    return {x, y};
}

std::optional<qint64> LatencyScatterWidget::invocationAt(QPoint pos) const
{
    if (!stats_)
        return std::nullopt;
    constexpr double reach = 6.0;
    std::optional<qint64> best;
    double bestDistance = reach * reach;
    for (const LatencySample &s : stats_->points) {
        const QPointF d = position(s) - QPointF(pos);
        const double dist = d.x() * d.x() + d.y() * d.y();
        if (dist <= bestDistance) {
            bestDistance = dist;
            best = s.invocationId;
        }
    }
    return best;
}

void LatencyScatterWidget::mousePressEvent(QMouseEvent *event)
{
    if (event->button() != Qt::LeftButton)
        return QWidget::mousePressEvent(event);
    if (const auto id = invocationAt(event->position().toPoint())) {
        selected_ = id;
        update();
        Q_EMIT invocationClicked(*id);
    }
}

void LatencyScatterWidget::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    const QPalette pal = palette();
    const bool dark = isDark(pal);
    if (!stats_ || stats_->points.isEmpty()) {
        p.setPen(pal.color(QPalette::Disabled, QPalette::Text));
        p.drawText(rect(), Qt::AlignCenter, placeholder_.isEmpty() ? tr("No invocations") : placeholder_);
        return;
    }
    const QRect plot = plotRect();
    if (plot.width() < 10 || plot.height() < 10)
        return;
    const QFontMetrics fm = fontMetrics();

    p.setPen(pal.color(QPalette::Text));
    const QString title =
        stats_->sampled ? tr("Duration over time (log scale; a sample: %1 of %2 invocations drawn, and the slowest)")
                              .arg(formatCount(stats_->points.size()), formatCount(stats_->count))
        : stats_->downsampled ? tr("Duration over time (log scale; %1 of %2 invocations drawn)")
                                    .arg(formatCount(stats_->points.size()), formatCount(stats_->count))
                              : tr("Duration over time (log scale)");
    p.drawText(QRect(0, 0, width(), plot.top()), Qt::AlignCenter, title);

    // The selected time range, shaded behind the points.
    const double span = std::max(1.0, double(stats_->maxTs) - double(stats_->minTs));
    const QRect inner = dataRect();
    const auto xOf = [&](qint64 ts) { return inner.left() + (double(ts) - double(stats_->minTs)) / span * (inner.width() - 1); };
    if (range_.isValid() && range_.overlaps(stats_->minTs, stats_->maxTs + 1)) {
        QColor shade = selectionColor(dark);
        shade.setAlpha(70);
        const double x0 = std::max(double(plot.left()), xOf(range_.begin));
        const double x1 = std::min(double(plot.right()), xOf(range_.end));
        p.fillRect(QRectF(x0, plot.top(), std::max(1.0, x1 - x0), plot.height()), shade);
    }

    // Axes: decades of duration on y, begin and end time on x.
    const auto [lo, hi] = decades(*stats_);
    p.setPen(pal.color(QPalette::Mid));
    p.drawLine(plot.bottomLeft(), plot.bottomRight());
    p.drawLine(plot.bottomLeft(), plot.topLeft());
    for (double d = lo; d <= hi + 0.5; d += 1.0) {
        const int y = inner.bottom() - int((d - lo) / (hi - lo) * (inner.height() - 1));
        p.setPen(pal.color(QPalette::Midlight));
        p.drawLine(plot.left(), y, plot.right(), y);
        p.setPen(pal.color(QPalette::Text));
        p.drawText(QRect(0, y - fm.height() / 2, plot.left() - 4, fm.height()), Qt::AlignRight | Qt::AlignVCenter,
                   formatDuration(qint64(std::llround(std::pow(10.0, d)))));
    }
    p.drawText(QRect(plot.left(), plot.bottom() + 4, plot.width() / 2, fm.height()), Qt::AlignLeft | Qt::AlignTop,
               formatTraceTime(stats_->minTs, traceStart_));
    p.drawText(QRect(plot.left() + plot.width() / 2, plot.bottom() + 4, plot.width() / 2, fm.height()),
               Qt::AlignRight | Qt::AlignTop, formatTraceTime(stats_->maxTs, traceStart_));
    p.drawText(QRect(plot.left(), plot.bottom() + fm.height() + 4, plot.width(), fm.height()), Qt::AlignCenter,
               tr("driver begin time"));

    // The points: dots of kPointSize px with a darker rim, slightly transparent so dense areas
    // read darker. Small marks need more contrast than the bars: stronger than the class colour
    // on a light base, lighter on a dark one.
    QColor point = categoryColor(stats_->objectClass, dark);
    point = dark ? point.lighter(170) : point.darker(125);
    QColor rim = dark ? point.lighter(130) : point.darker(150);
    point.setAlpha(210);
    rim.setAlpha(230);
    p.setRenderHint(QPainter::Antialiasing);
    p.setPen(QPen(rim, 1));
    p.setBrush(point);
    const double radius = kPointSize / 2.0;
    for (const LatencySample &s : stats_->points)
        p.drawEllipse(position(s), radius, radius);
    p.setBrush(Qt::NoBrush);
    if (stats_->slowest) {
        p.setPen(QPen(leakColor(dark), 2));
        p.drawEllipse(position(*stats_->slowest), 5, 5);
    }
    if (selected_) {
        for (const LatencySample &s : stats_->points) {
            if (s.invocationId == *selected_) {
                p.setPen(QPen(selectionColor(dark), 2));
                p.drawEllipse(position(s), 7, 7);
                break;
            }
        }
    }
}

} // namespace teescope::gui
