// SPDX-License-Identifier: MIT
// `teescope top` as lines of text: a header (file, state, trace time now, events, loss), the
// processes, the latency per service and op, and the oldest objects still held. The same lines
// serve the full-screen view (cut to the terminal) and the plain blocks of --batch.
#pragma once

#include "teescope/store/top_snapshot.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace teescope::cli {

// What the processes are sorted by (the `s` key cycles through them in this order).
enum class TopSort { handles, growth, calls, p99 };
std::string_view top_sort_name(TopSort sort);
std::optional<TopSort> parse_top_sort(std::string_view name);
TopSort next_top_sort(TopSort sort);

struct TopViewState {
    TopSort sort = TopSort::handles;
    bool paused = false;
    int64_t refresh = 0;     // refreshes so far (1 for the first)
    double interval_s = 1.0; // between refreshes
};

struct TopFrame {
    const store::TopSnapshot *now = nullptr;
    const store::TopSnapshot *previous = nullptr; // the last refresh shown; none at the first
    int64_t window_ns = 0;                        // the query's window
    int64_t wall_now_ms = 0;                      // the reader's clock, for "last commit 2s ago"
    TopViewState state;
};

struct TopLine {
    enum class Kind { text, heading };
    Kind kind = Kind::text;
    std::string text; // plain text: trace strings are escaped
};

struct TopLayout {
    size_t width = 0;  // characters per line, 0: unlimited
    size_t height = 0; // lines, 0: unlimited (sections are cut to fit, saying how many more)
    bool keys = false; // a line naming the keys (interactive)
};

std::vector<TopLine> render_top(const TopFrame &frame, const TopLayout &layout);

// "name (pid N)" for a process, escaped for a terminal.
std::string process_label(std::string_view name, int64_t pid);

} // namespace teescope::cli
