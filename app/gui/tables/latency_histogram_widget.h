// SPDX-License-Identifier: MIT
// Histogram of the durations of one latency row: log-scaled duration buckets on x, the number
// of invocations on a log scale of count + 1 on y, from 0 at the baseline (a handful of outliers
// stays visible next to a million fast calls). Painted with QPainter.
#pragma once

#include "tables/latency_stats.h"

#include <QWidget>

#include <memory>

namespace teescope::gui {

class LatencyHistogramWidget : public QWidget {
    Q_OBJECT
public:
    explicit LatencyHistogramWidget(QWidget *parent = nullptr);

    // nullptr clears it; `placeholder` is shown when there is nothing to draw.
    void setStats(std::shared_ptr<const LatencyStats> stats);
    void setPlaceholder(const QString &text);
    const LatencyStats *stats() const { return stats_.get(); }
    // The counts labelled on the y axis, baseline first: 0, the powers of ten below the largest
    // count, the largest count.
    static QList<qint64> countTicks(qint64 maxCount);
    // The y axis labels of the last paint, bottom to top (empty before a paint with data).
    QStringList countAxisLabels() const { return countLabels_; }

    QSize sizeHint() const override { return {420, 220}; }
    QSize minimumSizeHint() const override { return {200, 120}; }

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    std::shared_ptr<const LatencyStats> stats_;
    QString placeholder_;
    QStringList countLabels_;
};

} // namespace teescope::gui
