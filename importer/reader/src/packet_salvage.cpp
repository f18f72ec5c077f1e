// SPDX-License-Identifier: MIT
// Salvage of a trace with packets that cannot be decoded: see leave_out_undecodable_packets().
// A CTF packet is self-contained (its header says where it ends), so the packets around a
// damaged one decode; Babeltrace2 2.0 cannot skip it, and its error ends every stream of the
// trace. The copy without the damaged packet is read again; src.ctf.fs reports the gap in the
// packet sequence numbers as discarded packets, which the decoder counts as this salvage's.
#include "teescope/importer/salvage.h"

#include <algorithm>
#include <filesystem>
#include <new>
#include <system_error>

#include "teescope/importer/bt_error.h"
#include "teescope/importer/bt_ref.h"
#include "trace_files.h"

namespace teescope::importer {

namespace fs = std::filesystem;
using namespace files;

namespace {

// A damaged stream loses at most this many packets one by one; past that, the rest of it.
constexpr unsigned kMaxLeftOut = 16;

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
    switch (bt_message_iterator_next(iterator, &messages, &count)) {
    case BT_MESSAGE_ITERATOR_NEXT_STATUS_OK: break;
    case BT_MESSAGE_ITERATOR_NEXT_STATUS_END: return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_END;
    case BT_MESSAGE_ITERATOR_NEXT_STATUS_AGAIN: return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_AGAIN;
    case BT_MESSAGE_ITERATOR_NEXT_STATUS_MEMORY_ERROR: return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_MEMORY_ERROR;
    default: return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_ERROR;
    }
    for (uint64_t i = 0; i < count; ++i) {
        note(d, messages[i]);
        bt_message_put_ref(messages[i]);
    }
    return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_OK;
}

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

// Decodes the one stream file of the trace in `dir` to its end.
Decoded decode(const bt_component_class_source *ctf_fs, const std::string &dir)
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
    for (;;) {
        auto status = bt_graph_run_once(graph.get());
        // As in the reader: an error left behind a step that went on does not stop the read.
        if (status != BT_GRAPH_RUN_ONCE_STATUS_ERROR && status != BT_GRAPH_RUN_ONCE_STATUS_MEMORY_ERROR)
            bt_current_thread_clear_error();
        if (status == BT_GRAPH_RUN_ONCE_STATUS_END)
            return d;
        if (status != BT_GRAPH_RUN_ONCE_STATUS_OK && status != BT_GRAPH_RUN_ONCE_STATUS_AGAIN) {
            d.why = take_bt_error("it cannot be decoded");
            return d;
        }
    }
}

// The packets of a stream file: from its index when it fits, else where packet magics are.
std::vector<PacketEntry> packets_of(const fs::path &stream, uint64_t size, bool &timed)
{
    const fs::path idx = index_of(stream);
    std::error_code ec;
    timed = fs::exists(idx, ec) && index_fits(idx, size);
    if (timed)
        return read_index(idx);
    std::vector<PacketEntry> packets;
    const auto starts = magic_offsets(stream, size);
    for (size_t i = 0; i < starts.size(); ++i)
        packets.push_back({starts[i], (i + 1 < starts.size() ? starts[i + 1] : size) - starts[i], 0, 0});
    if (packets.empty() || packets.front().offset != 0)
        packets.insert(packets.begin(), {0, packets.empty() ? size : packets.front().offset, 0, 0});
    return packets;
}

} // namespace

