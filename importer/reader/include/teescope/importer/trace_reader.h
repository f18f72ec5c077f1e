// SPDX-License-Identifier: MIT
// Reads a CTF trace on disk through a Babeltrace2 graph (src.ctf.fs -> flt.utils.muxer -> our
// sink) and hands what it finds to a TraceSink, in time order.
#pragma once

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>

#include "teescope/importer/event.h"

namespace teescope::importer {

// The trace cannot be read at all (no such path, not a directory, no CTF trace in it, metadata
// that Babeltrace2 rejects). Thrown before any call to the sink; what() names the path.
class TraceError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// A read in several graphs met a part of the trace it cannot read as the single graph would (a
// packet that cannot be decoded) after it had handed events to the sink: that sink must be
// dropped, and run() called again with a new one; it then reads through one graph.
class ReadAgain : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The progress callback asked to stop.
class Cancelled : public std::runtime_error {
public:
    Cancelled() : std::runtime_error("import cancelled") {}
};

struct Progress {
    double fraction;     // 0..1: time of the current event within the trace's time range
    uint64_t events;     // events read so far, of every provider
    double events_per_s; // since the start of run()
    uint64_t messages = 0; // Babeltrace2 messages consumed so far (events, packets, streams...)
    bool caught_up = false; // live: the last step found nothing new to read (the reader is not behind)
};

// Where run() is: one src.ctf.fs trace-infos query per CTF trace directory (Babeltrace2 indexes
// its stream files), then the graph that reads them. Neither can be stopped from inside: a watchdog
// outside the process bounds them (see `teescope import --stall-timeout`).
enum class ReadPhase { Indexing, Reading };

class TraceReader {
public:
    // trace_path: a directory that holds one or more CTF traces (an LTTng output directory,
    // or a directory with a `metadata` file).
    explicit TraceReader(std::string trace_path);

    // Reads the whole trace into `sink`, calling on_progress at most about ten times a second
    // and once at the end; on_progress returning false stops and throws Cancelled. A trace that
    // breaks while being read gives sink.on_read_error(); sink.on_end() is always the last call
    // unless an exception leaves run(). Exceptions of the sink propagate.
    void run(TraceSink &sink, const std::function<bool(const Progress &)> &on_progress = {});

    // Called by run() as each phase starts; `dir` is the CTF trace directory indexed, or the
    // trace path when reading.
    void on_phase(std::function<void(ReadPhase, const std::string &dir)> handler) { on_phase_ = std::move(handler); }

    const std::string &path() const { return path_; }

    // How many threads decode the stream files, each through graphs of its own, while the
    // calling thread merges what they decoded (in the same order and with the same result as
    // one graph). 0 (the default): the calling thread reads through one graph. Damaged traces,
    // and traces whose streams the merge cannot order, are read through one graph.
    void decode_threads(unsigned n) { threads_ = n; }
    unsigned decode_threads() const { return threads_; }
    // Why the last run() read through one graph although decoding threads were asked for
    // (empty: it did not, or none were asked for).
    const std::string &one_graph_because() const { return one_graph_because_; }

private:
    std::string path_;
    unsigned threads_ = 0;
    std::string one_graph_because_;
    std::function<void(ReadPhase, const std::string &)> on_phase_;
};

} // namespace teescope::importer
