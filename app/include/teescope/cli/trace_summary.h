// SPDX-License-Identifier: MIT
// A short account of what a CTF trace holds, read through babeltrace2.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <ostream>
#include <string>
#include <string_view>

namespace teescope::cli {

struct TraceSummary {
    std::map<std::string, uint64_t> events; // "provider:event" → count
    uint64_t total = 0;
    std::set<uint64_t> vpids;               // processes that emitted events
    uint64_t discarded_events = 0;          // reported lost by the tracer
    uint64_t discarded_packets = 0;
    int status = 0;                         // babeltrace2's exit code
    std::string error;                      // babeltrace2's complaint when status != 0
};

// Feeds one line of babeltrace2's text output (stdout or stderr) into the summary.
void add_babeltrace_line(TraceSummary &summary, std::string_view line);

TraceSummary summarize_trace(const std::string &trace_dir);

void print_summary(std::ostream &out, const TraceSummary &summary);

} // namespace teescope::cli
