// SPDX-License-Identifier: MIT
// Slices of one thread are written properly nested, whatever their order in the database.
#include "timeline_order.h"

#include <gtest/gtest.h>

using namespace teescope::exporter;

namespace {

Slice slice(Timeline &t, size_t thread, int64_t begin, int64_t end, int rank, const char *name)
{
    Slice s;
    s.thread = thread;
    s.begin = begin;
    s.end = end;
    s.rank = rank;
    s.name = t.strings.intern(name);
    return s;
}

// "name+" for a begin, "name-" for an end, in writing order.
std::vector<std::string> written(const Timeline &t)
{
    std::vector<std::string> out;
    for (const TimelineEvent &e : t.events)
        out.push_back(t.strings[t.slices[e.index].name] + (e.kind == TimelineEvent::Kind::begin ? "+" : "-"));
    return out;
}

} // namespace

TEST(TimelineOrder, EqualIntervalsNestByRankAndAdjacentOnesFollow)
{
    Timeline t;
    t.slices = {slice(t, 0, 10, 20, 2, "driver"), slice(t, 0, 10, 20, 1, "user"), slice(t, 0, 20, 30, 1, "next"),
                slice(t, 0, 12, 15, 3, "wait")};
    order_timeline(t);
    EXPECT_EQ(written(t), (std::vector<std::string>{"user+", "driver+", "wait+", "wait-", "driver-", "user-", "next+",
                                                    "next-"}));
    EXPECT_EQ(t.clipped_slices, 0);
}

TEST(TimelineOrder, ASliceOutlivingItsParentEndsWithIt)
{
    Timeline t;
    t.slices = {slice(t, 0, 0, 10, 0, "request"), slice(t, 0, 5, 50, 1, "call")};
    order_timeline(t);
    EXPECT_EQ(written(t), (std::vector<std::string>{"request+", "call+", "call-", "request-"}));
    EXPECT_EQ(t.slices[1].end, 10);
    EXPECT_EQ(t.clipped_slices, 1);
}

TEST(TimelineOrder, TracksInterleaveByTimeKeepingTheirOwnOrder)
{
    Timeline t;
    t.slices = {slice(t, 1, 0, 5, 0, "b"), slice(t, 0, 0, 5, 0, "a"), slice(t, 0, 5, 5, 0, "empty")};
    order_timeline(t);
    int64_t last = 0;
    for (const TimelineEvent &e : t.events) {
        EXPECT_GE(e.ts, last);
        last = e.ts;
    }
    const auto w = written(t);
    // On thread 0: a ends before the empty slice at its end begins.
    const auto pos = [&](const std::string &s) { return std::find(w.begin(), w.end(), s) - w.begin(); };
    EXPECT_LT(pos("a-"), pos("empty+"));
    EXPECT_LT(pos("empty+"), pos("empty-"));
}

TEST(TimelineOrder, ALostEndEndsWhereTheNextCallBegins)
{
    // Data loss: a call whose ends were lost, then a call of which only the driver side is left,
    // then a whole call. The lost ends stop at the next call, not at the thread's end.
    Timeline t;
    t.args.resize(3);
    auto call = [&](int64_t begin, int64_t end, int rank, uint32_t args, bool open, const char *name) {
        Slice s = slice(t, 0, begin, end, rank, name);
        s.args = args;
        s.open_end = open;
        return s;
    };
    t.slices = {call(0, 1000, kUserRank, 0, true, "lost"), call(5, 1000, kDriverRank, 0, true, "lost driver"),
                call(20, 30, kDriverRank, 1, false, "driver only"), call(40, 50, kUserRank, 2, false, "whole")};
    order_timeline(t);
    EXPECT_EQ(written(t), (std::vector<std::string>{"lost+", "lost driver+", "lost driver-", "lost-", "driver only+",
                                                    "driver only-", "whole+", "whole-"}));
    EXPECT_EQ(t.slices[0].end, 20);
    EXPECT_EQ(t.slices[1].end, 20);
}
