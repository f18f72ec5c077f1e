// SPDX-License-Identifier: MIT
#include "teescope/cli/import.h"

#include "import_heartbeat.h"
#include "import_supervisor.h"
#include "output_lock.h"

#include "teescope/importer/live_reader.h"
#include "teescope/importer/trace_reader.h"
#include "teescope/importer/session.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>

namespace teescope::cli {

namespace {

std::atomic<bool> interrupted{false};

constexpr rlim_t kAddressSpaceLimit = rlim_t{16} << 30;

void on_interrupt(int) { interrupted = true; }

// A live session's database: SESSION.db in the current directory.
std::string default_live_db(const std::string &url)
{
    return url.substr(url.rfind('/') + 1) + ".db";
}

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

namespace {

int import_here(const ImportOptions &o, const std::string &db, ImportHeartbeat &heartbeat, std::ostream &out,
                std::ostream &err)
{
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
    importer::ImportFindings findings;
    const bool live = !o.live_url.empty();
    const std::string &source = live ? o.live_url : o.trace;
    try {
        std::unique_ptr<importer::ImportSession> session;
        auto show = [&](const importer::Progress &p) {
            events = p.events;
            if (style == ProgressStyle::Json)
                out << progress_json(p.fraction, p.events, p.events_per_s) << std::endl;
            else if (style == ProgressStyle::Bar && live)
                err << "\rlive: " << p.events << " events, " << static_cast<uint64_t>(p.events_per_s) << "/s   "
                    << std::flush;
            else if (style == ProgressStyle::Bar)
                err << "\r" << progress_bar(p.fraction, p.events, p.events_per_s, 30) << std::flush;
        };
        if (live) {
            // Commits every 50 ms while events come: what a reader sees is at most that (plus the
            // live timer) old. With nothing new, a commit a second says the import is alive
            // (readers call a file whose commits stop for 3 s stalled).
            using clock = std::chrono::steady_clock;
            auto next_commit = clock::now();
            auto last_commit = clock::now();
            uint64_t ticks = 0, committed_messages = UINT64_MAX;
            importer::LiveReader reader(o.live_url);
            heartbeat.enter(ImportPhase::Reading, o.live_url);
            session = importer::make_import_session(db, o.live_url, true);
            session->commit_live(); // readers find the file at once
            reader.run(*session, [&](const importer::Progress &p) {
                heartbeat.advance(++ticks); // waiting for events is progress too
                const auto now = clock::now();
                if (now >= next_commit
                    && (p.messages != committed_messages || now - last_commit >= std::chrono::seconds(1))) {
                    next_commit = now + std::chrono::milliseconds(50);
                    last_commit = now;
                    committed_messages = p.messages;
                    session->commit_live(p.caught_up);
                    show(p);
                }
                return !interrupted.load(); // a stop finishes the import with what was read
            });
        } else {
            importer::TraceReader reader(o.trace);
            reader.decode_threads(static_cast<unsigned>(o.decode_threads < 0 ? kDefaultDecodeThreads : o.decode_threads));
            reader.on_phase([&](importer::ReadPhase phase, const std::string &where) {
                heartbeat.enter(phase == importer::ReadPhase::Indexing ? ImportPhase::Indexing : ImportPhase::Reading,
                                where);
            });
            uint64_t ticks = 0; // the heartbeat goes on across a second read
            for (;;) {
                session = importer::make_import_session(db, o.trace);
                try {
                    reader.run(*session, [&](const importer::Progress &p) {
                        heartbeat.advance(++ticks);
                        show(p);
                        return !interrupted.load();
                    });
                    break;
                } catch (const importer::ReadAgain &) {
                    session.reset(); // nothing of the first read stays: read it again through one graph
                }
            }
            if (!reader.one_graph_because().empty())
                err << "teescope import: " << o.trace << ": read through one graph (" << reader.one_graph_because() << ")\n";
        }
        read_error = session->read_error();
        events = session->events();
        findings = session->findings();
        heartbeat.enter(ImportPhase::Writing, db);
        session->finish();
    } catch (const importer::Cancelled &) {
        if (style == ProgressStyle::Bar)
            err << "\n";
        err << "teescope import: cancelled; " << db << " was not written\n";
        return kImportCancelled;
    } catch (const std::exception &e) {
        if (style == ProgressStyle::Bar)
            err << "\n";
        err << "teescope import: " << source << ": " << e.what() << "\n";
        return 1;
    }
    if (style == ProgressStyle::Bar)
        err << "\r" << progress_bar(1.0, events, 0, 30) << "\n";
    // With JSON progress, stdout carries nothing but JSON lines (a program reads them).
    (style == ProgressStyle::Json ? err : out)
        << "teescope import: " << events << " events from " << source << " into " << db << "\n";
    if (findings.unusable_events > 0 || findings.contract_differs) {
        err << "teescope import: " << source << ": trace event contract version " << findings.contract_found
                << ", expected " << findings.contract_expected << "; " << findings.unusable_events
                << " teescope events could not be used (see `teescope report stats " << db << "`)\n";
    }
    if (events == 0 && !read_error) {
        err << "teescope import: " << source << ": no teescope events: " << findings.foreign_events
            << " events of other providers";
        std::string names;
        for (const auto &[provider, n] : findings.foreign_providers)
            names += (names.empty() ? "" : ", ") + provider;
        if (!names.empty())
            err << " (" << names << ")";
        if (findings.unusable_events > 0)
            err << " and " << findings.unusable_events << " teescope events that do not match the contract";
        err << "; " << db << " was written and says so (metadata teescope_events = 0)"
            << (o.allow_empty ? "" : "; --allow-empty accepts such a trace") << "\n";
        if (!o.allow_empty)
            return kImportNoTeescopeEvents;
    }
    if (read_error) {
        err << "teescope import: " << source << " could not be read to its end; " << db
            << " holds what came before (see `teescope report stats " << db << "`)\n";
        return 3;
    }
    return 0;
}

} // namespace

// The import runs in a child process: libbabeltrace2 2.0 can crash, spin or allocate without
// bound on some damaged traces, and a bad trace must end in a message, not in a crash or a hang.
int import_trace(const ImportOptions &o, std::ostream &out, std::ostream &err)
{
    // Everything that can be known before reading is checked first: the trace, then where the
    // database goes, so that a long import never fails at its end for want of a place to write.
    std::error_code ec;
    const bool live = !o.live_url.empty();
    if (live) {
        if (const std::string why = importer::check_live_url(o.live_url); !why.empty()) {
            err << "teescope import: " << why << "\n";
            return 2;
        }
    } else if (!std::filesystem::exists(o.trace, ec)) {
        err << "teescope import: " << o.trace << ": no such file or directory (no trace to import)\n";
        return 1;
    }
    const std::string db = !o.db.empty() ? o.db : live ? default_live_db(o.live_url) : default_db(o.trace);
    const std::string &source = live ? o.live_url : o.trace;
    std::filesystem::path dir = std::filesystem::absolute(db, ec).parent_path();
    if (ec || !std::filesystem::is_directory(dir, ec)) {
        err << "teescope import: cannot write " << db << ": the directory " << dir.string() << " does not exist\n";
        return 1;
    }
    if (std::filesystem::is_directory(db, ec)) {
        err << "teescope import: cannot write " << db << ": it is a directory (give a file name with -o)\n";
        return 1;
    }
    if (::access(dir.c_str(), W_OK | X_OK) != 0) {
        err << "teescope import: cannot write " << db << ": the directory " << dir.string() << " is not writable ("
            << std::strerror(errno) << ")\n";
        return 1;
    }

    // Stop requests count from here on: waiting for the lock is interruptible too.
    StopRequests stop;
    OutputLock lock(db);
    const auto locked = lock.acquire(
        to_ms(o.lock_timeout_s), [&] { return stop.requested(); },
        [&](pid_t holder) {
            err << "teescope import: another import" << (holder > 0 ? " (pid " + std::to_string(holder) + ")" : "")
                << " is writing " << db << "; waiting for it to end\n"
                << std::flush;
            if (o.progress == ProgressStyle::Json) // for a program that shows the progress
                out << "{\"waiting_for\":" << holder << "}" << std::endl;
        });
    switch (locked) {
    case OutputLock::Result::Held: break;
    case OutputLock::Result::Stopped:
        err << "teescope import: cancelled; " << db << " was not written\n";
        return kImportCancelled;
    case OutputLock::Result::TimedOut:
        err << "teescope import: " << db << ": another import"
            << (lock.holder() > 0 ? " (pid " + std::to_string(lock.holder()) + ")" : "") << " was still writing it after "
            << o.lock_timeout_s << " s (--lock-timeout); nothing was written\n";
        return kImportOutputBusy;
    case OutputLock::Result::Failed: err << "teescope import: " << db << ": " << lock.error() << "\n"; return 1;
    }
    // Under the lock, any partial file of this database was left by an import that is gone.
    lock.remove_partials();

    // An inherited SIG_IGN for SIGCHLD would reap the child behind waitpid()'s back.
    ::signal(SIGCHLD, SIG_DFL);
    ImportHeartbeat heartbeat;
    out.flush();
    err.flush();
    const pid_t parent = ::getpid();
    pid_t child = ::fork();
    if (child < 0) {
        err << "teescope import: fork: " << std::strerror(errno) << "\n";
        return 1;
    }
    if (child == 0) {
        // Killed with the parent (an import that is killed must not complete behind its back);
        // the parent may already be gone.
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent)
            ::_exit(137);
        // Far above what an import needs (it streams), far below what would hurt the machine.
        rlimit limit{kAddressSpaceLimit, kAddressSpaceLimit};
        ::setrlimit(RLIMIT_AS, &limit);
        int code = import_here(o, db, heartbeat, out, err);
        out.flush();
        err.flush();
        ::_exit(code);
    }
    // A live import that is stopped finishes what it read: that can take a while.
    const Supervision s = supervise(child, heartbeat, stop, o.stall_timeout_s,
                                    live ? std::chrono::milliseconds(120000) : kStopGrace);
    if (WIFEXITED(s.status) && !s.stalled)
        return WEXITSTATUS(s.status); // the child's own outcome, also when it honoured a stop request
    // Killed: what it wrote is of no use, and the lock is still ours.
    lock.remove_partials();
    if (live) {
        const char *why = s.stalled ? "made no progress" : s.stopped ? "was stopped" : "was ended by a signal";
        err << "\nteescope import: the live import of " << source << " " << why << "; " << db
            << " holds what was read until then and says it is incomplete (metadata complete = 0)\n";
        return s.stalled ? kImportStalled : s.stopped ? kImportCancelled : 1;
    }
    if (s.stalled) {
        err << "\nteescope import: " << o.trace << ": no progress for " << o.stall_timeout_s << " s while "
            << describe(s.stalled_phase) << (s.stalled_where.empty() ? "" : " of " + s.stalled_where)
            << "; the importer was stopped (--stall-timeout). The trace is probably damaged (a truncated "
               "metadata or stream file?). "
            << db << " was not written.\n";
        return kImportStalled;
    }
    if (s.stopped) {
        err << "\nteescope import: cancelled; " << db << " was not written\n";
        return kImportCancelled;
    }
    int sig = WIFSIGNALED(s.status) ? WTERMSIG(s.status) : 0;
    err << "\nteescope import: reading " << o.trace << " failed: the importer was ended by signal " << sig
        << " (" << ::strsignal(sig) << "); the trace is probably corrupt. " << db << " was not written.\n";
    return 1;
}

} // namespace teescope::cli
