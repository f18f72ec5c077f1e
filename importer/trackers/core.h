// SPDX-License-Identifier: MIT
// What the entity trackers share, and nothing more: the row sink, the id allocation of every
// table, the named import statistics and whether the trace lost data. Each lifetime is held by
// the tracker of its entity; a tracker that needs another's answer holds a reference to it.
#pragma once

#include "teescope/importer/rows.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace teescope::importer {

// The tables whose rows get an assigned id.
enum class Table : uint8_t {
    process,
    thread,
    context,
    object,
    handle,
    invocation,
    callback_request,
    async_release,
    data_loss,
    shm,
    session,
    shm_use,
    optee_wait,
    guest,
    count_
};

class TrackerCore {
public:
    explicit TrackerCore(RowSink &rows) : rows_(rows) {
        for (Id &next : next_id_)
            next = 1;
    }
    TrackerCore(const TrackerCore &) = delete;
    TrackerCore &operator=(const TrackerCore &) = delete;

    RowSink &rows() { return rows_; }

    // The id of a new lifetime of `table`: 1, 2, ... in the order lifetimes begin.
    Id new_id(Table table) { return next_id_[static_cast<size_t>(table)]++; }

    // Live imports: whether a lifetime of `table` began after the previous live write (its row
    // is not in the database yet), and the mark of that write once done.
    bool live_new(Table table, Id id) const { return id >= live_from_[static_cast<size_t>(table)]; }
    void live_written() { std::copy(std::begin(next_id_), std::end(next_id_), std::begin(live_from_)); }

    // Counts a named import statistic; `what` (with the time appended) is its example.
    void stat(const char *name, const char *severity, uint64_t n, Ts ts, const std::string &what);
    // After data loss: `n` lifetimes of `table` were still open when the trace ended.
    void count_inferred(const char *table, uint64_t n, Ts last_ts);

    // Events or packets were lost, or the trace could not be read to its end: what is still open
    // (or never completed) may hide its real end.
    bool data_lost() const { return data_lost_; }
    // what: events | packets
    void on_discarded(const char *what, int64_t begin_ts, int64_t end_ts, uint64_t count,
                      std::string_view stream);
    void on_foreign_event(std::string_view name, int64_t ts);
    void on_malformed_event(std::string_view name, std::string_view why, int64_t ts);
    void on_other_recording(std::string_view name, uint64_t recording, uint64_t trace_recording, int64_t ts);
    void on_read_error(std::string_view what, int64_t last_ts);
    // Packets of a damaged stream file that could not be read: a data_loss row too.
    void on_unreadable(int64_t begin_ts, int64_t end_ts, uint64_t count, std::string_view stream,
                       std::string_view why);

private:
    RowSink &rows_;
    bool data_lost_ = false;
    Id next_id_[static_cast<size_t>(Table::count_)];
    Id live_from_[static_cast<size_t>(Table::count_)] = {};
    std::string example_; // reused for the examples of statistics
};

// Keys made of two raw ids: (context serial, handle), (pid, user serial), ...
using PairKey = std::pair<uint64_t, uint64_t>;
struct PairHash {
    size_t operator()(const PairKey &k) const noexcept {
        return std::hash<uint64_t>{}(k.first * 0x9E3779B97F4A7C15ULL ^ (k.second + 0x632BE59BD9B4E019ULL));
    }
};

std::string hex(uint64_t v);
// A TEE uuid as text (8-4-4-4-12); empty for none.
std::string uuid_text(const uint8_t *u);

// A lifetime still open as a live import writes it: as it is now, ended by nothing yet.
template <typename Row> Row live_row(const Row &row) {
    Row r = row;
    if constexpr (requires { r.end_kind; })
        r.end_kind = "live";
    return r;
}

// The lifetimes of a map in id order (the order they began), to emit what is open at the end.
template <typename Map> std::vector<typename Map::mapped_type *> in_id_order(Map &m) {
    std::vector<typename Map::mapped_type *> v;
    v.reserve(m.size());
    for (auto &kv : m)
        v.push_back(&kv.second);
    auto id = [](const auto *x) {
        if constexpr (requires { x->row.id; })
            return x->row.id;
        else
            return x->id;
    };
    std::sort(v.begin(), v.end(), [&](const auto *a, const auto *b) { return id(a) < id(b); });
    return v;
}

} // namespace teescope::importer
