// SPDX-License-Identifier: MIT
#include "teescope/store/timeline_summary.h"

#include "teescope/store/error.h"
#include "teescope/store/statement.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <tuple>

namespace teescope::store {

namespace {

// An invocation spanning more buckets than this is read by id, not through the id ranges.
constexpr int64_t kLongBuckets = 2;
constexpr int64_t kNoId = std::numeric_limits<int64_t>::max();

std::optional<int64_t> optInt(const Statement &s, int col)
{
    if (s.null_at(col))
        return std::nullopt;
    return int64_t(s.int_at(col));
}

template <typename T>
T saturatedAdd(T a, int64_t b)
{
    return T(std::min<int64_t>(int64_t(a) + b, std::numeric_limits<T>::max()));
}

using Opt = std::optional<int64_t>;

// begin and end of an invocation row as the timeline draws it (the GUI's readInvocations): the
// user side, else the driver side, else what times there are.
std::optional<TimelineSummaryRow> invocationRow(int64_t id, Opt thread, Opt ub, Opt ue, Opt db, Opt de, Opt err,
                                                Opt ret, int64_t depth, bool endInferred)
{
    if (!ub && !ue && !db && !de)
        return std::nullopt;
    int64_t lo = std::numeric_limits<int64_t>::max(), hi = std::numeric_limits<int64_t>::min();
    for (const auto &t : {ub, ue, db, de})
        if (t) {
            lo = std::min(lo, *t);
            hi = std::max(hi, *t);
        }
    TimelineSummaryRow r;
    r.id = id;
    r.threadId = thread.value_or(0);
    r.begin = ub.value_or(db.value_or(lo));
    r.end = std::max(r.begin, ue.value_or(de.value_or(hi)));
    r.error = err.value_or(0) != 0 || ret.value_or(0) != 0;
    r.depth = int(std::clamp<int64_t>(depth, 0, 100));
    r.open = !endInferred && !ue && !de;
    return r;
}

std::optional<TimelineSummaryRow> invocationRow(const Statement &s)
{
    return invocationRow(s.int_at(0), optInt(s, 1), optInt(s, 2), optInt(s, 3), optInt(s, 4), optInt(s, 5),
                         optInt(s, 6), optInt(s, 7), s.int_at(8), s.int_at(9) != 0);
}

// A callback request or RPC: from its queueing (else its pick, else its answer) to its answer.
std::optional<TimelineSummaryRow> requestRow(int64_t id, Opt thread, Opt queue, Opt pick, Opt answer)
{
    if (!queue && !pick && !answer)
        return std::nullopt;
    TimelineSummaryRow r;
    r.id = id;
    r.request = true;
    r.threadId = thread.value_or(0);
    r.begin = queue.value_or(pick.value_or(*answer));
    const int64_t inner = std::max(r.begin, pick.value_or(r.begin));
    r.end = std::max(inner, answer.value_or(std::max(r.begin, pick.value_or(r.begin))));
    return r;
}

constexpr const char *kInvocationColumns =
    "SELECT id, thread_id, user_begin_ts, user_end_ts, drv_begin_ts, drv_end_ts, err, ret, depth, end_inferred"
    "  FROM invocations";

} // namespace

void TimelineBucket::add(const TimelineBucket &o)
{
    busyNs += o.busyNs;
    requestBusyNs += o.requestBusyNs;
    count = saturatedAdd(count, o.count);
    errors = saturatedAdd(errors, o.errors);
    requests = saturatedAdd(requests, o.requests);
    maxDepth = std::max(maxDepth, o.maxDepth);
}

TimelineSummary::TimelineSummary(int64_t origin, int64_t span) : origin_(origin)
{
    while (shift_ < 62 && (std::max<int64_t>(span, 1) >> shift_) >= kMaxBuckets)
        ++shift_;
}

int64_t TimelineSummary::bucketOf(int64_t ts) const
{
    return ts <= origin_ ? 0 : (ts - origin_) >> shift_;
}

const TimelineLaneSummary *TimelineSummary::lane(int64_t threadId) const
{
    auto it = laneIndex_.find(threadId);
    return it == laneIndex_.end() ? nullptr : &lanes_[it->second];
}

TimelineLaneSummary &TimelineSummary::laneFor(int64_t threadId)
{
    auto it = laneIndex_.find(threadId);
    if (it != laneIndex_.end())
        return lanes_[it->second];
    laneIndex_.emplace(threadId, lanes_.size());
    TimelineLaneSummary lane;
    lane.threadId = threadId;
    lane.levels.resize(1);
    // Grown one bucket at a time up to kMaxBuckets: reserved once, so that no reallocation leaves
    // freed blocks behind (only the pages written count).
    lane.levels.front().buckets.reserve(size_t(kMaxBuckets));
    lanes_.push_back(std::move(lane));
    return lanes_.back();
}

TimelineBucket &TimelineSummary::bucket(TimelineLaneSummary &lane, int64_t index)
{
    TimelineSummaryLevel &l = lane.levels.front();
    if (l.buckets.empty()) {
        l.first = index;
        l.buckets.resize(1);
    } else if (index < l.first) {
        l.buckets.insert(l.buckets.begin(), size_t(l.first - index), TimelineBucket{});
        l.first = index;
    } else if (index >= l.first + int64_t(l.buckets.size())) {
        l.buckets.resize(size_t(index - l.first + 1));
    }
    return l.buckets[size_t(index - l.first)];
}

void TimelineSummary::noteIds(int64_t b0, int64_t b1, int64_t beginBucket, int64_t id)
{
    if (int64_t(loId_.size()) <= b1) {
        if (loId_.capacity() < size_t(kMaxBuckets)) {
            loId_.reserve(size_t(kMaxBuckets));
            hiId_.reserve(size_t(kMaxBuckets));
        }
        loId_.resize(size_t(b1 + 1), kNoId);
        hiId_.resize(size_t(b1 + 1), -1);
    }
    for (int64_t b = b0; b <= b1; ++b)
        loId_[size_t(b)] = std::min(loId_[size_t(b)], id);
    hiId_[size_t(beginBucket)] = std::max(hiId_[size_t(beginBucket)], id);
}

void TimelineSummary::coarsen()
{
    ++shift_;
    for (TimelineLaneSummary &lane : lanes_) {
        TimelineSummaryLevel &l = lane.levels.front();
        if (l.buckets.empty())
            continue;
        // In place (bucket i goes to one at or before it): no second copy, and the vector keeps
        // the capacity it will grow into again.
        const int64_t first = l.first >> 1;
        size_t n = 0;
        for (size_t i = 0; i < l.buckets.size(); ++i) {
            const size_t j = size_t(((l.first + int64_t(i)) >> 1) - first);
            if (j != i) {
                const TimelineBucket b = l.buckets[i];
                l.buckets[i] = TimelineBucket{};
                l.buckets[j].add(b);
            }
            n = j + 1;
        }
        l.first = first;
        l.buckets.resize(n);
        lane.levels.resize(1);
    }
    // In place as well: bucket i goes to i / 2.
    for (size_t i = 0; i < loId_.size(); ++i) {
        const int64_t lo = loId_[i], hi = hiId_[i];
        loId_[i / 2] = i % 2 == 0 ? lo : std::min(loId_[i / 2], lo);
        hiId_[i / 2] = i % 2 == 0 ? hi : std::max(hiId_[i / 2], hi);
    }
    loId_.resize((loId_.size() + 1) / 2);
    hiId_.resize(loId_.size());
    // Long ones that now fit in a few buckets go through the id ranges.
    std::erase_if(long_, [this](const Long &l) {
        const int64_t b0 = bucketOf(l.begin), b1 = bucketOf(l.end);
        if (b1 - b0 > kLongBuckets)
            return false;
        noteIds(b0, b1, b0, l.id);
        return true;
    });
    finished_ = false;
}

void TimelineSummary::add(const TimelineSummaryRow &row)
{
    if (row.request)
        lastRequestId_ = std::max(lastRequestId_, row.id);
    else
        lastInvocationId_ = std::max(lastInvocationId_, row.id);
    if (row.open) {
        open_.push_back(row);
        return;
    }
    while (bucketOf(std::max(row.begin, row.end)) >= kMaxBuckets && shift_ < 62)
        coarsen();
    addToBuckets(row);
    finished_ = false;
}

void TimelineSummary::addToBuckets(const TimelineSummaryRow &row)
{
    TimelineLaneSummary &lane = laneFor(row.threadId);
    const int64_t b0 = bucketOf(row.begin), b1 = bucketOf(row.end);
    TimelineBucket &first = bucket(lane, b0);
    if (row.request) {
        first.requests = saturatedAdd(first.requests, 1);
        ++lane.requests;
    } else {
        first.count = saturatedAdd(first.count, 1);
        if (row.error)
            first.errors = saturatedAdd(first.errors, 1);
        first.maxDepth = std::max<int16_t>(first.maxDepth, int16_t(row.depth));
        lane.maxDepth = std::max(lane.maxDepth, row.depth);
        ++lane.invocations;
        ++invocations_;
        if (b1 - b0 > kLongBuckets)
            long_.push_back({row.id, row.begin, row.end});
        else
            noteIds(b0, b1, b0, row.id);
    }
    if (!row.request && row.depth != 0)
        return;
    // Busy time, split over the buckets it covers.
    for (int64_t b = b0; b <= b1; ++b) {
        const int64_t lo = std::max(row.begin, origin_ + (b << shift_));
        const int64_t hi = b == b1 ? row.end : std::min(row.end, origin_ + ((b + 1) << shift_));
        if (hi <= lo)
            continue;
        TimelineBucket &k = bucket(lane, b);
        (row.request ? k.requestBusyNs : k.busyNs) += uint64_t(hi - lo);
    }
}

void TimelineSummary::finish()
{
    for (TimelineLaneSummary &lane : lanes_) {
        lane.levels.resize(1);
        // Each level halves the one below, down to a single bucket.
        while (lane.levels.back().buckets.size() > 1) {
            const TimelineSummaryLevel &fine = lane.levels.back();
            TimelineSummaryLevel coarse;
            coarse.first = fine.first >> 1;
            const int64_t last = (fine.first + int64_t(fine.buckets.size()) - 1) >> 1;
            coarse.buckets.resize(size_t(last - coarse.first + 1));
            for (size_t i = 0; i < fine.buckets.size(); ++i)
                coarse.buckets[size_t(((fine.first + int64_t(i)) >> 1) - coarse.first)].add(fine.buckets[i]);
            lane.levels.push_back(std::move(coarse));
        }
    }
    finished_ = true;
}

int64_t TimelineSummary::countIn(int64_t t0, int64_t t1) const
{
    const int64_t b0 = bucketOf(t0), b1 = bucketOf(t1);
    int64_t n = int64_t(open_.size());
    for (const TimelineLaneSummary &lane : lanes_) {
        const TimelineSummaryLevel &l = lane.levels.front();
        const int64_t from = std::max(b0, l.first), to = std::min(b1, l.first + int64_t(l.buckets.size()) - 1);
        for (int64_t b = from; b <= to; ++b)
            n += l.buckets[size_t(b - l.first)].count;
    }
    return n;
}

TimelineSummary::IdRanges TimelineSummary::idsFor(int64_t t0, int64_t t1) const
{
    IdRanges out;
    // A short invocation overlapping [t0, t1] overlaps one of its buckets (so its id is at least
    // their smallest) and began at most kLongBuckets buckets before the first.
    const int64_t b0 = bucketOf(t0), b1 = std::min(bucketOf(t1), int64_t(loId_.size()) - 1);
    int64_t lo = kNoId, hi = -1;
    for (int64_t b = b0; b <= b1; ++b)
        lo = std::min(lo, loId_[size_t(b)]);
    for (int64_t b = std::max<int64_t>(0, b0 - kLongBuckets); b <= b1; ++b)
        hi = std::max(hi, hiId_[size_t(b)]);
    if (lo != kNoId && hi >= lo) {
        out.lo = lo;
        out.hi = hi;
    }
    for (const Long &l : long_)
        if (l.begin <= t1 && l.end >= t0)
            out.ids.push_back(l.id);
    for (const TimelineSummaryRow &o : open_)
        if (!o.request)
            out.ids.push_back(o.id);
    std::sort(out.ids.begin(), out.ids.end());
    return out;
}

TimelineSummary::Progress TimelineSummary::read(const Database &db, int64_t afterId, int64_t afterRequestId,
                                                int64_t limit)
{
    Progress p;
    // The rows open when last read, again: those that ended are summarized now.
    if (!open_.empty()) {
        std::vector<TimelineSummaryRow> open = std::move(open_);
        open_.clear();
        Statement s(db.handle(), (std::string(kInvocationColumns) + " WHERE id = ?").c_str(), db.path());
        for (const TimelineSummaryRow &o : open) {
            s.reset();
            s.bind(1, int64_t(o.id));
            if (!s.next())
                continue;
            if (auto r = invocationRow(s))
                add(*r);
        }
    }
    {
        Statement s(db.handle(), (std::string(kInvocationColumns) + " WHERE id > ? ORDER BY id LIMIT ?").c_str(),
                           db.path());
        s.bind(1, int64_t(afterId));
        s.bind(2, int64_t(limit));
        int64_t rows = 0;
        while (s.next()) {
            ++rows;
            lastInvocationId_ = std::max(lastInvocationId_, int64_t(s.int_at(0)));
            if (auto r = invocationRow(s))
                add(*r);
        }
        p.more = rows >= limit;
    }
    {
        // Requests are few: read whole, as the timeline's structure reads them.
        Statement s(db.handle(),
                           "SELECT id, supplicant_thread_id, queue_ts, pick_ts, answer_ts FROM callback_requests"
                           " WHERE id > ? ORDER BY id",
                           db.path());
        s.bind(1, int64_t(afterRequestId));
        while (s.next()) {
            lastRequestId_ = std::max(lastRequestId_, int64_t(s.int_at(0)));
            if (auto r = requestRow(s.int_at(0), optInt(s, 1), optInt(s, 2), optInt(s, 3), optInt(s, 4)))
                add(*r);
        }
    }
    p.lastInvocationId = lastInvocationId_;
    p.lastRequestId = lastRequestId_;
    return p;
}

void TimelineSummary::add(const importer::InvocationRow &row)
{
    lastInvocationId_ = std::max(lastInvocationId_, int64_t(row.id));
    if (auto r = invocationRow(row.id, row.thread_id, row.user_begin_ts, row.user_end_ts, row.drv_begin_ts,
                               row.drv_end_ts, row.err, row.ret, row.depth, row.end_inferred))
        add(*r);
}

void TimelineSummary::add(const importer::CallbackRequestRow &row)
{
    lastRequestId_ = std::max(lastRequestId_, int64_t(row.id));
    if (auto r = requestRow(row.id, row.supplicant_thread_id, row.queue_ts, row.pick_ts, row.answer_ts))
        add(*r);
}

void TimelineSummary::fit(int64_t span)
{
    while (shift_ < 62 && (std::max<int64_t>(span, 1) >> shift_) >= kMaxBuckets)
        coarsen();
}

namespace {

// Kinds of timeline_long rows.
constexpr int kLong = 0, kOpenInvocation = 1, kOpenRequest = 2;

} // namespace

void TimelineSummary::write(sqlite3 *db, const std::string &file) const
{
    for (const char *table : {"timeline_summary", "timeline_lanes", "timeline_buckets", "timeline_id_ranges",
                              "timeline_long"})
        Statement(db, ("DELETE FROM " + std::string(table)).c_str(), file).run();
    if (lanes_.empty() && long_.empty())
        return; // nothing to summarise (a trace without teescope events): the tables stay empty
    {
        Statement s(db, "INSERT INTO timeline_summary VALUES (?,?,?,?)", file);
        s.bind(1, origin_);
        s.bind(2, int64_t(shift_));
        s.bind(3, lastInvocationId_);
        s.bind(4, lastRequestId_);
        s.run();
    }
    Statement lane(db, "INSERT INTO timeline_lanes VALUES (?,?,?,?)", file);
    Statement bucket(db, "INSERT INTO timeline_buckets VALUES (?,?,?,?,?,?,?,?)", file);
    // In key order: the same rows give the same file whatever order they came in.
    std::vector<const TimelineLaneSummary *> sorted;
    for (const TimelineLaneSummary &l : lanes_)
        sorted.push_back(&l);
    std::sort(sorted.begin(), sorted.end(), [](auto *a, auto *b) { return a->threadId < b->threadId; });
    for (const TimelineLaneSummary *lp : sorted) {
        const TimelineLaneSummary &l = *lp;
        lane.reset();
        lane.bind(1, l.threadId);
        lane.bind(2, l.invocations);
        lane.bind(3, l.requests);
        lane.bind(4, int64_t(l.maxDepth));
        lane.run();
        const TimelineSummaryLevel &finest = l.levels.front();
        for (size_t i = 0; i < finest.buckets.size(); ++i) {
            const TimelineBucket &b = finest.buckets[i];
            if (b.empty())
                continue;
            bucket.reset();
            bucket.bind(1, l.threadId);
            bucket.bind(2, finest.first + int64_t(i));
            bucket.bind(3, int64_t(b.count));
            bucket.bind(4, int64_t(b.errors));
            bucket.bind(5, int64_t(b.requests));
            bucket.bind(6, int64_t(b.maxDepth));
            bucket.bind(7, int64_t(b.busyNs));
            bucket.bind(8, int64_t(b.requestBusyNs));
            bucket.run();
        }
    }
    Statement range(db, "INSERT INTO timeline_id_ranges VALUES (?,?,?)", file);
    for (size_t i = 0; i < loId_.size(); ++i) {
        if (loId_[i] == kNoId && hiId_[i] < 0)
            continue;
        range.reset();
        range.bind(1, int64_t(i));
        range.bind(2, loId_[i] != kNoId ? std::optional<int64_t>(loId_[i]) : std::nullopt);
        range.bind(3, hiId_[i] >= 0 ? std::optional<int64_t>(hiId_[i]) : std::nullopt);
        range.run();
    }
    Statement longRow(db, "INSERT INTO timeline_long VALUES (?,?,?,?)", file);
    auto putLong = [&](int64_t id, int64_t begin, int64_t end, int kind) {
        longRow.reset();
        longRow.bind(1, id);
        longRow.bind(2, begin);
        longRow.bind(3, end);
        longRow.bind(4, int64_t(kind));
        longRow.run();
    };
    std::vector<std::tuple<int, int64_t, int64_t, int64_t>> rows;
    for (const Long &l : long_)
        rows.emplace_back(kLong, l.id, l.begin, l.end);
    for (const TimelineSummaryRow &o : open_)
        rows.emplace_back(o.request ? kOpenRequest : kOpenInvocation, o.id, o.begin, o.end);
    std::sort(rows.begin(), rows.end());
    for (const auto &[kind, id, begin, end] : rows)
        putLong(id, begin, end, kind);
}

std::optional<TimelineSummary> TimelineSummary::readTables(const Database &db)
{
    TimelineSummary out;
    {
        Statement s(db.handle(), "SELECT origin, shift, last_invocation_id, last_request_id FROM timeline_summary",
                    db.path());
        if (!s.next())
            return std::nullopt;
        out.origin_ = s.int_at(0);
        out.shift_ = int(s.int_at(1));
        out.lastInvocationId_ = s.int_at(2);
        out.lastRequestId_ = s.int_at(3);
    }
    {
        Statement s(db.handle(), "SELECT thread_id, invocations, requests, max_depth FROM timeline_lanes ORDER BY thread_id",
                    db.path());
        while (s.next()) {
            TimelineLaneSummary &l = out.laneFor(s.int_at(0));
            l.invocations = s.int_at(1);
            l.requests = s.int_at(2);
            l.maxDepth = int(s.int_at(3));
            out.invocations_ += l.invocations;
        }
    }
    {
        Statement s(db.handle(),
                    "SELECT thread_id, bucket, count, errors, requests, max_depth, busy_ns, request_busy_ns"
                    "  FROM timeline_buckets ORDER BY thread_id, bucket",
                    db.path());
        while (s.next()) {
            TimelineBucket &b = out.bucket(out.laneFor(s.int_at(0)), s.int_at(1));
            b.count = uint32_t(s.int_at(2));
            b.errors = uint16_t(s.int_at(3));
            b.requests = uint16_t(s.int_at(4));
            b.maxDepth = int16_t(s.int_at(5));
            b.busyNs = uint64_t(s.int_at(6));
            b.requestBusyNs = uint64_t(s.int_at(7));
        }
    }
    {
        Statement s(db.handle(), "SELECT bucket, lo_id, hi_id FROM timeline_id_ranges ORDER BY bucket", db.path());
        while (s.next()) {
            const size_t b = size_t(s.int_at(0));
            if (out.loId_.size() <= b) {
                out.loId_.resize(b + 1, kNoId);
                out.hiId_.resize(b + 1, -1);
            }
            out.loId_[b] = s.null_at(1) ? kNoId : s.int_at(1);
            out.hiId_[b] = s.null_at(2) ? -1 : s.int_at(2);
        }
    }
    {
        Statement s(db.handle(), "SELECT id, begin_ts, end_ts, kind FROM timeline_long ORDER BY kind, id", db.path());
        while (s.next()) {
            const int kind = int(s.int_at(3));
            if (kind == kLong) {
                out.long_.push_back({s.int_at(0), s.int_at(1), s.int_at(2)});
                continue;
            }
            TimelineSummaryRow r;
            r.id = s.int_at(0);
            r.begin = s.int_at(1);
            r.end = s.int_at(2);
            r.request = kind == kOpenRequest;
            r.open = true;
            out.open_.push_back(r);
        }
    }
    out.finish();
    return out;
}

bool TimelineSummary::operator==(const TimelineSummary &o) const
{
    if (origin_ != o.origin_ || shift_ != o.shift_ || invocations_ != o.invocations_ ||
        lastInvocationId_ != o.lastInvocationId_ || lastRequestId_ != o.lastRequestId_ ||
        lanes_.size() != o.lanes_.size())
        return false;
    for (const TimelineLaneSummary &l : lanes_) {
        const TimelineLaneSummary *other = o.lane(l.threadId);
        if (!other || !(*other == l))
            return false;
    }
    // Id ranges: the same up to the longer one's tail of empty buckets.
    for (size_t i = 0; i < std::max(loId_.size(), o.loId_.size()); ++i) {
        auto at = [i](const std::vector<int64_t> &v, int64_t none) { return i < v.size() ? v[i] : none; };
        if (at(loId_, kNoId) != at(o.loId_, kNoId) || at(hiId_, -1) != at(o.hiId_, -1))
            return false;
    }
    auto longs = [](std::vector<Long> v) {
        std::vector<std::tuple<int64_t, int64_t, int64_t>> t;
        for (const Long &l : v)
            t.emplace_back(l.id, l.begin, l.end);
        std::sort(t.begin(), t.end());
        return t;
    };
    auto opens = [](const std::vector<TimelineSummaryRow> &v) {
        std::vector<std::tuple<bool, int64_t, int64_t, int64_t>> t;
        for (const TimelineSummaryRow &r : v)
            t.emplace_back(r.request, r.id, r.begin, r.end);
        std::sort(t.begin(), t.end());
        return t;
    };
    return longs(long_) == longs(o.long_) && opens(open_) == opens(o.open_);
}

} // namespace teescope::store
