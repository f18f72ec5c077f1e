// SPDX-License-Identifier: MIT
#include "teescope/importer/salvage.h"

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <new>
#include <optional>
#include <stdexcept>
#include <system_error>

#include "teescope/importer/bt_error.h"
#include "teescope/importer/bt_ref.h"
#include "stream_decode.h"
#include "trace_files.h"

namespace teescope::importer {

namespace fs = std::filesystem;
using namespace files;

namespace {

struct Checker {
    const bt_component_class_source *ctf_fs;
    fs::path scratch;
    fs::path metadata;
    const std::function<void()> &on_trial;
    unsigned trials = 0;

    // Whether src.ctf.fs accepts the stream file `stream` cut to `bytes` (the whole file if
    // `whole`, with its index when it has one), alone with the metadata.
    std::string check(const fs::path &stream, uint64_t bytes, bool whole, const fs::path &idx = {})
    {
        if (on_trial)
            on_trial();
        const fs::path dir = trial_dir(scratch, "trial-" + std::to_string(trials++), metadata);
        if (whole) {
            link_or_throw(stream, dir / stream.filename());
            std::error_code ec;
            if (!idx.empty()) {
                fs::create_directory(dir / "index", ec);
                link_or_throw(idx, dir / "index" / idx.filename());
            }
        } else {
            copy_prefix(stream, dir / stream.filename(), bytes);
        }
        std::string why = check_ctf_trace(ctf_fs, dir.string());
        std::error_code ec;
        fs::remove_all(dir, ec);
        return why;
    }
    bool accepts(const fs::path &stream, uint64_t bytes) { return check(stream, bytes, false).empty(); }

