// SPDX-License-Identifier: MIT
#include "teescope/importer/trace_reader.h"

#include <algorithm>
#include <chrono>
#include <exception>
#include <functional>
#include <stdexcept>
#include <filesystem>
#include <system_error>
#include <utility>
#include <vector>

#include "teescope/importer/bt_error.h"
#include "teescope/importer/bt_ref.h"
#include "graph_sink.h"
#include "parallel_read.h"
#include "stream_decode.h"
#include "teescope/importer/message_decoder.h"
#include "teescope/importer/salvage.h"

namespace teescope::importer {

namespace fs = std::filesystem;

namespace {

// The directories below `root` that hold a CTF trace (a `metadata` file), sorted. An LTTng
// output directory holds one per buffering scheme and ABI (ust/uid/0/64-bit, ...).
std::vector<std::string> find_trace_dirs(const std::string &root)
{
    std::error_code ec;
    const auto status = fs::status(root, ec);
    if (ec || !fs::exists(status)) {
        if (ec && ec != std::errc::no_such_file_or_directory)
            throw TraceError("trace " + root + ": cannot be read: " + ec.message());
        throw TraceError("trace " + root + ": no such file or directory");
    }
    if (!fs::is_directory(status))
        throw TraceError("trace " + root + ": is not a directory (a CTF trace is a directory)");
    fs::directory_iterator first(root, ec);
    if (ec)
        throw TraceError("trace " + root + ": cannot be read: " + ec.message());
    if (first == fs::directory_iterator())
        throw TraceError("trace " + root + ": is an empty directory");

    std::vector<std::string> dirs;
    if (fs::is_regular_file(fs::path(root) / "metadata", ec))
        dirs.push_back(root);
    fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec);
    for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->path().filename() == "metadata" && it->path().parent_path() != fs::path(root)
            && it->is_regular_file(ec))
            dirs.push_back(it->path().parent_path().string());
    }
    if (ec)
        throw TraceError("trace " + root + ": cannot be read: " + ec.message());
    if (dirs.empty())
        throw TraceError("trace " + root + ": holds no CTF trace (no `metadata` file in it or below it)");
    std::sort(dirs.begin(), dirs.end());
    return dirs;
}

PluginRef find_plugin(const char *name, const std::string &trace)
{
    PluginRef plugin;
    const auto status = bt_plugin_find(name, BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE, BT_FALSE, plugin.out());
    if (status != BT_PLUGIN_FIND_STATUS_OK)
        throw TraceError("trace " + trace + ": the Babeltrace2 plugin `" + name
                         + "` is not installed (" + take_bt_error("not found") + ")");
    return plugin;
}


// How a graph's read ended: at the end of the traces (nothing set), on a trace src.ctf.fs
// refused (added to the refused traces), or on a read error.
struct GraphEnd {
    bool refused = false;
    std::string error;
};

