// SPDX-License-Identifier: MIT
// Matching two runs (leaks counted per key, ops and classes of either run), the change in
// percent, and the --fail-on rules.
#include "teescope/store/diff.h"

#include <gtest/gtest.h>

namespace teescope::store {
namespace {

LatencyGroup op(std::string klass, int64_t op_number, int64_t count, int64_t p99)
{
    LatencyGroup g;
    g.klass = std::move(klass);
    g.op = op_number;
    g.count = count;
    g.p50_ns = p99 / 2;
    g.p99_ns = p99;
    g.max_ns = p99;
    g.op_name = op_text(op_number);
    return g;
}

const LeakKey kHeld{"held_at_end", "app", "client", "root → client_env → app"};
const LeakKey kShm{"shm_not_freed", "shm", "client", ""};

TEST(Diff, LeaksAreCountedPerKey)
{
    RunSummary base, now;
    base.leaks[kHeld] = 2;
    base.leaks[kShm] = 1;
    now.leaks[kHeld] = 3; // one more of the same leak: new
    const RunDiff d = diff_runs(base, now);
    ASSERT_EQ(d.new_leaks.size(), 1u);
    EXPECT_EQ(d.new_leaks[0].key.klass, "app");
    EXPECT_EQ(d.new_leaks[0].base, 2);
    EXPECT_EQ(d.new_leaks[0].now, 3);
    ASSERT_EQ(d.gone_leaks.size(), 1u);
    EXPECT_EQ(d.gone_leaks[0].key.kind, "shm_not_freed");
    EXPECT_EQ(d.unchanged_leaks, 2);
}

TEST(Diff, ACreatorOrProvenanceOfAnotherNameIsAnotherLeak)
{
    RunSummary base, now;
    base.leaks[kHeld] = 1;
    LeakKey other = kHeld;
    other.provenance = "root → client_env → apploader → app";
    now.leaks[other] = 1;
    const RunDiff d = diff_runs(base, now);
    EXPECT_EQ(d.new_leaks.size(), 1u);
    EXPECT_EQ(d.gone_leaks.size(), 1u);
}

TEST(Diff, OpsAndClassesOfEitherRun)
{
    RunSummary base, now;
    base.latency = {op("app", 0, 50, 1000), op("gone", 1, 3, 10)};
    now.latency = {op("app", 0, 60, 1500), op("added", 2, 4, 20)};
    base.objects["app"] = {5, 1};
    now.objects["app"] = {7, 0};
    now.objects["memory"] = {2, 2};
    const RunDiff d = diff_runs(base, now);
    ASSERT_EQ(d.latency.size(), 3u);
    EXPECT_EQ(d.latency[0].klass, "added");
    EXPECT_FALSE(d.latency[0].base);
    EXPECT_EQ(d.latency[1].klass, "app");
    EXPECT_EQ(d.latency[1].base->p99_ns, 1000);
    EXPECT_EQ(d.latency[1].now->p99_ns, 1500);
    EXPECT_EQ(d.latency[2].klass, "gone");
    EXPECT_FALSE(d.latency[2].now);
    ASSERT_EQ(d.objects.size(), 2u);
    EXPECT_EQ(d.objects[0].base.created, 5);
    EXPECT_EQ(d.objects[0].now.created, 7);
    EXPECT_EQ(d.objects[1].klass, "memory");
    EXPECT_EQ(d.objects[1].base.created, 0);
}

TEST(Diff, ChangePercent)
{
    EXPECT_EQ(change_percent(1000, 1500), 50.0);
    EXPECT_EQ(change_percent(3, 2), -33.3);
    EXPECT_EQ(change_percent(7, 7), 0.0);
    EXPECT_FALSE(change_percent(0, 5));
}

TEST(Diff, ParseFailRule)
{
    std::string why;
    auto leaks = parse_fail_rule("new-leaks", why);
    ASSERT_TRUE(leaks);
    EXPECT_EQ(leaks->kind, FailRule::Kind::new_leaks);
    auto p99 = parse_fail_rule("p99+12.5%", why);
    ASSERT_TRUE(p99);
    EXPECT_EQ(p99->kind, FailRule::Kind::p99_growth);
    EXPECT_EQ(p99->percent, 12.5);
    EXPECT_EQ(parse_fail_rule("p99+0", why)->percent, 0.0);
    for (const char *bad : {"p99+", "p99+%", "p99+-1%", "p99+x", "p99+5%%", "p99+inf", "p99+nan"}) {
        EXPECT_FALSE(parse_fail_rule(bad, why)) << bad;
        EXPECT_NE(why.find("PERCENT"), std::string::npos) << why;
    }
    EXPECT_FALSE(parse_fail_rule("p50+5%", why));
    EXPECT_NE(why.find("unknown rule 'p50+5%'"), std::string::npos) << why;
}

TEST(Diff, P99RuleNeedsEnoughCallsInBothRuns)
{
    RunSummary base, now;
    base.latency = {op("app", 0, kMinCallsForP99, 1000), op("rare", 1, kMinCallsForP99 - 1, 1000),
                    op("steady", 2, 100, 1000)};
    now.latency = {op("app", 0, kMinCallsForP99, 1300), op("rare", 1, 500, 9000), op("steady", 2, 100, 1200)};
    std::string why;
    const RunDiff d = diff_runs(base, now);
    auto broken = broken_rules(d, {*parse_fail_rule("p99+25%", why)});
    ASSERT_EQ(broken.size(), 1u);
    EXPECT_NE(broken[0].find("p99 of app:0"), std::string::npos) << broken[0];
    EXPECT_NE(broken[0].find("1.00µs in BASE, 1.30µs in NEW"), std::string::npos) << broken[0];
    EXPECT_TRUE(broken_rules(d, {*parse_fail_rule("p99+30%", why)}).empty());
    EXPECT_EQ(broken_rules(d, {*parse_fail_rule("p99+10%", why)}).size(), 2u);
}

TEST(Diff, NewLeaksRuleNamesEachLeak)
{
    RunSummary base, now;
    now.leaks[kHeld] = 1;
    now.leaks[kShm] = 2;
    std::string why;
    const RunDiff d = diff_runs(base, now);
    auto broken = broken_rules(d, {*parse_fail_rule("new-leaks", why)});
    ASSERT_EQ(broken.size(), 2u);
    EXPECT_EQ(broken[0], "new-leaks: held_at_end app created by client (root → client_env → app): 0 in BASE, 1 in NEW");
    EXPECT_EQ(broken[1], "new-leaks: shm_not_freed shm created by client: 0 in BASE, 2 in NEW");
    EXPECT_TRUE(broken_rules(diff_runs(now, base), {*parse_fail_rule("new-leaks", why)}).empty());
}

} // namespace
} // namespace teescope::store
