// SPDX-License-Identifier: MIT
#pragma once

#include <string>

namespace teescope::importer {

// Takes (and clears) the current thread's Babeltrace2 error and returns its causes in words,
// the root cause first; `fallback` when there is none.
std::string take_bt_error(const std::string &fallback);

} // namespace teescope::importer