// Reads the traces in `dirs` through one graph (a source per trace, a muxer, our sink) into the
// decoder; `tick` runs after every graph step.
GraphEnd read_graph(RunState &state, const bt_component_class_source *ctf_fs, const bt_component_class_filter *muxer_class,
                    const std::vector<std::string> &dirs, const std::string &path,
                    const std::function<std::string(const std::string &)> &user_dir, std::vector<std::string> &refused,
                    const std::function<void()> &tick)
{
    GraphRef graph(bt_graph_create(0));
    if (!graph)
        throw std::bad_alloc();

    // A component that fails to be added leaves the graph unusable: stop there.
    const bt_component_filter *muxer = nullptr;
    if (bt_graph_add_filter_component(graph.get(), muxer_class, "muxer", nullptr, BT_LOGGING_LEVEL_NONE, &muxer)
        != BT_GRAPH_ADD_COMPONENT_STATUS_OK)
        throw TraceError("trace " + path + ": cannot create the muxer: " + take_bt_error("unknown error"));
    for (size_t i = 0; i < dirs.size(); ++i) {
        ValueRef params = inputs_params(dirs[i]);
        const bt_component_source *source = nullptr;
        const std::string name = "source-" + std::to_string(i);
        if (bt_graph_add_source_component(graph.get(), ctf_fs, name.c_str(), params.get(), BT_LOGGING_LEVEL_NONE, &source)
            != BT_GRAPH_ADD_COMPONENT_STATUS_OK) {
            refused.push_back("cannot read the CTF trace in " + user_dir(dirs[i]) + ": "
                              + take_bt_error("src.ctf.fs refused it"));
            return {true, {}};
        }
        for (uint64_t p = 0; p < bt_component_source_get_output_port_count(source); ++p) {
            // The muxer always offers one free input port, the last one.
            const uint64_t free_port = bt_component_filter_get_input_port_count(muxer) - 1;
            if (bt_graph_connect_ports(graph.get(), bt_component_source_borrow_output_port_by_index_const(source, p),
                                       bt_component_filter_borrow_input_port_by_index_const(muxer, free_port), nullptr)
                != BT_GRAPH_CONNECT_PORTS_STATUS_OK)
                throw TraceError("trace " + path + ": cannot connect a stream of " + user_dir(dirs[i]) + ": "
                                 + take_bt_error("unknown error"));
        }
    }
    const bt_component_sink *teescope_sink = nullptr;
    if (bt_graph_add_simple_sink_component(graph.get(), "teescope", nullptr, consume, nullptr, &state, &teescope_sink)
            != BT_GRAPH_ADD_COMPONENT_STATUS_OK
        || bt_graph_connect_ports(graph.get(), bt_component_filter_borrow_output_port_by_index_const(muxer, 0),
                                  bt_component_sink_borrow_input_port_by_index_const(teescope_sink, 0), nullptr)
               != BT_GRAPH_CONNECT_PORTS_STATUS_OK)
        throw TraceError("trace " + path + ": cannot build the reading graph: " + take_bt_error("unknown error"));

    for (std::string left_behind;;) {
        const GraphStep step = run_graph_step(graph.get(), left_behind);
        if (!left_behind.empty()) { // reported at the end
            if (state.read_on.size() < 8)
                state.read_on.push_back(left_behind);
            else
                ++state.read_on_more;
        }
        if (step == GraphStep::End)
            return {};
        if (step == GraphStep::Failed) {
            if (state.failure) {
                bt_current_thread_clear_error();
                std::rethrow_exception(state.failure);
            }
            // What was read stands; the trackers close what is open at on_end.
            return {false, take_bt_error("the trace could not be read further")};
        }
        tick();
    }
}

// After a read error: each trace read is replaced by a copy without the packets that cannot
// be decoded, if it has any; the decoder then skips what it has handed over. Whether any was.
bool leave_out_damaged_packets(RunState &state, const bt_component_class_source *ctf_fs, std::vector<std::string> &readable,
                               std::vector<std::pair<std::string, std::string>> &salvaged, std::vector<StreamLoss> &losses,
                               ScratchDir &scratch, const std::function<void(const std::string &)> &trial)
{
    bool any = false;
    std::vector<MessageDecoder::StreamLayout> rewritten;
    for (std::string &dir : readable) {
        std::string user = dir;
        for (const auto &[copy, original] : salvaged)
            if (copy == dir)
                user = original;
        SalvagedTrace copy;
        try {
            copy = leave_out_undecodable_packets(ctf_fs, dir, user, scratch.path(), [&] { trial(user); });
        } catch (const std::runtime_error &) {
            copy = SalvagedTrace{}; // no room for a copy: the read error stands
        }
        if (copy.dir.empty())
            continue;
        any = true;
        losses.insert(losses.end(), copy.losses.begin(), copy.losses.end());
        for (const RewrittenStream &r : copy.rewritten)
            rewritten.push_back({r.stream, r.packets});
        salvaged.emplace_back(copy.dir, user);
        state.decoder.rename_streams(copy.dir, user);
        dir = copy.dir;
    }
    if (!any)
        return false;
    state.decoder.resume(state.decoder.tallies(), rewritten);
    return true;
}

} // namespace

TraceReader::TraceReader(std::string trace_path) : path_(std::move(trace_path)) {}

