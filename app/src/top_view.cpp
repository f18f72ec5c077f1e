// SPDX-License-Identifier: MIT
#include "top_view.h"

#include "teescope/store/report.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <unordered_map>

namespace teescope::cli {

using store::TopSnapshot;

namespace {

constexpr std::array<TopSort, 4> kSorts = {TopSort::handles, TopSort::growth, TopSort::calls, TopSort::p99};

// Display width in code points (the text is escaped: no control characters).
size_t display_width(std::string_view s)
{
    return static_cast<size_t>(
        std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xc0) != 0x80; }));
}

// The first `width` code points of `s`, the last one an ellipsis when it was cut.
std::string cut(std::string_view s, size_t width)
{
    if (display_width(s) <= width)
        return std::string(s);
    if (width == 0)
        return {};
    std::string out;
    size_t shown = 0;
    for (size_t i = 0; i < s.size(); ++i) {
        const bool starts = (static_cast<unsigned char>(s[i]) & 0xc0) != 0x80;
        if (starts && ++shown == width)
            break;
        out += s[i];
    }
    return out + "…";
}

std::string pad_right(const std::string &s, size_t width)
{
    const size_t w = display_width(s);
    return w >= width ? s : s + std::string(width - w, ' ');
}

std::string pad_left(const std::string &s, size_t width)
{
    const size_t w = display_width(s);
    return w >= width ? s : std::string(width - w, ' ') + s;
}

std::string signed_count(int64_t v) { return (v > 0 ? "+" : "") + std::to_string(v); }

std::string rate(int64_t count, int64_t span_ns)
{
    if (span_ns <= 0)
        return "-";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", static_cast<double>(count) * 1e9 / static_cast<double>(span_ns));
    return buf;
}

