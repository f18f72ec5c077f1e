// SPDX-License-Identifier: MIT
#include "teescope/cli/import.h"

#include "teescope/importer/trace_reader.h"
#include "teescope/importer/session.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <exception>

namespace teescope::cli {

namespace {

std::atomic<bool> interrupted{false};

void on_interrupt(int) { interrupted = true; }

std::string default_db(const std::string &trace)
{
    std::string base = trace;
    while (base.size() > 1 && base.back() == '/')
        base.pop_back();
    return base + ".db";
}

std::string human_count(double n)
{
    char buf[32];
    if (n >= 1e6)
        std::snprintf(buf, sizeof buf, "%.1fM", n / 1e6);
    else if (n >= 1e3)
        std::snprintf(buf, sizeof buf, "%.1fk", n / 1e3);
    else
        std::snprintf(buf, sizeof buf, "%.0f", n);
    return buf;
}

} // namespace

std::string progress_json(double fraction, uint64_t events, double events_per_s)
{
    char buf[128];
    std::snprintf(buf, sizeof buf, "{\"fraction\":%.4f,\"events\":%llu,\"rate\":%.0f}",
                  std::isfinite(fraction) ? std::clamp(fraction, 0.0, 1.0) : 0.0,
                  static_cast<unsigned long long>(events), std::isfinite(events_per_s) ? events_per_s : 0.0);
    return buf;
}

std::string progress_bar(double fraction, uint64_t events, double events_per_s, int width)
{
    fraction = std::isfinite(fraction) ? std::clamp(fraction, 0.0, 1.0) : 0.0;
    int filled = static_cast<int>(std::lround(fraction * width));
    std::string bar = "[" + std::string(static_cast<size_t>(filled), '#') +
                      std::string(static_cast<size_t>(width - filled), '-') + "]";
    char tail[96];
    std::snprintf(tail, sizeof tail, " %3.0f%%  %s events  %s/s", fraction * 100,
                  human_count(static_cast<double>(events)).c_str(), human_count(events_per_s).c_str());
    return bar + tail;
}

int import_trace(const ImportOptions &o, std::ostream &out, std::ostream &err)
{
    const std::string db = o.db.empty() ? default_db(o.trace) : o.db;
    ProgressStyle style = o.progress;
    if (style == ProgressStyle::Auto)
        style = ::isatty(STDERR_FILENO) ? ProgressStyle::Bar : ProgressStyle::None;

    struct sigaction sa {}, old_int {}, old_term {};
    sa.sa_handler = on_interrupt;
    ::sigaction(SIGINT, &sa, &old_int);
    ::sigaction(SIGTERM, &sa, &old_term);
    struct RestoreSignals {
        struct sigaction i, t;
        ~RestoreSignals()
        {
            ::sigaction(SIGINT, &i, nullptr);
            ::sigaction(SIGTERM, &t, nullptr);
        }
    } restore{old_int, old_term};
    interrupted = false;

    bool read_error = false;
    uint64_t events = 0;
    try {
        importer::TraceReader reader(o.trace);
        auto session = importer::make_import_session(db, o.trace);
        reader.run(*session, [&](const importer::Progress &p) {
            events = p.events;
            if (style == ProgressStyle::Json)
                out << progress_json(p.fraction, p.events, p.events_per_s) << std::endl;
            else if (style == ProgressStyle::Bar)
                err << "\r" << progress_bar(p.fraction, p.events, p.events_per_s, 30) << std::flush;
            return !interrupted.load();
        });
        read_error = session->read_error();
        events = session->events();
        session->finish();
    } catch (const importer::Cancelled &) {
        if (style == ProgressStyle::Bar)
            err << "\n";
        err << "teescope import: cancelled; " << db << " was not written\n";
        return 130;
    } catch (const std::exception &e) {
        if (style == ProgressStyle::Bar)
            err << "\n";
        err << "teescope import: " << o.trace << ": " << e.what() << "\n";
        return 1;
    }
    if (style == ProgressStyle::Json)
        out << progress_json(1.0, events, 0) << std::endl;
    else if (style == ProgressStyle::Bar)
        err << "\r" << progress_bar(1.0, events, 0, 30) << "\n";
    out << "teescope import: " << events << " events from " << o.trace << " into " << db << "\n";
    if (read_error) {
        err << "teescope import: " << o.trace << " could not be read to its end; " << db
            << " holds what came before (see `teescope report stats " << db << "`)\n";
        return 3;
    }
    return 0;
}

} // namespace teescope::cli
