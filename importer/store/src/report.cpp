// SPDX-License-Identifier: MIT
#include "teescope/store/report.h"

#include "teescope/store/latency.h"
#include "teescope/store/statement.h"

#include <sqlite3.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <map>
#include <ostream>

namespace teescope::store {

using detail::Statement;

std::optional<ReportKind> parse_report_kind(std::string_view name)
{
    if (name == "leaks")
        return ReportKind::leaks;
    if (name == "sharing")
        return ReportKind::sharing;
    if (name == "latency")
        return ReportKind::latency;
    if (name == "stats")
        return ReportKind::stats;
    if (name == "objects")
        return ReportKind::objects;
    return std::nullopt;
}

std::optional<Format> parse_format(std::string_view name)
{
    if (name == "text")
        return Format::text;
    if (name == "csv")
        return Format::csv;
    if (name == "json")
        return Format::json;
    return std::nullopt;
}

namespace {

Table run(const Database &db, std::string name, std::string title, const char *sql)
{
    Table t{std::move(name), std::move(title), {}, {}};
    Statement s(db.handle(), sql, db.path());
    const int n = sqlite3_column_count(s.get());
    for (int c = 0; c < n; ++c)
        t.columns.emplace_back(sqlite3_column_name(s.get(), c));
    while (s.next()) {
        std::vector<Value> row(static_cast<size_t>(n));
        for (int c = 0; c < n; ++c) {
            Value &v = row[static_cast<size_t>(c)];
            switch (sqlite3_column_type(s.get(), c)) {
            case SQLITE_INTEGER:
                v.type = Value::Type::integer;
                v.integer = sqlite3_column_int64(s.get(), c);
                break;
            case SQLITE_FLOAT:
                v.type = Value::Type::real;
                v.real = sqlite3_column_double(s.get(), c);
                break;
            case SQLITE_NULL:
                break;
            default:
                v.type = Value::Type::text;
                v.text = s.text_at(c);
            }
        }
        t.rows.push_back(std::move(row));
    }
    return t;
}

bool is_duration(const std::string &column)
{
    return column.size() > 3 && column.compare(column.size() - 3, 3, "_ns") == 0;
}

bool is_time(const std::string &column)
{
    return column.size() > 3 && column.compare(column.size() - 3, 3, "_ts") == 0;
}

// A column named *_pct holds a change in percent, shown signed with its unit in text.
bool is_percent(const std::string &column)
{
    return column.size() > 4 && column.compare(column.size() - 4, 4, "_pct") == 0;
}

// What a text cell shows of a number: as it is, a duration, a change in percent, or a time from
// the trace start.
struct CellKind {
    bool duration = false;
    bool percent = false;
    std::optional<int64_t> time_origin; // set: a time column, shown from this origin
};

// Length of a valid UTF-8 sequence at s[i], or 0 if the bytes there are not one.
size_t utf8_length(std::string_view s, size_t i)
{
    const auto b = static_cast<unsigned char>(s[i]);
    size_t n = b < 0x80 ? 1 : (b & 0xe0) == 0xc0 ? 2 : (b & 0xf0) == 0xe0 ? 3 : (b & 0xf8) == 0xf0 ? 4 : 0;
    if (n == 0 || i + n > s.size())
        return 0;
    for (size_t k = 1; k < n; ++k)
        if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80)
            return 0;
    if (n == 2 && b < 0xc2)
        return 0; // overlong
    return n;
}

void hex_escape(std::string &out, unsigned char c)
{
    static const char digits[] = "0123456789abcdef";
    out += "\\x";
    out += digits[c >> 4];
    out += digits[c & 15];
}

} // namespace

std::string plain_text(std::string_view s)
{
    std::string out;
    for (size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        size_t n = utf8_length(s, i);
        // C1 controls (U+0080..U+009F) too: some terminals take U+009B as a CSI.
        const bool c1 = n == 2 && c == 0xc2 && static_cast<unsigned char>(s[i + 1]) < 0xa0;
        if (n == 0 || c1 || c < 0x20 || c == 0x7f || c == '\\') {
            if (c == '\\')
                out += "\\\\";
            else
                hex_escape(out, c);
            ++i;
            continue;
        }
        out.append(s.substr(i, n));
        i += n;
    }
    return out;
}

namespace {

// Display width: code points (wide characters are rare in traces).
size_t width(std::string_view s)
{
    return static_cast<size_t>(std::count_if(s.begin(), s.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xc0) != 0x80;
    }));
}

