// SPDX-License-Identifier: MIT
// The invocation groups the import writes equal what the invocations add up to, for a plain and
// a live import of the same rows.
#include "teescope/store/invocation_groups.h"
#include "teescope/store/statement.h"
#include "teescope/store/writer.h"

#include "test_db.h"

#include <cmath>
#include <map>
#include <random>

namespace teescope::store::test {
namespace {

// Invocations of 3 processes on 4 objects and 2 sessions, 3 ops, durations over 8 decades; some
// without driver times (user side only) or without a process.
std::vector<InvocationRow> someInvocations()
{
    std::vector<InvocationRow> out;
    std::mt19937_64 random(7);
    for (Id id = 1; id <= 5000; ++id) {
        const Ts begin = Ts(id) * 1000;
        const int64_t duration = int64_t(std::pow(10.0, double(random() % 80) / 10.0)) + int64_t(random() % 7);
        InvocationRow r = invocation(id, std::nullopt, int64_t(random() % 3), begin, begin + duration);
        if (random() % 5 == 0) {
            r.session_id = Id(1 + random() % 2);
            r.guest = int64_t(random() % 2);
        } else if (random() % 17 != 0) {
            r.object_id = Id(1 + random() % 4);
        }
        if (random() % 13 != 0)
            r.process_id = Id(1 + random() % 3);
        else
            r.internal = true;
        if (random() % 11 == 0) {
            r.user_begin_ts = begin - 5;
            r.user_end_ts = begin + 5;
            r.drv_begin_ts.reset();
            r.drv_end_ts.reset();
        }
        out.push_back(r);
    }
    return out;
}

const char *kGroupsFromRows =
    "SELECT process_id, object_id, session_id, internal, guest, op, count(*),"
    " count(drv_begin_ts IS NOT NULL AND drv_end_ts IS NOT NULL OR NULL),"
    " SUM(MAX(drv_end_ts - drv_begin_ts, 0)), MIN(drv_end_ts - drv_begin_ts), MAX(drv_end_ts - drv_begin_ts),"
    " MIN(COALESCE(drv_begin_ts, user_begin_ts)), MAX(COALESCE(drv_end_ts, user_end_ts, drv_begin_ts, user_begin_ts))"
    " FROM invocations GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6";
const char *kGroupsWritten =
    "SELECT process_id, object_id, session_id, internal, guest, op, calls, measured, total_ns, min_ns, max_ns,"
    " first_ts, last_ts FROM invocation_groups ORDER BY id";

std::string write(const TempDir &dir, const std::string &name, bool live)
{
    const std::string path = dir.file(name);
    Writer::Options options;
    options.batch_rows = 300;
    options.live = live;
    Writer w(path, options);
    w.add(process(1, 10, "a", "exited"));
    w.add(process(2, 20, "b", "exited"));
    w.add(process(3, 30, "c", "alive_at_end"));
    for (InvocationRow r : someInvocations()) {
        if (live) {
            // A live import writes a call while it runs, then again when it ended.
            InvocationRow running = r;
            running.drv_end_ts.reset();
            running.user_end_ts.reset();
            w.add(running);
            if (r.id % 100 == 0)
                w.commit_live({}, false);
        }
        w.add(r);
    }
    w.set_metadata("last_ts", "6000000");
    w.finish();
    return path;
}

TEST(InvocationGroups, BucketsAreTheLatencyHistogramsBuckets)
{
    EXPECT_EQ(duration_bucket(-5), 0);
    EXPECT_EQ(duration_bucket(1), 0);
    EXPECT_EQ(duration_bucket(2), 3); // ceil(10^0.3) = 2
    EXPECT_EQ(duration_bucket(1000), 30);
    EXPECT_EQ(duration_bucket(999), 29);
    // A duration goes to the last bucket whose lower bound it reaches (the first buckets share
    // lower bounds: ceil(10^0.1) = ceil(10^0.3) = 2).
    for (int b = 1; b <= kTopDurationBucket; ++b) {
        const int64_t lo = duration_bucket_lower_bound(b);
        const int got = duration_bucket(lo);
        EXPECT_GE(got, b) << lo;
        EXPECT_EQ(duration_bucket_lower_bound(got), lo) << lo;
        if (got < kTopDurationBucket)
            EXPECT_GT(duration_bucket_lower_bound(got + 1), lo) << lo;
        EXPECT_LT(duration_bucket(lo - 1), got) << lo;
    }
    EXPECT_EQ(duration_bucket(INT64_MAX), kTopDurationBucket);
}

TEST(InvocationGroups, EqualWhatTheRowsAddUpTo)
{
    TempDir dir;
    const Database db = Database::open_read_only(write(dir, "plain.db", false));
    const auto fromRows = rows(db, kGroupsFromRows);
    ASSERT_GT(fromRows.size(), 30u);
    EXPECT_EQ(rows(db, kGroupsWritten), fromRows);
    // Every group's slowest is one of its invocations with its longest duration.
    EXPECT_EQ(rows(db, "SELECT count(*) FROM invocation_groups g JOIN invocations i ON i.id = g.slowest_id"
                       " WHERE i.drv_end_ts - i.drv_begin_ts = g.max_ns AND i.op = g.op AND i.internal = g.internal"
                       " AND i.guest = g.guest AND i.process_id IS g.process_id AND i.object_id IS g.object_id"
                       " AND i.session_id IS g.session_id"),
              rows(db, "SELECT count(*) FROM invocation_groups WHERE measured > 0"));
    EXPECT_EQ(rows(db, "SELECT count(*) FROM invocation_groups WHERE measured = 0 AND slowest_id IS NOT NULL"),
              std::vector<std::string>{"0"});

    // The duration buckets: each group's counts equal its rows' buckets.
    std::map<std::pair<int64_t, int>, int64_t> expected; // (group, bucket) -> count
    {
        Statement s(db.handle(),
                    "SELECT g.id, i.drv_end_ts - i.drv_begin_ts FROM invocations i JOIN invocation_groups g"
                    " ON g.op = i.op AND g.internal = i.internal AND g.guest = i.guest AND g.process_id IS i.process_id"
                    " AND g.object_id IS i.object_id AND g.session_id IS i.session_id"
                    " WHERE i.drv_begin_ts IS NOT NULL AND i.drv_end_ts IS NOT NULL",
                    db.path());
        while (s.next())
            ++expected[{s.int_at(0), duration_bucket(s.int_at(1))}];
    }
    std::map<std::pair<int64_t, int>, int64_t> written;
    {
        Statement s(db.handle(), "SELECT group_id, bucket, count FROM invocation_group_durations", db.path());
        while (s.next())
            written[{s.int_at(0), int(s.int_at(1))}] = s.int_at(2);
    }
    EXPECT_EQ(written, expected);
    EXPECT_EQ(rows(db, "SELECT SUM(count) FROM invocation_group_durations"),
              rows(db, "SELECT SUM(measured) FROM invocation_groups"));

    // Read back, the groups are what was written.
    const InvocationGroups read = InvocationGroups::read(db.handle(), db.path());
    EXPECT_EQ(int64_t(read.groups().size()), int64_t(fromRows.size()));
    InvocationGroups summed;
    summed.add_table(db.handle(), db.path());
    ASSERT_EQ(summed.groups().size(), read.groups().size());
    for (auto a = summed.groups().begin(), b = read.groups().begin(); a != summed.groups().end(); ++a, ++b) {
        EXPECT_EQ(a->first, b->first);
        EXPECT_EQ(a->second.calls, b->second.calls);
        EXPECT_EQ(a->second.buckets, b->second.buckets);
        EXPECT_EQ(a->second.slowest_id, b->second.slowest_id);
    }
}

TEST(InvocationGroups, LiveImportEndsWithTheSameGroups)
{
    TempDir dir;
    const Database plain = Database::open_read_only(write(dir, "plain.db", false));
    const Database live = Database::open_read_only(write(dir, "live.db", true));
    EXPECT_EQ(rows(live, "SELECT * FROM invocation_groups ORDER BY id"),
              rows(plain, "SELECT * FROM invocation_groups ORDER BY id"));
    EXPECT_EQ(rows(live, "SELECT * FROM invocation_group_durations ORDER BY group_id, bucket"),
              rows(plain, "SELECT * FROM invocation_group_durations ORDER BY group_id, bucket"));
    EXPECT_EQ(rows(live, kGroupsWritten), rows(live, kGroupsFromRows));
}

} // namespace
} // namespace teescope::store::test
