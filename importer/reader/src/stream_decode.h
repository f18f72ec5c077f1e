// SPDX-License-Identifier: MIT
// Decoding one stream file to its end with src.ctf.fs, counting its packets: how the salvages
// find where a stream is damaged and when its last readable packet ended.
#pragma once

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

// The parameters of a src.ctf.fs component that reads the trace in `dir`.
ValueRef inputs_params(const std::string &dir);

// Decodes the one stream file of the trace in `dir` to its end. An error that Babeltrace2 leaves
// behind a step that went on does not stop it (as in the reader).
Decoded decode_stream(const bt_component_class_source *ctf_fs, const std::string &dir);

} // namespace teescope::importer
