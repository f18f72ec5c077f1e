// SPDX-License-Identifier: MIT
// `teescope record`: trace a command under a real LTTng session, optionally against teesim.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace teescope::cli {

struct RecordOptions {
    bool sim = false;                   // start teesim and route the TEE devices to it
    std::string sim_tee = "qtee";       // the TEE teesim plays: qtee or optee
    std::string sim_config;             // teesim configuration file (latencies, failures)
    // OP-TEE under Xen: run the command once per guest (Xen domains 1..guests, TEESCOPE_GUEST set
    // in each); when a guest's command exits, Xen destroys the guest and what it left running.
    unsigned guests = 0;
    std::string output_dir;             // default: ./teescope-trace-YYYYmmdd-HHMMSS
    bool blocking = false;              // traced programs wait for buffer space instead of losing events
    bool kernel = false;                // also enable the kernel tee_* tracepoints (patched kernel)
    std::string subbuf_size = "2M";
    unsigned num_subbuf = 8;
    unsigned settle_ms = 300;           // lets the driver finish releases after the command exits
    bool summary = true;
    // A live recording: the session streams through a relay daemon of its own (which writes the
    // trace to the output directory) and is imported while the command runs into `db`
    // (default: OUTPUT_DIR.db), which readers (teescope-gui, teescope top) follow.
    bool live = false;
    std::string db;
    unsigned live_timer_ms = 50;        // how often the tracers flush to the relay daemon
    std::vector<std::string> command;
};

// Returns the command's exit code, or 2 with a message on `err` when recording was impossible.
int record(const RecordOptions &options, std::ostream &out, std::ostream &err);

} // namespace teescope::cli
