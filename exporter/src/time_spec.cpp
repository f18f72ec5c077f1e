// SPDX-License-Identifier: MIT
#include "teescope/export/time_spec.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace teescope::exporter {

std::optional<int64_t> parse_offset(std::string_view text)
{
    size_t digits = 0;
    while (digits < text.size() && (std::isdigit(static_cast<unsigned char>(text[digits])) || text[digits] == '.'))
        ++digits;
    const std::string number(text.substr(0, digits));
    const std::string_view unit = text.substr(digits);
    if (number.empty() || number == "." || number.find('.') != number.rfind('.'))
        return std::nullopt;
    double scale = 0;
    if (unit.empty() || unit == "ns")
        scale = 1;
    else if (unit == "us")
        scale = 1e3;
    else if (unit == "ms")
        scale = 1e6;
    else if (unit == "s")
        scale = 1e9;
    else
        return std::nullopt;
    // Whole nanoseconds without a unit stay exact; fractions go through a double.
    if (scale == 1 && number.find('.') == std::string::npos) {
        char *end = nullptr;
        errno = 0;
        const long long v = std::strtoll(number.c_str(), &end, 10);
        if (errno || *end)
            return std::nullopt;
        return v;
    }
    const double v = std::strtod(number.c_str(), nullptr) * scale;
    if (!std::isfinite(v) || v > 9.2e18)
        return std::nullopt;
    return static_cast<int64_t>(std::llround(v));
}

std::optional<OffsetRange> parse_offset_range(std::string_view text, std::string &why)
{
    const size_t dots = text.find("..");
    if (dots == std::string_view::npos) {
        why = "a range is A..B";
        return std::nullopt;
    }
    const auto begin = parse_offset(text.substr(0, dots));
    const auto end = parse_offset(text.substr(dots + 2));
    if (!begin || !end) {
        why = "A and B are offsets from the trace start: nanoseconds, or a number with ns, us, ms or s";
        return std::nullopt;
    }
    if (*begin > *end) {
        why = "its start is after its end";
        return std::nullopt;
    }
    return OffsetRange{*begin, *end};
}

} // namespace teescope::exporter
