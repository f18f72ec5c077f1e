// SPDX-License-Identifier: MIT
#include "teescope/importer/session.h"

#include "teescope/importer/event_table.h"
#include "teescope/importer/trackers.h"
#include "teescope/store/names_file.h"
#include "teescope/store/writer.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <set>

namespace teescope::importer {

namespace {

// The contract version that brought the `recording` field: a trace without it is older.
constexpr int kRecordingSince = 2;

// A provider name from the trace as printable ASCII (LTTng's are C identifiers; a damaged
// trace's may hold any byte): anything else becomes \xNN, so the metadata stays valid text.
std::string printable_name(std::string_view name)
{
    std::string out;
    for (const char c : name) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte >= 0x20 && byte < 0x7f) {
            out += c;
        } else {
            static constexpr char hex[] = "0123456789abcdef";
            out += "\\x";
            out += hex[byte >> 4];
            out += hex[byte & 15];
        }
    }
    return out;
}

// What the teescope event classes of a trace say about the contract it was recorded with.
class ContractFinding {
public:
    void add(std::string_view name, const ContractMatch &m)
    {
        if (!seen_.emplace(name).second)
            return; // a class seen again after a resumed read
        newer_ = newer_ || !m.known_event || m.extra_fields;
        older_ = older_ || (m.known_event && !m.fields_match);
        (m.has_recording ? with_recording_ : without_recording_) = true;
    }

    std::string version() const
    {
        const std::string ours = std::to_string(contract::version);
        if (seen_.empty())
            return {};
        if (newer_ && older_)
            return "other than " + ours + " (events or fields both added and missing)";
        if (newer_)
            return "newer than " + ours;
        if (older_)
            return "older than " + ours;
        if (without_recording_ && !with_recording_)
            return std::to_string(kRecordingSince - 1);
        return ours;
    }

    bool differs() const { return newer_ || older_; }

private:
    std::set<std::string, std::less<>> seen_;
    bool newer_ = false, older_ = false, with_recording_ = false, without_recording_ = false;
};

// Hands every event to the trackers (one indirect call through the contract's dispatch table)
// and keeps what the metadata needs.
class Session final : public contract::EventForwarder<ImportSession> {
public:
    Session(const std::string &db_path, std::string trace_path, bool live)
        : writer_(db_path, writer_options(live)), trackers_(writer_), trace_path_(std::move(trace_path)), live_(live)
    {
        // A live database names its ops and TAs while it grows (each time it computes latency).
        if (live_)
            read_user_names();
    }

    void on_event(const EventHeader &header, const contract::EventDesc &desc, const void *event) override
    {
        if (events_++ == 0) {
            first_ts_ = header.ts;
            writer_.set_time_origin(first_ts_);
        }
        newest_ts_ = header.ts;
        desc.dispatch(trackers_, header, event);
    }

    void on_discarded_events(int64_t begin_ts, int64_t end_ts, uint64_t count, std::string_view stream) override
    {
        lost_events_ += count;
        trackers_.on_discarded_events(begin_ts, end_ts, count, stream);
    }
    void on_discarded_packets(int64_t begin_ts, int64_t end_ts, uint64_t count, std::string_view stream) override
    {
        lost_packets_ += count;
        trackers_.on_discarded_packets(begin_ts, end_ts, count, stream);
    }

