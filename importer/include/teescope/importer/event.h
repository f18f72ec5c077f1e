// SPDX-License-Identifier: MIT
// What the reader hands to the trackers. Every teescope event arrives decoded into the very
// struct the tracer emitted (teescope_events.h, generated from schemas/events.json), through the
// generated visitor EventSink (teescope/importer/event_sink.h: one virtual
// on_drv_<event>(const EventHeader &, const teescope_drv_<event> &) per driver-side event and
// on_user_<event>(...) per user-side event, each doing nothing by default). Pointers inside an
// event (strings, sequences, uuid) are valid only during the call.
#pragma once

#include <cstdint>
#include <string_view>

namespace teescope::importer {

struct EventHeader {
    int64_t ts;                // trace clock, ns from its origin
    int64_t vpid;              // emitting process (context field), -1 if absent
    int64_t vtid;              // emitting thread (context field), -1 if absent
    std::string_view procname; // emitting process name (context field), empty if absent
};

// How one teescope event class of a trace compares with the contract the importer was built with:
// what tells a trace of an older or newer contract apart.
struct ContractMatch {
    bool known_event;   // the contract has an event of this name
    bool fields_match;  // every field the contract asks for is there, of a usable type
    bool extra_fields;  // the trace's event has fields the contract does not know
    bool has_recording; // it carries the `recording` field (contract version 2 on)
};

} // namespace teescope::importer

#include "teescope/importer/event_sink.h" // generated

namespace teescope::importer {

// The reader's whole output: the events, and what it learned about the trace besides them.
class TraceSink : public EventSink {
public:
    // The tracer lost `count` events (or packets) of one stream between two times.
    virtual void on_discarded_events(int64_t begin_ts, int64_t end_ts, uint64_t count, std::string_view stream) = 0;
    virtual void on_discarded_packets(int64_t begin_ts, int64_t end_ts, uint64_t count, std::string_view stream) = 0;
    // `count` packets of a damaged stream file could not be read (a trace cut by a crash or a full
    // disk): what the stream held after begin_ts, up to end_ts, is missing. `why`: in words.
    virtual void on_unreadable_packets(int64_t begin_ts, int64_t end_ts, uint64_t count, std::string_view stream,
                                       std::string_view why) = 0;
    // An event of another provider (skipped).
    virtual void on_foreign_event(std::string_view name, int64_t ts) = 0;
    // Once per teescope event class of the trace, before its first event.
    virtual void on_event_class(std::string_view /*name*/, const ContractMatch & /*match*/) {}
    // A teescope event whose fields do not match the contract (skipped).
    virtual void on_malformed_event(std::string_view name, std::string_view why, int64_t ts) = 0;
    // A teescope event of another recording than the trace's (`recording`: its token, 0 if it has
    // none) in a trace that names its recording (skipped): its process was not started by this one.
    virtual void on_other_recording(std::string_view name, uint64_t recording, uint64_t trace_recording,
                                    int64_t ts) = 0;
    // The trace could not be read further (a corrupt or truncated packet); what came before stands.
    virtual void on_read_error(std::string_view what, int64_t last_ts) = 0;
    // No more messages. last_ts: the time of the last event (or message) seen.
    virtual void on_end(int64_t last_ts) = 0;
};

} // namespace teescope::importer
