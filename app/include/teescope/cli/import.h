// SPDX-License-Identifier: MIT
// `teescope import TRACE_DIR [-o FILE.db] [--progress=auto|bar|json|none] [--stall-timeout S]
// [--lock-timeout S]`, and `teescope import --live-url URL [-o FILE.db] ...`.
#pragma once

#include <ostream>
#include <string>

namespace teescope::cli {

enum class ProgressStyle { Auto, Bar, Json, None };

struct ImportOptions {
    std::string trace;
    // A relay daemon's live session (net://HOST[:PORT]/host/HOSTNAME/SESSION) read while it is
    // recorded, instead of a trace on disk: the database is written live (readers see the
    // present at every commit) and finished when the session ends or on SIGINT / SIGTERM.
    std::string live_url;
    std::string db;                    // default: TRACE_DIR.db next to the trace (SESSION.db for a live session)
    ProgressStyle progress = ProgressStyle::Auto;
    // The importer is ended when the reader has not advanced for this long (a damaged trace can
    // make Babeltrace2 spin where it cannot be stopped otherwise). 0: never.
    double stall_timeout_s = 30;
    // How long to wait while another import writes the same database.
    double lock_timeout_s = 600;
    // A trace without teescope events is imported either way; without this, the import exits
    // kImportNoTeescopeEvents.
    bool allow_empty = false;
    // Threads that decode the trace's stream files, each through Babeltrace2 graphs of its own
    // (the result does not depend on it); 0: one graph read by the importing thread; -1: the
    // default (kDefaultDecodeThreads).
    int decode_threads = -1;
};

// Two decoding threads: the fastest measured on a two-core machine (tests/bench/import_speed.py).
inline constexpr int kDefaultDecodeThreads = 2;
inline constexpr int kMaxDecodeThreads = 64;

// Exit codes: 0 imported; 1 the trace or the database could not be used (nothing written);
// 1 also for a trace without teescope events, unless allow_empty (the database is written and
// says so: metadata teescope_events = 0);
// 3 imported, but the trace could not be read to its end (the database says so);
// 4 the reader made no progress for the stall timeout and was stopped (nothing written);
// 5 another import kept writing the same database for the whole lock timeout (nothing written);
// 130 cancelled by SIGINT or SIGTERM (nothing written). A live import stopped by SIGINT or
// SIGTERM finishes with what it read (exit 0); one whose relay daemon went away exits 3.
inline constexpr int kImportNoTeescopeEvents = 1;
inline constexpr int kImportStalled = 4;
inline constexpr int kImportOutputBusy = 5;
inline constexpr int kImportCancelled = 130;
int import_trace(const ImportOptions &options, std::ostream &out, std::ostream &err);

// Renders progress: a bar on a terminal, or one JSON object per line for programs.
std::string progress_json(double fraction, uint64_t events, double events_per_s);
std::string progress_bar(double fraction, uint64_t events, double events_per_s, int width);

} // namespace teescope::cli
