// SPDX-License-Identifier: MIT
// `teescope import TRACE_DIR [-o FILE.db] [--progress=auto|bar|json|none]`.
#pragma once

#include <ostream>
#include <string>

namespace teescope::cli {

enum class ProgressStyle { Auto, Bar, Json, None };

struct ImportOptions {
    std::string trace;
    std::string db;                    // default: TRACE_DIR.db next to the trace
    ProgressStyle progress = ProgressStyle::Auto;
};

// Exit codes: 0 imported; 1 the trace or the database could not be used (nothing written);
// 3 imported, but the trace could not be read to its end (the database says so);
// 130 cancelled (nothing written).
int import_trace(const ImportOptions &options, std::ostream &out, std::ostream &err);

// Renders progress: a bar on a terminal, or one JSON object per line for programs.
std::string progress_json(double fraction, uint64_t events, double events_per_s);
std::string progress_bar(double fraction, uint64_t events, double events_per_s, int width);

} // namespace teescope::cli
