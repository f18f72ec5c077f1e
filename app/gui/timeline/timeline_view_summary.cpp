// SPDX-License-Identifier: MIT
// The timeline zoomed out on a large trace: each lane painted from its summary, a pixel column
// per bucket run (how busy the top level was, how deep calls nested, where calls failed, the
// requests a supplicant served), and the overview strip from the same summaries.
#include "timeline/timeline_view.h"

#include "core/theme.h"

#include <QPainter>

#include <algorithm>
#include <cmath>

namespace teescope::gui {

namespace {

// The summary of a lane: its thread's, the driver's own for the driver lane.
const TimelineLaneSummary *laneSummary(const TimelineSummary &summary, const TimelineLane &lane)
{
    if (lane.kind == TimelineLane::Kind::Thread)
        return summary.lane(lane.threadId);
    if (lane.kind == TimelineLane::Kind::Driver)
        return summary.lane(0);
    return nullptr;
}

// The finest level whose buckets are at least `ns` wide, else the coarsest.
int levelFor(const TimelineSummary &summary, const TimelineLaneSummary &lane, double ns)
{
    int level = 0;
    while (level + 1 < int(lane.levels.size()) && double(summary.bucketNs(level + 1)) <= ns)
        ++level;
    return level;
}

} // namespace

bool TimelineView::paintsSummary() const
{
    return data_->isWindowed() && data_->summary() &&
           !data_->windowCovers(mapping_.viewBegin(), mapping_.viewEnd());
}

void TimelineView::paintLaneSummary(QPainter &p, int laneIndex, int left)
{
    const TimelineSummary &summary = *data_->summary();
    const TimelineLane &lane = data_->lanes()[size_t(laneIndex)];
    const TimelineLaneSummary *s = laneSummary(summary, lane);
    if (!s || s->levels.empty())
        return;
    const double ns = mapping_.nsPerPixel();
    const int level = levelFor(summary, *s, ns);
    const TimelineSummaryLevel &l = s->levels[size_t(level)];
    const int shift = summary.shift() + level;
    const qint64 bucketNs = summary.bucketNs(level);
    const int columns = int(std::ceil(mapping_.width()));
    const int row0 = lane.rowIndex(0), row1 = lane.rowIndex(1);
    const QColor busy = selectionColor(dark_);
    const QColor error = leakColor(dark_);
    const QColor served = taColor(dark_);
    const double h = kRowHeight - 2;
    // Per column: busy fraction of the top level and of the requests, deepest nesting, errors.
    struct Column { double busy = 0, served = 0; int depth = -1; bool error = false, any = false; };
    std::vector<Column> cols(size_t(std::max(columns, 0)));
    for (int x = 0; x < columns; ++x) {
        const qint64 t0 = mapping_.xToTs(x), t1 = std::max(t0 + 1, mapping_.xToTs(x + 1));
        const qint64 b0 = t0 <= summary.origin() ? 0 : (t0 - summary.origin()) >> shift;
        const qint64 b1 = std::max(b0, (t1 - 1 <= summary.origin() ? 0 : (t1 - 1 - summary.origin()) >> shift));
        const qint64 from = std::max<qint64>(b0, l.first), to = std::min<qint64>(b1, l.first + qint64(l.buckets.size()) - 1);
        if (from > to)
            continue;
        TimelineBucket sum;
        for (qint64 b = from; b <= to; ++b)
            sum.add(l.buckets[size_t(b - l.first)]);
        if (sum.empty())
            continue;
        const double span = double(bucketNs) * double(b1 - b0 + 1);
        Column &c = cols[size_t(x)];
        c.any = true;
        c.busy = std::min(1.0, double(sum.busyNs) / span);
        c.served = std::min(1.0, double(sum.requestBusyNs) / span);
        c.depth = sum.maxDepth;
        c.error = sum.errors > 0;
    }
    // Runs of columns drawn alike, in 8 shades of how busy they were.
    auto shade = [](double f) { return f <= 0 ? 0 : 1 + std::min(7, int(f * 7.999)); };
    auto paintRuns = [&](int row, auto value, const QColor &color) {
        if (row < 0)
            return;
        const double top = rowY(laneIndex, row) + 1;
        for (int x = 0; x < columns;) {
            const int v = value(cols[size_t(x)]);
            int end = x + 1;
            while (end < columns && value(cols[size_t(end)]) == v)
                ++end;
            if (v > 0) {
                QColor c = color;
                c.setAlpha(60 + v * 195 / 8);
                p.fillRect(QRectF(left + x, top, end - x, h), c);
            }
            x = end;
        }
    };
    paintRuns(row0, [&](const Column &c) { return c.any && c.depth >= 0 ? std::max(1, shade(c.busy)) : 0; }, busy);
    paintRuns(row1, [&](const Column &c) { return shade(c.served); }, served);
    for (int d = 1; d <= s->maxDepth; ++d)
        paintRuns(lane.rowIndex(2 * d), [&](const Column &c) { return c.depth >= d ? 4 : 0; }, busy);
    if (row0 >= 0) {
        const double top = rowY(laneIndex, row0) + 1;
        for (int x = 0; x < columns; ++x)
            if (cols[size_t(x)].error) {
                int end = x + 1;
                while (end < columns && cols[size_t(end)].error)
                    ++end;
                p.fillRect(QRectF(left + x, top + h - 3, end - x, 3), error);
                x = end;
            }
    }
}

void TimelineView::summaryOverview(std::vector<int> &busy, const TimeMapping &all) const
{
    const TimelineSummary &summary = *data_->summary();
    const int w = int(busy.size());
    for (size_t l = 0; l < data_->lanes().size(); ++l) {
        if (isLaneHidden(int(l)))
            continue;
        const TimelineLaneSummary *s = laneSummary(summary, data_->lanes()[l]);
        if (!s || s->levels.empty())
            continue;
        const int level = levelFor(summary, *s, all.nsPerPixel());
        const TimelineSummaryLevel &lv = s->levels[size_t(level)];
        const qint64 bucketNs = summary.bucketNs(level);
        for (size_t i = 0; i < lv.buckets.size(); ++i) {
            if (lv.buckets[i].count == 0 && lv.buckets[i].requests == 0)
                continue;
            const qint64 ts = summary.origin() + (lv.first + qint64(i)) * bucketNs;
            const int x0 = std::clamp(int(all.tsToX(ts)), 0, w - 1), x1 = std::clamp(int(all.tsToX(ts + bucketNs)), x0, w - 1);
            for (int x = x0; x <= x1; ++x)
                ++busy[size_t(x)];
        }
    }
}

} // namespace teescope::gui
