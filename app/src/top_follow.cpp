// SPDX-License-Identifier: MIT
#include "top_follow.h"

#include "terminal.h"

#include "teescope/store/database.h"

#include <sqlite3.h>

#include <filesystem>
#include <optional>

namespace teescope::cli {

namespace {

using Clock = std::chrono::steady_clock;

int64_t wall_now_ms()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// The database, once it can be opened. A file of a source this process runs may not exist yet
// (or hold no tables yet): wait for it while the source runs.
std::optional<store::Database> open_database(const FollowOptions &o, TopOutput &output, FollowResult &result)
{
    for (;;) {
        try {
            return store::Database::open_read_only(o.db_path);
        } catch (const store::Error &) {
            if (!o.source_running || !o.source_running())
                throw;
        }
        switch (output.wait(std::chrono::milliseconds(100))) {
        case TopOutput::Input::quit: result.end = FollowResult::End::quit; return std::nullopt;
        case TopOutput::Input::interrupted:
            result.end = FollowResult::End::interrupted;
            result.signal = SignalWatch::stop_signal();
            return std::nullopt;
        default: break;
        }
    }
}

} // namespace

FollowResult follow_database(const FollowOptions &o, TopOutput &output)
{
    FollowResult result;
    std::optional<store::Database> db = open_database(o, output, result);
    if (!db)
        return result;
    // A reader of a live file may meet the writer's checkpoint: wait for it instead of failing.
    sqlite3_busy_timeout(db->handle(), 2000);

    store::TopQuery query = o.query;
    TopFrame frame;
    frame.window_ns = query.window_ns;
    frame.state.sort = o.sort;
    frame.state.interval_s = std::chrono::duration<double>(o.interval).count();
    std::optional<store::TopSnapshot> current, previous;
    std::optional<int64_t> read_version;

    auto show = [&] {
        frame.now = &*current;
        frame.previous = previous ? &*previous : nullptr;
        frame.wall_now_ms = query.wall_now_ms;
        output.show(frame);
    };

    for (;;) {
        // Refresh: read again only what another connection changed.
        query.wall_now_ms = wall_now_ms();
        const int64_t version = store::data_version(*db);
        previous = std::move(current);
        if (!previous || !read_version || version != *read_version) {
            current = store::read_top_snapshot(*db, query);
            read_version = version;
        } else {
            current = previous;
            store::update_top_state(*current, query);
        }
        ++frame.state.refresh;
        show();

        const store::TopState state = current->state;
        const bool live = state == store::TopState::live || state == store::TopState::stalled;
        if (o.iterations) {
            if (frame.state.refresh >= *o.iterations)
                return result;
        } else if (!output.interactive()) {
            if (o.source_running) {
                if (!o.source_running() && !live)
                    return result;
            } else if (state == store::TopState::stalled) {
                result.end = FollowResult::End::stalled;
                result.message = "the live import stopped committing (no commit for over " +
                                 std::to_string(query.stall_after_ms / 1000) + " s); stopping";
                return result;
            } else if (!live) {
                return result; // a finished file, or the import that wrote it just ended
            }
        }

        // Wait for the next refresh, answering keys meanwhile.
        const Clock::time_point next = Clock::now() + o.interval;
        for (;;) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(next - Clock::now());
            if (left.count() <= 0 && !frame.state.paused)
                break;
            // While paused the view stays as it is; keys are still answered.
            const auto input = output.wait(frame.state.paused ? std::chrono::milliseconds(500) : left);
            if (input == TopOutput::Input::quit) {
                result.end = FollowResult::End::quit;
                return result;
            }
            if (input == TopOutput::Input::interrupted) {
                result.end = FollowResult::End::interrupted;
                result.signal = SignalWatch::stop_signal();
                return result;
            }
            if (input == TopOutput::Input::pause) {
                frame.state.paused = !frame.state.paused;
                show();
                if (!frame.state.paused)
                    break;
            } else if (input == TopOutput::Input::sort) {
                frame.state.sort = next_top_sort(frame.state.sort);
                show();
            } else if (input == TopOutput::Input::redraw) {
                show();
            } else if (input == TopOutput::Input::refresh && !frame.state.paused) {
                break;
            }
        }
    }
}

} // namespace teescope::cli