// The shortest of %.15g and %.17g that reads back as the same double: 12.3, not 12.300000000000001.
std::string real_text(double d)
{
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.15g", d);
    if (std::strtod(buf, nullptr) != d)
        std::snprintf(buf, sizeof buf, "%.17g", d);
    return buf;
}

std::string text_cell(const Value &v, const CellKind &kind)
{
    if (kind.percent && (v.type == Value::Type::integer || v.type == Value::Type::real)) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%+.1f%%",
                      v.type == Value::Type::integer ? static_cast<double>(v.integer) : v.real);
        return buf;
    }
    switch (v.type) {
    case Value::Type::null:
        return "-";
    case Value::Type::integer:
        if (kind.time_origin)
            return format_offset(v.integer - *kind.time_origin);
        return kind.duration ? format_duration(v.integer) : std::to_string(v.integer);
    case Value::Type::real:
        if (kind.time_origin)
            return format_offset(std::llround(v.real) - *kind.time_origin);
        return kind.duration ? format_duration(std::llround(v.real)) : real_text(v.real);
    case Value::Type::text:
        return plain_text(v.text);
    }
    return {};
}

void write_text(std::ostream &out, const Report &report)
{
    if (report.trace_start_ns)
        out << "Trace start: " << format_wall_clock(*report.trace_start_ns)
            << " (first event); times are offsets from it, in seconds\n\n";
    bool first = true;
    for (const Table &t : report.tables) {
        if (!first)
            out << '\n';
        first = false;
        if (report.tables.size() > 1)
            out << t.title << '\n';
        if (t.rows.empty()) {
            out << "(none)\n";
            continue;
        }
        const size_t n = t.columns.size();
        std::vector<std::vector<std::string>> cells;
        std::vector<size_t> widths(n);
        std::vector<bool> numeric(n, true);
        std::vector<CellKind> kinds(n);
        for (size_t c = 0; c < n; ++c) {
            widths[c] = width(t.columns[c]);
            kinds[c].duration = is_duration(t.columns[c]);
            kinds[c].percent = is_percent(t.columns[c]);
            if (is_time(t.columns[c]))
                kinds[c].time_origin = report.trace_start_ns; // none: shown as stored
        }
        for (const auto &row : t.rows) {
            std::vector<std::string> line(n);
            for (size_t c = 0; c < n; ++c) {
                line[c] = text_cell(row[c], kinds[c]);
                widths[c] = std::max(widths[c], width(line[c]));
                if (row[c].type == Value::Type::text)
                    numeric[c] = false;
            }
            cells.push_back(std::move(line));
        }
        auto emit = [&](const std::vector<std::string> &line) {
            std::string text;
            for (size_t c = 0; c < n; ++c) {
                const std::string pad(widths[c] - width(line[c]), ' ');
                const bool last = c + 1 == n;
                if (numeric[c])
                    text += pad + line[c];
                else
                    text += last ? line[c] : line[c] + pad;
                if (!last)
                    text += "  ";
            }
            out << text << '\n';
        };
        emit(t.columns);
        for (const auto &line : cells)
            emit(line);
    }
}

// A plain decimal number, possibly negative: "-12", "-0.5", "3e-9". Kept as it is in CSV.
bool is_plain_number(std::string_view s)
{
    size_t i = s.size() > 1 && (s[0] == '-' || s[0] == '+') ? 1 : 0;
    auto digits = [&] {
        const size_t from = i;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9')
            ++i;
        return i > from;
    };
    if (!digits())
        return false;
    if (i < s.size() && s[i] == '.' && (++i, !digits()))
        return false;
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        if (i < s.size() && (s[i] == '-' || s[i] == '+'))
            ++i;
        if (!digits())
            return false;
    }
    return i == s.size();
}

std::string csv_field(const std::string &text)
{
    // A cell a spreadsheet would take for a formula (OWASP "CSV injection") is written as text,
    // behind a quote mark; trace strings are never interpreted.
    const std::string s = !text.empty() && std::string_view("=+-@\t\r").find(text[0]) != std::string_view::npos
                                  && !is_plain_number(text)
                              ? "'" + text
                              : text;
    if (s.find_first_of(",\"\r\n") == std::string::npos)
        return s;
    std::string q = "\"";
    for (char c : s) {
        if (c == '"')
            q += '"';
        q += c;
    }
    return q + '"';
}

