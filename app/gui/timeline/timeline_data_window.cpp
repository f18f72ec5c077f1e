// SPDX-License-Identifier: MIT
// The timeline's store for a large trace: the summary, and the invocations of one time range (the
// window) in the rows; moving the window replaces them, so what is held is bounded by the range.
#include "timeline/timeline_data.h"

#include <algorithm>

namespace teescope::gui {

void TimelineData::setSummary(TimelineSummary &&summary)
{
    summary_ = std::move(summary);
    hasSummary_ = true;
    invocationTotal_ = std::max<qint64>(invocationTotal_, summary_.invocations());
    reserveRows();
}

void TimelineData::reserveRows()
{
    if (!hasSummary_)
        return;
    for (const TimelineLaneSummary &s : summary_.lanes()) {
        if (s.invocations == 0 && s.requests == 0)
            continue;
        const int laneIdx = laneOfThread(s.threadId);
        TimelineLane &lane = laneIdx >= 0 ? lanes_[size_t(laneIdx)] : driverLane();
        std::vector<int> levels;
        if (s.requests > 0)
            levels.push_back(1);
        for (int d = 0; d <= s.maxDepth; ++d)
            levels.push_back(2 * d);
        for (int level : levels) {
            if (lane.rowIndex(level) >= 0)
                continue;
            auto pos = std::find_if(lane.rows.begin(), lane.rows.end(), [level](const TimelineRow &r) { return r.level > level; });
            TimelineRow row;
            row.level = level;
            lane.rows.insert(pos, std::move(row));
        }
    }
}

void TimelineData::setWindow(TimelineChunk &&chunk, qint64 t0, qint64 t1)
{
    for (TimelineLane &lane : lanes_) {
        std::erase_if(lane.rows, [](const TimelineRow &r) { return r.overflow > 0; });
        for (TimelineRow &row : lane.rows) {
            row.slices.clear();
            row.slices.shrink_to_fit();
        }
        lane.invocations = 0;
        lane.requests = 0;
    }
    invocationErrors_.clear();
    requestErrors_.clear();
    waits_.clear();
    open_.clear();
    invocationCount_ = 0;
    reserveRows();
    windowBegin_ = t0;
    windowEnd_ = t1;
    for (const auto &r : requests_)
        if (r.slice.begin <= t1 && r.slice.end >= t0)
            place(r);
    apply(std::move(chunk));
    // The lanes' totals are the whole trace's, from the summary.
    if (hasSummary_)
        for (const TimelineLaneSummary &s : summary_.lanes()) {
            const int laneIdx = laneOfThread(s.threadId);
            if (laneIdx < 0)
                continue;
            lanes_[size_t(laneIdx)].invocations = s.invocations;
            lanes_[size_t(laneIdx)].requests = s.requests;
        }
}

} // namespace teescope::gui
