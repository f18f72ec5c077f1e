// SPDX-License-Identifier: MIT
// What the importer child tells its parent while it works, in memory shared across fork(): the
// phase it is in, where, and a counter that moves whenever the reader advances. The parent's
// watchdog ends a child whose counter stops moving: a Babeltrace2 query or graph step can spin
// inside the library, where no stop flag is ever looked at.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace teescope::cli {

enum class ImportPhase : int {
    Starting, // finding the traces, loading the Babeltrace2 plugins, creating the database
    Indexing, // the src.ctf.fs trace-infos query of one CTF trace directory
    Reading,  // the graph: decoding, tracking, writing rows
    Writing,  // indexes, latency table, metadata, rename: SQLite only, not watched
};

const char *describe(ImportPhase phase);

class ImportHeartbeat {
public:
    // Maps the shared page (before fork()); unmaps it when destroyed.
    ImportHeartbeat();
    ~ImportHeartbeat();
    ImportHeartbeat(const ImportHeartbeat &) = delete;
    ImportHeartbeat &operator=(const ImportHeartbeat &) = delete;

    // Child side.
    void enter(ImportPhase phase, const std::string &where);
    void advance(uint64_t position); // any value that grows as the reader moves on

    // Parent side. `where` is only read once the child is stuck, so it is stable then.
    ImportPhase phase() const;
    // Changes whenever the child enters a phase or advances in one.
    uint64_t beat() const;
    std::string where() const;

private:
    struct Shared {
        std::atomic<int> phase;
        std::atomic<uint64_t> entered; // phases entered so far
        std::atomic<uint64_t> position;
        char where[2048];
    };
    Shared *shared_;
};

} // namespace teescope::cli