SalvagedTrace leave_out_undecodable_packets(const bt_component_class_source *ctf_fs, const std::string &read_dir,
                                            const std::string &user_dir, const std::string &scratch,
                                            const std::function<void()> &trial)
{
    SalvagedTrace out;
    const fs::path dir(read_dir), metadata = dir / "metadata";
    const Clock clock = trace_clock(metadata);
    unsigned trials = 0;
    // Decodes `stream` (its packets `ranges`; all of it with its index when empty) alone.
    auto decode_alone = [&](const fs::path &stream, const std::vector<std::pair<uint64_t, uint64_t>> &ranges) {
        if (trial)
            trial();
        const fs::path tdir = trial_dir(scratch, "decode-" + std::to_string(trials++), metadata);
        if (ranges.empty()) {
            link_or_throw(stream, tdir / stream.filename());
            std::error_code ec;
            const fs::path idx = index_of(stream);
            if (fs::exists(idx, ec) && index_fits(idx, fs::file_size(stream, ec))) {
                fs::create_directory(tdir / "index", ec);
                link_or_throw(idx, tdir / "index" / idx.filename());
            }
        } else {
            copy_ranges(stream, tdir / stream.filename(), ranges);
        }
        Decoded d = decode(ctf_fs, tdir.string());
        d.why = about_user_trace(d.why, scratch, user_dir);
        std::error_code ec;
        fs::remove_all(tdir, ec);
        return d;
    };

    struct Plan {
        fs::path stream;
        bool whole = true;
        std::vector<std::pair<uint64_t, uint64_t>> kept; // byte ranges, when not whole
    };
    std::vector<Plan> plans;
    bool damaged = false;
    for (const fs::path &stream : stream_files(dir)) {
        std::error_code ec;
        const uint64_t size = fs::file_size(stream, ec);
        if (ec)
            continue;
        Decoded d = decode_alone(stream, {});
        if (d.why.empty() && d.out_of_range.empty()) {
            plans.push_back({stream, true, {}});
            continue;
        }
        damaged = true;
        bool timed = false;
        const std::vector<PacketEntry> packets = packets_of(stream, size, timed);
        std::vector<size_t> kept(packets.size()); // indices into `packets`
        for (size_t i = 0; i < kept.size(); ++i)
            kept[i] = i;
        auto ranges = [&] {
            std::vector<std::pair<uint64_t, uint64_t>> r;
            for (size_t i : kept)
                r.emplace_back(packets[i].offset, packets[i].offset + packets[i].bytes);
            return r;
        };
        auto kept_bytes = [&] {
            uint64_t bytes = 0;
            for (size_t i : kept)
                bytes += packets[i].bytes;
            return bytes;
        };
        const std::string user_stream = (fs::path(user_dir) / stream.filename()).string();
        for (unsigned round = 0; !d.why.empty() || !d.out_of_range.empty(); ++round) {
            // A decoding error is in the packet the decoder was in: the last one begun, or the
            // next one if the last one ended (its header could not be decoded).
            std::vector<size_t> bad = d.out_of_range;
            if (!d.why.empty())
                bad = {d.ended >= d.begun ? d.begun : d.begun - 1};
            if (bad.back() >= kept.size() || round == kMaxLeftOut) {
                // Not where the packets seemed to be, or damaged all over: what decoded stays.
                const size_t cut = std::min(bad.front(), kept.size());
                StreamLoss loss;
                loss.stream = user_stream;
                loss.file_bytes = size;
                loss.packets = std::max<size_t>(1, kept.size() - cut);
                loss.begin_ns = cut < d.begins.size() && d.begins[cut] >= 0 ? d.begins[cut] : d.last_ts;
                if (timed && clock.known && cut < kept.size()) {
                    loss.begin_ns = clock.ns(packets[kept[cut]].ts_begin);
                    loss.end_ns = clock.ns(packets[kept.back()].ts_end);
                }
                loss.why = "it cannot be read past its packet " + std::to_string(cut) + ": "
                           + (d.why.empty() ? std::string("events outside of the packet's time range") : d.why);
                kept.resize(cut);
                loss.kept_packets = kept.size();
                loss.kept_bytes = kept_bytes();
                out.losses.push_back(loss);
                break;
            }
            std::vector<StreamLoss> found;
            for (auto at = bad.rbegin(); at != bad.rend(); ++at) {
                const PacketEntry &p = packets[kept[*at]];
                StreamLoss loss;
                loss.stream = user_stream;
                loss.file_bytes = size;
                loss.left_out = true;
                loss.packets = 1;
                loss.begin_ns = *at < d.begins.size() && d.begins[*at] >= 0 ? d.begins[*at] : d.last_ts;
                if (timed && clock.known) {
                    loss.begin_ns = clock.ns(p.ts_begin);
                    loss.end_ns = clock.ns(p.ts_end);
                }
                loss.why = "its packet at byte " + std::to_string(p.offset) + " (" + std::to_string(p.bytes) + " bytes) "
                           + (d.why.empty() ? std::string("holds events outside of its time range (damaged timestamps)")
                                            : "cannot be decoded: " + d.why);
                kept.erase(kept.begin() + static_cast<std::ptrdiff_t>(*at));
                found.insert(found.begin(), loss);
            }
            d = kept.empty() ? Decoded{} : decode_alone(stream, ranges());
            for (size_t i = 0; i < found.size(); ++i) {
                // Without an index, a loss ends where the next packet begins.
                const size_t next = bad[i] - i;
                if (found[i].end_ns < 0 && next < d.begins.size() && d.begins[next] >= 0)
                    found[i].end_ns = d.begins[next];
                found[i].kept_packets = kept.size();
                found[i].kept_bytes = kept_bytes();
                out.losses.push_back(found[i]);
            }
        }
        plans.push_back({stream, false, ranges()});
        out.rewritten.push_back({user_stream, std::vector<uint64_t>(kept.begin(), kept.end())});
    }
    if (!damaged)
        return out;

    std::error_code ec;
    unsigned n = 0;
    while (fs::exists(fs::path(scratch) / ("repaired-" + std::to_string(n)), ec))
        ++n;
    const fs::path copy = trial_dir(scratch, "repaired-" + std::to_string(n), metadata);
    for (const Plan &plan : plans) {
        if (!plan.whole) {
            if (!plan.kept.empty())
                copy_ranges(plan.stream, copy / plan.stream.filename(), plan.kept);
            continue;
        }
        link_or_throw(plan.stream, copy / plan.stream.filename());
        const fs::path idx = index_of(plan.stream);
        if (fs::exists(idx, ec) && index_fits(idx, fs::file_size(plan.stream, ec))) {
            fs::create_directory(copy / "index", ec);
            link_or_throw(idx, copy / "index" / idx.filename());
        }
    }
    if (check_ctf_trace(ctf_fs, copy.string()).empty()) {
        out.dir = copy.string();
    } else {
        out.losses.clear();
        out.rewritten.clear();
    }
    return out;
}

} // namespace teescope::importer
