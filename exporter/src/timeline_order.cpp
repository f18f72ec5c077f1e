// SPDX-License-Identifier: MIT
#include "timeline_order.h"

#include <algorithm>
#include <numeric>

namespace teescope::exporter {

namespace {

// Slices of one thread: begin ascending; of two that begin together the longer (or, equal, the
// lower rank) is the parent.
bool parent_first(const Slice &a, const Slice &b)
{
    if (a.begin != b.begin)
        return a.begin < b.begin;
    if (a.end != b.end)
        return a.end > b.end;
    return a.rank < b.rank;
}

} // namespace

void order_timeline(Timeline &t)
{
    std::vector<size_t> order(t.slices.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        const Slice &x = t.slices[a], &y = t.slices[b];
        if (x.thread != y.thread)
            return x.thread < y.thread;
        return parent_first(x, y);
    });

    // A slice whose end was lost (data loss, a killed caller) ends where the next slice of its
    // kind or an outer kind begins on its thread (for a call: also another call's driver side,
    // whose user side was lost), not at the thread's end swallowing the rest.
    for (size_t k = 0; k < order.size(); ++k) {
        Slice &s = t.slices[order[k]];
        if (!s.open_end)
            continue;
        for (size_t n = k + 1; n < order.size(); ++n) {
            const Slice &next = t.slices[order[n]];
            if (next.thread != s.thread)
                break;
            const bool other_call = s.rank >= kUserRank && next.rank <= kDriverRank && next.args != s.args;
            if ((next.rank <= s.rank || other_call) && next.begin > s.begin) {
                s.end = std::min(s.end, next.begin);
                break;
            }
        }
    }

    std::vector<TimelineEvent> events;
    events.reserve(2 * t.slices.size() + t.instants.size());
    std::vector<size_t> open; // the slices open on the current thread, innermost last
    auto close_until = [&](int64_t ts) {
        while (!open.empty() && t.slices[open.back()].end <= ts) {
            events.push_back({t.slices[open.back()].end, uint32_t(open.back()), 0, TimelineEvent::Kind::end});
            open.pop_back();
        }
    };
    for (size_t k = 0; k < order.size(); ++k) {
        Slice &s = t.slices[order[k]];
        if (k > 0 && t.slices[order[k - 1]].thread != s.thread)
            close_until(INT64_MAX);
        // A slice that begins where an open one ends follows it.
        close_until(s.begin);
        if (!open.empty() && s.end > t.slices[open.back()].end) {
            s.end = t.slices[open.back()].end;
            ++t.clipped_slices;
        }
        events.push_back({s.begin, uint32_t(order[k]), 0, TimelineEvent::Kind::begin});
        open.push_back(order[k]);
    }
    close_until(INT64_MAX);

    for (size_t i = 0; i < t.instants.size(); ++i)
        events.push_back({t.instants[i].ts, uint32_t(i), 0, TimelineEvent::Kind::instant});
    for (size_t c = 0; c < t.counters.size(); ++c)
        for (size_t p = 0; p < t.counters[c].points.size(); ++p)
            events.push_back({t.counters[c].points[p].ts, uint32_t(c), uint32_t(p), TimelineEvent::Kind::counter});
    // Stable: the order within a track is already right.
    std::stable_sort(events.begin(), events.end(),
                     [](const TimelineEvent &a, const TimelineEvent &b) { return a.ts < b.ts; });
    t.events = std::move(events);
}

} // namespace teescope::exporter
