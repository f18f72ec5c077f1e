// SPDX-License-Identifier: MIT
// What changed between two runs of the same workload (`teescope diff`): leaks that appeared or
// went away, latency per service and op, objects per class. Runs are compared by what they
// mean, never by ids: ids are assigned per import and differ between runs.
#pragma once

#include "teescope/store/database.h"
#include "teescope/store/latency.h"
#include "teescope/store/report.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace teescope::store {

// A leak as two runs can share it: the rows of the leaks view with equal keys are the same
// leak, counted.
struct LeakKey {
    std::string kind, klass, creator_name, provenance; // leaks.kind, class, creator_name, provenance
    bool operator<(const LeakKey &o) const
    {
        return std::tie(kind, klass, creator_name, provenance) <
               std::tie(o.kind, o.klass, o.creator_name, o.provenance);
    }
};

struct ClassObjects {
    int64_t created = 0; // objects of the class
    int64_t held = 0;    // of them, still named by a handle bound at the end of the trace
};

// What one run's database says, reduced to what can be compared.
struct RunSummary {
    std::string file;
    bool complete = true;
    std::map<LeakKey, int64_t> leaks;
    std::vector<LatencyGroup> latency; // as `teescope report latency` computes it
    std::map<std::string, ClassObjects> objects;
};

// Reads the summary of an open database. Throws Error naming the file.
RunSummary read_run_summary(const Database &db);

struct LeakChange {
    LeakKey key;
    int64_t base = 0, now = 0; // leaks with that key in BASE and in NEW
};

struct LatencyChange {
    std::string klass;
    int64_t op = 0;
    std::string op_name;
    std::optional<LatencyGroup> base, now; // absent when the run never called it
};

struct ObjectChange {
    std::string klass;
    ClassObjects base, now;
};

struct RunDiff {
    std::string base_file, new_file;
    bool base_complete = true, new_complete = true;
    std::vector<LeakChange> new_leaks;  // more in NEW than in BASE
    std::vector<LeakChange> gone_leaks; // fewer in NEW than in BASE
    int64_t unchanged_leaks = 0;        // leaks present as often in both
    std::vector<LatencyChange> latency; // every (class, op) of either run
    std::vector<ObjectChange> objects;  // every class of either run
};

RunDiff diff_runs(const RunSummary &base, const RunSummary &now);

// The p99 of an op is compared only when both runs called it this often: a percentile of a few
// calls is one call's duration, noise rather than a regression.
constexpr int64_t kMinCallsForP99 = 20;

// A --fail-on rule: "new-leaks", or "p99+PERCENT" ("p99+20%", the % is optional).
struct FailRule {
    enum class Kind { new_leaks, p99_growth };
    Kind kind = Kind::new_leaks;
    double percent = 0; // p99_growth: the growth allowed
    std::string text;   // as given
};
// On failure, `why` says what was wrong.
std::optional<FailRule> parse_fail_rule(std::string_view text, std::string &why);

// One line per broken rule and what broke it, e.g.
// "new-leaks: held_at_end app created by client (root → client_env → app): 0 → 1".
std::vector<std::string> broken_rules(const RunDiff &diff, const std::vector<FailRule> &rules);

// The change in percent from base to now, rounded to 0.1; nullopt when base is 0.
std::optional<double> change_percent(int64_t base, int64_t now);

// The diff as tables (runs, leaks_new, leaks_gone, latency, objects, broken_rules), for
// write_report in text or JSON.
Report diff_report(const RunDiff &diff, const std::vector<std::string> &broken);

} // namespace teescope::store