std::string csv_cell(const Value &v)
{
    switch (v.type) {
    case Value::Type::null:
        return {};
    case Value::Type::integer:
        return std::to_string(v.integer);
    case Value::Type::real:
        return real_text(v.real);
    case Value::Type::text:
        return csv_field(v.text);
    }
    return {};
}

void write_csv(std::ostream &out, const Report &report)
{
    const bool sections = report.tables.size() > 1;
    bool first = true;
    for (const Table &t : report.tables) {
        if (!first)
            out << "\r\n";
        first = false;
        std::string line = sections ? "table" : "";
        for (size_t c = 0; c < t.columns.size(); ++c)
            line += (c || sections ? "," : "") + csv_field(t.columns[c]);
        out << line << "\r\n";
        for (const auto &row : t.rows) {
            line = sections ? csv_field(t.name) : "";
            for (size_t c = 0; c < row.size(); ++c)
                line += (c || sections ? "," : "") + csv_cell(row[c]);
            out << line << "\r\n";
        }
    }
}

std::string json_string(std::string_view s)
{
    std::string out = "\"";
    for (size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        size_t n = utf8_length(s, i);
        if (n == 0) {
            out += "\\ufffd"; // not UTF-8: replaced, so the document stays valid
            ++i;
            continue;
        }
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\t') {
            out += "\\t";
        } else if (c == '\r') {
            out += "\\r";
        } else if (c < 0x20 || c == 0x7f) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            out += buf;
        } else {
            out.append(s.substr(i, n));
        }
        i += n;
    }
    return out + '"';
}

std::string json_value(const Value &v)
{
    switch (v.type) {
    case Value::Type::null:
        return "null";
    case Value::Type::integer:
        return std::to_string(v.integer);
    case Value::Type::real:
        return std::isfinite(v.real) ? real_text(v.real) : "null";
    case Value::Type::text:
        return json_string(v.text);
    }
    return "null";
}

void write_json(std::ostream &out, const Report &report)
{
    out << "{";
    for (size_t ti = 0; ti < report.tables.size(); ++ti) {
        const Table &t = report.tables[ti];
        out << (ti ? ",\n " : "\n ") << json_string(t.name) << ": [";
        for (size_t r = 0; r < t.rows.size(); ++r) {
            out << (r ? ",\n  {" : "\n  {");
            for (size_t c = 0; c < t.columns.size(); ++c)
                out << (c ? ", " : "") << json_string(t.columns[c]) << ": " << json_value(t.rows[r][c]);
            out << "}";
        }
        out << (t.rows.empty() ? "]" : "\n ]");
    }
    out << "\n}\n";
}

} // namespace

namespace {

bool holds(const Database &db, const char *sql)
{
    Statement s(db.handle(), sql, db.path());
    return s.next() && s.int_at(0) != 0;
}

} // namespace

namespace {

std::optional<int64_t> trace_start(const Database &db)
{
    const auto first = db.metadata("first_ts");
    if (!first)
        return std::nullopt;
    char *end = nullptr;
    errno = 0;
    const long long ns = std::strtoll(first->c_str(), &end, 10);
    // 0: no event was imported, so there is no start to count from.
    if (first->empty() || *end || errno || ns <= 0)
        return std::nullopt;
    return static_cast<int64_t>(ns);
}

} // namespace

