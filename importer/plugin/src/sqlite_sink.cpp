// SPDX-License-Identifier: MIT
// sink.teescope.sqlite: the same decoding as TraceReader (MessageDecoder), writing through an
// ImportSession instead of a caller's TraceSink.
#include "sqlite_sink.h"

#include <exception>
#include <memory>
#include <string>

#include "teescope/importer/bt_error.h"
#include "teescope/importer/bt_ref.h"
#include "teescope/importer/message_decoder.h"
#include "teescope/importer/session.h"

using namespace teescope::importer;

namespace {

struct SqliteSink {
    std::string db_path;
    std::unique_ptr<ImportSession> session;
    std::unique_ptr<MessageDecoder> decoder;
    MessageIteratorRef iterator;
    bool finished = false;
};

bt_self_component *self_of(bt_self_component_sink *self)
{
    return bt_self_component_sink_as_self_component(self);
}

SqliteSink &data_of(bt_self_component_sink *self)
{
    return *static_cast<SqliteSink *>(bt_self_component_get_data(self_of(self)));
}

void fail(bt_self_component_sink *self, const std::string &what)
{
    BT_CURRENT_THREAD_ERROR_APPEND_CAUSE_FROM_COMPONENT(self_of(self), "%s", what.c_str());
}

} // namespace

extern "C" bt_component_class_initialize_method_status teescope_sqlite_initialize(
    bt_self_component_sink *self, bt_self_component_sink_configuration *, const bt_value *params, void *)
{
    const bt_value *path = params && bt_value_is_map(params) ? bt_value_map_borrow_entry_value_const(params, "path") : nullptr;
    if (!path || !bt_value_is_string(path) || !*bt_value_string_get(path)) {
        fail(self, "sink.teescope.sqlite: missing parameter `path` (the database to write, e.g. -p path=trace.db)");
        return BT_COMPONENT_CLASS_INITIALIZE_METHOD_STATUS_ERROR;
    }
    try {
        auto sink = std::make_unique<SqliteSink>();
        sink->db_path = bt_value_string_get(path);
        sink->session = make_import_session(sink->db_path);
        sink->decoder = std::make_unique<MessageDecoder>(*sink->session);
        if (bt_self_component_sink_add_input_port(self, "in", nullptr, nullptr) != BT_SELF_COMPONENT_ADD_PORT_STATUS_OK)
            return BT_COMPONENT_CLASS_INITIALIZE_METHOD_STATUS_MEMORY_ERROR;
        bt_self_component_set_data(self_of(self), sink.release());
    } catch (const std::exception &e) {
        fail(self, std::string("sink.teescope.sqlite: ") + e.what());
        return BT_COMPONENT_CLASS_INITIALIZE_METHOD_STATUS_ERROR;
    }
    return BT_COMPONENT_CLASS_INITIALIZE_METHOD_STATUS_OK;
}

extern "C" bt_component_class_sink_graph_is_configured_method_status teescope_sqlite_graph_is_configured(
    bt_self_component_sink *self)
{
    auto &sink = data_of(self);
    bt_self_component_port_input *port = bt_self_component_sink_borrow_input_port_by_name(self, "in");
    bt_message_iterator *iterator = nullptr;
    if (bt_message_iterator_create_from_sink_component(self, port, &iterator)
        != BT_MESSAGE_ITERATOR_CREATE_FROM_SINK_COMPONENT_STATUS_OK) {
        fail(self, "sink.teescope.sqlite: cannot read from the input port");
        return BT_COMPONENT_CLASS_SINK_GRAPH_IS_CONFIGURED_METHOD_STATUS_ERROR;
    }
    sink.iterator.reset(iterator);
    return BT_COMPONENT_CLASS_SINK_GRAPH_IS_CONFIGURED_METHOD_STATUS_OK;
}

extern "C" bt_component_class_sink_consume_method_status teescope_sqlite_consume(bt_self_component_sink *self)
{
    auto &sink = data_of(self);
    bt_message_array_const messages = nullptr;
    uint64_t count = 0;
    const auto status = bt_message_iterator_next(sink.iterator.get(), &messages, &count);
    try {
        switch (status) {
        case BT_MESSAGE_ITERATOR_NEXT_STATUS_OK:
            break;
        case BT_MESSAGE_ITERATOR_NEXT_STATUS_AGAIN:
            return BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_AGAIN;
        case BT_MESSAGE_ITERATOR_NEXT_STATUS_END:
            sink.session->on_end(sink.decoder->last_ts());
            sink.session->finish();
            sink.finished = true;
            sink.iterator.reset();
            return BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_END;
        default: {
            // The trace broke: keep what was read, say so in the database, and let the graph
            // report the error too (the causes are put back for it).
            const bt_error *error = bt_current_thread_take_error();
            std::string what = "the trace could not be read further";
            if (error) {
                const uint64_t n = bt_error_get_cause_count(error);
                if (n)
                    what = bt_error_cause_get_message(bt_error_borrow_cause_by_index(error, n - 1));
                bt_current_thread_move_error(error);
            }
            sink.session->on_read_error(what, sink.decoder->last_ts());
            sink.session->on_end(sink.decoder->last_ts());
            sink.session->finish();
            sink.finished = true;
            return status == BT_MESSAGE_ITERATOR_NEXT_STATUS_MEMORY_ERROR
                       ? BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_MEMORY_ERROR
                       : BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_ERROR;
        }
        }
    } catch (const std::exception &e) {
        fail(self, "sink.teescope.sqlite: " + sink.db_path + ": " + e.what());
        return BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_ERROR;
    }
    auto result = BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_OK;
    uint64_t i = 0;
    try {
        for (; i < count; ++i) {
            sink.decoder->consume(messages[i]);
            bt_message_put_ref(messages[i]);
        }
    } catch (const std::exception &e) {
        fail(self, "sink.teescope.sqlite: " + sink.db_path + ": " + e.what());
        result = BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_ERROR;
    }
    for (; i < count; ++i)
        bt_message_put_ref(messages[i]);
    return result;
}

extern "C" void teescope_sqlite_finalize(bt_self_component_sink *self)
{
    // An unfinished session (interrupted graph) is dropped without finish(): the database
    // keeps saying it is incomplete.
    delete static_cast<SqliteSink *>(bt_self_component_get_data(self_of(self)));
}
