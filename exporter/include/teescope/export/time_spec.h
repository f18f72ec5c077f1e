// SPDX-License-Identifier: MIT
// Times on the export command line: offsets from the trace start, in nanoseconds ("1500000") or
// with a unit ("1.5s", "250ms", "40us", "900ns").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace teescope::exporter {

// An offset in ns >= 0, or nullopt if `text` is not a number with an optional unit.
std::optional<int64_t> parse_offset(std::string_view text);

struct OffsetRange {
    int64_t begin = 0;
    int64_t end = 0;
};
// "A..B" with A <= B (each as parse_offset); nullopt with `why` set otherwise.
std::optional<OffsetRange> parse_offset_range(std::string_view text, std::string &why);

} // namespace teescope::exporter