Report query_report(const Database &db, ReportKind kind)
{
    // Columns and sections that only an OP-TEE trace, or one with Xen guests, has.
    const bool optee = holds(db, "SELECT EXISTS (SELECT 1 FROM stacks WHERE stack = 'OP-TEE')");
    const bool guests = holds(db, "SELECT EXISTS (SELECT 1 FROM stacks WHERE guests > 0)");
    Report r;
    r.trace_start_ns = trace_start(db);
    switch (kind) {
    case ReportKind::leaks:
        r.tables.push_back(run(db, "leaks", "Leaks",
                               guests ? "SELECT kind, object_id, class, uid, sw_id, creator_pid, creator_name, created_ts, "
                                        "age_ns, produced_by, provenance, holders, guest FROM leaks "
                                        "ORDER BY guest, kind, created_ts, object_id"
                                      : "SELECT kind, object_id, class, uid, sw_id, creator_pid, creator_name, created_ts, "
                                        "age_ns, produced_by, provenance, holders FROM leaks "
                                        "ORDER BY kind, created_ts, object_id"));
        if (guests)
            r.tables.push_back(run(db, "leaks_per_guest", "Leaks per guest",
                                   "SELECT guest, kind, leaks FROM leaks_per_guest ORDER BY guest, kind"));
        break;
    case ReportKind::sharing:
        r.tables.push_back(run(db, "sharing_objects",
                               "Secure-world objects held by several contexts at overlapping times",
                               "SELECT sw_id, class, contexts, processes, holders, overlap_start_ts, overlap_end_ts "
                               "FROM sharing_objects ORDER BY sw_id"));
        r.tables.push_back(run(db, "sharing_contexts", "Contexts used by several processes",
                               "SELECT context_id, serial, opener_pid, opener_name, processes, users, first_ts, "
                               "last_ts, calls FROM sharing_contexts ORDER BY context_id"));
        r.tables.push_back(run(db, "callback_flows", "Callbacks served by one process for another",
                               optee ? "SELECT invoker_pid, invoker_name, owner_pid, owner_name, owner_context_id, kind, "
                                       "requests, answered, min_ns, avg_ns, max_ns, total_ns FROM callback_flows "
                                       "ORDER BY invoker_pid, invoker_process_id, owner_context_id, kind"
                                     : "SELECT invoker_pid, invoker_name, owner_pid, owner_name, owner_context_id, requests, "
                                       "answered, min_ns, avg_ns, max_ns, total_ns FROM callback_flows "
                                       "ORDER BY invoker_pid, invoker_process_id, owner_context_id"));
        break;
    case ReportKind::latency:
        r.tables.push_back(run(db, "latency", optee ? "Latency per service or TA and op" : "Latency per service and op",
                               "SELECT class, op, op_name, count, min_ns, p50_ns, p90_ns, p99_ns, p999_ns, max_ns "
                               "FROM latency_ops ORDER BY class, op"));
        break;
    case ReportKind::stats:
        r.tables.push_back(run(db, "stacks", "TEE stacks",
                               "SELECT stack, contexts, guests, description FROM stacks"));
        r.tables.push_back(run(db, "metadata", "Import", "SELECT key, value FROM metadata ORDER BY key"));
        r.tables.push_back(run(db, "tables", "Rows per table",
                               "SELECT 'processes' AS 'table', count(*) AS rows FROM processes "
                               "UNION ALL SELECT 'threads', count(*) FROM threads "
                               "UNION ALL SELECT 'contexts', count(*) FROM contexts "
                               "UNION ALL SELECT 'objects', count(*) FROM objects "
                               "UNION ALL SELECT 'handles', count(*) FROM handles "
                               "UNION ALL SELECT 'invocations', count(*) FROM invocations "
                               "UNION ALL SELECT 'callback_requests', count(*) FROM callback_requests "
                               "UNION ALL SELECT 'async_releases', count(*) FROM async_releases "
                               "UNION ALL SELECT 'shm', count(*) FROM shm "
                               "UNION ALL SELECT 'shm_uses', count(*) FROM shm_uses "
                               "UNION ALL SELECT 'sessions', count(*) FROM sessions "
                               "UNION ALL SELECT 'optee_waits', count(*) FROM optee_waits "
                               "UNION ALL SELECT 'guests', count(*) FROM guests"));
        if (guests)
            r.tables.push_back(run(db, "guests", "Xen guests",
                                   "SELECT guest, threads, created_ts, destroyed_ts, contexts_dropped, sessions_dropped, "
                                   "shm_dropped, end_kind, origin_unknown, end_inferred FROM guests ORDER BY guest, id"));
        r.tables.push_back(run(db, "import_stats", "Import statistics (data loss and bad input)",
                               "SELECT scope, name, severity, count, example FROM import_summary "
                               "ORDER BY scope = 'total', name"));
        break;
    case ReportKind::objects:
        r.tables.push_back(run(db, "objects", "Objects",
                               "SELECT o.id, o.kind, o.class, o.uid, o.sw_id, c.serial AS context_serial, "
                               "p.pid AS creator_pid, COALESCE(p.display_name, CASE WHEN o.creator_process_id IS NULL "
                               "AND o.origin_unknown = 0 THEN 'driver (kernel)' END) AS creator_name, o.created_ts, "
                               "o.produced_by, "
                               "o.release_done_ts, o.freed_ts, o.end_kind, o.origin_unknown, o.end_inferred "
                               "FROM objects o LEFT JOIN contexts c ON c.id = o.context_id "
                               "LEFT JOIN processes p ON p.id = o.creator_process_id ORDER BY o.id"));
        if (optee)
            r.tables.push_back(run(db, "sessions", "OP-TEE sessions",
                                   "SELECT s.id, s.session, COALESCE(t.name, s.uuid) AS ta, s.uuid, s.login, s.guest, "
                                   "c.serial AS context_serial, p.pid AS creator_pid, p.display_name AS creator_name, s.open_ts, "
                                   "s.close_ts, s.ret, s.origin, s.opened_by, s.closed_by, "
                                   "(SELECT count(*) FROM invocations i WHERE i.session_id = s.id AND i.call = 'invoke') "
                                   "AS invokes, s.end_kind, s.origin_unknown, s.end_inferred "
                                   "FROM sessions s LEFT JOIN ta_names t ON t.uuid = s.uuid "
                                   "LEFT JOIN contexts c ON c.id = s.context_id "
                                   "LEFT JOIN processes p ON p.id = COALESCE(s.process_id, c.process_id) ORDER BY s.id"));
        break;
    }
    return r;
}