    // The time of the last message of `stream` cut to `bytes` (ns from the origin; -1: unknown).
    int64_t last_time(const fs::path &stream, uint64_t bytes)
    {
        if (on_trial)
            on_trial();
        const fs::path dir = trial_dir(scratch, "trial-" + std::to_string(trials++), metadata);
        copy_prefix(stream, dir / stream.filename(), bytes);
        const Decoded d = decode_stream(ctf_fs, dir.string());
        std::error_code ec;
        fs::remove_all(dir, ec);
        return d.why.empty() ? d.last_ts : -1;
    }
};

} // namespace

bool index_files_fit(const std::string &trace_dir)
{
    std::error_code ec;
    for (const fs::path &stream : stream_files(trace_dir)) {
        const fs::path idx = index_of(stream);
        const uint64_t size = fs::file_size(stream, ec);
        if (fs::exists(idx, ec) && (ec || !index_fits(idx, size)))
            return false;
    }
    return true;
}

ScratchDir::~ScratchDir()
{
    if (!path_.empty()) {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
}

const std::string &ScratchDir::path()
{
    if (path_.empty()) {
        std::error_code ec;
        fs::path base = fs::temp_directory_path(ec);
        if (ec)
            base = "/tmp";
        // The scratch directories of imports that were killed (a time limit, a crash in
        // libbabeltrace2) go with the next salvage: their names carry the importer's pid.
        const std::string prefix = "teescope-salvage-";
        for (fs::directory_iterator it(base, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
            const std::string name = it->path().filename().string();
            if (name.compare(0, prefix.size(), prefix) != 0)
                continue;
            const long pid = std::strtol(name.c_str() + prefix.size(), nullptr, 10);
            std::error_code rm;
            if (pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH)
                fs::remove_all(it->path(), rm);
        }
        std::string templ = (base / (prefix + std::to_string(::getpid()) + "-XXXXXX")).string();
        if (!::mkdtemp(templ.data()))
            throw std::runtime_error("cannot create a scratch directory in " + base.string() + ": "
                                     + std::strerror(errno));
        path_ = templ;
    }
    return path_;
}


std::string check_ctf_trace(const bt_component_class_source *ctf_fs, const std::string &dir)
{
    GraphRef graph(bt_graph_create(0));
    if (!graph)
        throw std::bad_alloc();
    ValueRef params = inputs_params(dir);
    const bt_component_source *source = nullptr;
    if (bt_graph_add_source_component(graph.get(), ctf_fs, "check", params.get(), BT_LOGGING_LEVEL_NONE, &source)
        != BT_GRAPH_ADD_COMPONENT_STATUS_OK)
        return take_bt_error("src.ctf.fs refused it");
    bt_current_thread_clear_error();
    return {};
}

bool query_time_range(const bt_component_class_source *ctf_fs, const std::string &dir, int64_t &begin, int64_t &end,
                      uint64_t *streams)
{
    if (streams)
        *streams = 0;
    ValueRef params = inputs_params(dir);
    QueryExecutorRef query(bt_query_executor_create(bt_component_class_source_as_component_class_const(ctf_fs),
                                                    "babeltrace.trace-infos", params.get()));
    ConstValueRef result;
    if (!query || bt_query_executor_query(query.get(), result.out()) != BT_QUERY_EXECUTOR_QUERY_STATUS_OK || !result) {
        bt_current_thread_clear_error();
        return false;
    }
    // A successful query may still leave causes behind; the next bt_* call must not see them.
    bt_current_thread_clear_error();
    if (!bt_value_is_array(result.get()))
        return false;
    auto integer = [](const bt_value *map, const char *key, int64_t &out) {
        const bt_value *v = bt_value_map_borrow_entry_value_const(map, key);
        if (v && bt_value_is_signed_integer(v))
            out = bt_value_integer_signed_get(v);
        else if (v && bt_value_is_unsigned_integer(v))
            out = static_cast<int64_t>(bt_value_integer_unsigned_get(v));
        else
            return false;
        return true;
    };
    for (uint64_t t = 0; t < bt_value_array_get_length(result.get()); ++t) {
        const bt_value *trace = bt_value_array_borrow_element_by_index_const(result.get(), t);
        const bt_value *infos = bt_value_is_map(trace) ? bt_value_map_borrow_entry_value_const(trace, "stream-infos") : nullptr;
        if (!infos || !bt_value_is_array(infos))
            continue;
        if (streams)
            *streams += bt_value_array_get_length(infos);
        for (uint64_t s = 0; s < bt_value_array_get_length(infos); ++s) {
            const bt_value *stream = bt_value_array_borrow_element_by_index_const(infos, s);
            const bt_value *range = bt_value_is_map(stream) ? bt_value_map_borrow_entry_value_const(stream, "range-ns") : nullptr;
            int64_t b = 0, e = 0;
            if (!range || !bt_value_is_map(range) || !integer(range, "begin", b) || !integer(range, "end", e))
                continue;
            begin = std::min(begin, b);
            end = std::max(end, e);
        }
    }
    return true;
}

SalvagedTrace salvage_trace(const bt_component_class_source *ctf_fs, const std::string &trace_dir,
                            const std::string &scratch, const std::function<void()> &trial)
{
    SalvagedTrace out;
    const fs::path dir(trace_dir);
    Checker checker{ctf_fs, fs::path(scratch), dir / "metadata", trial};
    const Clock clock = trace_clock(dir / "metadata");

    const std::vector<fs::path> streams = stream_files(dir);
    std::error_code ec;
    if (streams.empty())
        return out;

    struct Kept {
        fs::path stream;
        uint64_t bytes; // UINT64_MAX: the whole file
        fs::path idx;   // its index, if it has one that fits
    };
    std::vector<Kept> kept;
    bool index_left_out = false;
    for (const fs::path &stream : streams) {
        const uint64_t size = fs::file_size(stream, ec);
        if (ec)
            continue; // vanished or unreadable: nothing to keep, and nothing known to lose
        fs::path idx = index_of(stream);
        if (!fs::exists(idx, ec)) {
            idx.clear();
        } else if (!index_fits(idx, size)) {
            idx.clear(); // src.ctf.fs indexes the stream file itself then
            index_left_out = true;
        }
        const std::string why = checker.check(stream, 0, true, idx);
        if (why.empty()) {
            kept.push_back({stream, UINT64_MAX, idx});
            continue;
        }

        // The packet boundaries: from the index, else where packets seem to start.
        std::vector<PacketEntry> packets = read_index(index_of(stream));
        std::vector<uint64_t> ends; // candidate cut points: ends of packets, ascending
        bool guessed = false;       // from the packet magic: the last one is the end of the file
        for (const auto &p : packets)
            if (p.offset + p.bytes <= size)
                ends.push_back(p.offset + p.bytes);
        if (ends.empty()) {
            packets.clear();
            // A packet ends where the next one starts; the last one may end with the file.
            const auto starts = magic_offsets(stream, size);
            for (size_t i = 1; i < starts.size(); ++i)
                ends.push_back(starts[i]);
            if (!starts.empty())
                ends.push_back(size);
            guessed = true;
        }
        // The longest prefix src.ctf.fs accepts: a shorter prefix of packets that it accepts is
        // accepted too, so a binary search over the candidate ends finds it. A stream that was
        // only cut short is accepted up to its last complete packet: that is tried first, as
        // every trial copies the prefix.
        size_t lo = 0, hi = ends.size(); // accepted: ends[0, lo); rejected: ends[hi, ...)
        if (hi > 0 && ends[hi - 1] == size)
            --hi; // the whole file, rejected above
        else if (hi > 0 && checker.accepts(stream, ends[hi - 1]))
            lo = hi;
        else if (hi > 0)
            --hi;
        while (lo < hi) {
            const size_t mid = lo + (hi - lo) / 2;
            if (checker.accepts(stream, ends[mid]))
                lo = mid + 1;
            else
                hi = mid;
        }
        StreamLoss loss;
        loss.stream = stream.string();
        // Cut short (or written past its end): every packet is readable but what follows the
        // last one, which is shorter than a packet (LTTng's packets of a stream are of one size).
        const uint64_t tail = size - (lo ? ends[lo - 1] : 0);
        const bool cut_short = guessed ? !ends.empty() && lo + 1 == ends.size() && tail < ends[0]
                                       : lo == ends.size() && (ends.empty() || ends.back() != size);
        if (cut_short)
            loss.why = "its last " + std::to_string(tail)
                       + " bytes are not a complete packet (the file was cut short, or written past its end)";
        else
            loss.why = "src.ctf.fs cannot index it: " + about_user_trace(why, scratch, trace_dir);
        loss.file_bytes = size;
        loss.kept_packets = lo;
        loss.kept_bytes = lo ? ends[lo - 1] : 0;
        loss.packets = std::max<uint64_t>(1, packets.size() > lo ? packets.size() - lo : 0);
        if (clock.known && !packets.empty()) {
            // After the end of the last packet kept; before the end of the last packet indexed.
            loss.begin_ns = lo ? clock.ns(packets[lo - 1].ts_end) : clock.ns(packets[0].ts_begin);
            if (packets.size() > lo)
                loss.end_ns = clock.ns(packets.back().ts_end);
        } else if (lo > 0) {
            // No index: the loss begins where the last packet kept ends (its end time, read from
            // it); its end is not known.
            loss.begin_ns = checker.last_time(stream, loss.kept_bytes);
        }
        out.losses.push_back(loss);
        if (lo > 0)
            kept.push_back({stream, loss.kept_bytes, {}});
    }
    if (kept.empty() || (out.losses.empty() && !index_left_out))
        return out; // nothing readable, or nothing damaged: the trace fails for another reason

    unsigned n = 0;
    while (fs::exists(checker.scratch / ("salvaged-" + std::to_string(n)), ec))
        ++n;
    const fs::path salvaged = trial_dir(checker.scratch, "salvaged-" + std::to_string(n), checker.metadata);
    for (const Kept &k : kept) {
        if (k.bytes != UINT64_MAX) {
            copy_prefix(k.stream, salvaged / k.stream.filename(), k.bytes);
            continue;
        }
        link_or_throw(k.stream, salvaged / k.stream.filename());
        if (!k.idx.empty()) {
            fs::create_directory(salvaged / "index", ec);
            link_or_throw(k.idx, salvaged / "index" / k.idx.filename());
        }
    }
    if (check_ctf_trace(ctf_fs, salvaged.string()).empty())
        out.dir = salvaged.string();
    return out;
}

} // namespace teescope::importer
