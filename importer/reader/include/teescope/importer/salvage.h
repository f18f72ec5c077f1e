// SPDX-License-Identifier: MIT
// Salvage of a CTF trace that src.ctf.fs refuses because of a damaged stream file (a trace cut
// by a crash, a full disk or a board that lost power). Babeltrace2 2.0 indexes every stream file
// before it reads anything and gives up on the whole trace when one of them ends inside a packet.
// The salvage finds the damaged stream files, keeps each one up to its last packet that
// src.ctf.fs accepts (or leaves it out) in a copy of the trace in a scratch directory, and says
// what was lost. The user's trace is never modified.
#pragma once

#include <babeltrace2/babeltrace.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace teescope::importer {

// What could not be read of one stream file.
struct StreamLoss {
    std::string stream;       // the stream file in the user's trace (full path)
    uint64_t packets = 0;     // packets that could not be read (at least 1)
    uint64_t kept_packets = 0;
    uint64_t kept_bytes = 0, file_bytes = 0;
    int64_t begin_ns = -1;    // the loss is after this time (-1: unknown, from the trace's start)
    int64_t end_ns = -1;      // and before this time (-1: unknown, up to the trace's end)
    std::string why;          // what is wrong with the file, in words
    bool left_out = false;    // packets inside the stream were left out, what follows them was read
};

// A stream file that a salvage rewrote without some of its packets.
struct RewrittenStream {
    std::string stream;            // the stream file in the user's trace (full path)
    std::vector<uint64_t> packets; // for each packet of the copy, its index in that file
};

struct SalvagedTrace {
    std::string dir;               // the salvage copy to read instead; empty: nothing to salvage
    std::vector<StreamLoss> losses;
    std::vector<RewrittenStream> rewritten; // by leave_out_undecodable_packets()
};

// A scratch directory, removed with what it holds when it goes.
class ScratchDir {
public:
    ScratchDir() = default;
    ScratchDir(const ScratchDir &) = delete;
    ScratchDir &operator=(const ScratchDir &) = delete;
    ~ScratchDir();
    // Creates the directory on first use (under $TMPDIR, named with the pid, after removing the
    // directories of importers that are gone); throws std::runtime_error if it cannot.
    const std::string &path();

private:
    std::string path_;
};

// Called when src.ctf.fs refuses `trace_dir` (a directory with a `metadata` file), or when one of
// its index files does not fit. Checks each stream file on its own and builds, below `scratch`, a
// copy of the trace (symbolic links to the intact files and the index files that fit, truncated
// copies of the damaged stream files) that src.ctf.fs accepts. `dir` is empty when nothing can be
// salvaged (the metadata is the problem, or no stream file has a readable packet). `trial` runs
// before each trial read (progress for a watchdog: a salvage of a big trace takes many).
SalvagedTrace salvage_trace(const bt_component_class_source *ctf_fs, const std::string &trace_dir,
                            const std::string &scratch, const std::function<void()> &trial = {});

// Called when a trace that src.ctf.fs accepted (`read_dir`: the user's trace or a salvage copy of
// it) could not be read to its end: a packet whose content cannot be decoded (bytes damaged
// inside it: a flipped bit, a sector of garbage) stops every stream of the trace. Decodes each
// stream file on its own, finds the packets that cannot be decoded (the number of packets the
// decoder began says which) or that hold events outside their own time range (a damaged
// timestamp, which stops the muxer when it goes back in time), and builds, below `scratch`, a copy of the trace without them. A
// loss per packet left out names the stream file in `user_dir`. `dir` is empty when every stream
// file decodes on its own (the trace fails for another reason) or no copy could be made.
SalvagedTrace leave_out_undecodable_packets(const bt_component_class_source *ctf_fs, const std::string &read_dir,
                                            const std::string &user_dir, const std::string &scratch,
                                            const std::function<void()> &trial = {});

// Whether every LTTng index file (index/<stream>.idx) of the trace in `dir` lists exactly the
// packets of its stream file. Babeltrace2 2.0 trusts the packet offsets of an index (it aborts
// the process on one past the end of the file, and skips packets it does not list): a trace with
// an index that does not fit is read through
// salvage_trace(), whose copy leaves such an index out (src.ctf.fs then indexes the stream file
// itself; nothing is lost).
bool index_files_fit(const std::string &trace_dir);

// Whether src.ctf.fs accepts the trace in `dir`: empty if a source component reading it can be
// created (src.ctf.fs indexes every stream file then), else why not. The thread's Babeltrace2
// error is cleared either way. (The `babeltrace.trace-infos` query of Babeltrace2 2.0 aborts the
// process on some damaged stream files: only a component reports them as errors.)
std::string check_ctf_trace(const bt_component_class_source *ctf_fs, const std::string &dir);

// The `babeltrace.trace-infos` query of src.ctf.fs on a trace directory that check_ctf_trace()
// accepts: widens `begin`/`end` with its stream ranges (ns from the origin). Returns false, and
// leaves them, if the query fails; the thread's Babeltrace2 error is cleared either way.
// `streams`, if given, is set to the number of streams it lists.
bool query_time_range(const bt_component_class_source *ctf_fs, const std::string &dir, int64_t &begin, int64_t &end,
                      uint64_t *streams = nullptr);

} // namespace teescope::importer