void write_report(std::ostream &out, const Report &report, Format format)
{
    switch (format) {
    case Format::text:
        write_text(out, report);
        break;
    case Format::csv:
        write_csv(out, report);
        break;
    case Format::json:
        write_json(out, report);
        break;
    }
}

std::optional<int64_t> parse_duration(std::string_view text)
{
    size_t digits = 0;
    while (digits < text.size() && (std::isdigit(static_cast<unsigned char>(text[digits])) || text[digits] == '.'))
        ++digits;
    if (digits == 0)
        return std::nullopt;
    const std::string number(text.substr(0, digits));
    const std::string_view unit = text.substr(digits);
    double scale;
    if (unit == "ns")
        scale = 1;
    else if (unit == "us" || unit == "µs")
        scale = 1e3;
    else if (unit == "ms")
        scale = 1e6;
    else if (unit == "s")
        scale = 1e9;
    else
        return std::nullopt;
    char *end = nullptr;
    errno = 0;
    const double value = std::strtod(number.c_str(), &end);
    if (errno || *end || !std::isfinite(value))
        return std::nullopt;
    const double ns = value * scale;
    if (ns > 9.2e18)
        return std::nullopt;
    return static_cast<int64_t>(std::llround(ns));
}

std::string format_duration(int64_t ns)
{
    if (ns < 0)
        return "-" + format_duration(-(ns + 1) + 1);
    if (ns < 1000)
        return std::to_string(ns) + "ns";
    const char *unit = "µs";
    double v = static_cast<double>(ns) / 1e3;
    if (ns >= 1000000000) {
        unit = "s";
        v = static_cast<double>(ns) / 1e9;
    } else if (ns >= 1000000) {
        unit = "ms";
        v = static_cast<double>(ns) / 1e6;
    }
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f%s", v < 10 ? 2 : v < 100 ? 1 : 0, v, unit);
    return buf;
}

std::string format_offset(int64_t ns)
{
    // Whole microseconds, rounded half away from zero, so that the sign is never lost.
    const bool negative = ns < 0;
    const uint64_t magnitude = negative ? uint64_t(0) - static_cast<uint64_t>(ns) : static_cast<uint64_t>(ns);
    const uint64_t us = (magnitude + 500) / 1000;
    char buf[64];
    std::snprintf(buf, sizeof buf, "%c%llu.%06llu s", negative && us ? '-' : '+',
                  static_cast<unsigned long long>(us / 1000000), static_cast<unsigned long long>(us % 1000000));
    return buf;
}

std::string format_wall_clock(int64_t ns)
{
    const int64_t seconds = ns >= 0 ? ns / 1000000000 : -((-(ns + 1)) / 1000000000) - 1;
    const int64_t rest = ns - seconds * 1000000000;
    const std::time_t t = static_cast<std::time_t>(seconds);
    std::tm utc{};
    if (!::gmtime_r(&t, &utc))
        return std::to_string(ns) + " ns from the clock's origin";
    char date[32];
    std::strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S", &utc);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s.%09lld UTC", date, static_cast<long long>(rest));
    return buf;
}

