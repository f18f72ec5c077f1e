// SPDX-License-Identifier: MIT
#include "parallel_read.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <filesystem>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <tuple>
#include <unordered_map>

#include "decoded_calls.h"
#include "stream_decode.h"
#include "trace_files.h"
#include "teescope/importer/bt_error.h"
#include "teescope/importer/bt_ref.h"
#include "teescope/importer/message_decoder.h"
#include "teescope/importer/trace_reader.h"

// Threads and Babeltrace2 2.0: its objects' reference counts are plain integers (src/lib/object.h)
// and its API makes no promise of thread safety, except for the error of the current thread,
// which is kept per thread (error-reporting.h, "Error reporting" in the API fundamentals). So
// every graph here is built on the calling thread and also configured there (its first
// bt_graph_run_once() creates the message iterators); a decoding thread then only runs graphs
// that no other thread touches, and takes the errors they leave on its own thread. The shared
// objects (the plugins and their component classes) are referenced only while the graphs are
// built and destroyed, on the calling thread, after every decoding thread has ended.

namespace teescope::importer {

namespace fs = std::filesystem;

namespace {

constexpr size_t kBatchCalls = 2048; // calls per batch handed to the merge (memory: a few MB in all)
constexpr size_t kQueuedBatches = 3; // per group, before its thread turns to another
constexpr size_t kMaxGroups = 16;

// The directory a stream of the single graph is named after: Babeltrace2 normalizes the input
// path (absolute, without `.` and `..`; symbolic links are kept).
std::string normalized(const std::string &dir)
{
    std::error_code ec;
    std::string out = fs::absolute(dir, ec).lexically_normal().string();
    while (out.size() > 1 && out.back() == '/')
        out.pop_back();
    return out;
}

// The part of a stream file's name that names its stream: LTTng names the files of a stream
// CHANNEL_CPU, or CHANNEL_CPU_N when it rotates them; the files of one stream stay together.
std::string stream_of(const std::string &file)
{
    auto trailing_number = [](const std::string &s) {
        const size_t us = s.rfind('_');
        return us != std::string::npos && us + 1 < s.size()
                       && s.find_first_not_of("0123456789", us + 1) == std::string::npos
                   ? us
                   : std::string::npos;
    };
    const size_t last = trailing_number(file);
    if (last == std::string::npos)
        return file;
    const std::string head = file.substr(0, last);
    return trailing_number(head) == std::string::npos ? file : head;
}

// One graph: some stream files of one or more traces, each in a directory of its own below the
// scratch directory that holds links to them, their index files and the trace's metadata.
struct Group {
    struct Member {
        size_t trace;     // index in ParallelInputs::dirs
        std::string dir;  // the directory of links
    };
    std::vector<Member> members;
    GraphRef graph;
    CallRecorder recorder;
    MessageDecoder decoder{recorder};
    // Owned by the thread that runs the graph (the first step: the calling thread).
    std::vector<std::unique_ptr<StreamKey>> keys;
    std::unordered_map<const bt_stream *, const StreamKey *> key_of;
    const bt_stream *last_stream = nullptr;
    const StreamKey *last_key = nullptr;
    std::unique_ptr<CallBatch> filling;
    bool delivered = false; // a batch was handed over (the stream keys are all known then)
    bool done = false;
    std::exception_ptr failure;
    std::string unsupported;
    std::atomic<uint64_t> messages{0};
    // Shared with the merge, under Shared::mutex.
    std::deque<std::unique_ptr<CallBatch>> ready;
    std::vector<std::unique_ptr<CallBatch>> spare;
    bool ended = false;
    std::string trouble; // why the merge cannot go on: a read error, an unsupported stream
    std::vector<const StreamKey *> published; // every stream key, once `delivered`

