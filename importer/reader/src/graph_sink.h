// SPDX-License-Identifier: MIT
// The reader's own sink in a Babeltrace2 graph: a simple sink whose consume function hands every
// message to the decoder, shared by the reading of traces on disk and of live sessions.
#pragma once

#include <exception>
#include <string>
#include <vector>

#include "teescope/importer/bt_ref.h"
#include "teescope/importer/message_decoder.h"

namespace teescope::importer {

// What the simple sink's consume function works with.
struct RunState {
    explicit RunState(TraceSink &sink) : decoder(sink) {}
    MessageDecoder decoder;
    uint64_t messages = 0;
    std::exception_ptr failure; // thrown by the sink, rethrown outside of the graph
    // Errors Babeltrace2 left behind a step that went on (the first few, and how many more).
    std::vector<std::string> read_on;
    uint64_t read_on_more = 0;
};

// The consume function of that sink (`data` is the RunState).
bt_graph_simple_sink_component_consume_func_status consume(bt_message_iterator *iterator, void *data);

} // namespace teescope::importer
