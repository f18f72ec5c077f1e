// SPDX-License-Identifier: MIT
#include "timeline/timeline_summary.h"

#include "teescope/store/statement.h"

#include <algorithm>
#include <limits>
#include <optional>

namespace teescope::gui {

namespace {

// An invocation spanning more buckets than this is read by id, not through the id ranges.
constexpr qint64 kLongBuckets = 2;
constexpr qint64 kNoId = std::numeric_limits<qint64>::max();

std::optional<qint64> optInt(const store::Statement &s, int col)
{
    if (s.null_at(col))
        return std::nullopt;
    return qint64(s.int_at(col));
}

template <typename T>
T saturatedAdd(T a, qint64 b)
{
    return T(std::min<qint64>(qint64(a) + b, std::numeric_limits<T>::max()));
}

// begin and end of an invocation row as the timeline draws it (TimelineData::readInvocations):
// the user side, else the driver side, else what times there are.
std::optional<TimelineSummaryRow> invocationRow(const store::Statement &s)
{
    const auto ub = optInt(s, 2), ue = optInt(s, 3), db = optInt(s, 4), de = optInt(s, 5);
    if (!ub && !ue && !db && !de)
        return std::nullopt;
    qint64 lo = std::numeric_limits<qint64>::max(), hi = std::numeric_limits<qint64>::min();
    for (const auto &t : {ub, ue, db, de})
        if (t) {
            lo = std::min(lo, *t);
            hi = std::max(hi, *t);
        }
    TimelineSummaryRow r;
    r.id = s.int_at(0);
    r.threadId = s.null_at(1) ? 0 : s.int_at(1);
    r.begin = ub.value_or(db.value_or(lo));
    r.end = std::max(r.begin, ue.value_or(de.value_or(hi)));
    r.error = (!s.null_at(6) && s.int_at(6) != 0) || (!s.null_at(7) && s.int_at(7) != 0);
    r.depth = int(std::clamp<qint64>(s.int_at(8), 0, 100));
    r.open = s.int_at(9) == 0 && !ue && !de;
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

TimelineSummary::TimelineSummary(qint64 origin, qint64 span) : origin_(origin)
{
    while (shift_ < 62 && (std::max<qint64>(span, 1) >> shift_) >= kMaxBuckets)
        ++shift_;
}

qint64 TimelineSummary::bucketOf(qint64 ts) const
{
    return ts <= origin_ ? 0 : (ts - origin_) >> shift_;
}

const TimelineLaneSummary *TimelineSummary::lane(qint64 threadId) const
{
    auto it = laneIndex_.find(threadId);
    return it == laneIndex_.end() ? nullptr : &lanes_[it->second];
}

TimelineLaneSummary &TimelineSummary::laneFor(qint64 threadId)
{
    auto it = laneIndex_.find(threadId);
    if (it != laneIndex_.end())
        return lanes_[it->second];
    laneIndex_.emplace(threadId, lanes_.size());
    TimelineLaneSummary lane;
    lane.threadId = threadId;
    lane.levels.resize(1);
    lanes_.push_back(std::move(lane));
    return lanes_.back();
}

TimelineBucket &TimelineSummary::bucket(TimelineLaneSummary &lane, qint64 index)
{
    TimelineSummaryLevel &l = lane.levels.front();
    if (l.buckets.empty()) {
        l.first = index;
        l.buckets.resize(1);
    } else if (index < l.first) {
        l.buckets.insert(l.buckets.begin(), size_t(l.first - index), TimelineBucket{});
        l.first = index;
    } else if (index >= l.first + qint64(l.buckets.size())) {
        l.buckets.resize(size_t(index - l.first + 1));
    }
    return l.buckets[size_t(index - l.first)];
}

void TimelineSummary::noteIds(qint64 b0, qint64 b1, qint64 beginBucket, qint64 id)
{
    if (qint64(loId_.size()) <= b1) {
        loId_.resize(size_t(b1 + 1), kNoId);
        hiId_.resize(size_t(b1 + 1), -1);
    }
    for (qint64 b = b0; b <= b1; ++b)
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
        const qint64 first = l.first >> 1, last = (l.first + qint64(l.buckets.size()) - 1) >> 1;
        std::vector<TimelineBucket> merged(size_t(last - first + 1));
        for (size_t i = 0; i < l.buckets.size(); ++i)
            merged[size_t(((l.first + qint64(i)) >> 1) - first)].add(l.buckets[i]);
        l.first = first;
        l.buckets = std::move(merged);
        lane.levels.resize(1);
    }
    std::vector<qint64> lo((loId_.size() + 1) / 2, kNoId), hi((hiId_.size() + 1) / 2, -1);
    for (size_t i = 0; i < loId_.size(); ++i) {
        lo[i / 2] = std::min(lo[i / 2], loId_[i]);
        hi[i / 2] = std::max(hi[i / 2], hiId_[i]);
    }
    loId_ = std::move(lo);
    hiId_ = std::move(hi);
    // Long ones that now fit in a few buckets go through the id ranges.
    std::erase_if(long_, [this](const Long &l) {
        const qint64 b0 = bucketOf(l.begin), b1 = bucketOf(l.end);
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
    const qint64 b0 = bucketOf(row.begin), b1 = bucketOf(row.end);
    TimelineBucket &first = bucket(lane, b0);
    if (row.request) {
        first.requests = saturatedAdd(first.requests, 1);
        ++lane.requests;
    } else {
        first.count = saturatedAdd(first.count, 1);
        if (row.error)
            first.errors = saturatedAdd(first.errors, 1);
        first.maxDepth = std::max<qint16>(first.maxDepth, qint16(row.depth));
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
    for (qint64 b = b0; b <= b1; ++b) {
        const qint64 lo = std::max(row.begin, origin_ + (b << shift_));
        const qint64 hi = b == b1 ? row.end : std::min(row.end, origin_ + ((b + 1) << shift_));
        if (hi <= lo)
            continue;
        TimelineBucket &k = bucket(lane, b);
        (row.request ? k.requestBusyNs : k.busyNs) += quint64(hi - lo);
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
            const qint64 last = (fine.first + qint64(fine.buckets.size()) - 1) >> 1;
            coarse.buckets.resize(size_t(last - coarse.first + 1));
            for (size_t i = 0; i < fine.buckets.size(); ++i)
                coarse.buckets[size_t(((fine.first + qint64(i)) >> 1) - coarse.first)].add(fine.buckets[i]);
            lane.levels.push_back(std::move(coarse));
        }
    }
    finished_ = true;
}

qint64 TimelineSummary::countIn(qint64 t0, qint64 t1) const
{
    const qint64 b0 = bucketOf(t0), b1 = bucketOf(t1);
    qint64 n = qint64(open_.size());
    for (const TimelineLaneSummary &lane : lanes_) {
        const TimelineSummaryLevel &l = lane.levels.front();
        const qint64 from = std::max(b0, l.first), to = std::min(b1, l.first + qint64(l.buckets.size()) - 1);
        for (qint64 b = from; b <= to; ++b)
            n += l.buckets[size_t(b - l.first)].count;
    }
    return n;
}

TimelineSummary::IdRanges TimelineSummary::idsFor(qint64 t0, qint64 t1) const
{
    IdRanges out;
    // A short invocation overlapping [t0, t1] overlaps one of its buckets (so its id is at least
    // their smallest) and began at most kLongBuckets buckets before the first.
    const qint64 b0 = bucketOf(t0), b1 = std::min(bucketOf(t1), qint64(loId_.size()) - 1);
    qint64 lo = kNoId, hi = -1;
    for (qint64 b = b0; b <= b1; ++b)
        lo = std::min(lo, loId_[size_t(b)]);
    for (qint64 b = std::max<qint64>(0, b0 - kLongBuckets); b <= b1; ++b)
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

TimelineSummary::Progress TimelineSummary::read(const store::Database &db, qint64 afterId, qint64 afterRequestId,
                                                qint64 limit)
{
    Progress p;
    // The rows open when last read, again: those that ended are summarized now.
    if (!open_.empty()) {
        std::vector<TimelineSummaryRow> open = std::move(open_);
        open_.clear();
        store::Statement s(db.handle(), (std::string(kInvocationColumns) + " WHERE id = ?").c_str(), db.path());
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
        store::Statement s(db.handle(), (std::string(kInvocationColumns) + " WHERE id > ? ORDER BY id LIMIT ?").c_str(),
                           db.path());
        s.bind(1, int64_t(afterId));
        s.bind(2, int64_t(limit));
        qint64 rows = 0;
        while (s.next()) {
            ++rows;
            lastInvocationId_ = std::max(lastInvocationId_, qint64(s.int_at(0)));
            if (auto r = invocationRow(s))
                add(*r);
        }
        p.more = rows >= limit;
    }
    {
        // Requests are few: read whole, as the timeline's structure reads them.
        store::Statement s(db.handle(),
                           "SELECT id, supplicant_thread_id, queue_ts, pick_ts, answer_ts FROM callback_requests"
                           " WHERE id > ? ORDER BY id",
                           db.path());
        s.bind(1, int64_t(afterRequestId));
        while (s.next()) {
            lastRequestId_ = std::max(lastRequestId_, qint64(s.int_at(0)));
            const auto queue = optInt(s, 2), pick = optInt(s, 3), answer = optInt(s, 4);
            if (!queue && !pick && !answer)
                continue;
            TimelineSummaryRow r;
            r.id = s.int_at(0);
            r.request = true;
            r.threadId = s.null_at(1) ? 0 : s.int_at(1);
            r.begin = queue.value_or(pick.value_or(*answer));
            const qint64 inner = std::max(r.begin, pick.value_or(r.begin));
            r.end = std::max(inner, answer.value_or(std::max(r.begin, pick.value_or(r.begin))));
            add(r);
        }
    }
    p.lastInvocationId = lastInvocationId_;
    p.lastRequestId = lastRequestId_;
    return p;
}

} // namespace teescope::gui
