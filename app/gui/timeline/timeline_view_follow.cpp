// SPDX-License-Identifier: MIT
// The timeline following "now" in live mode: the trace grows to the newest event committed, the
// view's right edge stays on it while following, and a line marks it.
#include "timeline/timeline_view.h"

#include "core/theme.h"

#include <QPainter>

namespace teescope::gui {

void TimelineView::setLive(bool live)
{
    if (live == live_)
        return;
    live_ = live;
    following_ = live;
    Q_EMIT followingChanged(isFollowing());
    update();
}

void TimelineView::setNow(qint64 now)
{
    now_ = now;
    if (now > mapping_.traceEnd())
        extendTrace(mapping_.traceBegin(), now); // follows now when following
    else if (isFollowing())
        showNow();
    update();
}

void TimelineView::followNow()
{
    const bool was = isFollowing();
    following_ = true;
    if (live_)
        showNow();
    else
        // A finished trace: End shows its end at the same zoom.
        showRangeKeepingFollow(mapping_.traceEnd() - mapping_.viewSpan(), mapping_.traceEnd());
    if (!was && isFollowing())
        Q_EMIT followingChanged(true);
}

void TimelineView::showNow()
{
    const qint64 end = std::max(now_, mapping_.traceEnd());
    // The whole trace so far stays the whole trace; a zoomed view keeps its span.
    if (mapping_.showsAll() || mapping_.viewEnd() == end)
        return;
    showRangeKeepingFollow(end - mapping_.viewSpan(), end);
}

void TimelineView::showRangeKeepingFollow(qint64 begin, qint64 end)
{
    mapping_.setView(begin, end);
    afterViewChange(false);
}

QString TimelineView::liveRulerText(const QString &text) const
{
    if (!live_)
        return text;
    return text + QStringLiteral(" · ") + (following_ ? tr("now") : tr("End: now"));
}

void TimelineView::paintNow(QPainter &p)
{
    if (!live_ || now_ <= 0)
        return;
    const double x = kHeaderWidth + mapping_.tsToX(now_);
    if (x < kHeaderWidth || x > width())
        return;
    QColor c = palette().color(QPalette::Highlight);
    c.setAlpha(160);
    p.setPen(QPen(c, 1, Qt::DashLine));
    const QRect lanes = lanesRect();
    p.drawLine(QPointF(x, lanes.top()), QPointF(x, lanes.bottom()));
}

} // namespace teescope::gui
