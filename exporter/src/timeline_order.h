// SPDX-License-Identifier: MIT
#pragma once

#include "timeline.h"

namespace teescope::exporter {

// Makes the slices of each thread nest (a slice that outlives its parent ends with it; counted
// in clipped_slices) and fills Timeline::events in writing order.
void order_timeline(Timeline &t);

} // namespace teescope::exporter
