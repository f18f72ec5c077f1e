// SPDX-License-Identifier: MIT
// Decoding one stream file to its end with src.ctf.fs, counting its packets: how the salvages
// find where a stream is damaged and when its last readable packet ended.
#pragma once

#include <chrono>

#include <babeltrace2/babeltrace.h>

#include <cstdint>
#include <string>
#include <vector>

#include "teescope/importer/bt_ref.h"

namespace teescope::importer {

// What a decoding of one stream file to its end saw.
struct Decoded {
    std::string why;                 // empty: decoded to its end
    uint64_t begun = 0, ended = 0;   // packet beginning and end messages
    std::vector<int64_t> begins;     // when each packet began (ns from the origin; -1: unknown)
    int64_t last_ts = -1;            // of the last message with a time
    // The packets with events outside of their own time range: damaged timestamps.
    std::vector<size_t> out_of_range;
    int64_t packet_first = INT64_MAX, packet_last = INT64_MIN; // event times of the current packet
};

// How a step of a graph went.
enum class GraphStep { More, Again, End, Failed }; // Again: nothing was ready, after a wait
// Runs one step of `graph` (waiting `again_wait` when it asks to be called again). An error
// that Babeltrace2 leaves on the thread behind a step that went on is taken off the thread, its
// text in `left_behind` (empty when there is none); on Failed the error is still on the thread.
GraphStep run_graph_step(bt_graph *graph, std::string &left_behind,
                         std::chrono::milliseconds again_wait = std::chrono::milliseconds(1));

// What a simple sink's consume function returns for an iterator's "next" status.
bt_graph_simple_sink_component_consume_func_status consume_status(bt_message_iterator_next_status status);

// The parameters of a src.ctf.fs component that reads the trace in `dir`.
ValueRef inputs_params(const std::string &dir);

// Decodes the one stream file of the trace in `dir` to its end. An error that Babeltrace2 leaves
// behind a step that went on does not stop it (as in the reader).
Decoded decode_stream(const bt_component_class_source *ctf_fs, const std::string &dir);

} // namespace teescope::importer
