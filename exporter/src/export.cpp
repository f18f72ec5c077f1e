// SPDX-License-Identifier: MIT
#include "teescope/export/export.h"

#include "chrome_json_writer.h"
#include "perfetto_writer.h"
#include "timeline.h"

#include "teescope/export/output_file.h"
#include "teescope/export/time_spec.h"
#include "teescope/store/database.h"

#include <algorithm>
#include <cstdio>

namespace teescope::exporter {

std::optional<Format> parse_format(std::string_view name)
{
    if (name == "perfetto")
        return Format::perfetto;
    if (name == "chrome-json")
        return Format::chrome_json;
    if (name == "dot")
        return Format::dot;
    if (name == "svg")
        return Format::svg;
    if (name == "png")
        return Format::png;
    return std::nullopt;
}

std::string_view format_name(Format format)
{
    switch (format) {
    case Format::perfetto: return "perfetto";
    case Format::chrome_json: return "chrome-json";
    case Format::dot: return "dot";
    case Format::svg: return "svg";
    case Format::png: return "png";
    }
    return "";
}

bool is_graph_format(Format format) { return format == Format::dot || format == Format::svg || format == Format::png; }

namespace {

std::string seconds(int64_t ns)
{
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.6f s", double(ns) / 1e9);
    return buf;
}

} // namespace

TimeRange resolve_range(const store::Database &db, const OffsetRange &offsets)
{
    const TraceSpan span = trace_span(db);
    const int64_t length = span.last_ts - span.first_ts;
    if (offsets.begin > length)
        throw RangeError("the range starts at +" + seconds(offsets.begin) + ", after the end of the trace (it lasts " +
                         seconds(length) + ")");
    return {span.first_ts + offsets.begin, span.first_ts + std::min(offsets.end, length)};
}

int64_t resolve_time(const store::Database &db, int64_t offset)
{
    const TraceSpan span = trace_span(db);
    const int64_t length = span.last_ts - span.first_ts;
    if (offset > length)
        throw RangeError("--at +" + seconds(offset) + " is after the end of the trace (it lasts " + seconds(length) +
                         ")");
    return span.first_ts + offset;
}

int64_t trace_start(const store::Database &db) { return trace_span(db).first_ts; }
int64_t trace_end(const store::Database &db) { return trace_span(db).last_ts; }

TimelineSummary export_timeline(const store::Database &db, Format format, const TimeRange &range,
                                const std::string &output)
{
    if (format != Format::perfetto && format != Format::chrome_json)
        throw Error("export_timeline writes perfetto or chrome-json, not " + std::string(format_name(format)));
    OutputFile file(output);
    const Timeline t = read_timeline(db, range);
    if (format == Format::perfetto)
        write_perfetto(t, file.stream());
    else
        write_chrome_json(t, file.stream());
    file.commit();

    TimelineSummary s;
    s.processes = t.processes.size();
    s.threads = t.threads.size();
    s.slices = t.slices.size();
    s.instants = t.instants.size();
    for (const Slice &sl : t.slices)
        s.flows += sl.flow_out != 0;
    for (const Counter &c : t.counters)
        s.counter_values += c.points.size();
    s.clipped_slices = t.clipped_slices;
    return s;
}

} // namespace teescope::exporter
