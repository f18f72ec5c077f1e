// SPDX-License-Identifier: MIT
// `teescope export`: a trace database written in another tool's format (Perfetto, the Chrome
// Trace Event Format) or its capability graph as a picture.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace teescope::exporter {

enum class Format { perfetto, chrome_json, dot, svg, png };

std::optional<Format> parse_format(std::string_view name);
std::string_view format_name(Format format);
// dot, svg and png draw the capability graph; the others write the timeline of the trace.
bool is_graph_format(Format format);

// A failure of an export (unreadable database, unwritable output): the message names what was
// wrong, ready for a user.
class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// [begin, end] in trace ns (absolute, as in the database).
struct TimeRange {
    int64_t begin = INT64_MIN;
    int64_t end = INT64_MAX;
    bool contains(int64_t t) const { return t >= begin && t <= end; }
    bool overlaps(int64_t b, int64_t e) const { return b <= end && e >= begin; }
};

} // namespace teescope::exporter

namespace teescope::store {
class Database;
}

namespace teescope::exporter {

struct OffsetRange;

// A time the trace does not have (--at, --range): a usage error.
class RangeError : public Error {
public:
    using Error::Error;
};

// Trace times of offsets from the trace start; throws RangeError when the range or the time
// lies outside the trace.
TimeRange resolve_range(const store::Database &db, const OffsetRange &offsets);
int64_t resolve_time(const store::Database &db, int64_t offset);
// The trace's first and last times (the last is the default of --at).
int64_t trace_start(const store::Database &db);
int64_t trace_end(const store::Database &db);

// What an export wrote.
struct TimelineSummary {
    size_t processes = 0;
    size_t threads = 0;
    size_t slices = 0;
    size_t flows = 0;
    size_t instants = 0;
    size_t counter_values = 0;
    int64_t clipped_slices = 0;
};

// Writes the timeline of `db` in `format` (perfetto or chrome_json) to `output`, replacing it
// only once complete. Throws Error (or store::Error for the database).
TimelineSummary export_timeline(const store::Database &db, Format format, const TimeRange &range,
                                const std::string &output);

} // namespace teescope::exporter
