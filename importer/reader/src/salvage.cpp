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

namespace teescope::importer {

namespace fs = std::filesystem;

namespace {

// --- Reading bytes -------------------------------------------------------------------------

std::string read_file(const fs::path &path, uint64_t limit = UINT64_MAX)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return {};
    std::string bytes;
    char buf[65536];
    while (bytes.size() < limit && in) {
        in.read(buf, static_cast<std::streamsize>(std::min<uint64_t>(sizeof buf, limit - bytes.size())));
        bytes.append(buf, static_cast<size_t>(in.gcount()));
    }
    return bytes;
}

uint64_t load_be(const std::string &b, size_t at, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; ++i)
        v = (v << 8) | static_cast<uint8_t>(b[at + i]);
    return v;
}

uint64_t load_le(const std::string &b, size_t at, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = n; i-- > 0;)
        v = (v << 8) | static_cast<uint8_t>(b[at + i]);
    return v;
}

// --- The trace clock, to turn index timestamps into ns from the origin ------------------------

// The TSDL text of a metadata file, packetized (as LTTng writes it) or plain.
std::string metadata_text(const fs::path &path)
{
    const std::string raw = read_file(path, uint64_t{64} << 20);
    constexpr uint32_t kMagic = 0x75D11D57;
    if (raw.size() < 37)
        return raw;
    const bool le = load_le(raw, 0, 4) == kMagic, be = load_be(raw, 0, 4) == kMagic;
    if (!le && !be)
        return raw;
    std::string text;
    size_t at = 0;
    // Packet header: magic, uuid[16], checksum, content_size, packet_size (bits), then 5 bytes.
    while (at + 37 <= raw.size()) {
        auto u32 = [&](size_t off) { return le ? load_le(raw, at + off, 4) : load_be(raw, at + off, 4); };
        if (u32(0) != kMagic)
            break;
        const uint64_t content = u32(24) / 8, packet = u32(28) / 8;
        if (content < 37 || packet < content || at + content > raw.size())
            break;
        text.append(raw, at + 37, content - 37);
        at += packet;
    }
    return text;
}

// An integer attribute `key = value;` inside the text block [from, to).
std::optional<long long> attribute(const std::string &text, size_t from, size_t to, const char *key)
{
    const size_t klen = std::strlen(key);
    for (size_t at = text.find(key, from); at != std::string::npos && at < to; at = text.find(key, at + 1)) {
        const bool word_start = at == 0 || !(std::isalnum(static_cast<unsigned char>(text[at - 1])) || text[at - 1] == '_');
        size_t p = at + klen;
        while (p < to && (text[p] == ' ' || text[p] == '\t'))
            ++p;
        if (!word_start || p >= to || text[p] != '=')
            continue;
        ++p;
        while (p < to && (text[p] == ' ' || text[p] == '\t'))
            ++p;
        char *end = nullptr;
        const long long v = std::strtoll(text.c_str() + p, &end, 0);
        if (end != text.c_str() + p)
            return v;
    }
    return std::nullopt;
}

// cycles -> ns from the origin, as Babeltrace2 computes it for a clock class.
struct Clock {
    uint64_t freq = 1000000000;
    int64_t offset_s = 0;
    int64_t offset = 0; // cycles
    bool known = false;

    int64_t ns(uint64_t cycles) const
    {
        const long double total = static_cast<long double>(offset) + static_cast<long double>(cycles);
        const long double ns = static_cast<long double>(offset_s) * 1e9L
                               + (freq == 1000000000 ? total : total * 1e9L / static_cast<long double>(freq));
        return ns >= 9.2e18L ? INT64_MAX : ns <= -9.2e18L ? INT64_MIN : static_cast<int64_t>(ns);
    }
};

Clock trace_clock(const fs::path &metadata)
{
    Clock c;
    const std::string text = metadata_text(metadata);
    const size_t at = text.find("clock {");
    if (at == std::string::npos)
        return c;
    const size_t end = text.find("};", at);
    const size_t to = end == std::string::npos ? text.size() : end;
    const auto freq = attribute(text, at, to, "freq");
    if (!freq || *freq <= 0)
        return c;
    c.freq = static_cast<uint64_t>(*freq);
    c.offset_s = attribute(text, at, to, "offset_s").value_or(0);
    c.offset = attribute(text, at, to, "offset").value_or(0);
    c.known = true;
    return c;
}

// --- LTTng's per-stream index (index/<stream>.idx, CTF index format, big-endian) --------------

struct PacketEntry {
    uint64_t offset = 0, bytes = 0; // where the packet starts and its size in the stream file
    uint64_t ts_begin = 0, ts_end = 0;
};

