// SPDX-License-Identifier: MIT
// One import into one database file, fed by the reader (or by the sink.teescope.sqlite
// Babeltrace2 component): the trackers and the writer behind a TraceSink. on_end() always
// follows on_read_error(). Destroying a session without finish() leaves no database behind.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "teescope/importer/event.h"

namespace teescope::importer {

// What a finished import found beside the events it used: what the command line tells the user.
struct ImportFindings {
    uint64_t foreign_events = 0;                                    // events of other providers
    std::vector<std::pair<std::string, uint64_t>> foreign_providers; // by provider, most events first
    uint64_t unusable_events = 0;    // teescope events that do not match the contract (skipped)
    std::string contract_found;      // the contract version the trace's events match ("" if none)
    std::string contract_expected;   // the importer's
    bool contract_differs = false;   // events or fields added or missing: not a contract it reads in full
};

class ImportSession : public TraceSink {
public:
    // Everything was handed over (after on_end): commit and mark the database complete.
    virtual void finish() = 0;
    // teescope events received so far.
    virtual uint64_t events() const = 0;
    // The trace could not be read to its end (on_read_error was called).
    virtual bool read_error() const = 0;
    virtual ImportFindings findings() const { return {}; }
    // Live imports: writes what is open now and commits it with how far the import has got
    // (metadata live_ts, live_events, live_wall_ms, events_lost, and live_caught_up: whether the
    // reader had read everything the relay daemon had), without waiting for the commit.
    virtual void commit_live(bool caught_up = false) { (void)caught_up; }
};

// db_path: the database to create (it replaces an existing file only once finish() succeeds);
// trace_path: recorded in the metadata (a live session's url for a live import).
// live: the database is written at db_path from the start and commit_live() shows readers the
// present (see store::Writer::Options::live); finished, it holds what an offline import would.
std::unique_ptr<ImportSession> make_import_session(const std::string &db_path, const std::string &trace_path = {},
                                                   bool live = false);

} // namespace teescope::importer
