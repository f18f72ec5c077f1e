// SPDX-License-Identifier: MIT
// The timeline summary the import writes equals the one a pass over the finished tables builds
// (at every level, with its id ranges, long and open rows), for a plain import summing rows as it
// stores them, one summing its table at the end, and a live import.
#include "teescope/store/timeline_summary.h"
#include "teescope/store/writer.h"

#include "test_db.h"

#include <random>

namespace teescope::store::test {
namespace {

constexpr Ts kFirst = 1'000'000'000;
constexpr Ts kLast = kFirst + 3'000'000'000; // 3 s: far more than kMaxBuckets of the finest size

// Calls on 3 threads (and some with none) over 3 s, nested ones, failed ones, long ones, some
// without an end, user side only or no time at all; callback requests served by 2 threads.
struct Rows {
    std::vector<InvocationRow> invocations;
    std::vector<CallbackRequestRow> requests;
};

Rows someRows()
{
    Rows out;
    std::mt19937_64 random(11);
    const Id n = 20000;
    for (Id id = 1; id <= n; ++id) {
        const Ts begin = kFirst + (kLast - kFirst) * (id - 1) / n + Ts(random() % 1000);
        const int64_t duration = random() % 50 == 0 ? int64_t(random() % 400'000'000) : int64_t(random() % 200'000);
        InvocationRow r = invocation(id, std::nullopt, 1, begin, begin + duration);
        if (random() % 9 != 0)
            r.thread_id = Id(1 + random() % 3);
        r.depth = random() % 4 == 0 ? 1 + int64_t(random() % 3) : 0;
        if (random() % 7 == 0)
            r.err = 1;
        if (random() % 23 == 0) {
            r.user_begin_ts = begin - 100;
            r.user_end_ts = r.drv_end_ts.value() + 100;
        }
        if (random() % 101 == 0) // still running at the end of the trace
            r.drv_end_ts.reset();
        if (random() % 211 == 0)
            r.drv_begin_ts.reset(), r.drv_end_ts.reset(), r.user_begin_ts.reset(), r.user_end_ts.reset();
        out.invocations.push_back(r);
    }
    for (Id id = 1; id <= 500; ++id) {
        CallbackRequestRow q{};
        q.id = id;
        q.op = 2;
        q.end_kind = "answered";
        const Ts at = kFirst + (kLast - kFirst) * (id - 1) / 500;
        q.queue_ts = at;
        q.pick_ts = at + 1000;
        if (id % 37 != 0)
            q.answer_ts = at + 5000 + Ts(random() % 10'000'000);
        if (id % 5 != 0)
            q.supplicant_thread_id = Id(4 + id % 2);
        out.requests.push_back(q);
    }
    return out;
}

enum class Mode { Plain, PlainWithoutOrigin, Live };

std::string write(const TempDir &dir, const std::string &name, Mode mode)
{
    const std::string path = dir.file(name);
    Writer::Options options;
    options.batch_rows = 700;
    options.live = mode == Mode::Live;
    Writer w(path, options);
    if (mode != Mode::PlainWithoutOrigin)
        w.set_time_origin(kFirst);
    const Rows rows = someRows();
    for (const InvocationRow &r : rows.invocations) {
        if (mode == Mode::Live) {
            // A live import writes a call while it runs, then again when it ended.
            InvocationRow running = r;
            running.drv_end_ts.reset();
            running.user_end_ts.reset();
            w.add(running);
            if (r.id % 1000 == 0)
                w.commit_live({}, false);
        }
        w.add(r);
    }
    for (const CallbackRequestRow &r : rows.requests)
        w.add(r);
    w.set_metadata("first_ts", std::to_string(kFirst));
    w.set_metadata("last_ts", std::to_string(kLast));
    w.finish();
    return path;
}

TimelineSummary pass(const Database &db)
{
    TimelineSummary s(kFirst, kLast - kFirst);
    s.read(db, 0, 0, std::numeric_limits<int64_t>::max());
    s.finish();
    return s;
}

std::vector<std::string> tables(const Database &db)
{
    std::vector<std::string> out;
    for (const char *sql : {"SELECT * FROM timeline_summary", "SELECT * FROM timeline_lanes ORDER BY thread_id",
                            "SELECT * FROM timeline_buckets ORDER BY thread_id, bucket",
                            "SELECT * FROM timeline_id_ranges ORDER BY bucket",
                            "SELECT * FROM timeline_long ORDER BY kind, id"})
        for (std::string &r : rows(db, sql))
            out.push_back(sql + (": " + r));
    return out;
}

TEST(TimelineSummaryTables, EqualThePassAtEveryLevel)
{
    TempDir dir;
    for (Mode mode : {Mode::Plain, Mode::PlainWithoutOrigin, Mode::Live}) {
        SCOPED_TRACE(int(mode));
        const Database db = Database::open_read_only(write(dir, "t" + std::to_string(int(mode)) + ".db", mode));
        const std::optional<TimelineSummary> stored = TimelineSummary::readTables(db);
        ASSERT_TRUE(stored);
        const TimelineSummary built = pass(db);
        // Big enough to coarsen, with rows of every kind.
        EXPECT_GT(built.shift(), TimelineSummary::kMinShift);
        EXPECT_EQ(stored->shift(), built.shift());
        EXPECT_EQ(stored->origin(), kFirst);
        EXPECT_EQ(built.lanes().size(), 6u); // no thread, 3 calling threads, 2 supplicant threads
        EXPECT_FALSE(built.idsFor(kFirst, kLast).ids.empty());
        EXPECT_TRUE(*stored == built);
        // Spelled out, level by level, for a readable failure.
        for (const TimelineLaneSummary &lane : built.lanes()) {
            const TimelineLaneSummary *other = stored->lane(lane.threadId);
            ASSERT_TRUE(other) << lane.threadId;
            ASSERT_EQ(other->levels.size(), lane.levels.size()) << lane.threadId;
            EXPECT_GT(lane.levels.size(), 1u);
            for (size_t level = 0; level < lane.levels.size(); ++level)
                EXPECT_TRUE(other->levels[level] == lane.levels[level]) << lane.threadId << " level " << level;
            EXPECT_EQ(other->invocations, lane.invocations);
            EXPECT_EQ(other->requests, lane.requests);
            EXPECT_EQ(other->maxDepth, lane.maxDepth);
        }
        for (Ts t = kFirst - 1000; t < kLast; t += 7'777'777) {
            const auto a = stored->idsFor(t, t + 3'000'000), b = built.idsFor(t, t + 3'000'000);
            EXPECT_EQ(a.lo, b.lo);
            EXPECT_EQ(a.hi, b.hi);
            EXPECT_EQ(a.ids, b.ids);
            EXPECT_EQ(stored->countIn(t, t + 3'000'000), built.countIn(t, t + 3'000'000));
        }
    }
}

TEST(TimelineSummaryTables, LiveImportWritesThePlainImportsRows)
{
    TempDir dir;
    const Database plain = Database::open_read_only(write(dir, "plain.db", Mode::Plain));
    const Database live = Database::open_read_only(write(dir, "live.db", Mode::Live));
    const auto want = tables(plain);
    EXPECT_GT(want.size(), 1000u);
    EXPECT_EQ(tables(live), want);
    EXPECT_EQ(tables(Database::open_read_only(write(dir, "late.db", Mode::PlainWithoutOrigin))), want);
}

TEST(TimelineSummaryTables, NoneWhileEmpty)
{
    TempDir dir;
    const Database db = Database::create(dir.file("empty.db"));
    EXPECT_FALSE(TimelineSummary::readTables(db));
}

} // namespace
} // namespace teescope::store::test
