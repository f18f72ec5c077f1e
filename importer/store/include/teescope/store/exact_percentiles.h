// SPDX-License-Identifier: MIT
// Exact nearest-rank percentiles of the durations of many groups, in memory that does not grow
// with the number of durations. Each group keeps a histogram of logarithmic buckets (1/64 of an
// octave wide); the durations themselves go to a buffer that is written to an unnamed spill file
// when it is full. At the end the histograms tell which bucket holds each rank, and passes over
// the spilled durations gather just those buckets to select the ranks among (a bucket holding
// more than the selection allows is first split into 4096 parts by a pass that counts them, and
// so on until its durations fit or are all one value). The result equals
// nearest_rank_percentiles() of each group's durations, value for value.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace teescope::store {

struct Percentiles {
    int64_t min_ns = 0, p50_ns = 0, p90_ns = 0, p99_ns = 0, p999_ns = 0, max_ns = 0;
};
// Nearest-rank percentiles of `durations` (not empty; reordered in place): the ceil(p * n)-th
// smallest, as the latency groups have them.
Percentiles nearest_rank_percentiles(std::vector<int64_t> &durations);

class ExactPercentiles {
public:
    struct Limits {
        size_t buffered = size_t(1) << 19; // durations held before they are spilled (12 bytes each)
        size_t selected = size_t(1) << 20; // durations gathered at once to select ranks among
    };

    // Spills into an unnamed file in `spill_dir` (else in the system's temporary directory;
    // else the durations stay in memory). `file` names the database in error messages.
    ExactPercentiles(std::string spill_dir, std::string file);
    ExactPercentiles(std::string spill_dir, std::string file, Limits limits);
    ~ExactPercentiles();
    ExactPercentiles(const ExactPercentiles &) = delete;
    ExactPercentiles &operator=(const ExactPercentiles &) = delete;

    // A duration of `group` (groups are numbered from 0 by the caller). Throws Error when the
    // spill file cannot be written.
    void add(uint32_t group, int64_t duration);

    uint64_t count(uint32_t group) const { return group < groups_.size() ? groups_[group].count : 0; }

    // The percentiles of every group, indexed by group (a group without durations: all zero).
    // Once, after the last add(). Throws Error when the spill file cannot be read.
    std::vector<Percentiles> compute();

    // How many passes over the durations compute() made (for tests).
    int passes() const { return passes_; }
    // Whether durations were written to a spill file (for tests).
    bool spilled() const { return spilled_ > 0; }

private:
    struct Group {
        uint64_t count = 0;
        int64_t min = 0, max = 0;
        int32_t first_bucket = 0;     // bucket of counts[0]
        std::vector<uint64_t> counts; // per bucket, from first_bucket on
    };
    struct Range; // durations of one group between two bounds, holding ranks to select

    void open_spill();
    void spill();
    template <class Visit> void each_duration(Visit &&visit);
    void pass(std::vector<Range *> &gather, std::vector<Range *> &split);

    std::string spill_dir_, file_;
    Limits limits_;
    std::vector<Group> groups_;
    std::vector<unsigned char> buffer_; // records of (group, duration), 12 bytes each
    size_t used_ = 0;                   // bytes of buffer_ holding records
    std::vector<unsigned char> read_;   // a chunk of the spill file being read
    std::vector<std::vector<Range *>> of_group_; // a pass's ranges, per group
    int spill_fd_ = -1;
    bool spill_tried_ = false;
    uint64_t spilled_ = 0; // records in the spill file
    int passes_ = 0;
};

} // namespace teescope::store
