// SPDX-License-Identifier: MIT
// Latency per class and operation, computed from the invocations: what the import stores in the
// latency table, and what the GUI computes for one guest. The class of a QTEE invocation is the
// class of the object invoked; of an OP-TEE call, its TA (ta_names, else the uuid); of the
// driver's own call of no known object, kDriverClass; of any other call of no known object,
// "unknown".
#pragma once

#include "teescope/store/exact_percentiles.h"

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace teescope::store {

// What the driver does on its own (pid 0 in the trace: invocations.internal, rows of no process).
inline constexpr const char *kDriverClass = "driver (kernel)";

struct LatencyGroup {
    std::string klass;   // latency.class
    int64_t op = 0;
    int64_t count = 0;   // invocations with both driver times
    int64_t min_ns = 0, p50_ns = 0, p90_ns = 0, p99_ns = 0, p999_ns = 0, max_ns = 0;
    std::string op_name; // the op in words (latency_ops.op_name): a TA command's or QTEE op's name
    bool named = false;  // op_name is a TA command's name (a row of latency_op_names)
};

// Invocations whose driver side ended within [begin_ts, end_ts] (a recent window of a live file).
struct LatencyWindow {
    int64_t begin_ts = 0, end_ts = 0;
};

// Nearest-rank percentiles of the driver-side durations per (class, op), sorted by class and
// op; only the invocations of `guest` when given, and of `window`. Needs the objects, sessions,
// ta_names / ta_commands and op_names tables to be filled. The durations are spilled beside the
// database (see ExactPercentiles; `limits` for tests). Throws Error naming `file`.
std::vector<LatencyGroup> compute_latency_groups(sqlite3 *db, const std::string &file,
                                                 std::optional<int64_t> guest = std::nullopt,
                                                 std::optional<LatencyWindow> window = std::nullopt,
                                                 ExactPercentiles::Limits limits = {});

// The operation in words: "open" (-1) and "close" (-2) for OP-TEE session calls, "release" for
// 65535 (QTEE RELEASE), else the number.
std::string op_text(int64_t op);

} // namespace teescope::store