void TraceReader::run(TraceSink &sink, const std::function<bool(const Progress &)> &on_progress)
{
    const std::vector<std::string> dirs = find_trace_dirs(path_);
    PluginRef ctf = find_plugin("ctf", path_);
    PluginRef utils = find_plugin("utils", path_);
    const bt_component_class_source *ctf_fs = bt_plugin_borrow_source_component_class_by_name_const(ctf.get(), "fs");
    const bt_component_class_filter *muxer_class = bt_plugin_borrow_filter_component_class_by_name_const(utils.get(), "muxer");
    if (!ctf_fs || !muxer_class)
        throw TraceError("trace " + path_ + ": Babeltrace2 lacks src.ctf.fs or flt.utils.muxer");

    // src.ctf.fs indexes every stream file before it reads anything: Babeltrace2 2.0 refuses a
    // trace with a truncated or unreadable stream file there. Such a trace is salvaged: a copy
    // with each damaged stream file cut to its last readable packet (or left out) is read in its
    // place, and what was cut is reported as data loss. A trace that cannot be salvaged (its
    // metadata is the problem) is a read error of that trace; the other traces are read.
    int64_t range_begin = INT64_MAX, range_end = INT64_MIN;
    std::vector<std::string> readable, refused;
    std::vector<uint64_t> streams; // of each readable trace, or 0 when the query failed
    std::vector<std::pair<std::string, std::string>> salvaged; // copy -> the user's directory
    std::vector<StreamLoss> losses;
    ScratchDir scratch; // declared before the graph: the copies outlive the sources reading them
    for (const auto &dir : dirs) {
        if (on_phase_)
            on_phase_(ReadPhase::Indexing, dir);
        const std::string why = index_files_fit(dir) ? check_ctf_trace(ctf_fs, dir)
                                                     : "an index file does not fit its stream file";
        if (why.empty()) {
            uint64_t n = 0;
            query_time_range(ctf_fs, dir, range_begin, range_end, &n);
            readable.push_back(dir);
            streams.push_back(n);
            continue;
        }
        SalvagedTrace copy;
        try {
            copy = salvage_trace(ctf_fs, dir, scratch.path(), [&] {
                if (on_phase_)
                    on_phase_(ReadPhase::Indexing, dir); // each trial is progress
            });
        } catch (const std::runtime_error &) {
            copy = SalvagedTrace{}; // no room for a copy: the trace stays refused
        }
        if (copy.dir.empty()) {
            refused.push_back("cannot read the CTF trace in " + dir + ": " + why);
            continue;
        }
        query_time_range(ctf_fs, copy.dir, range_begin, range_end);
        readable.push_back(copy.dir);
        streams.push_back(0);
        salvaged.emplace_back(copy.dir, dir);
        losses.insert(losses.end(), copy.losses.begin(), copy.losses.end());
    }
    auto user_dir = [&](const std::string &dir) {
        for (const auto &[copy, original] : salvaged)
            if (dir == copy)
                return original;
        return dir;
    };
    // Traces refused at the start, and the packets the salvage could not read, are reported at
    // the end, so that a read error is only ever followed by on_end.
    auto finish = [&](int64_t last_ts) {
        for (const auto &what : refused)
            sink.on_read_error(what, last_ts);
        for (const StreamLoss &loss : losses) {
            // Unknown ends of the loss: the damaged stream may have held events up to the end
            // of what the other streams recorded.
            const int64_t begin = loss.begin_ns >= 0 ? loss.begin_ns : range_begin != INT64_MAX ? range_begin : -1;
            const int64_t end = loss.end_ns >= 0 ? std::max(loss.end_ns, begin)
                                                 : range_end != INT64_MIN ? std::max(range_end, begin) : -1;
            sink.on_unreadable_packets(begin, end, loss.packets, loss.stream, loss.why);
            sink.on_read_error("stream file " + loss.stream + " is damaged (" + loss.why + "): "
                                   + (loss.left_out ? std::string("that packet was left out, the others were read")
                                      : loss.kept_packets ? "its first " + std::to_string(loss.kept_packets)
                                                                + " packets (" + std::to_string(loss.kept_bytes)
                                                                + " of " + std::to_string(loss.file_bytes)
                                                                + " bytes) were read, the rest is lost"
                                                          : std::string("none of it could be read")),
                               last_ts);
        }
        sink.on_end(last_ts);
    };
    if (readable.empty()) {
        if (on_progress && !on_progress(Progress{1.0, 0, 0.0}))
            throw Cancelled();
        finish(-1);
        return;
    }

    using clock = std::chrono::steady_clock;
    const auto start = clock::now();
    auto next_report = start;
    auto report = [&](int64_t ts, uint64_t events, uint64_t messages, bool final) {
        Progress p{0.0, events, 0.0, messages};
        if (final)
            p.fraction = 1.0;
        else if (range_end > range_begin && ts >= 0)
            p.fraction = std::clamp(static_cast<double>(ts - range_begin) / static_cast<double>(range_end - range_begin), 0.0, 1.0);
        const double seconds = std::chrono::duration<double>(clock::now() - start).count();
        p.events_per_s = seconds > 0 ? static_cast<double>(p.events) / seconds : 0.0;
        if (!on_progress(p))
            throw Cancelled();
    };

    if (threads_ > 0) { // (after a ReadAgain, threads_ is 0 and the reason stays)
        one_graph_because_.clear();
        if (!salvaged.empty())
            one_graph_because_ = "a damaged trace was salvaged";
        else if (std::find(streams.begin(), streams.end(), 0) != streams.end())
            one_graph_because_ = "Babeltrace2 did not list the streams of a trace";
    }
    if (threads_ > 0 && one_graph_because_.empty()) {
        if (on_phase_)
            on_phase_(ReadPhase::Reading, path_);
        ParallelInputs in{ctf_fs, muxer_class, readable, streams, scratch.path(), threads_};
        ParallelResult r;
        try {
            r = read_in_parallel(in, sink, [&](int64_t ts, uint64_t events, uint64_t messages) {
                if (on_progress) {
                    const auto now = clock::now();
                    if (now >= next_report) {
                        next_report = now + std::chrono::milliseconds(100);
                        report(ts, events, messages, false);
                    }
                }
            });
        } catch (const ReadAgain &e) {
            threads_ = 0; // the next run reads through one graph
            one_graph_because_ = e.what();
            throw;
        }
        if (r.fallback.empty()) {
            if (on_progress)
                report(r.last_ts, r.events, r.messages, true);
            finish(r.last_ts);
            return;
        }
        one_graph_because_ = r.fallback; // nothing was handed over: read it again in one graph
    }

    // Declared before the graphs: a graph (and its sink) goes first.
    RunState state(sink);
    for (const auto &[copy, dir] : salvaged)
        state.decoder.rename_streams(copy, dir);

    auto progress = [&](bool final) { report(state.decoder.last_ts(), state.decoder.events(), state.messages, final); };

    // A packet that cannot be decoded ends the read of every stream: the trace is then read once
    // more, from a copy without the packets that cannot be decoded, skipping what was read.
    std::string stopped; // the error that ended the read
    for (bool repaired = false;;) {
        if (on_phase_)
            on_phase_(ReadPhase::Reading, path_);
        const GraphEnd end = read_graph(state, ctf_fs, muxer_class, readable, path_, user_dir, refused, [&] {
            if (on_progress) {
                const auto now = clock::now();
                if (now >= next_report) {
                    next_report = now + std::chrono::milliseconds(100);
                    progress(false);
                }
            }
        });
        if (end.refused || end.error.empty())
            break;
        if (!repaired && leave_out_damaged_packets(state, ctf_fs, readable, salvaged, losses, scratch, [&](const std::string &dir) {
                if (on_phase_)
                    on_phase_(ReadPhase::Indexing, dir); // each trial is progress
            })) {
            repaired = true;
            state.read_on.clear(); // the copies are read from their start: they come again
            state.read_on_more = 0;
            continue;
        }
        stopped = end.error;
        break;
    }
    auto about_user_files = [&](std::string what) {
        for (const auto &[copy, dir] : salvaged) // name the user's files, not the copy's
            for (size_t at = what.find(copy); at != std::string::npos; at = what.find(copy, at + dir.size()))
                what.replace(at, copy.size(), dir);
        return what;
    };
    for (const std::string &what : state.read_on)
        sink.on_read_error("Babeltrace2 reported an error and read on: " + about_user_files(what), state.decoder.last_ts());
    if (state.read_on_more)
        sink.on_read_error("Babeltrace2 reported " + std::to_string(state.read_on_more) + " more errors and read on",
                           state.decoder.last_ts());
    if (!stopped.empty())
        sink.on_read_error(about_user_files(stopped), state.decoder.last_ts());
    if (on_progress)
        progress(true);
    finish(state.decoder.last_ts());
}

} // namespace teescope::importer
