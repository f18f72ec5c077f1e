// SPDX-License-Identifier: MIT
#include "teescope/store/exact_percentiles.h"

#include "teescope/store/error.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>
#include <system_error>

namespace teescope::store {

Percentiles nearest_rank_percentiles(std::vector<int64_t> &durations)
{
    const size_t n = durations.size();
    // Nearest rank: the ceil(p * n)-th smallest (1-based). Ranks are selected in increasing
    // order, each within what lies above the previous one, and read at once (a later
    // selection may move the elements it does not fix).
    size_t from = 0;
    auto rank = [&](size_t per_mille) {
        size_t r = std::max<size_t>((n * per_mille + 999) / 1000, 1) - 1;
        std::nth_element(durations.begin() + static_cast<std::ptrdiff_t>(from),
                         durations.begin() + static_cast<std::ptrdiff_t>(r), durations.end());
        from = r;
        return durations[r];
    };
    Percentiles p;
    auto [lo, hi] = std::minmax_element(durations.begin(), durations.end());
    p.min_ns = *lo;
    p.max_ns = *hi;
    p.p50_ns = rank(500);
    p.p90_ns = rank(900);
    p.p99_ns = rank(990);
    p.p999_ns = rank(999);
    return p;
}

namespace {

// Histogram buckets: values below 64 have one each; above, each octave has 64 buckets (a
// bucket is at most 1/64 of its values wide). Negative durations (clocks that went back)
// mirror the positive ones, so the bucket order is the value order.
constexpr int kSubBits = 6;
constexpr uint64_t kSub = uint64_t(1) << kSubBits;

int32_t magnitude_bucket(uint64_t u)
{
    if (u < kSub)
        return static_cast<int32_t>(u);
    const int e = 63 - std::countl_zero(u);
    return static_cast<int32_t>(uint64_t(e - kSubBits + 1) * kSub + ((u >> (e - kSubBits)) & (kSub - 1)));
}

int32_t bucket_of(int64_t v)
{
    return v >= 0 ? magnitude_bucket(static_cast<uint64_t>(v))
                  : -1 - magnitude_bucket(static_cast<uint64_t>(-(v + 1)));
}

// The magnitudes of bucket m, inclusive.
std::pair<uint64_t, uint64_t> magnitude_range(int32_t m)
{
    const auto u = static_cast<uint64_t>(m);
    if (u < kSub)
        return {u, u};
    const int shift = static_cast<int>(u / kSub) - 1; // the octave's exponent minus kSubBits
    const uint64_t lo = (kSub + u % kSub) << shift;
    return {lo, lo + ((uint64_t(1) << shift) - 1)};
}

// The values of bucket b, inclusive.
std::pair<int64_t, int64_t> bucket_range(int32_t b)
{
    constexpr uint64_t top = std::numeric_limits<int64_t>::max();
    if (b >= 0) {
        auto [lo, hi] = magnitude_range(b);
        return {static_cast<int64_t>(std::min(lo, top)), static_cast<int64_t>(std::min(hi, top))};
    }
    auto [lo, hi] = magnitude_range(-1 - b);
    return {-1 - static_cast<int64_t>(std::min(hi, top)), -1 - static_cast<int64_t>(std::min(lo, top))};
}

constexpr size_t kRecord = sizeof(uint32_t) + sizeof(int64_t); // a spilled (group, duration)
constexpr uint64_t kSplit = 4096;    // parts a range too large to gather is split into
constexpr size_t kSplitsPerPass = 64; // ranges split in one pass (kSplit counters each)
constexpr size_t kFirstBuffer = 4096; // records the buffer starts with

} // namespace

struct ExactPercentiles::Range {
    uint32_t group = 0;
    int64_t lo = 0, hi = 0; // inclusive; lo < hi
    uint64_t count = 0;     // durations of the group within [lo, hi]
    struct Wanted {
        uint64_t rank; // within the range, from 0; ascending
        int64_t *out;
    };
    std::vector<Wanted> wanted;
    std::vector<int64_t> values;       // gathered
    std::vector<uint64_t> part_counts; // split: durations per part
    uint64_t part_width = 0;
};

ExactPercentiles::ExactPercentiles(std::string spill_dir, std::string file)
    : ExactPercentiles(std::move(spill_dir), std::move(file), Limits{})
{
}

ExactPercentiles::ExactPercentiles(std::string spill_dir, std::string file, Limits limits)
    : spill_dir_(std::move(spill_dir)), file_(std::move(file)), limits_(limits)
{
    limits_.buffered = std::max<size_t>(limits_.buffered, 1);
    limits_.selected = std::max<size_t>(limits_.selected, 1);
}

ExactPercentiles::~ExactPercentiles()
{
    if (spill_fd_ >= 0)
        ::close(spill_fd_);
}

void ExactPercentiles::add(uint32_t group, int64_t duration)
{
    if (group >= groups_.size())
        groups_.resize(size_t(group) + 1);
    Group &g = groups_[group];
    const int32_t b = bucket_of(duration);
    if (g.count == 0) {
        g.min = g.max = duration;
        g.first_bucket = b;
        g.counts.assign(1, 0);
    } else {
        g.min = std::min(g.min, duration);
        g.max = std::max(g.max, duration);
        if (b < g.first_bucket) {
            g.counts.insert(g.counts.begin(), size_t(g.first_bucket - b), 0);
            g.first_bucket = b;
        } else if (size_t(b - g.first_bucket) >= g.counts.size()) {
            g.counts.resize(size_t(b - g.first_bucket) + 1, 0);
        }
    }
    ++g.counts[size_t(b - g.first_bucket)];
    ++g.count;

    if (used_ + kRecord > buffer_.size()) {
        const size_t full = limits_.buffered * kRecord;
        if (used_ >= full)
            spill();
        if (used_ + kRecord > buffer_.size()) { // the first records, or nowhere to spill
            size_t grown = std::max(buffer_.size() * 2, std::min(limits_.buffered, kFirstBuffer) * kRecord);
            buffer_.resize(used_ < full ? std::min(grown, full) : grown);
        }
    }
    unsigned char *at = buffer_.data() + used_;
    std::memcpy(at, &group, sizeof group);
    std::memcpy(at + sizeof group, &duration, sizeof duration);
    used_ += kRecord;
}

void ExactPercentiles::open_spill()
{
    spill_tried_ = true;
    std::error_code ec;
    std::vector<std::string> dirs;
    if (!spill_dir_.empty())
        dirs.push_back(spill_dir_);
    if (auto tmp = std::filesystem::temp_directory_path(ec); !ec)
        dirs.push_back(tmp.string());
    for (const std::string &dir : dirs) {
        // Unnamed, so that nothing is left behind whatever ends the process.
        spill_fd_ = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
        if (spill_fd_ >= 0)
            return;
        std::string name = dir + "/.teescope-latency.XXXXXX";
        spill_fd_ = ::mkostemp(name.data(), O_CLOEXEC);
        if (spill_fd_ >= 0) {
            ::unlink(name.c_str());
            return;
        }
    }
    // Nowhere to spill: the durations stay in memory, as many as there are.
}

void ExactPercentiles::spill()
{
    if (!spill_tried_)
        open_spill();
    if (spill_fd_ < 0 || used_ == 0)
        return;
    const unsigned char *p = buffer_.data();
    size_t left = used_;
    while (left > 0) {
        const ssize_t n = ::write(spill_fd_, p, left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            throw Error(file_ + ": cannot write the durations spilled for the latency table: " +
                        std::strerror(n < 0 ? errno : ENOSPC));
        p += n;
        left -= static_cast<size_t>(n);
    }
    spilled_ += used_ / kRecord;
    used_ = 0;
}

// Calls visit(group, duration) for every duration added: those of the spill file, then those
// still in the buffer.
template <class Visit> void ExactPercentiles::each_duration(Visit &&visit)
{
    auto records = [&](const unsigned char *p, size_t bytes) {
        for (const unsigned char *end = p + bytes; p < end; p += kRecord) {
            uint32_t group;
            int64_t duration;
            std::memcpy(&group, p, sizeof group);
            std::memcpy(&duration, p + sizeof group, sizeof duration);
            visit(group, duration);
        }
    };
    if (spilled_ > 0) {
        const size_t chunk = limits_.buffered * kRecord;
        if (read_.size() < chunk)
            read_.resize(chunk);
        const uint64_t total = spilled_ * kRecord;
        for (uint64_t offset = 0; offset < total;) {
            const size_t want = static_cast<size_t>(std::min<uint64_t>(chunk, total - offset));
            size_t got = 0;
            while (got < want) {
                const ssize_t n = ::pread(spill_fd_, read_.data() + got, want - got, static_cast<off_t>(offset + got));
                if (n < 0 && errno == EINTR)
                    continue;
                if (n <= 0)
                    throw Error(file_ + ": cannot read the durations spilled for the latency table: " +
                                (n < 0 ? std::strerror(errno) : "the file is shorter than written"));
                got += static_cast<size_t>(n);
            }
            records(read_.data(), want);
            offset += want;
        }
    }
    records(buffer_.data(), used_);
}

// One pass over the durations: those of the `gather` ranges are collected, those of the `split`
// ranges counted per part.
void ExactPercentiles::pass(std::vector<Range *> &gather, std::vector<Range *> &split)
{
    ++passes_;
    std::vector<std::vector<Range *>> &of_group = of_group_;
    of_group.resize(groups_.size());
    for (Range *r : gather) {
        r->values.reserve(r->count);
        of_group[r->group].push_back(r);
    }
    for (Range *r : split) {
        r->part_width = (static_cast<uint64_t>(r->hi) - static_cast<uint64_t>(r->lo)) / kSplit + 1;
        r->part_counts.assign(kSplit, 0);
        of_group[r->group].push_back(r);
    }
    each_duration([&](uint32_t group, int64_t v) {
        if (group >= of_group.size())
            return;
        for (Range *r : of_group[group]) {
            if (v < r->lo || v > r->hi)
                continue;
            if (r->part_width)
                ++r->part_counts[(static_cast<uint64_t>(v) - static_cast<uint64_t>(r->lo)) / r->part_width];
            else
                r->values.push_back(v);
            break; // the ranges of a group do not overlap
        }
    });
    for (const auto *batch : {&gather, &split})
        for (Range *r : *batch)
            of_group[r->group].clear();
}

std::vector<Percentiles> ExactPercentiles::compute()
{
    if (spilled_ > 0)
        spill(); // everything in the file: the buffer is not needed any more
    if (spilled_ > 0) {
        read_.swap(buffer_);
        buffer_.clear();
        used_ = 0;
    }

    std::vector<Percentiles> out(groups_.size());
    std::vector<std::unique_ptr<Range>> ranges;
    std::vector<Range *> fresh; // ranges made since the last pass
    // A range for the ranks of `wanted` that fall in [lo, hi] (count durations), or the value
    // itself when the range is one value wide.
    auto want = [&](uint32_t group, int64_t lo, int64_t hi, uint64_t count, const std::vector<Range::Wanted> &wanted) {
        if (lo == hi) {
            for (const Range::Wanted &w : wanted)
                *w.out = lo;
            return;
        }
        auto r = std::make_unique<Range>();
        r->group = group;
        r->lo = lo;
        r->hi = hi;
        r->count = count;
        r->wanted = wanted;
        fresh.push_back(r.get());
        ranges.push_back(std::move(r));
    };

    static constexpr std::array<size_t, 4> per_mille{500, 900, 990, 999};
    for (uint32_t gi = 0; gi < groups_.size(); ++gi) {
        Group &g = groups_[gi];
        if (g.count == 0)
            continue;
        Percentiles &p = out[gi];
        p.min_ns = g.min;
        p.max_ns = g.max;
        const std::array<int64_t *, 4> outs{&p.p50_ns, &p.p90_ns, &p.p99_ns, &p.p999_ns};
        // The bucket of each rank (ranks ascend), with the ranks that share it.
        size_t bucket = 0;
        uint64_t below = 0; // durations in the buckets before `bucket`
        std::vector<Range::Wanted> wanted;
        auto flush = [&] {
            if (wanted.empty())
                return;
            auto [lo, hi] = bucket_range(g.first_bucket + static_cast<int32_t>(bucket));
            want(gi, std::max(lo, g.min), std::min(hi, g.max), g.counts[bucket], wanted);
            wanted.clear();
        };
        for (size_t k = 0; k < per_mille.size(); ++k) {
            const uint64_t r = std::max<uint64_t>((g.count * per_mille[k] + 999) / 1000, 1) - 1;
            if (r == 0 || r == g.count - 1) {
                *outs[k] = r == 0 ? g.min : g.max;
                continue;
            }
            if (below + g.counts[bucket] <= r) {
                flush();
                while (below + g.counts[bucket] <= r)
                    below += g.counts[bucket++];
            }
            wanted.push_back({r - below, outs[k]});
        }
        flush();
        std::vector<uint64_t>().swap(g.counts); // not needed any more
    }

    // Passes over the durations until every rank is known: ranges that fit are gathered (as
    // many as the selection allows), the others split.
    std::vector<Range *> pending = std::move(fresh);
    fresh.clear();
    while (!pending.empty()) {
        std::vector<Range *> gather, split, later;
        size_t gathered = 0;
        for (Range *r : pending) {
            if (r->count <= limits_.selected && gathered + r->count <= limits_.selected) {
                gather.push_back(r);
                gathered += r->count;
            } else if (r->count > limits_.selected && split.size() < kSplitsPerPass) {
                split.push_back(r);
            } else {
                later.push_back(r);
            }
        }
        pass(gather, split);
        for (Range *r : gather) {
            if (r->values.size() != r->count)
                throw Error(file_ + ": the durations spilled for the latency table changed while read");
            size_t from = 0;
            for (const Range::Wanted &w : r->wanted) {
                auto begin = r->values.begin();
                std::nth_element(begin + static_cast<std::ptrdiff_t>(from), begin + static_cast<std::ptrdiff_t>(w.rank),
                                 r->values.end());
                from = w.rank;
                *w.out = r->values[w.rank];
            }
            std::vector<int64_t>().swap(r->values);
        }
        for (Range *r : split) {
            uint64_t below = 0;
            size_t part = 0;
            std::vector<Range::Wanted> wanted;
            auto flush = [&] {
                if (wanted.empty())
                    return;
                const int64_t lo = static_cast<int64_t>(static_cast<uint64_t>(r->lo) + part * r->part_width);
                const uint64_t room = static_cast<uint64_t>(r->hi) - static_cast<uint64_t>(lo);
                const int64_t hi = room < r->part_width - 1
                                       ? r->hi
                                       : static_cast<int64_t>(static_cast<uint64_t>(lo) + (r->part_width - 1));
                want(r->group, lo, hi, r->part_counts[part], wanted);
                wanted.clear();
            };
            for (const Range::Wanted &w : r->wanted) {
                if (below + r->part_counts[part] <= w.rank) {
                    flush();
                    while (below + r->part_counts[part] <= w.rank)
                        below += r->part_counts[part++];
                }
                wanted.push_back({w.rank - below, w.out});
            }
            flush();
            std::vector<uint64_t>().swap(r->part_counts);
        }
        // The parts of the split ranges go after what waits.
        pending = std::move(later);
        pending.insert(pending.end(), fresh.begin(), fresh.end());
        fresh.clear();
    }
    return out;
}

} // namespace teescope::store
