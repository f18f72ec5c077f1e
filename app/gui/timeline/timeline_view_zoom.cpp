// SPDX-License-Identifier: MIT
// The timeline view's interval and selection: zoom and pan, the selected slice, lane and range,
// and bringing a slice or a lane into view (keeping the zoom, or zooming to it). Painting and
// layout are in timeline_view.cpp, input in timeline_view_input.cpp.
#include "timeline/timeline_view.h"

#include <QScrollBar>

#include <algorithm>

namespace teescope::gui {

void TimelineView::afterViewChange(bool byUser)
{
    if (byUser && live_ && following_) {
        following_ = false;
        Q_EMIT followingChanged(false);
    }
    update();
    Q_EMIT viewChanged();
}

void TimelineView::showRange(qint64 begin, qint64 end)
{
    mapping_.setView(begin, end);
    afterViewChange();
}

void TimelineView::zoomBy(double factor)
{
    mapping_.zoom(factor, plotWidth() / 2);
    afterViewChange();
}

void TimelineView::panBy(double pixels)
{
    mapping_.pan(pixels);
    afterViewChange();
}

void TimelineView::resetZoom()
{
    mapping_.showAll();
    afterViewChange();
}

void TimelineView::setSelectedItem(ItemRef item)
{
    selected_ = item;
    selectedSlice_ = {};
    if (item.kind == ItemRef::Kind::Invocation || item.kind == ItemRef::Kind::Request)
        selectedSlice_ = data_->find(item.kind == ItemRef::Kind::Request, item.id);
    if (selectedSlice_.ok()) {
        cursorLane_ = selectedSlice_.lane;
        anchorTs_ = data_->slice(selectedSlice_).begin;
    } else if (item.kind == ItemRef::Kind::Thread) {
        cursorLane_ = data_->laneOfThread(item.id);
    } else if (item.kind == ItemRef::Kind::Process) {
        cursorLane_ = data_->laneOfProcess(item.id);
    } else {
        cursorLane_ = -1;
    }
    update();
}

void TimelineView::setSelectedRange(TimeRange range)
{
    range_ = range;
    update();
}

void TimelineView::revealLane(int lane)
{
    if (isLaneHidden(lane))
        return;
    if (laneOffsets_.size() != data_->lanes().size() + 1)
        layoutLanes();
    const int top = laneTop(lane), h = laneHeight(lane);
    if (h == 0)
        return; // no such lane
    const QRect area = lanesRect();
    if (top < area.top())
        vscroll_->setValue(vscroll_->value() - (area.top() - top));
    else if (top + h > area.bottom())
        vscroll_->setValue(vscroll_->value() + std::min(top + h - area.bottom(), top - area.top()));
}

void TimelineView::revealSlice(const TimelineData::Found &found)
{
    if (!found.ok())
        return;
    const TimelineSlice &s = data_->slice(found);
    // Visible as it is (a few pixels wide, inside the view): the zoom stays.
    const bool inView = s.begin >= mapping_.viewBegin() && s.end <= mapping_.viewEnd();
    if (inView && mapping_.tsToX(s.end) - mapping_.tsToX(s.begin) >= 3)
        scrollToSlice(found);
    else
        zoomToSlice(found);
}

void TimelineView::zoomToSlice(const TimelineData::Found &found)
{
    if (!found.ok())
        return;
    const TimelineSlice &s = data_->slice(found);
    const qint64 span = std::max<qint64>(s.end - s.begin, TimeMapping::kMinSpan);
    // The slice takes the middle half of the view.
    mapping_.setView(s.begin - span / 2, s.end + span / 2);
    revealLane(found.lane);
    afterViewChange();
}

void TimelineView::scrollToSlice(const TimelineData::Found &found)
{
    if (!found.ok())
        return;
    const TimelineSlice &s = data_->slice(found);
    const qint64 span = mapping_.viewSpan();
    bool moved = false;
    if (s.begin < mapping_.viewBegin() || s.end > mapping_.viewEnd()) {
        // Centred when it fits, else its start a little after the left edge.
        const qint64 begin = s.end - s.begin < span ? s.begin + (s.end - s.begin) / 2 - span / 2 : s.begin - span / 20;
        mapping_.setView(begin, begin + span);
        moved = true;
    }
    revealLane(found.lane);
    afterViewChange(moved);
}

bool TimelineView::zoomToSelection()
{
    if (selectedSlice_.ok()) {
        zoomToSlice(selectedSlice_);
        return true;
    }
    if (range_.isValid()) {
        const qint64 margin = (range_.end - range_.begin) / 20;
        showRange(range_.begin - margin, range_.end + margin);
        return true;
    }
    return false;
}

} // namespace teescope::gui
