// SPDX-License-Identifier: MIT
// What a MessageDecoder hands to its TraceSink, kept in memory: the calls of one decoding thread,
// with copies of every string and array they point to, in batches handed to the thread that
// replays them, in a merged order, into the real sink.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "teescope/importer/event.h"
#include "teescope/importer/event_table.h" // generated

namespace teescope::importer {

// What flt.utils.muxer (Babeltrace2 2.0) compares, after the time, to order two messages of
// different streams: the trace's UUID, then its name, then the stream class id and the stream
// id. A trace's name and UUID do not depend on the directory it is read from.
struct StreamKey {
    bool has_uuid = false;
    uint8_t uuid[16] = {};
    bool has_name = false;
    std::string name;
    uint64_t class_id = 0, id = 0;
    size_t trace = 0; // index of its CTF trace directory
};
// <0: `a` goes first, as the muxer orders them; 0: the muxer cannot tell them apart.
int compare(const StreamKey &a, const StreamKey &b);

enum class CallKind : uint8_t { event, foreign, malformed, other_recording, event_class, discarded_events, discarded_packets };

struct Call {
    int64_t at_ns;            // the muxer's time of the message that made the call
    const StreamKey *stream;  // of that message
    CallKind kind;
    ContractMatch match;      // event_class
    uint32_t desc;            // event: index in contract::events
    int64_t ts, a, b;         // event: ts, vpid, vtid; discarded: begin, end
    uint64_t x, y;            // other_recording: recording, trace's; discarded: count; event: offset of its struct
    uint32_t s1, n1, s2, n2;  // strings in `text`: name (procname, stream), why
    uint64_t class_key = 0;   // event_class: the event class id (its stream class is the stream's)
};

struct CallBatch {
    std::vector<Call> calls;
    std::vector<uint64_t> structs; // event structs, pointers replaced by offsets in `text`
    std::string text;
    void clear()
    {
        calls.clear();
        structs.clear();
        text.clear();
    }
};

// The TraceSink a decoding thread's MessageDecoder writes to. Before each message is decoded,
// at() says which message it is.
class CallRecorder final : public contract::EventForwarder<TraceSink> {
public:
    void at(int64_t at_ns, const StreamKey *stream, uint64_t class_key)
    {
        at_ns_ = at_ns;
        stream_ = stream;
        class_key_ = class_key;
    }
    // Where the calls go (not owned).
    void into(CallBatch *batch) { batch_ = batch; }
    CallBatch *batch() const { return batch_; }

    void on_event(const EventHeader &header, const contract::EventDesc &desc, const void *event) override;
    void on_discarded_events(int64_t begin_ts, int64_t end_ts, uint64_t count, std::string_view stream) override;
    void on_discarded_packets(int64_t begin_ts, int64_t end_ts, uint64_t count, std::string_view stream) override;
    void on_foreign_event(std::string_view name, int64_t ts) override;
    void on_event_class(std::string_view name, const ContractMatch &match) override;
    void on_malformed_event(std::string_view name, std::string_view why, int64_t ts) override;
    void on_other_recording(std::string_view name, uint64_t recording, uint64_t trace_recording, int64_t ts) override;
    // Never called by a MessageDecoder (the reader makes these calls itself).
    void on_unreadable_packets(int64_t, int64_t, uint64_t, std::string_view, std::string_view) override;
    void on_read_error(std::string_view, int64_t) override;
    void on_end(int64_t) override;

private:
    Call &add(CallKind kind);
    void text(std::string_view s, uint32_t &at, uint32_t &n);

    CallBatch *batch_ = nullptr;
    int64_t at_ns_ = 0;
    const StreamKey *stream_ = nullptr;
    uint64_t class_key_ = 0;
};

// Makes the recorded call again on `sink` (strings and arrays point into `batch`).
void replay(const CallBatch &batch, const Call &call, TraceSink &sink, std::vector<uint64_t> &scratch);

} // namespace teescope::importer
