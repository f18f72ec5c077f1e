// SPDX-License-Identifier: MIT
// Reading the stream files of the traces in several Babeltrace2 graphs at once, each run on a
// thread of its own, and merging what their decoders found into one sink in the order the
// single graph's muxer gives.
#pragma once

#include <babeltrace2/babeltrace.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "teescope/importer/event.h"

namespace teescope::importer {

struct ParallelInputs {
    const bt_component_class_source *ctf_fs = nullptr;
    const bt_component_class_filter *muxer = nullptr;
    std::vector<std::string> dirs;     // the CTF trace directories (none of them a salvage copy)
    std::vector<uint64_t> streams;     // how many streams src.ctf.fs finds in each
    std::string scratch;               // where the group directories go
    unsigned threads = 1;              // decoding threads (the groups do not depend on it)
};

struct ParallelResult {
    std::string fallback;    // not empty: nothing was handed to the sink, read through one graph (why)
    int64_t last_ts = -1;    // as MessageDecoder::last_ts() after the same calls
    uint64_t events = 0;
    uint64_t messages = 0;   // Babeltrace2 messages the graphs consumed
};

// How far the merge has got, for progress reports: (last_ts, events, messages). May throw.
using MergeTick = std::function<void(int64_t, uint64_t, uint64_t)>;

// Reads every stream to its end into `sink` (no on_read_error, no on_end). Throws ReadAgain if a
// graph failed after calls were handed to the sink; what `tick` or the sink throw propagates
// after every thread has stopped.
ParallelResult read_in_parallel(const ParallelInputs &in, TraceSink &sink, const MergeTick &tick);

} // namespace teescope::importer