// A window as people say it: "10s", "500ms".
std::string window_text(int64_t ns)
{
    if (ns > 0 && ns % 1'000'000'000 == 0)
        return std::to_string(ns / 1'000'000'000) + "s";
    if (ns > 0 && ns % 1'000'000 == 0 && ns < 1'000'000'000)
        return std::to_string(ns / 1'000'000) + "ms";
    return store::format_duration(ns);
}

// A table whose first column takes what the width leaves; the others keep their size.
struct Table {
    std::vector<std::string> header;
    std::vector<bool> right; // right-aligned columns (numbers)
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> keep; // per row: the end of its first cell that a cut keeps, e.g. " (pid 7)"

    std::vector<std::string> lines(size_t width, size_t max_rows) const
    {
        std::vector<size_t> w(header.size());
        for (size_t c = 0; c < header.size(); ++c) {
            w[c] = display_width(header[c]);
            for (const auto &r : rows)
                w[c] = std::max(w[c], display_width(r[c]));
        }
        if (width > 0) {
            size_t rest = 0;
            for (size_t c = 1; c < w.size(); ++c)
                rest += w[c] + 2;
            w[0] = std::min(w[0], std::max<size_t>(width > rest ? width - rest : 0, 12));
        }
        // The first cell cut to its width, keeping its end when it has one to keep.
        auto first_cell = [&](const std::string &cell, const std::string &tail) {
            const size_t tail_width = display_width(tail);
            if (display_width(cell) <= w[0] || tail.empty() || tail_width >= w[0] ||
                cell.size() < tail.size() || cell.compare(cell.size() - tail.size(), tail.size(), tail) != 0)
                return cut(cell, w[0]);
            return cut(std::string_view(cell).substr(0, cell.size() - tail.size()), w[0] - tail_width) + tail;
        };
        auto line = [&](const std::vector<std::string> &cells, const std::string &tail) {
            std::string out;
            for (size_t c = 0; c < cells.size(); ++c) {
                std::string cell = c == 0 ? first_cell(cells[c], tail) : cells[c];
                if (c > 0)
                    out += "  ";
                const bool last = c + 1 == cells.size();
                out += right[c] ? pad_left(cell, w[c]) : last ? cell : pad_right(cell, w[c]);
            }
            return out;
        };
        std::vector<std::string> out{line(header, {})};
        const size_t shown = rows.size() <= max_rows ? rows.size() : max_rows > 0 ? max_rows - 1 : 0;
        for (size_t i = 0; i < shown; ++i)
            out.push_back(line(rows[i], i < keep.size() ? keep[i] : std::string()));
        if (shown < rows.size() && max_rows > 0)
            out.push_back("… " + std::to_string(rows.size() - shown) + " more");
        return out;
    }
};

std::string state_text(const TopSnapshot &s, int64_t wall_now_ms)
{
    std::string text(store::top_state_name(s.state));
    if ((s.state == store::TopState::live || s.state == store::TopState::stalled) && s.last_commit_ms) {
        const int64_t ago_ms = std::max<int64_t>(wall_now_ms - *s.last_commit_ms, 0);
        text += (s.state == store::TopState::live ? ", last commit " : ", no commit for ") +
                store::format_duration(ago_ms * 1'000'000) + (s.state == store::TopState::live ? " ago" : "");
    }
    if (s.state == store::TopState::incomplete)
        text += " (its import did not finish)";
    return text;
}

std::vector<std::string> header_lines(const TopFrame &f)
{
    const TopSnapshot &s = *f.now;
    std::string first = "file: " + store::plain_text(s.file) + " · state: " + state_text(s, f.wall_now_ms) +
                        " · now: " + store::format_offset(s.now_ts - s.first_ts) + " · events: " +
                        std::to_string(s.events) + " · lost: " + std::to_string(s.lost_events) + " events, " +
                        std::to_string(s.lost_packets) + " packets";
    if (s.data_loss_findings > 0)
        first += ", " + std::to_string(s.data_loss_findings) + " other data-loss findings";
    const std::string win = window_text(f.window_ns);
    std::string second = s.rate_whole_trace
                             ? "rates and p99: whole trace (" + store::format_duration(s.now_ts - s.rate_begin_ts) +
                                   ") · growth: last " + win
                             : "rates, p99 and growth: last " + win;
    if (s.requests_unowned > 0)
        second += " · " + std::to_string(s.requests_unowned) + " RPCs waiting for a supplicant";
    second += " · sort: " + std::string(top_sort_name(f.state.sort)) + " · refresh " +
              std::to_string(f.state.refresh);
    if (f.state.paused)
        second += " · PAUSED";
    return {first, second};
}

double sort_value(const store::TopProcess &p, TopSort sort, const std::unordered_map<int64_t, int64_t> *previous)
{
    switch (sort) {
    case TopSort::handles: return static_cast<double>(p.handles_held);
    case TopSort::growth: {
        if (!previous)
            return static_cast<double>(p.handles_held - p.handles_held_before);
        auto it = previous->find(p.id);
        return static_cast<double>(p.handles_held - (it == previous->end() ? 0 : it->second));
    }
    case TopSort::calls: return static_cast<double>(p.calls);
    case TopSort::p99: return p.p99_ns ? static_cast<double>(*p.p99_ns) : -1.0;
    }
    return 0;
}

Table process_table(const TopFrame &f)
{
    const TopSnapshot &s = *f.now;
    std::unordered_map<int64_t, int64_t> held_before;
    if (f.previous)
        for (const auto &p : f.previous->processes)
            held_before[p.id] = p.handles_held;
    const auto *previous = f.previous ? &held_before : nullptr;

    std::vector<const store::TopProcess *> order;
    for (const auto &p : s.processes)
        order.push_back(&p);
    std::stable_sort(order.begin(), order.end(), [&](const auto *a, const auto *b) {
        return sort_value(*a, f.state.sort, previous) > sort_value(*b, f.state.sort, previous);
    });

    Table t;
    t.header = {"PROCESS", "CTX", "HANDLES", "+REFRESH", "+" + window_text(f.window_ns), "CALLS/S", "P99",
                "QUEUED", "SERVING"};
    t.right = {false, true, true, true, true, true, true, true, true};
    const int64_t span = s.now_ts - s.rate_begin_ts;
    for (const auto *p : order) {
        std::string since_refresh = "-";
        if (previous) {
            auto it = previous->find(p->id);
            since_refresh = signed_count(p->handles_held - (it == previous->end() ? 0 : it->second));
        }
        t.keep.push_back(" (pid " + std::to_string(p->pid) + ")" + (p->ended ? " ended" : ""));
        t.rows.push_back({process_label(p->name, p->pid) + (p->ended ? " ended" : ""),
                          std::to_string(p->contexts_open), std::to_string(p->handles_held), since_refresh,
                          signed_count(p->handles_held - p->handles_held_before), rate(p->calls, span),
                          p->p99_ns ? store::format_duration(*p->p99_ns) : "-", std::to_string(p->requests_queued),
                          std::to_string(p->requests_serving)});
    }
    return t;
}

Table op_table(const TopFrame &f)
{
    const TopSnapshot &s = *f.now;
    std::vector<const store::TopOp *> order;
    for (const auto &o : s.ops)
        order.push_back(&o);
    std::stable_sort(order.begin(), order.end(), [&](const auto *a, const auto *b) {
        return f.state.sort == TopSort::p99 ? a->p99_ns > b->p99_ns : a->count > b->count;
    });
    Table t;
    t.header = {"SERVICE", "OP", "CALLS", "CALLS/S", "P50", "P99", "MAX"};
    t.right = {false, false, true, true, true, true, true};
    const int64_t span = s.now_ts - s.rate_begin_ts;
    for (const auto *o : order)
        t.rows.push_back({store::plain_text(o->klass), store::plain_text(o->op_name), std::to_string(o->count),
                          rate(o->count, span), store::format_duration(o->p50_ns), store::format_duration(o->p99_ns),
                          store::format_duration(o->max_ns)});
    return t;
}

Table held_table(const TopFrame &f)
{
    const TopSnapshot &s = *f.now;
    Table t;
    t.header = {"OLDEST HELD (" + std::to_string(s.oldest.size()) + " of " + std::to_string(s.objects_held) + ")",
                "OBJECT", "HOLDER", "HANDLES", "AGE"};
    t.right = {false, true, false, true, true};
    for (const auto &o : s.oldest) {
        std::string klass = store::plain_text(o.klass);
        if (o.kind != o.klass)
            klass += " (" + store::plain_text(o.kind) + ")";
        t.rows.push_back({klass, "#" + std::to_string(o.object_id),
                          o.holder_id ? process_label(o.holder_name, o.holder_pid) : "unknown",
                          std::to_string(o.handles),
                          o.since_ts ? store::format_duration(s.now_ts - *o.since_ts) : "before the trace"});
    }
    return t;
}

// Rows for each table when the height is limited: handed out in turn, the processes first and
// twice as often, so every section keeps a few lines.
std::array<size_t, 3> row_budget(const std::array<size_t, 3> &wanted, size_t budget)
{
    std::array<size_t, 3> given{};
    const std::array<size_t, 4> turns = {0, 0, 1, 2};
    bool progress = true;
    while (budget > 0 && progress) {
        progress = false;
        for (size_t t : turns) {
            if (budget == 0)
                break;
            if (given[t] < wanted[t]) {
                ++given[t];
                --budget;
                progress = true;
            }
        }
    }
    return given;
}

} // namespace

std::string_view top_sort_name(TopSort sort)
{
    switch (sort) {
    case TopSort::handles: return "handles";
    case TopSort::growth: return "growth";
    case TopSort::calls: return "calls";
    case TopSort::p99: return "p99";
    }
    return "handles";
}

std::optional<TopSort> parse_top_sort(std::string_view name)
{
    for (TopSort s : kSorts)
        if (top_sort_name(s) == name)
            return s;
    if (name == "calls/s")
        return TopSort::calls;
    return std::nullopt;
}

TopSort next_top_sort(TopSort sort)
{
    for (size_t i = 0; i < kSorts.size(); ++i)
        if (kSorts[i] == sort)
            return kSorts[(i + 1) % kSorts.size()];
    return TopSort::handles;
}

std::string process_label(std::string_view name, int64_t pid)
{
    return (name.empty() ? std::string("?") : store::plain_text(name)) + " (pid " + std::to_string(pid) + ")";
}

std::vector<TopLine> render_top(const TopFrame &frame, const TopLayout &layout)
{
    std::vector<TopLine> out;
    auto add = [&](std::string text, TopLine::Kind kind = TopLine::Kind::text) {
        if (layout.width > 0)
            text = cut(text, layout.width);
        out.push_back({kind, std::move(text)});
    };
    for (auto &line : header_lines(frame))
        add(std::move(line));
    if (layout.keys)
        add("keys: q quit · p pause · s sort by " + std::string(top_sort_name(next_top_sort(frame.state.sort))) +
            " · r refresh now");

    const std::array<Table, 3> tables = {process_table(frame), op_table(frame), held_table(frame)};
    std::array<size_t, 3> rows = {tables[0].rows.size(), tables[1].rows.size(), tables[2].rows.size()};
    if (layout.height > 0) {
        // Each table takes a blank line and its header besides its rows.
        const size_t fixed = out.size() + 2 * tables.size();
        rows = row_budget(rows, layout.height > fixed ? layout.height - fixed : 0);
    }
    for (size_t i = 0; i < tables.size(); ++i) {
        add("");
        const auto lines = tables[i].lines(layout.width, rows[i]);
        for (size_t l = 0; l < lines.size(); ++l)
            add(lines[l], l == 0 ? TopLine::Kind::heading : TopLine::Kind::text);
    }
    return out;
}

} // namespace teescope::cli