std::optional<P99Limit> parse_p99_limit(std::string_view text, std::string &why)
{
    const size_t eq = text.rfind('=');
    if (eq == std::string_view::npos) {
        why = "expected SERVICE:OP=DURATION";
        return std::nullopt;
    }
    const std::string_view target = text.substr(0, eq);
    const size_t colon = target.rfind(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == target.size()) {
        why = "expected SERVICE:OP=DURATION";
        return std::nullopt;
    }
    P99Limit limit;
    limit.service = std::string(target.substr(0, colon));
    const std::string op(target.substr(colon + 1));
    if (op == "release") {
        limit.op = 65535;
    } else if (op == "open") {
        limit.op = -1;
    } else if (op == "close") {
        limit.op = -2;
    } else {
        char *end = nullptr;
        errno = 0;
        const long long v = std::strtoll(op.c_str(), &end, 10);
        const bool word = std::all_of(op.begin(), op.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
        });
        if ((std::isalpha(static_cast<unsigned char>(op[0])) || op[0] == '_') && word) {
            limit.op_name = op;
        } else if (errno || *end || v < 0 || !std::isdigit(static_cast<unsigned char>(op[0]))) {
            why = "OP must be a number, an op's name, 'release', 'open' or 'close', not '" + op + "'";
            return std::nullopt;
        } else {
            limit.op = v;
        }
    }
    const auto max = parse_duration(text.substr(eq + 1));
    if (!max) {
        why = "DURATION must be a number with a unit (ns, us, ms, s), not '" + std::string(text.substr(eq + 1)) + "'";
        return std::nullopt;
    }
    limit.max_ns = *max;
    return limit;
}

namespace {

// Why a p99 limit matched no row of the latency view: the service is not in the trace, or it is
// but never had that op. Names what the trace has instead, so that a typo is easy to fix.
std::string unknown_limit(const Database &db, const P99Limit &limit)
{
    const std::string op = !limit.op_name.empty() ? limit.op_name
                           : limit.op < 0         ? op_text(limit.op)
                                                  : std::to_string(limit.op);
    Statement ops(db.handle(), "SELECT DISTINCT op FROM latency WHERE class = ?1 ORDER BY op", db.path());
    ops.bind(1, limit.service);
    std::string have;
    size_t n = 0;
    while (ops.next()) {
        const int64_t o = ops.int_at(0);
        have += (n++ ? ", " : "") + (o < 0 ? op_text(o) : std::to_string(o));
    }
    if (n)
        return "--max-p99 " + plain_text(limit.service) + ":" + op + ": the trace has no invocation of op " + op +
               " of " + plain_text(limit.service) + " (it has op " + have + ")";
    Statement services(db.handle(), "SELECT DISTINCT class FROM latency ORDER BY class", db.path());
    while (services.next())
        have += (n++ ? ", " : "") + plain_text(services.text_at(0));
    return "--max-p99 " + plain_text(limit.service) + ":" + op + ": the trace has no service " +
           plain_text(limit.service) + (n ? " (it has " + have + ")" : " (it has no invocations)");
}

} // namespace

CheckResult check(const Database &db, const CheckLimits &limits)
{
    CheckResult result;
    if (!db.complete())
        result.notes.push_back("the database is not complete (its import did not finish)");
    if (limits.max_leaks) {
        Statement s(db.handle(), "SELECT kind, count(*) FROM leaks GROUP BY kind ORDER BY kind", db.path());
        int64_t total = 0;
        std::string kinds;
        while (s.next()) {
            total += s.int_at(1);
            kinds += (kinds.empty() ? "" : ", ") + s.text_at(0) + " " + std::to_string(s.int_at(1));
        }
        if (total > *limits.max_leaks)
            result.broken.push_back("leaks: " + std::to_string(total) + " > " + std::to_string(*limits.max_leaks) +
                                    " (" + kinds + ")");
    }
    for (const P99Limit &limit : limits.max_p99) {
        Statement s(db.handle(),
                    limit.op_name.empty() ? "SELECT p99_ns, count FROM latency WHERE class = ?1 AND op = ?2"
                                          : "SELECT p99_ns, count FROM latency_ops WHERE class = ?1 AND op_name = ?3",
                    db.path());
        s.bind(1, limit.service);
        if (limit.op_name.empty())
            s.bind(2, limit.op);
        else
            s.bind(3, limit.op_name);
        const std::string what = "p99 of " + plain_text(limit.service) + ":" +
                                 (!limit.op_name.empty() ? plain_text(limit.op_name)
                                  : limit.op < 0         ? op_text(limit.op)
                                                         : std::to_string(limit.op));
        if (!s.next()) {
            result.unknown.push_back(unknown_limit(db, limit));
            continue;
        }
        const int64_t p99 = s.int_at(0);
        if (p99 > limit.max_ns)
            result.broken.push_back(what + ": " + format_duration(p99) + " > " + format_duration(limit.max_ns) +
                                    " (" + std::to_string(s.int_at(1)) + " invocations)");
    }
    return result;
}

} // namespace teescope::store
