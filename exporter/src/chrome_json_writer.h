// SPDX-License-Identifier: MIT
#pragma once

#include "timeline.h"

#include <ostream>

namespace teescope::exporter {

// Writes `t` in the Trace Event Format (JSON object form): process and thread names as "M"
// events, slices as complete "X" events, flows as "s" / "f" pairs (binding to the enclosing
// slice), instants "i" and counters "C". Times are microseconds from the trace start.
void write_chrome_json(const Timeline &t, std::ostream &out);

} // namespace teescope::exporter
