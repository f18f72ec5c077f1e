// SPDX-License-Identifier: MIT
#include "core.h"

namespace teescope::importer {

void TrackerCore::stat(const char *name, const char *severity, uint64_t n, Ts ts, const std::string &what) {
    example_.assign(what);
    example_ += " at ts=";
    example_ += std::to_string(ts);
    rows_.count(name, severity, n, example_);
}

void TrackerCore::count_inferred(const char *table, uint64_t n, Ts last_ts) {
    if (data_lost_ && n)
        stat((std::string("end_inferred_") + table).c_str(), "data_loss", n, last_ts,
             std::to_string(n) + " " + table + " still open when the trace ended after data loss");
}

// ---------------------------------------------------------------------------------------------
// Trace-level messages

void TrackerCore::on_discarded(const char *what, int64_t begin_ts, int64_t end_ts, uint64_t count,
                               std::string_view stream) {
    data_lost_ = true;
    DataLossRow r{};
    r.id = new_id(Table::data_loss);
    r.what = what;
    r.count = static_cast<int64_t>(count);
    // A stream without clock snapshots gives 0: the time of the loss is unknown.
    if (begin_ts > 0)
        r.begin_ts = begin_ts;
    if (end_ts > 0)
        r.end_ts = end_ts;
    r.stream = std::string(stream);
    rows_.add(r);
    stat((std::string("discarded_") + what).c_str(), "data_loss", count, end_ts,
         std::to_string(count) + " " + what + " lost in stream " + std::string(stream) + " between ts=" +
             std::to_string(begin_ts) + " and");
}

void TrackerCore::on_unreadable(int64_t begin_ts, int64_t end_ts, uint64_t count, std::string_view stream,
                               std::string_view why) {
    data_lost_ = true;
    DataLossRow r{};
    r.id = new_id(Table::data_loss);
    r.what = "unreadable_packets";
    r.count = static_cast<int64_t>(count);
    if (begin_ts > 0)
        r.begin_ts = begin_ts;
    if (end_ts > 0)
        r.end_ts = end_ts;
    r.stream = std::string(stream);
    rows_.add(r);
    stat("unreadable_packets", "data_loss", count, begin_ts,
         std::to_string(count) + " packets of stream " + std::string(stream) + " could not be read (" +
             std::string(why) + "); the loss starts");
}

void TrackerCore::on_foreign_event(std::string_view name, int64_t ts) {
    stat("foreign_events", "info", 1, ts, "event " + std::string(name) + " of another provider");
}

void TrackerCore::on_malformed_event(std::string_view name, std::string_view why, int64_t ts) {
    stat("malformed_event", "error", 1, ts, "event " + std::string(name) + ": " + std::string(why));
}

void TrackerCore::on_other_recording(std::string_view name, uint64_t recording, uint64_t trace_recording,
                                     int64_t ts) {
    // Not data of this trace: no process, context or lifetime is made from it.
    stat("other_recording_events", "info", 1, ts,
         "event " + std::string(name) + " of " + (recording ? "recording " + hex(recording) : "no recording") +
             " in the trace of recording " + hex(trace_recording));
}

void TrackerCore::on_read_error(std::string_view what, int64_t last_ts) {
    data_lost_ = true; // whatever came after the error is missing
    stat("read_error", "error", 1, last_ts, std::string(what));
}

// ---------------------------------------------------------------------------------------------
// Text

std::string hex(uint64_t v) {
    static const char digits[] = "0123456789abcdef";
    std::string s = "0x";
    bool started = false;
    for (int shift = 60; shift >= 0; shift -= 4) {
        unsigned d = (v >> shift) & 0xF;
        if (d || started || shift == 0) {
            s += digits[d];
            started = true;
        }
    }
    return s;
}

std::string uuid_text(const uint8_t *u) {
    if (!u)
        return {};
    static const char digits[] = "0123456789abcdef";
    std::string s;
    s.reserve(36);
    for (int i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            s += '-';
        s += digits[u[i] >> 4];
        s += digits[u[i] & 0xF];
    }
    return s;
}

} // namespace teescope::importer
