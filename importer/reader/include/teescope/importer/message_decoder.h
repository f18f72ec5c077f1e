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

private:
    struct Slot;
    struct EventClassInfo;

    EventClassInfo &resolve(const bt_event_class *event_class);
    void decode(EventClassInfo &info, const bt_event *event, const EventHeader &header);
    void consume_event(const bt_message *message);
    void consume_discarded(const bt_message *message, bool packets);

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
    std::string stream_; // reusable name of an unnamed stream
    std::vector<std::pair<std::string, std::string>> renames_;
};

} // namespace teescope::importer
