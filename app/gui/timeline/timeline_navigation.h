// SPDX-License-Identifier: MIT
// Keyboard navigation over the timeline's store: the lane above or below, the previous or next
// slice of a row, the first slice of a lane after or before a time. Pure functions of the data (no
// painting), so the view's keys are tested on their own.
#pragma once

#include "timeline/timeline_data.h"

#include <functional>

namespace teescope::gui {

// The next lane from `lane` in `direction` (+1 down, -1 up) that `shown` accepts and that has a
// place on screen; -1 if none. From lane -1 going down: the first shown lane; going up: the last.
int adjacentLane(const TimelineData &data, int lane, int direction, const std::function<bool(int)> &shown);

// The slice after (+1) or before (-1) `from` in its row, or an invalid Found at the row's end.
TimelineData::Found stepSlice(const TimelineData &data, const TimelineData::Found &from, int direction);

// In the first row of `lane`: the first slice that begins at or after `ts` (direction +1), or the
// last one that ends at or before it (direction -1); an invalid Found if none.
TimelineData::Found sliceFrom(const TimelineData &data, int lane, qint64 ts, int direction);

} // namespace teescope::gui
