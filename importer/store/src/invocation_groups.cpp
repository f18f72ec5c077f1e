// SPDX-License-Identifier: MIT
#include "teescope/store/invocation_groups.h"

#include "teescope/store/statement.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

namespace teescope::store {

namespace {

const std::array<int64_t, kTopDurationBucket + 1> &lower_bounds()
{
    static const std::array<int64_t, kTopDurationBucket + 1> bounds = [] {
        std::array<int64_t, kTopDurationBucket + 1> b{};
        for (int i = 1; i <= kTopDurationBucket; ++i)
            b[size_t(i)] = int64_t(std::ceil(std::pow(10.0, double(i) / kDurationBucketsPerDecade)));
        return b;
    }();
    return bounds;
}

std::optional<int64_t> optional_at(const Statement &s, int col)
{
    return s.null_at(col) ? std::nullopt : std::optional<int64_t>(s.int_at(col));
}

} // namespace

int duration_bucket(int64_t ns)
{
    if (ns <= 1)
        return 0;
    const auto &b = lower_bounds();
    return int(std::upper_bound(b.begin(), b.end(), ns) - b.begin()) - 1;
}

int64_t duration_bucket_lower_bound(int bucket)
{
    if (bucket <= 0)
        return 0;
    if (bucket > kTopDurationBucket)
        return std::numeric_limits<int64_t>::max();
    return lower_bounds()[size_t(bucket)];
}

void InvocationGroups::add(const Key &key, int64_t id, std::optional<int64_t> drv_duration,
                           std::optional<int64_t> begin, std::optional<int64_t> end)
{
    if (!last_ || *last_key_ != key) {
        auto it = groups_.try_emplace(key).first;
        last_key_ = &it->first;
        last_ = &it->second;
    }
    Group &g = *last_;
    ++g.calls;
    if (drv_duration) {
        const int64_t d = *drv_duration;
        if (g.measured == 0 || d < g.min_ns)
            g.min_ns = d;
        if (g.measured == 0 || d > g.max_ns || (d == g.max_ns && id < g.slowest_id)) {
            g.max_ns = d;
            g.slowest_id = id;
        }
        ++g.measured;
        const int64_t counted = std::max<int64_t>(d, 0);
        g.total_ns = counted > std::numeric_limits<int64_t>::max() - g.total_ns ? std::numeric_limits<int64_t>::max()
                                                                                 : g.total_ns + counted;
        ++g.buckets[duration_bucket(d)];
    }
    if (begin && (!g.first_ts || *begin < *g.first_ts))
        g.first_ts = begin;
    if (end && (!g.last_ts || *end > *g.last_ts))
        g.last_ts = end;
}

void InvocationGroups::add(const importer::InvocationRow &r)
{
    std::optional<int64_t> duration;
    if (r.drv_begin_ts && r.drv_end_ts)
        duration = *r.drv_end_ts - *r.drv_begin_ts;
    const std::optional<int64_t> begin = r.drv_begin_ts ? r.drv_begin_ts : r.user_begin_ts;
    std::optional<int64_t> end = r.drv_end_ts ? r.drv_end_ts : r.user_end_ts;
    if (!end)
        end = begin;
    add(Key{r.process_id, r.object_id, r.session_id, r.internal, r.guest, r.op}, r.id, duration, begin, end);
}

void InvocationGroups::add_table(sqlite3 *db, const std::string &file)
{
    Statement s(db,
                "SELECT id, process_id, object_id, session_id, internal, guest, op, drv_begin_ts, drv_end_ts,"
                " user_begin_ts, user_end_ts FROM invocations",
                file);
    while (s.next()) {
        std::optional<int64_t> duration;
        if (!s.null_at(7) && !s.null_at(8))
            duration = s.int_at(8) - s.int_at(7);
        const std::optional<int64_t> begin = !s.null_at(7) ? optional_at(s, 7) : optional_at(s, 9);
        std::optional<int64_t> end = !s.null_at(8) ? optional_at(s, 8) : optional_at(s, 10);
        if (!end)
            end = begin;
        add(Key{optional_at(s, 1), optional_at(s, 2), optional_at(s, 3), s.int_at(4) != 0, s.int_at(5), s.int_at(6)},
            s.int_at(0), duration, begin, end);
    }
}

InvocationGroups InvocationGroups::read(sqlite3 *db, const std::string &file)
{
    InvocationGroups out;
    std::map<int64_t, Group *> by_id;
    Statement s(db,
                "SELECT id, process_id, object_id, session_id, internal, guest, op, calls, measured, total_ns, min_ns,"
                " max_ns, slowest_id, first_ts, last_ts FROM invocation_groups",
                file);
    while (s.next()) {
        Group &g = out.groups_[Key{optional_at(s, 1), optional_at(s, 2), optional_at(s, 3), s.int_at(4) != 0,
                                   s.int_at(5), s.int_at(6)}];
        g.calls = s.int_at(7);
        g.measured = s.int_at(8);
        g.total_ns = s.int_at(9);
        g.min_ns = s.int_at(10);
        g.max_ns = s.int_at(11);
        g.slowest_id = s.int_at(12);
        g.first_ts = optional_at(s, 13);
        g.last_ts = optional_at(s, 14);
        by_id.emplace(s.int_at(0), &g);
    }
    Statement b(db, "SELECT group_id, bucket, count FROM invocation_group_durations", file);
    while (b.next())
        if (auto it = by_id.find(b.int_at(0)); it != by_id.end())
            it->second->buckets[int(b.int_at(1))] += b.int_at(2);
    return out;
}

void InvocationGroups::write(sqlite3 *db, const std::string &file) const
{
    Statement(db, "DELETE FROM invocation_group_durations", file).run();
    Statement(db, "DELETE FROM invocation_groups", file).run();
    Statement group(db, "INSERT INTO invocation_groups VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", file);
    Statement bucket(db, "INSERT INTO invocation_group_durations VALUES (?,?,?)", file);
    int64_t id = 0;
    for (const auto &[key, g] : groups_) {
        const auto &[process_id, object_id, session_id, internal, guest, op] = key;
        ++id;
        const bool measured = g.measured > 0;
        group.bind(1, id);
        group.bind(2, process_id);
        group.bind(3, object_id);
        group.bind(4, session_id);
        group.bind(5, internal);
        group.bind(6, guest);
        group.bind(7, op);
        group.bind(8, g.calls);
        group.bind(9, g.measured);
        group.bind(10, measured ? std::optional<int64_t>(g.total_ns) : std::nullopt);
        group.bind(11, measured ? std::optional<int64_t>(g.min_ns) : std::nullopt);
        group.bind(12, measured ? std::optional<int64_t>(g.max_ns) : std::nullopt);
        group.bind(13, measured ? std::optional<int64_t>(g.slowest_id) : std::nullopt);
        group.bind(14, g.first_ts);
        group.bind(15, g.last_ts);
        group.run();
        for (const auto &[b, count] : g.buckets) {
            bucket.bind(1, id);
            bucket.bind(2, int64_t(b));
            bucket.bind(3, count);
            bucket.run();
        }
    }
}

} // namespace teescope::store