    void add_stream(const bt_stream *stream);
    void take(const bt_message *message);
};

void Group::add_stream(const bt_stream *stream)
{
    const bt_stream_class *sc = bt_stream_borrow_class_const(stream);
    const bt_trace *trace = bt_stream_borrow_trace_const(stream);
    auto key = std::make_unique<StreamKey>();
    if (const uint8_t *uuid = bt_trace_get_uuid(trace)) {
        key->has_uuid = true;
        std::copy(uuid, uuid + 16, key->uuid);
    }
    if (const char *name = bt_trace_get_name(trace)) {
        key->has_name = true;
        key->name = name;
    }
    key->class_id = bt_stream_class_get_id(sc);
    key->id = bt_stream_get_id(stream);
    const char *file = bt_stream_get_name(stream);
    for (const Member &m : members)
        if (file && std::string_view(file).substr(0, m.dir.size() + 1) == m.dir + "/")
            key->trace = m.trace;
    // What the merge cannot order as the muxer does, or that a decoder decodes with the time
    // of the message before (which differs from one graph to the other).
    if (!bt_stream_class_borrow_default_clock_class_const(sc))
        unsupported = "a stream has no clock";
    else if (bt_stream_class_assigns_automatic_stream_id(sc))
        unsupported = "a stream has no id of its own";
    else if (bt_stream_class_supports_discarded_events(sc) && !bt_stream_class_discarded_events_have_default_clock_snapshots(sc))
        unsupported = "a stream's discarded events have no times";
    else if (bt_stream_class_supports_discarded_packets(sc) && !bt_stream_class_discarded_packets_have_default_clock_snapshots(sc))
        unsupported = "a stream's discarded packets have no times";
    else if (!file)
        unsupported = "a stream has no name";
    key_of[stream] = key.get();
    keys.push_back(std::move(key));
}

void Group::take(const bt_message *m)
{
    const bt_stream *stream = nullptr;
    const bt_clock_snapshot *time = nullptr;
    uint64_t class_key = 0;
    switch (bt_message_get_type(m)) {
    case BT_MESSAGE_TYPE_STREAM_BEGINNING:
        add_stream(bt_message_stream_beginning_borrow_stream_const(m));
        return;
    case BT_MESSAGE_TYPE_PACKET_BEGINNING:
        decoder.consume(m);
        return;
    case BT_MESSAGE_TYPE_EVENT: {
        const bt_event *event = bt_message_event_borrow_event_const(m);
        stream = bt_event_borrow_stream_const(event);
        class_key = bt_event_class_get_id(bt_event_borrow_class_const(event));
        time = bt_message_event_borrow_default_clock_snapshot_const(m);
        break;
    }
    case BT_MESSAGE_TYPE_DISCARDED_EVENTS:
        stream = bt_message_discarded_events_borrow_stream_const(m);
        time = bt_message_discarded_events_borrow_beginning_default_clock_snapshot_const(m);
        break;
    case BT_MESSAGE_TYPE_DISCARDED_PACKETS:
        stream = bt_message_discarded_packets_borrow_stream_const(m);
        time = bt_message_discarded_packets_borrow_beginning_default_clock_snapshot_const(m);
        break;
    default: return; // nothing for the decoder
    }
    if (stream != last_stream) {
        const auto it = key_of.find(stream);
        if (it == key_of.end()) {
            unsupported = "a stream began without a stream beginning";
            return;
        }
        last_stream = stream;
        last_key = it->second;
    }
    int64_t ns = 0;
    if (bt_clock_snapshot_get_ns_from_origin(time, &ns) != BT_CLOCK_SNAPSHOT_GET_NS_FROM_ORIGIN_STATUS_OK)
        unsupported = "a time out of range";
    recorder.at(ns, last_key, class_key);
    decoder.consume(m);
}

bt_graph_simple_sink_component_consume_func_status consume_group(bt_message_iterator *iterator, void *data)
{
    auto &g = *static_cast<Group *>(data);
    bt_message_array_const messages = nullptr;
    uint64_t count = 0;
    const auto next = bt_message_iterator_next(iterator, &messages, &count);
    if (next != BT_MESSAGE_ITERATOR_NEXT_STATUS_OK)
        return consume_status(next);
    g.messages.fetch_add(count, std::memory_order_relaxed);
    const PendingError pending; // as in the reader's sink
    auto status = BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_OK;
    uint64_t i = 0;
    try {
        for (; i < count; ++i) {
            g.take(messages[i]);
            bt_message_put_ref(messages[i]);
        }
    } catch (...) {
        g.failure = std::current_exception();
        status = BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_ERROR;
        for (; i < count; ++i)
            bt_message_put_ref(messages[i]);
    }
    return status;
}

// What the decoding threads and the merge share.
struct Shared {
    std::mutex mutex;
    std::condition_variable data;  // a batch, an end or trouble for the merge
    std::condition_variable space; // a batch taken: a decoding thread may go on
    bool stop = false;
};

// One step of a group's graph, on whichever thread runs it; hands a batch over when one is
// full, at the first calls (the merge waits for them to know every stream) and at the end.
void step(Group &g, Shared &shared)
{
    std::string left_behind;
    const GraphStep s = run_graph_step(g.graph.get(), left_behind);
    std::string trouble;
    if (s == GraphStep::Failed)
        trouble = g.failure ? "the decoder failed" : take_bt_error("the trace could not be read further");
    else if (!left_behind.empty())
        trouble = left_behind;
    else if (!g.unsupported.empty())
        trouble = g.unsupported;
    const bool end = s == GraphStep::End || !trouble.empty();
    CallBatch *batch = g.recorder.batch();
    if (!end && batch->calls.size() < (g.delivered ? kBatchCalls : 1))
        return;
    std::lock_guard<std::mutex> lock(shared.mutex);
    if (!batch->calls.empty()) {
        if (!g.delivered)
            for (const auto &key : g.keys)
                g.published.push_back(key.get());
        g.delivered = true;
        g.ready.push_back(std::move(g.filling));
        if (!g.spare.empty()) {
            g.filling = std::move(g.spare.back());
            g.spare.pop_back();
        } else {
            g.filling = std::make_unique<CallBatch>();
        }
        g.recorder.into(g.filling.get());
    }
    if (end) {
        g.done = true;
        g.ended = true;
        g.trouble = trouble;
        if (g.trouble.empty() && !g.delivered)
            for (const auto &key : g.keys)
                g.published.push_back(key.get());
    }
    shared.data.notify_all();
}

// Runs the graphs of groups i, i + n, i + 2n...: one step of each in turn, skipping those whose
// merge is behind.
void decode(std::vector<Group *> mine, Shared &shared)
{
    for (;;) {
        bool stepped = false, left = false;
        for (Group *g : mine) {
            if (g->done)
                continue;
            left = true;
            {
                std::lock_guard<std::mutex> lock(shared.mutex);
                if (shared.stop)
                    return;
                if (g->ready.size() >= kQueuedBatches)
                    continue;
            }
            try {
                step(*g, shared);
            } catch (const std::exception &e) { // no memory for a batch: the merge cannot go on
                std::lock_guard<std::mutex> lock(shared.mutex);
                g->done = g->ended = true;
                g->trouble = e.what();
                shared.data.notify_all();
            }
            stepped = true;
        }
        if (!left)
            return;
        if (!stepped) {
            std::unique_lock<std::mutex> lock(shared.mutex);
            shared.space.wait(lock, [&] {
                if (shared.stop)
                    return true;
                for (Group *g : mine)
                    if (!g->done && g->ready.size() < kQueuedBatches)
                        return true;
                return false;
            });
        }
    }
}

// The decoding threads; stopped and joined when it goes, before the graphs are destroyed.
class Decoders {
public:
    explicit Decoders(Shared &shared) : shared_(shared) {}
    ~Decoders()
    {
        {
            std::lock_guard<std::mutex> lock(shared_.mutex);
            shared_.stop = true;
        }
        shared_.space.notify_all();
        for (std::thread &t : threads_)
            t.join();
    }
    void start(std::vector<Group *> mine) { threads_.emplace_back(decode, std::move(mine), std::ref(shared_)); }

private:
    Shared &shared_;
    std::vector<std::thread> threads_;
};

// Builds the graph of `g`: a source per member, a muxer, our sink. Empty, or why not.
std::string build(Group &g, const ParallelInputs &in, std::vector<uint64_t> &ports)
{
    g.graph = GraphRef(bt_graph_create(0));
    if (!g.graph)
        throw std::bad_alloc();
    const bt_component_filter *muxer = nullptr;
    if (bt_graph_add_filter_component(g.graph.get(), in.muxer, "muxer", nullptr, BT_LOGGING_LEVEL_NONE, &muxer)
        != BT_GRAPH_ADD_COMPONENT_STATUS_OK)
        return take_bt_error("cannot create a muxer");
    for (size_t i = 0; i < g.members.size(); ++i) {
        ValueRef params = inputs_params(g.members[i].dir);
        const bt_component_source *source = nullptr;
        const std::string name = "source-" + std::to_string(i);
        if (bt_graph_add_source_component(g.graph.get(), in.ctf_fs, name.c_str(), params.get(), BT_LOGGING_LEVEL_NONE, &source)
            != BT_GRAPH_ADD_COMPONENT_STATUS_OK)
            return take_bt_error("src.ctf.fs refused a part of a trace");
        const uint64_t n = bt_component_source_get_output_port_count(source);
        ports[g.members[i].trace] += n;
        for (uint64_t p = 0; p < n; ++p) {
            const uint64_t free_port = bt_component_filter_get_input_port_count(muxer) - 1;
            if (bt_graph_connect_ports(g.graph.get(), bt_component_source_borrow_output_port_by_index_const(source, p),
                                       bt_component_filter_borrow_input_port_by_index_const(muxer, free_port), nullptr)
                != BT_GRAPH_CONNECT_PORTS_STATUS_OK)
                return take_bt_error("cannot connect a stream");
        }
    }
    const bt_component_sink *sink = nullptr;
    if (bt_graph_add_simple_sink_component(g.graph.get(), "teescope", nullptr, consume_group, nullptr, &g, &sink)
            != BT_GRAPH_ADD_COMPONENT_STATUS_OK
        || bt_graph_connect_ports(g.graph.get(), bt_component_filter_borrow_output_port_by_index_const(muxer, 0),
                                  bt_component_sink_borrow_input_port_by_index_const(sink, 0), nullptr)
               != BT_GRAPH_CONNECT_PORTS_STATUS_OK)
        return take_bt_error("cannot build a reading graph");
    return {};
}

// The groups: the streams of every trace, in the order of their files, dealt out to at most
// kMaxGroups groups. The same whatever the number of threads.
std::vector<std::unique_ptr<Group>> make_groups(const ParallelInputs &in)
{
    struct Unit {
        size_t trace;
        std::vector<fs::path> files;
    };
    std::vector<Unit> units;
    for (size_t t = 0; t < in.dirs.size(); ++t) {
        std::string current;
        for (const fs::path &file : files::stream_files(in.dirs[t])) {
            const std::string stream = stream_of(file.filename().string());
            if (units.empty() || units.back().trace != t || stream != current)
                units.push_back({t, {}});
            current = stream;
            units.back().files.push_back(file);
        }
    }
    const size_t n = std::min(units.size(), kMaxGroups);
    std::vector<std::unique_ptr<Group>> groups;
    for (size_t i = 0; i < n; ++i)
        groups.push_back(std::make_unique<Group>());
    for (size_t u = 0; u < units.size(); ++u) {
        Group &g = *groups[u % n];
        const Unit &unit = units[u];
        if (g.members.empty() || g.members.back().trace != unit.trace) {
            const fs::path metadata = fs::path(in.dirs[unit.trace]) / "metadata";
            const fs::path dir = files::trial_dir(in.scratch, "group-" + std::to_string(u % n) + "-" + std::to_string(unit.trace), metadata);
            g.members.push_back({unit.trace, normalized(dir.string())});
            g.decoder.rename_streams(g.members.back().dir, normalized(in.dirs[unit.trace]));
        }
        const fs::path dir = g.members.back().dir;
        for (const fs::path &file : unit.files) {
            files::link_or_throw(file, dir / file.filename());
            std::error_code ec;
            const fs::path idx = files::index_of(file);
            if (fs::is_regular_file(idx, ec)) {
                fs::create_directories(dir / "index", ec);
                files::link_or_throw(idx, dir / "index" / idx.filename());
            }
        }
    }
    return groups;
}

struct Head {
    Group *group;
    std::unique_ptr<CallBatch> batch;
    size_t next = 0;
    size_t index;
};

} // namespace

ParallelResult read_in_parallel(const ParallelInputs &in, TraceSink &sink, const MergeTick &tick)
{
    ParallelResult result;
    std::vector<std::unique_ptr<Group>> groups = make_groups(in);
    if (groups.empty())
        return {"no stream files", -1, 0};
    std::vector<uint64_t> ports(in.dirs.size(), 0);
    for (auto &g : groups) {
        g->filling = std::make_unique<CallBatch>();
        g->recorder.into(g->filling.get());
        if (std::string why = build(*g, in, ports); !why.empty())
            return {std::move(why), -1, 0};
    }
    if (ports != in.streams)
        return {"the stream files of a stream were dealt to different graphs", -1, 0};

    Shared shared;
    // The first step of every graph, here: it creates the graph's message iterators.
    for (auto &g : groups)
        step(*g, shared);
    Decoders decoders(shared); // declared after the groups: the threads end before the graphs go
    const unsigned threads = std::max(1u, std::min<unsigned>(in.threads, static_cast<unsigned>(groups.size())));
    for (unsigned t = 0; t < threads; ++t) {
        std::vector<Group *> mine;
        for (size_t i = t; i < groups.size(); i += threads)
            mine.push_back(groups[i].get());
        decoders.start(std::move(mine));
    }
    auto messages = [&] {
        uint64_t n = 0;
        for (auto &g : groups)
            n += g->messages.load(std::memory_order_relaxed);
        return n;
    };

    // Before anything goes to the sink: every group has found its streams, and nothing stops
    // the merge from ordering them as the single graph's muxer does.
    {
        std::unique_lock<std::mutex> lock(shared.mutex);
        for (auto &g : groups) {
            shared.data.wait(lock, [&] { return !g->ready.empty() || g->ended; });
            if (!g->trouble.empty())
                return {g->trouble, -1, 0};
        }
        std::vector<const StreamKey *> all;
        for (auto &g : groups)
            all.insert(all.end(), g->published.begin(), g->published.end());
        std::sort(all.begin(), all.end(), [](const StreamKey *a, const StreamKey *b) { return compare(*a, *b) < 0; });
        for (size_t i = 1; i < all.size(); ++i)
            if (compare(*all[i - 1], *all[i]) == 0)
                return {"two streams the muxer cannot tell apart", -1, 0};
    }

    std::vector<Head> heads;
    for (size_t i = 0; i < groups.size(); ++i)
        heads.push_back({groups[i].get(), nullptr, 0, i});
    // The next batch of `h`, false at its end.
    auto refill = [&](Head &h) {
        std::unique_lock<std::mutex> lock(shared.mutex);
        if (h.batch) {
            h.batch->clear();
            h.group->spare.push_back(std::move(h.batch));
        }
        shared.data.wait(lock, [&] { return !h.group->ready.empty() || h.group->ended; });
        if (h.group->ready.empty()) {
            if (!h.group->trouble.empty())
                throw ReadAgain("a part of the trace could not be read in parallel: " + h.group->trouble);
            return false;
        }
        h.batch = std::move(h.group->ready.front());
        h.group->ready.pop_front();
        h.next = 0;
        lock.unlock();
        shared.space.notify_all();
        return true;
    };
    std::vector<Head *> live;
    for (Head &h : heads)
        if (refill(h))
            live.push_back(&h);

    std::set<std::tuple<size_t, uint64_t, uint64_t>> classes; // announced (trace, stream class, event class)
    std::vector<uint64_t> scratch;
    uint64_t since_tick = 0;
    while (!live.empty()) {
        size_t best = 0;
        for (size_t i = 1; i < live.size(); ++i) {
            const Call &a = live[i]->batch->calls[live[i]->next];
            const Call &b = live[best]->batch->calls[live[best]->next];
            if (a.at_ns < b.at_ns || (a.at_ns == b.at_ns && compare(*a.stream, *b.stream) < 0))
                best = i;
        }
        Head &h = *live[best];
        const Call &c = h.batch->calls[h.next];
        switch (c.kind) {
        case CallKind::event_class:
            if (!classes.emplace(c.stream->trace, c.stream->class_id, c.class_key).second)
                break; // announced by another graph's decoder already
            replay(*h.batch, c, sink, scratch);
            break;
        case CallKind::discarded_events:
        case CallKind::discarded_packets:
            result.last_ts = std::max(result.last_ts, c.b);
            replay(*h.batch, c, sink, scratch);
            break;
        default:
            result.last_ts = c.ts;
            ++result.events;
            replay(*h.batch, c, sink, scratch);
            break;
        }
        if (++h.next == h.batch->calls.size() && !refill(h))
            live.erase(live.begin() + static_cast<ptrdiff_t>(best));
        if (tick && ++since_tick == 4096) {
            since_tick = 0;
            tick(result.last_ts, result.events, messages());
        }
    }
    result.messages = messages();
    if (tick)
        tick(result.last_ts, result.events, result.messages);
    return result;
}

} // namespace teescope::importer
