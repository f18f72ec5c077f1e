// SPDX-License-Identifier: MIT
#include "trace_files.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <system_error>

namespace teescope::importer::files {

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

} // namespace

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

// The packets an index lists, from the start of the stream, as long as they follow each other.
// `whole`, if given, tells whether every entry does (and the file holds nothing else).
std::vector<PacketEntry> read_index(const fs::path &idx, bool *whole)
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

void copy_ranges(const fs::path &from, const fs::path &to, const std::vector<std::pair<uint64_t, uint64_t>> &ranges)
{
    std::ifstream in(from, std::ios::binary);
    std::ofstream out(to, std::ios::binary | std::ios::trunc);
    char buf[65536];
    for (const auto &[first, second] : ranges) {
        in.clear();
        in.seekg(static_cast<std::streamoff>(first));
        uint64_t left = second > first ? second - first : 0;
        while (left > 0 && in) {
            in.read(buf, static_cast<std::streamsize>(std::min<uint64_t>(sizeof buf, left)));
            out.write(buf, in.gcount());
            left -= static_cast<uint64_t>(in.gcount());
        }
        if (left > 0)
            throw std::runtime_error("cannot read " + from.string());
    }
    out.close();
    if (!out)
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

// A Babeltrace2 error about a trial copy, as if about the user's trace directory.
std::string about_user_trace(std::string why, const std::string &scratch, const std::string &dir)
{
    for (size_t at = why.find(scratch); at != std::string::npos; at = why.find(scratch, at + dir.size())) {
        const size_t end = why.find('/', at + scratch.size() + 1); // past "/trial-N"
        why.replace(at, end == std::string::npos ? why.size() - at : end - at, dir);
    }
    return why;
}

static bool is_stream_file(const fs::directory_entry &e)
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

} // namespace teescope::importer::files
