// SPDX-License-Identifier: MIT
// The trackers under random but valid event sequences (event_fuzzer.h): whatever arrives, the
// rows they write keep their invariants (row_invariants.h) and nothing crashes. A fixed set of
// seeds runs here; trackers_fuzz runs for as long as asked.
#include "teescope/importer/trackers.h"

#include "collector.h"
#include "event_fuzzer.h"
#include "row_invariants.h"

#include <gtest/gtest.h>

#include <map>

using namespace teescope::importer;
using namespace teescope::importer::test;

namespace {

std::vector<std::string> run_seed(uint64_t seed, size_t events, Collector &rows)
{
    {
        Trackers trackers(rows);
        EventFuzzer(seed).run(trackers, events);
    }
    return RowInvariants::check(rows);
}

TEST(TrackersFuzz, RowsKeepTheirInvariantsWhateverTheEvents)
{
    size_t rows_seen = 0;
    for (uint64_t seed = 1; seed <= 200; ++seed) {
        Collector rows;
        auto violations = run_seed(seed, 3000, rows);
        ASSERT_TRUE(violations.empty()) << "seed " << seed << ": " << violations.size() << " violations, first: "
                                        << violations.front();
        rows_seen += rows.processes.size() + rows.contexts.size() + rows.objects.size() + rows.handles.size() +
                     rows.invocations.size() + rows.requests.size() + rows.sessions.size() + rows.shms.size();
    }
    // The pools are small enough that events meet: rows of every kind come out.
    EXPECT_GT(rows_seen, 200u * 50u);
}

TEST(TrackersFuzz, DeepStatesAreReached)
{
    // Over the seeds, the sequences make bindings, answered requests, sessions and waits that end:
    // the fuzzer reaches past the first event of each lifetime.
    size_t ended_bindings = 0, answered = 0, closed_sessions = 0, ended_waits = 0;
    for (uint64_t seed = 1000; seed < 1050; ++seed) {
        Collector rows;
        run_seed(seed, 5000, rows);
        for (const auto &h : rows.handles)
            ended_bindings += h.unbind_ts.has_value();
        for (const auto &r : rows.requests)
            answered += r.answer_ts.has_value();
        for (const auto &s : rows.sessions)
            closed_sessions += s.close_ts.has_value();
        for (const auto &w : rows.waits)
            ended_waits += w.end_ts.has_value();
    }
    EXPECT_GT(ended_bindings, 0u);
    EXPECT_GT(answered, 0u);
    EXPECT_GT(closed_sessions, 0u);
    EXPECT_GT(ended_waits, 0u);
}

// The last row written for each id, per table.
template <class Row>
std::map<Id, Row> last_rows(const std::vector<Row> &rows)
{
    std::map<Id, Row> out;
    for (const Row &r : rows)
        out[r.id] = r;
    return out;
}

TEST(TrackersFuzz, LiveWritesChangeNothingAndAreAllReplaced)
{
    // A live import writes what is open at every commit; its final rows must be those of an
    // import that never did, each id's last row replacing its live ones.
    size_t live_rows = 0;
    for (uint64_t seed = 300; seed < 380; ++seed) {
        Collector plain, live;
        {
            Trackers trackers(plain);
            EventFuzzer(seed).run(trackers, 3000);
        }
        {
            Trackers trackers(live);
            uint64_t n = 0;
            EventFuzzer(seed).run(trackers, 3000, [&] {
                if (++n % (1 + seed % 40) == 0)
                    trackers.write_live();
            });
        }
        live_rows += live.objects.size() - plain.objects.size() + live.invocations.size() - plain.invocations.size();
        EXPECT_EQ(last_rows(live.processes), last_rows(plain.processes)) << "seed " << seed;
        EXPECT_EQ(last_rows(live.threads), last_rows(plain.threads)) << "seed " << seed;
        EXPECT_EQ(last_rows(live.contexts), last_rows(plain.contexts)) << "seed " << seed;
        EXPECT_EQ(last_rows(live.objects), last_rows(plain.objects)) << "seed " << seed;
        EXPECT_EQ(last_rows(live.handles), last_rows(plain.handles)) << "seed " << seed;
        EXPECT_EQ(last_rows(live.invocations), last_rows(plain.invocations)) << "seed " << seed;
        EXPECT_EQ(last_rows(live.requests), last_rows(plain.requests)) << "seed " << seed;
        EXPECT_EQ(last_rows(live.shms), last_rows(plain.shms)) << "seed " << seed;
        EXPECT_EQ(last_rows(live.sessions), last_rows(plain.sessions)) << "seed " << seed;
        EXPECT_EQ(last_rows(live.waits), last_rows(plain.waits)) << "seed " << seed;
        EXPECT_EQ(last_rows(live.guests), last_rows(plain.guests)) << "seed " << seed;
        EXPECT_EQ(live.context_users, plain.context_users) << "seed " << seed;
        EXPECT_EQ(live.data_loss.size(), plain.data_loss.size()) << "seed " << seed;
        EXPECT_EQ(live.async_releases.size(), plain.async_releases.size()) << "seed " << seed;
    }
    EXPECT_GT(live_rows, 1000u); // the live writes did write open lifetimes
}

TEST(TrackersFuzz, SameSeedSameRows)
{
    Collector a, b;
    run_seed(42, 4000, a);
    run_seed(42, 4000, b);
    EXPECT_EQ(a.invocations.size(), b.invocations.size());
    EXPECT_EQ(a.handles.size(), b.handles.size());
    EXPECT_EQ(a.stats.size(), b.stats.size());
}

} // namespace
