// SPDX-License-Identifier: MIT
#include "teescope/importer/session.h"

#include "teescope/importer/event_table.h"
#include "teescope/importer/trackers.h"
#include "teescope/store/ta_names.h"
#include "teescope/store/writer.h"

#include <filesystem>

namespace teescope::importer {

namespace {

// Hands every event to the trackers (one indirect call through the contract's dispatch table)
// and keeps what the metadata needs.
class Session final : public contract::EventForwarder<ImportSession> {
public:
    Session(const std::string &db_path, std::string trace_path)
        : writer_(db_path), trackers_(writer_), trace_path_(std::move(trace_path))
    {
    }

    void on_event(const EventHeader &header, const contract::EventDesc &desc, const void *event) override
    {
        if (events_++ == 0)
            first_ts_ = header.ts;
        desc.dispatch(trackers_, header, event);
    }

    void on_discarded_events(int64_t begin_ts, int64_t end_ts, uint64_t count, std::string_view stream) override
    {
        trackers_.on_discarded_events(begin_ts, end_ts, count, stream);
    }
    void on_discarded_packets(int64_t begin_ts, int64_t end_ts, uint64_t count, std::string_view stream) override
    {
        trackers_.on_discarded_packets(begin_ts, end_ts, count, stream);
    }
    void on_unreadable_packets(int64_t begin_ts, int64_t end_ts, uint64_t count, std::string_view stream,
                               std::string_view why) override
    {
        trackers_.on_unreadable_packets(begin_ts, end_ts, count, stream, why);
    }
    void on_foreign_event(std::string_view name, int64_t ts) override { trackers_.on_foreign_event(name, ts); }
    void on_malformed_event(std::string_view name, std::string_view why, int64_t ts) override
    {
        trackers_.on_malformed_event(name, why, ts);
    }
    void on_other_recording(std::string_view name, uint64_t recording, uint64_t trace_recording, int64_t ts) override
    {
        trackers_.on_other_recording(name, recording, trace_recording, ts);
    }
    void on_read_error(std::string_view what, int64_t last_ts) override
    {
        read_error_ = true;
        trackers_.on_read_error(what, last_ts);
    }
    void on_end(int64_t last_ts) override
    {
        last_ts_ = last_ts;
        trackers_.on_end(last_ts);
    }

    void finish() override
    {
        read_user_ta_names();
        writer_.set_metadata("importer_version", TEESCOPE_VERSION);
        writer_.set_metadata("contract_version", std::to_string(contract::version));
        writer_.set_metadata("trace_path", trace_path_);
        writer_.set_metadata("events", std::to_string(events_));
        writer_.set_metadata("first_ts", std::to_string(first_ts_));
        writer_.set_metadata("last_ts", std::to_string(last_ts_));
        writer_.set_metadata("read_error", read_error_ ? "1" : "0");
        writer_.finish();
    }
    uint64_t events() const override { return events_; }
    bool read_error() const override { return read_error_; }

private:
    // The user's TA names, read at import time so the database names its TAs by itself.
    void read_user_ta_names()
    {
        const std::string path = store::default_ta_names_path();
        std::error_code ec;
        if (path.empty() || !std::filesystem::is_regular_file(path, ec))
            return;
        std::vector<std::string> problems;
        writer_.set_user_ta_names(store::read_ta_names_file(path, problems));
        writer_.set_metadata("ta_names_file", path);
        for (const std::string &p : problems)
            writer_.count("bad_ta_names_line", "info", 1, p);
    }

    store::Writer writer_;
    Trackers trackers_;
    std::string trace_path_;
    uint64_t events_ = 0;
    int64_t first_ts_ = 0, last_ts_ = 0;
    bool read_error_ = false;
};

} // namespace

std::unique_ptr<ImportSession> make_import_session(const std::string &db_path, const std::string &trace_path)
{
    return std::make_unique<Session>(db_path, trace_path);
}

} // namespace teescope::importer
