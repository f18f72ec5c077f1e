// SPDX-License-Identifier: MIT
// The capability graph pictures of `teescope export` (dot, svg, png) are drawn by the GUI's own
// graph code: teescope-gui, next to this executable, runs it without a display.
#pragma once

#include <cstdint>
#include <string>

namespace teescope::cli {

// Writes the graph of `db` at trace time `at_ts` (ns) as `format` into `path`. Returns "" or
// what went wrong.
std::string draw_graph(const std::string &db, const std::string &format, int64_t at_ts, const std::string &path);

} // namespace teescope::cli
