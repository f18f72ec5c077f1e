// SPDX-License-Identifier: MIT
#include "timeline/timeline_navigation.h"

#include <algorithm>

namespace teescope::gui {

int adjacentLane(const TimelineData &data, int lane, int direction, const std::function<bool(int)> &shown)
{
    const int count = int(data.lanes().size());
    if (count == 0 || direction == 0)
        return -1;
    int i = lane < 0 ? (direction > 0 ? 0 : count - 1) : lane + direction;
    for (; i >= 0 && i < count; i += direction)
        if (shown(i))
            return i;
    return -1;
}

TimelineData::Found stepSlice(const TimelineData &data, const TimelineData::Found &from, int direction)
{
    if (!from.ok() || size_t(from.lane) >= data.lanes().size())
        return {};
    const auto &rows = data.lanes()[size_t(from.lane)].rows;
    if (size_t(from.row) >= rows.size())
        return {};
    const int index = from.index + (direction > 0 ? 1 : -1);
    if (index < 0 || size_t(index) >= rows[size_t(from.row)].slices.size())
        return {};
    return {from.lane, from.row, index};
}

TimelineData::Found sliceFrom(const TimelineData &data, int lane, qint64 ts, int direction)
{
    if (lane < 0 || size_t(lane) >= data.lanes().size() || data.lanes()[size_t(lane)].rows.empty())
        return {};
    const auto &v = data.lanes()[size_t(lane)].rows.front().slices;
    if (direction > 0) {
        const auto it = std::partition_point(v.begin(), v.end(), [&](const TimelineSlice &s) { return s.begin < ts; });
        return it == v.end() ? TimelineData::Found{} : TimelineData::Found{lane, 0, int(it - v.begin())};
    }
    // Slices of a row do not overlap, so their ends are sorted too.
    const auto it = std::partition_point(v.begin(), v.end(), [&](const TimelineSlice &s) { return s.end <= ts; });
    return it == v.begin() ? TimelineData::Found{} : TimelineData::Found{lane, 0, int(it - v.begin()) - 1};
}

} // namespace teescope::gui
