// SPDX-License-Identifier: MIT
// The trackers under random but valid event sequences (event_fuzzer.h): whatever arrives, the
// rows they write keep their invariants (row_invariants.h) and nothing crashes. A fixed set of
// seeds runs here; trackers_fuzz runs for as long as asked.
#include "teescope/importer/trackers.h"

#include "collector.h"
#include "event_fuzzer.h"
#include "row_invariants.h"

#include <gtest/gtest.h>

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
