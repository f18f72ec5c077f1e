// SPDX-License-Identifier: MIT
#include "stream_decode.h"

#include <algorithm>
#include <chrono>
#include <thread>
#include <new>

#include "teescope/importer/bt_error.h"
#include "teescope/importer/bt_ref.h"

namespace teescope::importer {

namespace {

// What a decoding of one stream file to its end saw.

int64_t snapshot_ns(const bt_clock_snapshot *snapshot, int64_t fallback)
{
    int64_t ns = fallback;
    if (snapshot && bt_clock_snapshot_get_ns_from_origin(snapshot, &ns) != BT_CLOCK_SNAPSHOT_GET_NS_FROM_ORIGIN_STATUS_OK)
        ns = fallback;
    return ns;
}

void note(Decoded &d, const bt_message *m)
{
    switch (bt_message_get_type(m)) {
    case BT_MESSAGE_TYPE_PACKET_BEGINNING: {
        const bt_stream *stream = bt_packet_borrow_stream_const(bt_message_packet_beginning_borrow_packet_const(m));
        const bool timed = bt_stream_class_packets_have_beginning_default_clock_snapshot(bt_stream_borrow_class_const(stream));
        const int64_t ns = timed ? snapshot_ns(bt_message_packet_beginning_borrow_default_clock_snapshot_const(m), -1) : -1;
        ++d.begun;
        d.begins.push_back(ns);
        if (ns >= 0)
            d.last_ts = ns;
        d.packet_first = INT64_MAX;
        d.packet_last = INT64_MIN;
        break;
    }
    case BT_MESSAGE_TYPE_PACKET_END: {
        const bt_stream *stream = bt_packet_borrow_stream_const(bt_message_packet_end_borrow_packet_const(m));
        if (bt_stream_class_packets_have_end_default_clock_snapshot(bt_stream_borrow_class_const(stream))) {
            const int64_t end = snapshot_ns(bt_message_packet_end_borrow_default_clock_snapshot_const(m), -1);
            const int64_t begin = d.begins.empty() ? -1 : d.begins.back();
            if (end >= 0 && begin >= 0 && d.packet_first <= d.packet_last
                && (d.packet_first < begin || d.packet_last > end))
                d.out_of_range.push_back(d.begun - 1);
            if (end >= 0)
                d.last_ts = end;
        }
        ++d.ended;
        break;
    }
    case BT_MESSAGE_TYPE_EVENT: {
        const bt_stream *stream = bt_event_borrow_stream_const(bt_message_event_borrow_event_const(m));
        if (bt_stream_class_borrow_default_clock_class_const(bt_stream_borrow_class_const(stream))) {
            d.last_ts = snapshot_ns(bt_message_event_borrow_default_clock_snapshot_const(m), d.last_ts);
            d.packet_first = std::min(d.packet_first, d.last_ts);
            d.packet_last = std::max(d.packet_last, d.last_ts);
        }
        break;
    }
    default: break;
    }
}

bt_graph_simple_sink_component_consume_func_status consume(bt_message_iterator *iterator, void *data)
{
    auto &d = *static_cast<Decoded *>(data);
    bt_message_array_const messages = nullptr;
    uint64_t count = 0;
    const auto next = bt_message_iterator_next(iterator, &messages, &count);
    if (next != BT_MESSAGE_ITERATOR_NEXT_STATUS_OK)
        return consume_status(next);
    const PendingError pending; // as in the reader's sink
    for (uint64_t i = 0; i < count; ++i) {
        note(d, messages[i]);
        bt_message_put_ref(messages[i]);
    }
    return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_OK;
}


} // namespace

ValueRef inputs_params(const std::string &dir)
{
    ValueRef params(bt_value_map_create());
    bt_value *inputs = nullptr;
    if (!params
        || bt_value_map_insert_empty_array_entry(params.get(), "inputs", &inputs) != BT_VALUE_MAP_INSERT_ENTRY_STATUS_OK
        || bt_value_array_append_string_element(inputs, dir.c_str()) != BT_VALUE_ARRAY_APPEND_ELEMENT_STATUS_OK)
        throw std::bad_alloc();
    return params;
}

Decoded decode_stream(const bt_component_class_source *ctf_fs, const std::string &dir)
{
    Decoded d;
    GraphRef graph(bt_graph_create(0));
    if (!graph)
        throw std::bad_alloc();
    ValueRef params = inputs_params(dir);
    const bt_component_source *source = nullptr;
    if (bt_graph_add_source_component(graph.get(), ctf_fs, "check", params.get(), BT_LOGGING_LEVEL_NONE, &source)
        != BT_GRAPH_ADD_COMPONENT_STATUS_OK) {
        d.why = take_bt_error("src.ctf.fs refused it");
        return d;
    }
    const bt_component_sink *sink = nullptr;
    if (bt_component_source_get_output_port_count(source) != 1
        || bt_graph_add_simple_sink_component(graph.get(), "count", nullptr, consume, nullptr, &d, &sink)
               != BT_GRAPH_ADD_COMPONENT_STATUS_OK
        || bt_graph_connect_ports(graph.get(), bt_component_source_borrow_output_port_by_index_const(source, 0),
                                  bt_component_sink_borrow_input_port_by_index_const(sink, 0), nullptr)
               != BT_GRAPH_CONNECT_PORTS_STATUS_OK) {
        d.why = take_bt_error("cannot build a graph reading it");
        return d;
    }
    for (std::string left_behind;;) {
        switch (run_graph_step(graph.get(), left_behind)) {
        case GraphStep::More:
        case GraphStep::Again: break;
        case GraphStep::End: return d; // what was left behind does not stop the read, as in the reader
        case GraphStep::Failed: d.why = take_bt_error("it cannot be decoded"); return d;
        }
    }
}

bt_graph_simple_sink_component_consume_func_status consume_status(bt_message_iterator_next_status status)
{
    switch (status) {
    case BT_MESSAGE_ITERATOR_NEXT_STATUS_OK: return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_OK;
    case BT_MESSAGE_ITERATOR_NEXT_STATUS_END: return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_END;
    case BT_MESSAGE_ITERATOR_NEXT_STATUS_AGAIN: return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_AGAIN;
    case BT_MESSAGE_ITERATOR_NEXT_STATUS_MEMORY_ERROR: return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_MEMORY_ERROR;
    default: return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_ERROR;
    }
}

GraphStep run_graph_step(bt_graph *graph, std::string &left_behind, std::chrono::milliseconds again_wait)
{
    left_behind.clear();
    const auto status = bt_graph_run_once(graph);
    if (status == BT_GRAPH_RUN_ONCE_STATUS_ERROR || status == BT_GRAPH_RUN_ONCE_STATUS_MEMORY_ERROR)
        return GraphStep::Failed;
    // Babeltrace2 2.0 can return OK (or AGAIN, or END) from a damaged trace and still leave an
    // error on the thread (src.ctf.fs gave up on the rest of a packet); any further library call
    // with it there would abort the process. The babeltrace2 CLI reads on past it: so do we.
    if (const bt_error *error = bt_current_thread_take_error()) {
        bt_current_thread_move_error(error);
        left_behind = take_bt_error("an error that did not stop the read");
    }
    if (status == BT_GRAPH_RUN_ONCE_STATUS_END)
        return GraphStep::End;
    if (status == BT_GRAPH_RUN_ONCE_STATUS_AGAIN) {
        std::this_thread::sleep_for(again_wait);
        return GraphStep::Again;
    }
    return GraphStep::More;
}

} // namespace teescope::importer