// The packets an index lists, from the start of the stream, as long as they follow each other.
// `whole`, if given, tells whether every entry does (and the file holds nothing else).
std::vector<PacketEntry> read_index(const fs::path &idx, bool *whole = nullptr)
{
    std::vector<PacketEntry> packets;
    if (whole)
        *whole = false;
    const std::string b = read_file(idx, uint64_t{256} << 20);
    if (b.size() < 16 || load_be(b, 0, 4) != 0xC1F1DCC1)
        return packets;
    const uint64_t entry = load_be(b, 12, 4);
    if (entry < 40 || entry > 4096) // offset, packet_size, content_size, timestamp_begin, timestamp_end
        return packets;
    uint64_t expected = 0;
    size_t at = 16;
    for (; at + entry <= b.size(); at += entry) {
        PacketEntry p;
        p.offset = load_be(b, at, 8);
        const uint64_t packet_bits = load_be(b, at + 8, 8), content_bits = load_be(b, at + 16, 8);
        p.ts_begin = load_be(b, at + 24, 8);
        p.ts_end = load_be(b, at + 32, 8);
        if (p.offset != expected || packet_bits == 0 || packet_bits % 8 || content_bits > packet_bits
            || packet_bits / 8 > UINT64_MAX - p.offset || p.ts_begin > p.ts_end)
            return packets;
        p.bytes = packet_bits / 8;
        expected = p.offset + p.bytes;
        packets.push_back(p);
    }
    if (whole)
        *whole = at == b.size();
    return packets;
}

// Whether src.ctf.fs may use an index for its stream file: Babeltrace2 2.0 trusts the offsets
// of an index and aborts (an assertion) on one past the end of the file, and reads no packet
// the index does not list (LTTng writes the entry of a packet after the packet).
bool index_fits(const fs::path &idx, uint64_t stream_size)
{
    bool whole = false;
    const auto packets = read_index(idx, &whole);
    return whole && (packets.empty() ? stream_size == 0 : packets.back().offset + packets.back().bytes == stream_size);
}

fs::path index_of(const fs::path &stream)
{
    return stream.parent_path() / "index" / (stream.filename().string() + ".idx");
}

// Where packets may start when there is no usable index: the offsets holding the CTF packet
// magic (LTTng writes it first in every packet header), either byte order.
std::vector<uint64_t> magic_offsets(const fs::path &stream, uint64_t size)
{
    std::vector<uint64_t> at;
    std::ifstream in(stream, std::ios::binary);
    // LTTng packets are at least a page and page aligned; a magic elsewhere is event data.
    for (uint64_t i = 0; in && i + 4 <= size; i += 4096) {
        unsigned char b[4];
        in.seekg(static_cast<std::streamoff>(i));
        if (!in.read(reinterpret_cast<char *>(b), 4))
            break;
        const uint32_t le = b[0] | b[1] << 8 | b[2] << 16 | static_cast<uint32_t>(b[3]) << 24;
        const uint32_t be = b[3] | b[2] << 8 | b[1] << 16 | static_cast<uint32_t>(b[0]) << 24;
        if (le == 0xC1FC1FC1 || be == 0xC1FC1FC1)
            at.push_back(i);
    }
    return at;
}

// --- Scratch copies ---------------------------------------------------------------------------

void link_or_throw(const fs::path &target, const fs::path &link)
{
    std::error_code ec;
    fs::create_symlink(fs::absolute(target), link, ec);
    if (ec)
        throw std::runtime_error("cannot create " + link.string() + ": " + ec.message());
}

void copy_prefix(const fs::path &from, const fs::path &to, uint64_t bytes)
{
    std::ifstream in(from, std::ios::binary);
    std::ofstream out(to, std::ios::binary | std::ios::trunc);
    char buf[65536];
    uint64_t left = bytes;
    while (left > 0 && in) {
        in.read(buf, static_cast<std::streamsize>(std::min<uint64_t>(sizeof buf, left)));
        out.write(buf, in.gcount());
        left -= static_cast<uint64_t>(in.gcount());
    }
    out.close();
    if (left > 0 || !out)
        throw std::runtime_error("cannot write " + to.string());
}

// A fresh directory with the metadata of the trace in it.
fs::path trial_dir(const fs::path &scratch, const std::string &name, const fs::path &metadata)
{
    const fs::path dir = scratch / name;
    std::error_code ec;
    fs::remove_all(dir, ec);
    fs::create_directories(dir, ec);
    if (ec)
        throw std::runtime_error("cannot create " + dir.string() + ": " + ec.message());
    link_or_throw(metadata, dir / "metadata");
    return dir;
}

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
};

// A Babeltrace2 error about a trial copy, as if about the user's trace directory.
std::string about_user_trace(std::string why, const std::string &scratch, const std::string &dir)
{
    for (size_t at = why.find(scratch); at != std::string::npos; at = why.find(scratch, at + dir.size())) {
        const size_t end = why.find('/', at + scratch.size() + 1); // past "/trial-N"
        why.replace(at, end == std::string::npos ? why.size() - at : end - at, dir);
    }
    return why;
}

bool is_stream_file(const fs::directory_entry &e)
{
    std::error_code ec;
    const std::string name = e.path().filename().string();
    return e.is_regular_file(ec) && name != "metadata" && !name.empty() && name[0] != '.';
}

std::vector<fs::path> stream_files(const fs::path &dir)
{
    std::vector<fs::path> streams;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec))
        if (is_stream_file(*it))
            streams.push_back(it->path());
    std::sort(streams.begin(), streams.end());
    return streams;
}

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

namespace {

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

} // namespace

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

bool query_time_range(const bt_component_class_source *ctf_fs, const std::string &dir, int64_t &begin, int64_t &end)
{
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
        const bt_value *streams = bt_value_is_map(trace) ? bt_value_map_borrow_entry_value_const(trace, "stream-infos") : nullptr;
        if (!streams || !bt_value_is_array(streams))
            continue;
        for (uint64_t s = 0; s < bt_value_array_get_length(streams); ++s) {
            const bt_value *stream = bt_value_array_borrow_element_by_index_const(streams, s);
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
