// SPDX-License-Identifier: MIT
// A stand-in ImportSession for the plugin test: it writes what it was told, in counts, to the
// "database" path, and marks the file finished only in finish().
#include <fstream>
#include <memory>
#include <string>

#include "teescope/importer/event_table.h"
#include "teescope/importer/session.h"

namespace teescope::importer {
namespace {

class CountingSession : public contract::EventForwarder<ImportSession> {
public:
    explicit CountingSession(std::string path) : path_(std::move(path)) {}
    void on_event(const EventHeader &, const contract::EventDesc &, const void *) override { ++events_; }
    void on_discarded_events(int64_t, int64_t, uint64_t count, std::string_view) override { discarded_ += count; }
    void on_discarded_packets(int64_t, int64_t, uint64_t, std::string_view) override {}
    void on_unreadable_packets(int64_t, int64_t, uint64_t, std::string_view, std::string_view) override {}
    void on_foreign_event(std::string_view, int64_t) override { ++foreign_; }
    void on_malformed_event(std::string_view, std::string_view, int64_t) override { ++malformed_; }
    void on_other_recording(std::string_view, uint64_t, uint64_t, int64_t) override { ++malformed_; }
    void on_read_error(std::string_view, int64_t) override { ++read_errors_; }
    void on_end(int64_t last_ts) override { last_ts_ = last_ts; }
    uint64_t events() const override { return events_; }
    bool read_error() const override { return read_errors_ > 0; }
    void finish() override
    {
        std::ofstream out(path_);
        out << "events " << events_ << "\nforeign " << foreign_ << "\nmalformed " << malformed_ << "\ndiscarded "
            << discarded_ << "\nread_errors " << read_errors_ << "\nlast_ts " << last_ts_ << "\nfinished 1\n";
    }

private:
    std::string path_;
    uint64_t events_ = 0, foreign_ = 0, malformed_ = 0, discarded_ = 0, read_errors_ = 0;
    int64_t last_ts_ = -1;
};

} // namespace

std::unique_ptr<ImportSession> make_import_session(const std::string &db_path, const std::string &, bool)
{
    return std::make_unique<CountingSession>(db_path);
}

} // namespace teescope::importer
