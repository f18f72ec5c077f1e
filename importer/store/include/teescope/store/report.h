// SPDX-License-Identifier: MIT
// The queries behind `teescope report` and `teescope check`, shared with the GUI: results are
// plain tables of values, rendered as an aligned text table, CSV or JSON.
#pragma once

#include "teescope/store/database.h"

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace teescope::store {

enum class ReportKind { leaks, sharing, latency, stats, objects };
enum class Format { text, csv, json };

std::optional<ReportKind> parse_report_kind(std::string_view name);
std::optional<Format> parse_format(std::string_view name);

struct Value {
    enum class Type { null, integer, real, text };
    Type type = Type::null;
    int64_t integer = 0;
    double real = 0;
    std::string text; // as stored: text from a trace, never interpreted
};

struct Table {
    std::string name;                 // e.g. "leaks", "sharing_objects" (JSON key, CSV "table" column)
    std::string title;                // heading in the text format
    std::vector<std::string> columns; // a column named *_ns holds a duration, *_ts a time
    std::vector<std::vector<Value>> rows;
};

struct Report {
    std::vector<Table> tables;
    // The trace's first event (metadata first_ts, ns from the clock's origin, the Unix epoch for
    // LTTng); text shows times as offsets from it. nullopt: the database names none.
    std::optional<int64_t> trace_start_ns;
};

// Runs the queries of one report (in a stable order). Throws Error.
Report query_report(const Database &db, ReportKind kind);
// text: a header with the trace's wall-clock start, then one aligned table per section, times as
// offsets from the trace start ("+0.263712 s"), durations with a unit, control characters escaped;
// csv: RFC 4180 quoting, a leading "table" column when there are several sections;
// json: {"<table>": [{"column": value, ...}, ...], ...}, strings escaped (invalid UTF-8 replaced).
void write_report(std::ostream &out, const Report &report, Format format);

// Trace text for a terminal: control characters (C0, DEL, C1) and invalid UTF-8 become \xNN and
// a backslash becomes \\, so a process name cannot move the cursor or change colours.
std::string plain_text(std::string_view s);

// "500us", "2ms", "1.5s", "750ns" -> nanoseconds; nullopt if malformed or out of range.
std::optional<int64_t> parse_duration(std::string_view text);
// 1234567 -> "1.23ms"; the unit (ns, µs, ms, s) chosen by magnitude.
std::string format_duration(int64_t ns);
// A time as an offset from the trace start: 263712345 -> "+0.263712 s" (µs resolution).
std::string format_offset(int64_t ns);
// A time in ns since the Unix epoch as UTC: "2026-11-22 12:24:05.888869481 UTC".
std::string format_wall_clock(int64_t ns);

// A latency limit: the p99 of the invocations of SERVICE (objects.class, or an OP-TEE TA's name)
// with OP must not exceed max_ns.
struct P99Limit {
    std::string service;
    int64_t op = 0;
    int64_t max_ns = 0;
    std::string op_name; // OP given by name (latency_ops.op_name, e.g. add), resolved by check()
};
// "SERVICE:OP=DURATION"; OP is a number, "release" (65535), "open" / "close" (the OP-TEE
// session calls, -1 / -2), or an op's name (add, increment). The last ':' before '=' separates SERVICE, so classes like "uid:42" work. On failure, `why` says what was wrong.
std::optional<P99Limit> parse_p99_limit(std::string_view text, std::string &why);

struct CheckLimits {
    std::optional<int64_t> max_leaks; // rows of the leaks view
    std::vector<P99Limit> max_p99;
};

struct CheckResult {
    std::vector<std::string> broken;  // one line per broken limit
    std::vector<std::string> unknown; // limits naming a service, or an op of it, the trace does not
                                      // have (a misspelt gate): one line each
    std::vector<std::string> notes;   // warnings
};

// Evaluates the limits against the database. Throws Error.
CheckResult check(const Database &db, const CheckLimits &limits);

} // namespace teescope::store
