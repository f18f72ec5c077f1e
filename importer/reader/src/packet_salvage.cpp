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
#include "stream_decode.h"
#include "trace_files.h"

namespace teescope::importer {

namespace fs = std::filesystem;
using namespace files;

namespace {

// A damaged stream loses at most this many packets one by one; past that, the rest of it.
constexpr unsigned kMaxLeftOut = 16;

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
        Decoded d = decode_stream(ctf_fs, tdir.string());
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
