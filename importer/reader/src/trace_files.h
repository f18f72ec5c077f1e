// SPDX-License-Identifier: MIT
// The files of a CTF trace as LTTng writes them, read without Babeltrace2: the clock of the
// metadata, the per-stream index files, where packets start, and scratch copies of stream files.
// Shared by the two salvages (a trace src.ctf.fs refuses, a packet it cannot decode).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace teescope::importer::files {

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

// The clock of the trace whose metadata file is `metadata` (`known` false if it has none).
Clock trace_clock(const std::filesystem::path &metadata);

// One entry of LTTng's per-stream index (index/<stream>.idx, CTF index format, big-endian).
struct PacketEntry {
    uint64_t offset = 0, bytes = 0; // where the packet starts and its size in the stream file
    uint64_t ts_begin = 0, ts_end = 0;
};

// The packets an index lists, from the start of the stream, as long as they follow each other.
// `whole`, if given, tells whether every entry does (and the file holds nothing else).
std::vector<PacketEntry> read_index(const std::filesystem::path &idx, bool *whole = nullptr);
// Whether the index lists exactly the packets of a stream file of `stream_size` bytes.
bool index_fits(const std::filesystem::path &idx, uint64_t stream_size);
std::filesystem::path index_of(const std::filesystem::path &stream);

// Where packets may start when there is no usable index: the page-aligned offsets that hold the
// CTF packet magic, either byte order.
std::vector<uint64_t> magic_offsets(const std::filesystem::path &stream, uint64_t size);

// Throw std::runtime_error naming the file when they fail.
void link_or_throw(const std::filesystem::path &target, const std::filesystem::path &link);
void copy_prefix(const std::filesystem::path &from, const std::filesystem::path &to, uint64_t bytes);
// Writes `to` with the byte ranges [first, second) of `from`, one after the other.
void copy_ranges(const std::filesystem::path &from, const std::filesystem::path &to,
                 const std::vector<std::pair<uint64_t, uint64_t>> &ranges);
// A fresh directory `scratch`/`name` with a link to the trace's metadata in it.
std::filesystem::path trial_dir(const std::filesystem::path &scratch, const std::string &name,
                                const std::filesystem::path &metadata);

// A Babeltrace2 error about a trial copy below `scratch`, as if about the user's trace `dir`.
std::string about_user_trace(std::string why, const std::string &scratch, const std::string &dir);

// The stream files of the trace in `dir` (every regular file but the metadata), sorted.
std::vector<std::filesystem::path> stream_files(const std::filesystem::path &dir);

} // namespace teescope::importer::files
