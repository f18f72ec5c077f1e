// SPDX-License-Identifier: MIT
#include "teescope/importer/live_reader.h"

#include <algorithm>
#include <chrono>
#include <exception>
#include <new>
#include <utility>

#include "graph_sink.h"
#include "stream_decode.h"
#include "teescope/importer/bt_error.h"
#include "teescope/importer/bt_ref.h"

namespace teescope::importer {

namespace {

bool all_of_class(std::string_view text, bool (*ok)(char))
{
    if (text.empty())
        return false;
    for (char c : text)
        if (!ok(c))
            return false;
    return true;
}

// The causes lttng-live gave, without the ones each component of the graph adds above them.
std::string first_causes(std::string text)
{
    for (const char *noise : {"; Component input port message iterator", "; Cannot create input port message iterator"}) {
        const size_t at = text.find(noise);
        if (at != std::string::npos)
            text.resize(at);
    }
    return text;
}

} // namespace

std::string check_live_url(const std::string &url)
{
    const std::string form = " (expected net://HOST[:PORT]/host/HOSTNAME/SESSION)";
    std::string_view rest = url;
    bool scheme = false;
    for (std::string_view s : {"net://", "net4://", "net6://"}) {
        if (rest.substr(0, s.size()) == s) {
            rest.remove_prefix(s.size());
            scheme = true;
            break;
        }
    }
    if (!scheme)
        return "`" + url + "` is not a live session url" + form;
    const size_t slash = rest.find('/');
    if (slash == std::string_view::npos || slash == 0)
        return "`" + url + "` names no relay host" + form;
    std::string_view host = rest.substr(0, slash);
    if (host.front() != '[') { // an IPv6 address in brackets keeps its colons
        const size_t colon = host.rfind(':');
        if (colon != std::string_view::npos
            && !all_of_class(host.substr(colon + 1), [](char c) { return c >= '0' && c <= '9'; }))
            return "`" + url + "`: the port must be a number" + form;
    }
    rest.remove_prefix(slash + 1);
    if (rest.substr(0, 5) != "host/")
        return "`" + url + "` names no session (it needs /host/HOSTNAME/SESSION)" + form;
    rest.remove_prefix(5);
    const size_t sep = rest.find('/');
    if (sep == std::string_view::npos || sep == 0 || sep + 1 >= rest.size()
        || rest.find('/', sep + 1) != std::string_view::npos)
        return "`" + url + "` names no session (it needs /host/HOSTNAME/SESSION)" + form;
    return {};
}

LiveReader::LiveReader(std::string url) : url_(std::move(url)) {}

void LiveReader::run(TraceSink &sink, const std::function<bool(const Progress &)> &on_tick)
{
    if (const std::string why = check_live_url(url_); !why.empty())
        throw TraceError(why);
    PluginRef ctf, utils;
    if (bt_plugin_find("ctf", BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE, BT_FALSE, ctf.out()) != BT_PLUGIN_FIND_STATUS_OK
        || bt_plugin_find("utils", BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE, BT_FALSE, utils.out()) != BT_PLUGIN_FIND_STATUS_OK)
        throw TraceError("live session " + url_ + ": the Babeltrace2 plugins `ctf` and `utils` are not installed ("
                         + take_bt_error("not found") + ")");
    const bt_component_class_source *live_class =
        bt_plugin_borrow_source_component_class_by_name_const(ctf.get(), "lttng-live");
    const bt_component_class_filter *muxer_class =
        bt_plugin_borrow_filter_component_class_by_name_const(utils.get(), "muxer");
    if (!live_class || !muxer_class)
        throw TraceError("live session " + url_ + ": Babeltrace2 lacks src.ctf.lttng-live or flt.utils.muxer");

    ValueRef params = inputs_params(url_);
    // A session the relay daemon does not know is an error, not something to wait for: the
    // user named it, and waiting would look like a hang.
    if (bt_value_map_insert_string_entry(params.get(), "session-not-found-action", "fail")
        != BT_VALUE_MAP_INSERT_ENTRY_STATUS_OK)
        throw std::bad_alloc();

    RunState state(sink);
    GraphRef graph(bt_graph_create(0));
    if (!graph)
        throw std::bad_alloc();
    const bt_component_source *source = nullptr;
    const bt_component_filter *muxer = nullptr;
    const bt_component_sink *teescope_sink = nullptr;
    if (bt_graph_add_source_component(graph.get(), live_class, "live", params.get(), BT_LOGGING_LEVEL_NONE, &source)
        != BT_GRAPH_ADD_COMPONENT_STATUS_OK)
        throw TraceError("live session " + url_ + ": " + take_bt_error("src.ctf.lttng-live refused it"));
    if (bt_graph_add_filter_component(graph.get(), muxer_class, "muxer", nullptr, BT_LOGGING_LEVEL_NONE, &muxer)
            != BT_GRAPH_ADD_COMPONENT_STATUS_OK
        || bt_graph_connect_ports(graph.get(), bt_component_source_borrow_output_port_by_index_const(source, 0),
                                  bt_component_filter_borrow_input_port_by_index_const(muxer, 0), nullptr)
               != BT_GRAPH_CONNECT_PORTS_STATUS_OK
        || bt_graph_add_simple_sink_component(graph.get(), "teescope", nullptr, consume, nullptr, &state, &teescope_sink)
               != BT_GRAPH_ADD_COMPONENT_STATUS_OK
        || bt_graph_connect_ports(graph.get(), bt_component_filter_borrow_output_port_by_index_const(muxer, 0),
                                  bt_component_sink_borrow_input_port_by_index_const(teescope_sink, 0), nullptr)
               != BT_GRAPH_CONNECT_PORTS_STATUS_OK)
        throw TraceError("live session " + url_ + ": cannot build the reading graph: " + take_bt_error("unknown error"));

    using clock = std::chrono::steady_clock;
    const auto start = clock::now();
    bool caught_up = false;
    auto tick = [&] {
        Progress p{0.0, state.decoder.events(), 0.0, state.messages, caught_up};
        const double seconds = std::chrono::duration<double>(clock::now() - start).count();
        p.events_per_s = seconds > 0 ? static_cast<double>(p.events) / seconds : 0.0;
        return on_tick(p);
    };
    std::string stopped;
    // While the relay has nothing new, lttng-live asks to be called again: the wait grows from
    // 1 ms to 10 ms while nothing comes (cheap when idle, well under the live timer), and is
    // back to 1 ms as soon as something does (a burst is read at full speed).
    std::chrono::milliseconds wait{1};
    for (std::string left_behind;;) {
        const GraphStep step = run_graph_step(graph.get(), left_behind, wait);
        caught_up = step == GraphStep::Again;
        wait = step == GraphStep::Again ? std::min(wait * 2, std::chrono::milliseconds(10)) : std::chrono::milliseconds(1);
        if (!left_behind.empty()) {
            if (state.read_on.size() < 8)
                state.read_on.push_back(left_behind);
            else
                ++state.read_on_more;
        }
        if (step == GraphStep::End)
            break;
        if (step == GraphStep::Failed) {
            if (state.failure) {
                bt_current_thread_clear_error();
                std::rethrow_exception(state.failure);
            }
            // Nothing came at all: the relay daemon cannot be reached or does not know the session.
            if (state.messages == 0)
                throw TraceError("cannot be read: " + first_causes(take_bt_error("the relay daemon did not answer")));
            stopped = take_bt_error("the live session could not be read further");
            break;
        }
        if (on_tick && !tick())
            break; // stopped by the user: what was read is finished like a trace that ended
    }
    for (const std::string &what : state.read_on)
        sink.on_read_error("Babeltrace2 reported an error and read on: " + what, state.decoder.last_ts());
    if (state.read_on_more)
        sink.on_read_error("Babeltrace2 reported " + std::to_string(state.read_on_more) + " more errors and read on",
                           state.decoder.last_ts());
    if (!stopped.empty())
        sink.on_read_error("live session " + url_ + ": " + stopped, state.decoder.last_ts());
    if (on_tick)
        tick();
    sink.on_end(state.decoder.last_ts());
}

} // namespace teescope::importer
