// SPDX-License-Identifier: MIT
#include "graph_sink.h"

#include "teescope/importer/bt_error.h"
#include "stream_decode.h"

namespace teescope::importer {

bt_graph_simple_sink_component_consume_func_status consume(bt_message_iterator *iterator, void *data)
{
    auto &state = *static_cast<RunState *>(data);
    bt_message_array_const messages = nullptr;
    uint64_t count = 0;
    const auto next = bt_message_iterator_next(iterator, &messages, &count);
    if (next != BT_MESSAGE_ITERATOR_NEXT_STATUS_OK)
        return consume_status(next);
    auto status = BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_OK;
    state.messages += count;
    // An upstream error left behind messages that were still delivered: no library call may be
    // made while it is on the thread, so it is held aside while they are decoded.
    const PendingError pending;
    uint64_t i = 0;
    try {
        for (; i < count; ++i) {
            state.decoder.consume(messages[i]);
            bt_message_put_ref(messages[i]);
        }
    } catch (...) {
        state.failure = std::current_exception();
        status = BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_ERROR;
        for (; i < count; ++i)
            bt_message_put_ref(messages[i]);
    }
    return status;
}

} // namespace teescope::importer
