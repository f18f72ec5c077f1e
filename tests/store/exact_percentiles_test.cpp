// SPDX-License-Identifier: MIT
// Exact percentiles in bounded memory: every percentile of every group equals the naive
// computation (sort, take the ceil(p * n)-th), on random and adversarial durations, in memory and
// spilled, with the selection made small enough that ranges are split; and the latency table the
// import writes equals the naive one.
#include "teescope/store/exact_percentiles.h"
#include "teescope/store/latency.h"
#include "teescope/store/writer.h"
#include "test_db.h"

#include <algorithm>
#include <filesystem>
#include <limits>
#include <map>
#include <random>

namespace teescope::store::test {
namespace {

constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

// Sorted, then the ceil(p * n)-th smallest for p in per mille.
Percentiles naive(std::vector<int64_t> v)
{
    std::sort(v.begin(), v.end());
    auto at = [&](uint64_t per_mille) {
        const uint64_t n = v.size();
        uint64_t rank = (n * per_mille) / 1000 + ((n * per_mille) % 1000 != 0 ? 1 : 0);
        return v[std::max<uint64_t>(rank, 1) - 1];
    };
    return {v.front(), at(500), at(900), at(990), at(999), v.back()};
}

std::string text(const Percentiles &p)
{
    return std::to_string(p.min_ns) + " " + std::to_string(p.p50_ns) + " " + std::to_string(p.p90_ns) + " " +
           std::to_string(p.p99_ns) + " " + std::to_string(p.p999_ns) + " " + std::to_string(p.max_ns);
}

struct Case {
    const char *name;
    ExactPercentiles::Limits limits;
};

// The default limits (everything in memory for these sizes), a small buffer (spilled), a small
// selection (crowded buckets are split), and a selection so small that nearly every bucket is
// split, down to ranges of one value (many passes: not for thousands of groups).
const std::vector<Case> kCases = {
    {"default", {}},
    {"spilled", {64, size_t(1) << 20}},
    {"split", {16, 40}},
    {"split to one", {16, 3}},
};

// Runs the cases over `groups` (added interleaved, in a shuffled order) and compares each group
// with the naive computation and with nearest_rank_percentiles.
void expect_exact(const std::vector<std::vector<int64_t>> &groups, uint32_t seed, const std::string &what,
                  size_t ncases = kCases.size())
{
    std::vector<std::pair<uint32_t, int64_t>> order;
    for (uint32_t g = 0; g < groups.size(); ++g)
        for (int64_t v : groups[g])
            order.emplace_back(g, v);
    std::mt19937_64 rng(seed);
    std::shuffle(order.begin(), order.end(), rng);
    TempDir dir;
    for (size_t ci = 0; ci < ncases; ++ci) {
        const Case &c = kCases[ci];
        ExactPercentiles exact(dir.file(""), "test.db", c.limits);
        for (auto [g, v] : order)
            exact.add(g, v);
        const std::vector<Percentiles> got = exact.compute();
        ASSERT_EQ(got.size(), groups.size()) << what << " " << c.name;
        if (order.size() > c.limits.buffered) {
            EXPECT_TRUE(exact.spilled()) << what << " " << c.name;
        }
        for (uint32_t g = 0; g < groups.size(); ++g) {
            if (groups[g].empty())
                continue;
            EXPECT_EQ(exact.count(g), groups[g].size());
            std::vector<int64_t> copy = groups[g];
            const std::string today = text(nearest_rank_percentiles(copy));
            ASSERT_EQ(text(got[g]), text(naive(groups[g]))) << what << " " << c.name << " group " << g;
            ASSERT_EQ(text(got[g]), today) << what << " " << c.name << " group " << g;
        }
    }
}

TEST(ExactPercentiles, RandomSetsEqualTheNaiveComputation)
{
    for (uint32_t seed = 1; seed <= 40; ++seed) {
        std::mt19937_64 rng(seed);
        const size_t ngroups = 1 + rng() % 12;
        std::vector<std::vector<int64_t>> groups(ngroups);
        for (auto &g : groups) {
            const size_t n = 1 + rng() % (seed % 4 == 0 ? 5000 : 600);
            switch (rng() % 5) {
            case 0: // latencies: a few microseconds with a long tail
            {
                std::lognormal_distribution<double> d(8.0, 1.5);
                for (size_t i = 0; i < n; ++i)
                    g.push_back(static_cast<int64_t>(d(rng)));
                break;
            }
            case 1: // a narrow range: many ties
                for (size_t i = 0; i < n; ++i)
                    g.push_back(1000 + static_cast<int64_t>(rng() % 7));
                break;
            case 2: // the whole int64 range
                for (size_t i = 0; i < n; ++i)
                    g.push_back(static_cast<int64_t>(rng()));
                break;
            case 3: // around zero, negative too (clocks that went back)
                for (size_t i = 0; i < n; ++i)
                    g.push_back(static_cast<int64_t>(rng() % 2001) - 1000);
                break;
            default: // on and beside the bucket bounds (powers of two)
                for (size_t i = 0; i < n; ++i) {
                    const int64_t p = int64_t(1) << (rng() % 62);
                    g.push_back(p + static_cast<int64_t>(rng() % 3) - 1);
                }
            }
        }
        expect_exact(groups, seed, "seed " + std::to_string(seed));
    }
}

TEST(ExactPercentiles, AdversarialSetsEqualTheNaiveComputation)
{
    const std::vector<std::pair<std::string, std::vector<std::vector<int64_t>>>> sets = {
        {"one value", {{42}}},
        {"one negative value", {{-7}}},
        {"two values", {{5, 3}}},
        {"ties of a large value", {std::vector<int64_t>(3000, 123456789)}},
        {"ties of zero", {std::vector<int64_t>(3000, 0)}},
        {"ties with one outlier",
         {[] {
             std::vector<int64_t> v(2999, 1000000);
             v.push_back(kMax);
             return v;
         }()}},
        {"the extremes", {{kMin, kMax, kMin, kMax, 0, -1, 1}}},
        {"only the extremes", {std::vector<int64_t>(1000, kMin), std::vector<int64_t>(1000, kMax)}},
        {"ranks at a tie boundary",
         {[] {
             std::vector<int64_t> v(500, 10);
             v.insert(v.end(), 400, 20);
             v.insert(v.end(), 90, 30);
             v.insert(v.end(), 9, 40);
             v.push_back(50);
             return v;
         }()}},
        {"a wide bucket full of distinct values",
         {[] {
             std::vector<int64_t> v;
             for (int64_t i = 0; i < 4000; ++i)
                 v.push_back((int64_t(1) << 50) + i * 1000003);
             return v;
         }()}},
        {"empty groups between", {{1, 2, 3}, {}, {}, {9}}},
    };
    uint32_t seed = 100;
    for (const auto &[name, groups] : sets)
        expect_exact(groups, ++seed, name);
}

TEST(ExactPercentiles, ManyKeys)
{
    std::mt19937_64 rng(7);
    std::vector<std::vector<int64_t>> groups(5000);
    for (auto &g : groups) {
        const size_t n = 1 + rng() % 4;
        for (size_t i = 0; i < n; ++i)
            g.push_back(static_cast<int64_t>(rng() % 100000));
    }
    groups[17].assign(20000, 3); // one large group among them
    expect_exact(groups, 8, "many keys", 3);
}

// A spilled file is unnamed: nothing is left in the directory, during the computation or after.
TEST(ExactPercentiles, SpillLeavesNoFile)
{
    TempDir dir;
    const std::filesystem::path where = dir.file("spill");
    std::filesystem::create_directory(where);
    {
        ExactPercentiles exact(where.string(), "test.db", {8, 4});
        for (int64_t i = 0; i < 1000; ++i)
            exact.add(static_cast<uint32_t>(i % 3), (i * 7919) % 1009);
        EXPECT_TRUE(exact.spilled());
        EXPECT_TRUE(std::filesystem::is_empty(where));
        exact.compute();
        EXPECT_GT(exact.passes(), 1);
    }
    EXPECT_TRUE(std::filesystem::is_empty(where));
}

// Ties of a large value in a selection of one: the bucket is split until one value is left,
// in a bounded number of passes.
TEST(ExactPercentiles, TiesNeedFewPasses)
{
    TempDir dir;
    ExactPercentiles exact(dir.file(""), "test.db", {1000, 1});
    for (int i = 0; i < 10000; ++i)
        exact.add(0, 987654321987);
    const auto p = exact.compute();
    EXPECT_EQ(p[0].p50_ns, 987654321987);
    EXPECT_EQ(p[0].p999_ns, 987654321987);
    EXPECT_LE(exact.passes(), 4);
}

// The latency table of an import, and compute_latency_groups with the durations spilled and
// split, equal the naive computation per class and op.
TEST(ExactPercentiles, LatencyTableEqualsTheNaiveComputation)
{
    TempDir dir;
    const std::string path = dir.file("latency.db");
    std::mt19937_64 rng(11);
    const std::vector<std::string> classes = {"app", "registry", "root", "apploader"};
    std::map<std::pair<std::string, int64_t>, std::vector<int64_t>> expected;
    {
        Writer w(path);
        w.add(process(1, 100, "client", "alive_at_end"));
        w.add(context(1, 1, "open_at_end"));
        for (Id o = 1; o <= 8; ++o)
            w.add(object(o, "qtee", classes[o % classes.size()], 1, "released"));
        std::lognormal_distribution<double> tail(7.5, 1.2);
        for (Id id = 1; id <= 30000; ++id) {
            const Id o = 1 + static_cast<Id>(rng() % 9); // 9: an object the trace never created
            const int64_t op = static_cast<int64_t>(rng() % 3);
            const int64_t begin = static_cast<int64_t>(id) * 1000;
            const int64_t d = rng() % 10 == 0 ? 5000 : static_cast<int64_t>(tail(rng));
            w.add(invocation(id, o, op, begin, begin + d));
            expected[{o <= 8 ? classes[o % classes.size()] : "unknown", op}].push_back(d);
        }
        w.finish();
    }
    auto db = Database::open_read_only(path);
    std::vector<std::string> want;
    for (const auto &[key, durations] : expected) {
        const Percentiles p = naive(durations);
        want.push_back(key.first + "|" + std::to_string(key.second) + "|" + std::to_string(durations.size()) + "|" +
                       std::to_string(p.min_ns) + "|" + std::to_string(p.p50_ns) + "|" + std::to_string(p.p90_ns) +
                       "|" + std::to_string(p.p99_ns) + "|" + std::to_string(p.p999_ns) + "|" +
                       std::to_string(p.max_ns));
    }
    EXPECT_EQ(rows(db, "SELECT class, op, count, min_ns, p50_ns, p90_ns, p99_ns, p999_ns, max_ns FROM latency "
                       "ORDER BY class, op"),
              want);

    const auto groups = compute_latency_groups(db.handle(), path, std::nullopt, std::nullopt, {100, 50});
    std::vector<std::string> got;
    for (const LatencyGroup &g : groups)
        got.push_back(g.klass + "|" + std::to_string(g.op) + "|" + std::to_string(g.count) + "|" +
                      std::to_string(g.min_ns) + "|" + std::to_string(g.p50_ns) + "|" + std::to_string(g.p90_ns) +
                      "|" + std::to_string(g.p99_ns) + "|" + std::to_string(g.p999_ns) + "|" +
                      std::to_string(g.max_ns));
    EXPECT_EQ(got, want);
}

// A live import computes the latency table again at its commits: each time it equals the naive
// computation of what was committed, and so does the finished file's.
TEST(ExactPercentiles, LiveImportComputesTheLatencyAgain)
{
    TempDir dir;
    const std::string path = dir.file("live.db");
    Writer::Options options;
    options.live = true;
    Writer w(path, options);
    w.add(process(1, 100, "client", "alive_at_end"));
    w.add(context(1, 1, "open_at_end"));
    w.add(object(1, "qtee", "app", 1, "released"));
    std::mt19937_64 rng(5);
    std::vector<int64_t> durations;
    Id id = 0;
    auto add = [&](int n) {
        for (int i = 0; i < n; ++i, ++id) {
            const int64_t d = 500 + static_cast<int64_t>(rng() % (i % 50 == 0 ? 1000000 : 3000));
            w.add(invocation(id + 1, 1, 0, id * 10000, id * 10000 + d));
            durations.push_back(d);
        }
    };
    auto latency = [&] {
        auto db = Database::open_read_only(path);
        return rows(db, "SELECT count, min_ns, p50_ns, p90_ns, p99_ns, p999_ns, max_ns FROM latency WHERE class = 'app'");
    };
    auto expected = [&] {
        const Percentiles p = naive(durations);
        return std::vector<std::string>{std::to_string(durations.size()) + "|" + std::to_string(p.min_ns) + "|" +
                                        std::to_string(p.p50_ns) + "|" + std::to_string(p.p90_ns) + "|" +
                                        std::to_string(p.p99_ns) + "|" + std::to_string(p.p999_ns) + "|" +
                                        std::to_string(p.max_ns)};
    };
    add(2000);
    w.commit_live({{"live", "1"}}, true);
    w.flush();
    EXPECT_EQ(latency(), expected());
    add(3001);
    w.commit_live({{"live", "1"}}, false); // committed, latency not computed again
    w.flush();
    EXPECT_NE(latency(), expected());
    w.commit_live({{"live", "1"}}, true);
    w.flush();
    EXPECT_EQ(latency(), expected());
    add(777);
    w.finish();
    EXPECT_EQ(latency(), expected());
}

} // namespace
} // namespace teescope::store::test
