// SPDX-License-Identifier: MIT
// The refresh loop of `teescope top`: reads a snapshot of a trace database every interval (again
// only when another connection committed since, PRAGMA data_version), hands it to an output (the
// full screen or plain blocks) and stops when asked, after N refreshes, or when the import that
// writes the file has ended. It takes a path and a "source still running" predicate, so that a
// live import started by teescope itself can be followed the same way as a file.
#pragma once

#include "top_view.h"

#include "teescope/store/top_snapshot.h"

#include <chrono>
#include <functional>
#include <optional>
#include <string>

namespace teescope::cli {

// Where the refreshes go.
class TopOutput {
public:
    virtual ~TopOutput() = default;
    virtual void show(const TopFrame &frame) = 0;
    enum class Input { none, quit, pause, sort, refresh, redraw, interrupted };
    // Waits up to `timeout` (less when the user asks something or a signal arrives).
    virtual Input wait(std::chrono::milliseconds timeout) = 0;
    // Full screen: runs until the user quits; plain blocks: until the import ends.
    virtual bool interactive() const = 0;
};

struct FollowOptions {
    std::string db_path;
    std::chrono::milliseconds interval{1000};
    std::optional<int64_t> iterations; // refreshes, then stop; nullopt: see follow_database
    // Whether the live import writing db_path (one this process started) still runs; empty: the
    // database's own metadata says whether it is live.
    std::function<bool()> source_running;
    store::TopQuery query; // wall_now_ms is set at each refresh
    TopSort sort = TopSort::handles;
};

struct FollowResult {
    enum class End { done, quit, interrupted, stalled };
    End end = End::done;
    int signal = 0;      // the signal that interrupted it
    std::string message; // why it stopped, for End::stalled
};

// Without `iterations`, plain blocks stop after one refresh of a finished file, and after the
// refresh that sees a live file finished (or stalled: its writer stopped committing); the full
// screen runs until the user quits. Throws store::Error when the file cannot be read.
FollowResult follow_database(const FollowOptions &options, TopOutput &output);

} // namespace teescope::cli
