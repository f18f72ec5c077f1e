// SPDX-License-Identifier: MIT
// The timeline's summaries of a large trace, as the store builds them (from the timeline_*
// tables an import wrote, or in one pass over the invocations).
#pragma once

#include "teescope/store/timeline_summary.h"

namespace teescope::gui {

using TimelineBucket = store::TimelineBucket;
using TimelineSummaryLevel = store::TimelineSummaryLevel;
using TimelineLaneSummary = store::TimelineLaneSummary;
using TimelineSummaryRow = store::TimelineSummaryRow;
using TimelineSummary = store::TimelineSummary;

} // namespace teescope::gui
