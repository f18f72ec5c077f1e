// SPDX-License-Identifier: MIT
// Invocations summed per caller process, target (object or session), op and guest, with a
// histogram of their driver-side durations: the invocation_groups and invocation_group_durations
// tables. A plain import sums the rows as the writer stores them (one pass over nothing but the
// rows already in hand); a live import, whose rows are written again while they change, sums the
// finished table once at its end. Views of millions of invocations (the capability graph's invoke
// edges, the latency histograms) read these few rows instead.
#pragma once

#include "teescope/importer/rows.h"

#include <sqlite3.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>

namespace teescope::store {

// Duration buckets on a log scale, ten per decade: bucket b holds [lower_bound(b),
// lower_bound(b + 1)) ns, lower_bound(b) = ceil(10^(b / 10)); durations below 2 ns (and negative
// ones) go to bucket 0.
inline constexpr int kDurationBucketsPerDecade = 10;
inline constexpr int kTopDurationBucket = 189; // 10^18.9: the last lower bound below INT64_MAX
int duration_bucket(int64_t ns);
int64_t duration_bucket_lower_bound(int bucket);

class InvocationGroups {
public:
    // The grouping key: process_id, object_id, session_id, internal, guest, op (NULL ids as
    // nullopt).
    using Key = std::tuple<std::optional<int64_t>, std::optional<int64_t>, std::optional<int64_t>, bool, int64_t,
                           int64_t>;
    struct Group {
        int64_t calls = 0;
        int64_t measured = 0; // with both driver times
        int64_t total_ns = 0; // saturated at INT64_MAX; a negative duration counts 0
        int64_t min_ns = 0, max_ns = 0;
        int64_t slowest_id = 0; // the smallest id among the slowest
        std::optional<int64_t> first_ts, last_ts;
        std::map<int, int64_t> buckets; // duration bucket -> measured invocations
    };

    InvocationGroups() = default;
    InvocationGroups(InvocationGroups &&) = default; // the map's nodes (and the cache into them) move along
    InvocationGroups &operator=(InvocationGroups &&) = default;
    InvocationGroups(const InvocationGroups &) = delete;
    InvocationGroups &operator=(const InvocationGroups &) = delete;

    // Adds one invocation row.
    void add(const importer::InvocationRow &row);
    // Sums every row of the invocations table (a live import's end). Throws Error naming `file`.
    void add_table(sqlite3 *db, const std::string &file);
    // The groups a finished database holds (its two tables). Throws Error naming `file`.
    static InvocationGroups read(sqlite3 *db, const std::string &file);
    // Replaces both tables' rows, ids in key order (the same rows give the same file whatever
    // order they came in). Throws Error naming `file`. Call inside a transaction.
    void write(sqlite3 *db, const std::string &file) const;

    const std::map<Key, Group> &groups() const { return groups_; }

private:
    void add(const Key &key, int64_t id, std::optional<int64_t> drv_duration, std::optional<int64_t> begin,
             std::optional<int64_t> end);

    std::map<Key, Group> groups_;
    // The last group added to: consecutive rows of one thread mostly share it.
    const Key *last_key_ = nullptr;
    Group *last_ = nullptr;
};

} // namespace teescope::store
