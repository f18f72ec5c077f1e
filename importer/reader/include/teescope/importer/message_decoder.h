// SPDX-License-Identifier: MIT
// Turns Babeltrace2 messages into TraceSink calls: teescope events decoded into the generated
// event structs, other events as foreign, discarded events / packets as data loss. Shared by
// TraceReader's graph and the sink.teescope.sqlite component.
#pragma once

#include <babeltrace2/babeltrace.h>

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "teescope/importer/event.h"

namespace teescope::importer {

class MessageDecoder {
public:
    explicit MessageDecoder(TraceSink &sink);
    ~MessageDecoder();
    MessageDecoder(const MessageDecoder &) = delete;
    MessageDecoder &operator=(const MessageDecoder &) = delete;

    // Hands one message (borrowed) to the sink. What the sink throws propagates.
    void consume(const bt_message *message);

    // Time of the last event or discarded-items message, ns from the clock origin; -1 before any.
    int64_t last_ts() const { return last_ts_; }
    // Event messages seen, of every provider.
    uint64_t events() const { return events_; }

    // A stream whose name (its file) starts with `from` is named as if it started with `to`:
    // the reader reads a salvage copy in place of a damaged trace directory.
    void rename_streams(std::string from, std::string to) { renames_.emplace_back(std::move(from), std::move(to)); }

    // What the sink was handed of one stream: its event and discarded-items messages, up to
    // the `in_packet`-th message after the beginning of its `packets`-th packet.
    struct StreamTally {
        std::string stream; // its name (its file, renamed as above)
        uint64_t packets = 0;
        uint64_t in_packet = 0;
    };
    std::vector<StreamTally> tallies() const;
    // The packets of a stream file that a salvage rewrote: for each of its packets, the index of
    // that packet in the original file (the others were left out).
    struct StreamLayout {
        std::string stream;
        std::vector<uint64_t> packets;
    };
    // Reading the trace again from its start, in a new graph, after packets that could not be
    // decoded were left out of a copy: what each stream had handed over (`delivered`) is
    // skipped, and the discarded-packets messages for the gaps in `rewritten` streams are not
    // data loss of the trace (the salvage reports those packets itself).
    void resume(const std::vector<StreamTally> &delivered, const std::vector<StreamLayout> &rewritten);

private:
    struct Slot;
    struct EventClassInfo;

    EventClassInfo &resolve(const bt_event_class *event_class);
    // Checks a teescope event class against the contract: usable (kind teescope) or why not.
    void check_contract(const bt_event_class *event_class, EventClassInfo &info);
    void decode(EventClassInfo &info, const bt_event *event, const EventHeader &header);
    void consume_event(const bt_message *message);
    void consume_discarded(const bt_message *message, bool packets);

    struct StreamState {
        std::string name;
        uint64_t packets = 0;   // packets begun in this graph
        uint64_t in_packet = 0; // messages handed over since the last one began
        // When resuming: what was handed over before, and where this graph's packets were.
        const StreamTally *done = nullptr;
        const StreamLayout *layout = nullptr;
        bool skip_packet = false; // all of the current packet was handed over
        uint64_t skip = 0;        // the first messages of the current packet were
    };
    StreamState &stream_state(const bt_stream *stream);
    // Whether the next message of `st` was handed over before the resume.
    static bool skipped(StreamState &st)
    {
        if (st.skip_packet)
            return true;
        if (st.skip) {
            --st.skip;
            return true;
        }
        ++st.in_packet;
        return false;
    }
    void begin_packet(const bt_message *message);
    std::string name_of(const bt_stream *stream) const;

    TraceSink &sink_;
    // Field resolution is done once per event class; the last class is kept at hand because
    // consecutive events often share it.
    std::unordered_map<const bt_event_class *, std::unique_ptr<EventClassInfo>> classes_;
    const bt_event_class *last_class_ = nullptr;
    EventClassInfo *last_info_ = nullptr;
    int64_t last_ts_ = -1;
    uint64_t events_ = 0;
    const bt_trace *last_trace_ = nullptr; // of the last event, and the recording it holds (0: any)
    uint64_t trace_recording_ = 0;
    std::string why_;    // reusable text of a malformed event
    std::vector<std::pair<std::string, std::string>> renames_;
    // Per stream, by object: the pointers are those of the current graph's streams.
    std::unordered_map<const bt_stream *, StreamState> streams_;
    const bt_stream *last_stream_ = nullptr;
    StreamState *last_state_ = nullptr;
    std::vector<StreamTally> resume_from_; // of the previous graph, by file
    std::vector<StreamLayout> layouts_;
};

} // namespace teescope::importer