    void commit_live(bool caught_up) override
    {
        trackers_.write_live();
        const auto now = std::chrono::system_clock::now();
        const int64_t wall_ms =
            std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
        std::map<std::string, std::string> m{
            {"live", "1"},
            {"trace_path", trace_path_},
            {"importer_version", TEESCOPE_VERSION},
            {"live_ts", std::to_string(newest_ts_)},
            {"live_events", std::to_string(events_)},
            {"live_wall_ms", std::to_string(wall_ms)},
            {"first_ts", std::to_string(first_ts_)},
            {"events_lost", std::to_string(lost_events_)},
            {"packets_lost", std::to_string(lost_packets_)},
            {"live_caught_up", caught_up ? "1" : "0"},
        };
        // The latency table is a scan of every invocation: computed again every 2 s, or less
        // often when it takes long (at most a tenth of the writer's time).
        const auto spacing = std::max<std::chrono::nanoseconds>(std::chrono::seconds(2),
                                                                std::chrono::nanoseconds(10 * writer_.live_latency_ns()));
        const bool latency = now - last_latency_ >= spacing;
        if (latency)
            last_latency_ = now;
        writer_.commit_live(m, latency);
    }
    void on_unreadable_packets(int64_t begin_ts, int64_t end_ts, uint64_t count, std::string_view stream,
                               std::string_view why) override
    {
        trackers_.on_unreadable_packets(begin_ts, end_ts, count, stream, why);
    }
    void on_foreign_event(std::string_view name, int64_t ts) override
    {
        const std::string_view raw = name.substr(0, name.find(':'));
        auto provider = foreign_.find(raw);
        if (provider == foreign_.end())
            provider = foreign_.emplace(std::string(raw), 0).first;
        ++provider->second;
        ++foreign_events_;
        trackers_.on_foreign_event(name, ts);
    }
    void on_event_class(std::string_view name, const ContractMatch &match) override { contract_.add(name, match); }
    void on_malformed_event(std::string_view name, std::string_view why, int64_t ts) override
    {
        ++unusable_events_;
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
        if (!live_)
            read_user_names(); // a live import read them when it began
        writer_.set_metadata("importer_version", TEESCOPE_VERSION);
        writer_.set_metadata("contract_version", std::to_string(contract::version));
        writer_.set_metadata("trace_path", trace_path_);
        writer_.set_metadata("events", std::to_string(events_));
        writer_.set_metadata("first_ts", std::to_string(first_ts_));
        writer_.set_metadata("last_ts", std::to_string(last_ts_));
        writer_.set_metadata("read_error", read_error_ ? "1" : "0");
        const ImportFindings f = findings();
        writer_.set_metadata("teescope_events", std::to_string(events_));
        writer_.set_metadata("foreign_events", std::to_string(f.foreign_events));
        writer_.set_metadata("foreign_providers", providers_text(f));
        writer_.set_metadata("unusable_events", std::to_string(f.unusable_events));
        writer_.set_metadata("trace_contract_version", f.contract_found);
        if (events_ == 0)
            writer_.count("no_teescope_events", "error", 1,
                          f.foreign_events == 0 ? std::string("the trace holds no events")
                                                : std::to_string(f.foreign_events) + " events of other providers ("
                                                      + providers_text(f) + ")");
        writer_.finish();
    }
    uint64_t events() const override { return events_; }
    bool read_error() const override { return read_error_; }
    ImportFindings findings() const override
    {
        ImportFindings f;
        f.foreign_events = foreign_events_;
        for (const auto &[provider, n] : foreign_)
            f.foreign_providers.emplace_back(printable_name(provider), n);
        std::stable_sort(f.foreign_providers.begin(), f.foreign_providers.end(),
                         [](const auto &a, const auto &b) { return a.second > b.second; });
        f.unusable_events = unusable_events_;
        f.contract_found = contract_.version();
        f.contract_expected = std::to_string(contract::version);
        f.contract_differs = contract_.differs();
        return f;
    }

private:
    static store::Writer::Options writer_options(bool live)
    {
        store::Writer::Options o;
        o.live = live;
        return o;
    }

    static std::string providers_text(const ImportFindings &f)
    {
        std::string text;
        for (const auto &[provider, n] : f.foreign_providers)
            text += (text.empty() ? "" : ", ") + provider + " " + std::to_string(n);
        return text;
    }

    // The user's names (TAs, their commands, QTEE ops), read at import time so the database
    // names them by itself.
    void read_user_names()
    {
        const std::string path = store::default_names_path();
        std::error_code ec;
        if (path.empty() || !std::filesystem::is_regular_file(path, ec))
            return;
        std::vector<std::string> problems;
        writer_.set_user_names(store::read_names_file(path, problems));
        writer_.set_metadata("names_file", path);
        for (const std::string &p : problems)
            writer_.count("bad_names_line", "info", 1, p);
    }

    store::Writer writer_;
    Trackers trackers_;
    std::string trace_path_;
    uint64_t events_ = 0;
    int64_t first_ts_ = 0, last_ts_ = 0;
    int64_t newest_ts_ = 0; // of the last event received (live imports: how far they got)
    bool live_ = false;
    uint64_t lost_events_ = 0, lost_packets_ = 0;
    std::chrono::system_clock::time_point last_latency_{};
    bool read_error_ = false;
    std::map<std::string, uint64_t, std::less<>> foreign_;
    uint64_t foreign_events_ = 0, unusable_events_ = 0;
    ContractFinding contract_;
};

} // namespace

std::unique_ptr<ImportSession> make_import_session(const std::string &db_path, const std::string &trace_path,
                                                   bool live)
{
    return std::make_unique<Session>(db_path, trace_path, live);
}

} // namespace teescope::importer
