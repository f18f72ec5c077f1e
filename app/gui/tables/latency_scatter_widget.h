// SPDX-License-Identifier: MIT
// Latency over time of one latency row: x = driver begin time, y = duration on a log scale.
// Shades the selected time range, rings the selected invocation and the slowest one; a click
// on a point reports its invocation. Painted with QPainter.
#pragma once

#include "core/selection.h"
#include "tables/latency_stats.h"

#include <QWidget>

#include <memory>
#include <optional>

namespace teescope::gui {

class LatencyScatterWidget : public QWidget {
    Q_OBJECT
public:
    explicit LatencyScatterWidget(QWidget *parent = nullptr);

    void setStats(std::shared_ptr<const LatencyStats> stats);
    void setPlaceholder(const QString &text);
    // Times are labelled relative to the start of the trace.
    void setTraceStart(qint64 ts);
    void setHighlightRange(TimeRange range);
    TimeRange highlightRange() const { return range_; }
    void setSelectedInvocation(std::optional<qint64> invocationId);
    const LatencyStats *stats() const { return stats_.get(); }

    // Diameter of a point, and the room kept between the axes and the points.
    static constexpr int kPointSize = 5;
    static constexpr int kInset = 6;
    // The axes' rectangle; the points' rectangle inside it (kInset px in from the axes); where
    // a sample is drawn, and the invocation drawn nearest to `pos` (within a few pixels).
    QRect plotRect() const;
    QRect dataRect() const;
    QPointF position(const LatencySample &sample) const;
    std::optional<qint64> invocationAt(QPoint pos) const;

    QSize sizeHint() const override { return {520, 220}; }
    QSize minimumSizeHint() const override { return {200, 120}; }

Q_SIGNALS:
    void invocationClicked(qint64 invocationId);

protected:
    void paintEvent(QPaintEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;

private:
    std::shared_ptr<const LatencyStats> stats_;
    QString placeholder_;
    qint64 traceStart_ = 0;
    TimeRange range_;
    std::optional<qint64> selected_;
};

} // namespace teescope::gui
