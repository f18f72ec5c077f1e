// SPDX-License-Identifier: MIT
#include "teescope/cli/record.h"

#include "live_import.h"
#include "relay_daemon.h"
#include "teescope/cli/process.h"
#include "teescope/cli/trace_summary.h"
#include "teescope/simlink/client.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/random.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace fs = std::filesystem;

namespace teescope::cli {

namespace {

// The process groups of the traced commands (one per guest under Xen), for signals to reach.
constexpr int kMaxGroups = 64;
volatile sig_atomic_t forward_groups[kMaxGroups] = {};
// A SIGINT / SIGTERM that came before the commands started: they get it as soon as they run.
volatile sig_atomic_t pending_signal = 0;
volatile sig_atomic_t signals_seen = 0; // how many came (a live import is stopped by a later one)

void forward_signal(int sig)
{
    pending_signal = sig;
    signals_seen = signals_seen + 1;
    for (int i = 0; i < kMaxGroups; ++i)
        if (forward_groups[i] > 0)
            ::kill(-forward_groups[i], sig);
}

// The token of a recording: every process it starts (and their descendants) carries it in
// TEESCOPE_RECORDING, the provider library stamps it on every event, and the session records the
// events of this token only, so that recordings running at the same time never mix. 63 bits,
// never 0: LTTng filters compare integers as signed 64-bit values.
uint64_t new_recording_token()
{
    uint64_t token = 0;
    while (token == 0) {
        if (::getrandom(&token, sizeof token, 0) != static_cast<ssize_t>(sizeof token)) {
            // No entropy source: time and pid still differ between recordings.
            token = static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count())
                    ^ (static_cast<uint64_t>(::getpid()) << 40);
        }
        token &= 0x7fffffffffffffffULL;
    }
    return token;
}

std::string hex16(uint64_t v)
{
    char text[17];
    std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(v));
    return text;
}

std::string default_output_dir()
{
    std::time_t now = std::time(nullptr);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", std::localtime(&now));
    return std::string("teescope-trace-") + stamp;
}

// A session that is destroyed (trace kept) however recording ends.
class LttngSession {
public:
    explicit LttngSession(std::string name) : name_(std::move(name)) {}
    ~LttngSession()
    {
        if (created_)
            run_capture({"lttng", "destroy", name_});
    }
    bool run(const std::vector<std::string> &args, std::ostream &err)
    {
        RunResult r = run_capture(args);
        if (r.status != 0) {
            err << "teescope record: `";
            for (size_t i = 0; i < args.size(); ++i)
                err << (i ? " " : "") << args[i];
            err << "` failed (exit " << r.status << "):\n" << r.output;
            return false;
        }
        return true;
    }
    bool create(const std::string &output, std::ostream &err)
    {
        created_ = run({"lttng", "create", name_, "--output=" + output}, err);
        return created_;
    }
    // A live session streamed to the relay daemon at `url`, flushed every `timer_ms`.
    bool create_live(const std::string &url, unsigned timer_ms, std::ostream &err)
    {
        created_ = run({"lttng", "create", name_, "--live=" + std::to_string(timer_ms * 1000), "--set-url=" + url},
                       err);
        return created_;
    }
    // Destroyed now (a live viewer reads a session to its end once it is destroyed).
    void destroy()
    {
        if (created_)
            run_capture({"lttng", "destroy", name_});
        created_ = false;
    }
    const std::string &name() const { return name_; }

private:
    std::string name_;
    bool created_ = false;
};

bool ensure_sessiond(std::ostream &err)
{
    if (run_capture({"lttng", "list"}).status == 0)
        return true;
    RunResult started = run_capture({"lttng-sessiond", "--daemonize"});
    // Another recorder may have started one meanwhile; what counts is that one answers now.
    for (int i = 0; i < 50; ++i) {
        if (run_capture({"lttng", "list"}).status == 0)
            return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    err << "teescope record: cannot start lttng-sessiond (exit " << started.status << "):\n" << started.output;
    return false;
}

// teesim as a child process, stopped with SIGTERM when recording ends.
class SimDaemon {
public:
    ~SimDaemon() { stop(); }
    // Forks teesim but holds it before exec until release(), so that the recorder knows its pid
    // (to filter driver events on it) before any of its events can fire.
    bool spawn(const std::string &dir, const RecordOptions &o, const std::string &token, std::ostream &err)
    {
        token_ = token;
        const std::string &config = o.sim_config;
        const bool blocking = o.blocking;
        socket_ = dir + "/teesim.sock";
        log_ = dir + "/teesim.log";
        int gate[2];
        if (::pipe2(gate, O_CLOEXEC) != 0) {
            err << "teescope record: pipe: " << std::strerror(errno) << "\n";
            return false;
        }
        pid_ = ::fork();
        if (pid_ < 0) {
            err << "teescope record: fork: " << std::strerror(errno) << "\n";
            ::close(gate[0]);
            ::close(gate[1]);
            return false;
        }
        if (pid_ == 0) {
            // Out of the terminal's process group: a Ctrl-C reaches the traced command through
            // the recorder, and teesim serves it until the recorder stops it (or dies).
            ::setpgid(0, 0);
            ::prctl(PR_SET_PDEATHSIG, SIGTERM);
            ::close(gate[1]);
            char go;
            if (::read(gate[0], &go, 1) != 1)
                ::_exit(0); // the recorder gave up
            int log = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
            if (log >= 0) {
                ::dup2(log, STDOUT_FILENO);
                ::dup2(log, STDERR_FILENO);
            }
            if (blocking)
                ::setenv("LTTNG_UST_ALLOW_BLOCKING", "1", 1);
            ::unsetenv("TEESCOPE_TRACE");
            ::setenv("TEESCOPE_RECORDING", token_.c_str(), 1);
            std::string self = self_dir() + "/teescope";
            std::vector<const char *> args{self.c_str(), "sim", "--socket", socket_.c_str(), "--tee",
                                           o.sim_tee.c_str()};
            if (o.guests > 0)
                args.push_back("--xen");
            if (!config.empty()) {
                args.push_back("--config");
                args.push_back(config.c_str());
            }
            args.push_back(nullptr);
            ::execv(self.c_str(), const_cast<char *const *>(args.data()));
            ::_exit(127);
        }
        ::close(gate[0]);
        gate_ = gate[1];
        return true;
    }

    // Lets teesim run and waits until it listens.
    bool release(std::ostream &err)
    {
        char go = 1;
        bool sent = ::write(gate_, &go, 1) == 1;
        ::close(gate_);
        gate_ = -1;
        if (!sent) {
            err << "teescope record: cannot start teesim: " << std::strerror(errno) << "\n";
            return false;
        }
        for (int i = 0; i < 200; ++i) {
            int status;
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                err << "teescope record: teesim exited with " << exit_code(status) << ":\n" << log_text();
                return false;
            }
            if (log_text().find("listening on") != std::string::npos)
                return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        err << "teescope record: teesim did not start listening within 10 s:\n" << log_text();
        return false;
    }

    pid_t pid() const { return pid_; }

    void stop()
    {
        if (gate_ >= 0) {
            ::close(gate_); // never released: it exits without running
            gate_ = -1;
        }
        end_child(pid_);
    }
    std::string log_text() const
    {
        std::ifstream in(log_);
        std::stringstream s;
        s << in.rdbuf();
        return s.str();
    }
    const std::string &socket() const { return socket_; }

private:
    pid_t pid_ = -1;
    int gate_ = -1;
    std::string socket_, log_;
    std::string token_; // TEESCOPE_RECORDING of teesim
};

// `guest`: the Xen domain the command runs in (0: none).
pid_t start_command(const RecordOptions &o, const std::string &preload, const std::string &sim_socket,
                    unsigned guest, const std::string &token, std::ostream &err)
{
    pid_t pid = ::fork();
    if (pid < 0) {
        err << "teescope record: fork: " << std::strerror(errno) << "\n";
        return -1;
    }
    if (pid == 0) {
        ::setpgid(0, 0);
        const char *old = std::getenv("LD_PRELOAD");
        std::string value = preload + (old && *old ? std::string(":") + old : std::string());
        ::setenv("LD_PRELOAD", value.c_str(), 1);
        if (!sim_socket.empty())
            ::setenv("TEESCOPE_SIM", sim_socket.c_str(), 1);
        if (guest > 0)
            ::setenv("TEESCOPE_GUEST", std::to_string(guest).c_str(), 1);
        else
            ::unsetenv("TEESCOPE_GUEST");
        if (o.blocking)
            ::setenv("LTTNG_UST_ALLOW_BLOCKING", "1", 1);
        ::unsetenv("TEESCOPE_TRACE"); // recording means tracing
        ::setenv("TEESCOPE_RECORDING", token.c_str(), 1);
        std::vector<char *> args;
        for (const auto &a : o.command)
            args.push_back(const_cast<char *>(a.c_str()));
        args.push_back(nullptr);
        ::execvp(args[0], args.data());
        std::string msg = "teescope record: cannot run " + o.command[0] + ": " + std::strerror(errno) + "\n";
        (void)!::write(STDERR_FILENO, msg.data(), msg.size());
        ::_exit(127);
    }
    ::setpgid(pid, pid);
    return pid;
}

// Ends what the command left running (daemons, children): they were alive at the end of the trace.
void end_process_group(pid_t group)
{
    if (::kill(-group, SIGTERM) != 0)
        return;
    for (int i = 0; i < 20 && ::kill(-group, 0) == 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ::kill(-group, SIGKILL);
    // As a subreaper we inherited the group's orphans: reap them (only them: other groups'
    // commands are still being waited for).
    for (int i = 0; i < 20; ++i) {
        while (::waitpid(-group, nullptr, WNOHANG) > 0) {
        }
        if (::kill(-group, 0) != 0)
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

} // namespace

int record(const RecordOptions &o, std::ostream &out, std::ostream &err)
{
    if (o.command.empty()) {
        err << "teescope record: no command given (usage: teescope record [options] -- CMD ARGS...)\n";
        return 2;
    }
    for (const char *tool : {"lttng", "lttng-sessiond"}) {
        if (!in_path(tool)) {
            err << "teescope record: `" << tool << "` not found: LTTng is not installed "
                << "(Debian: apt-get install lttng-tools liblttng-ust-dev, or run scripts/setup.sh)\n";
            return 2;
        }
    }
    std::string preload = std::getenv("TEESCOPE_PRELOAD") ? std::getenv("TEESCOPE_PRELOAD")
                                                          : self_dir() + "/../lib/libteescope-preload.so";
    if (::access(preload.c_str(), R_OK) != 0) {
        err << "teescope record: the ioctl tracer " << preload << " is missing (build the tracer, "
            << "or set TEESCOPE_PRELOAD)\n";
        return 2;
    }
    if (o.guests > 0 && (!o.sim || o.sim_tee != "optee")) {
        err << "teescope record: --guests plays OP-TEE under Xen: it needs --sim=optee\n";
        return 2;
    }
    if (o.guests > static_cast<unsigned>(kMaxGroups)) {
        err << "teescope record: at most " << kMaxGroups << " guests\n";
        return 2;
    }
    if (!o.sim_config.empty() && ::access(o.sim_config.c_str(), R_OK) != 0) {
        err << "teescope record: cannot read teesim configuration " << o.sim_config << ": "
            << std::strerror(errno) << "\n";
        return 2;
    }
    std::error_code ec;
    fs::path output = fs::absolute(o.output_dir.empty() ? default_output_dir() : o.output_dir, ec);
    if (fs::exists(output, ec) && !fs::is_empty(output, ec)) {
        err << "teescope record: output directory " << output.string()
            << " exists and is not empty (choose another with -o)\n";
        return 2;
    }
    if (!ensure_sessiond(err))
        return 2;

    char scratch_template[] = "/tmp/teescope-record-XXXXXX";
    if (!::mkdtemp(scratch_template)) {
        err << "teescope record: mkdtemp: " << std::strerror(errno) << "\n";
        return 2;
    }
    std::string scratch = scratch_template;

    // From here on an interruption ends the traced commands (or keeps them from starting) and
    // the recorder finishes normally: the session is stopped and destroyed, the trace kept.
    struct sigaction sa {};
    sa.sa_handler = forward_signal;
    ::sigaction(SIGINT, &sa, nullptr);
    ::sigaction(SIGTERM, &sa, nullptr);

    // The session is named after the recording's token: the trace says which recording it is
    // (trace_name in its environment), and the importer drops any event of another one.
    const std::string token = hex16(new_recording_token());
    const std::string token_filter = "recording == 0x" + token;
    LttngSession session("teescope-" + token);
    const std::string &name = session.name();
    RelayDaemon relay;
    LiveImport live_import;
    const std::string db = o.db.empty() ? output.string() + ".db" : o.db;
    if (o.live && !relay.start(output.string(), scratch + "/relayd.log", err)) {
        fs::remove_all(scratch, ec);
        return 2;
    }
    std::vector<std::string> channel{"lttng", "enable-channel", "-u", "-s", name,
                                     "--subbuf-size=" + o.subbuf_size,
                                     "--num-subbuf=" + std::to_string(o.num_subbuf)};
    if (o.blocking)
        channel.push_back("--blocking-timeout=inf");
    channel.push_back("teescope");
    ::prctl(PR_SET_CHILD_SUBREAPER, 1);
    SimDaemon sim;
    bool ok = (o.live ? session.create_live(relay.session_url(), o.live_timer_ms, err)
                      : session.create(output.string(), err)) &&
              session.run(channel, err) &&
              session.run({"lttng", "add-context", "-u", "-s", name, "-c", "teescope", "-t", "vpid", "-t",
                           "vtid", "-t", "procname"},
                          err) &&
              // LTTng enables user-space events in every process of the user: only those of
              // this recording's processes are recorded, whatever else is traced on the machine.
              session.run({"lttng", "enable-event", "-u", "-s", name, "-c", "teescope", "teescope_user:*",
                           "--filter=" + token_filter},
                          err) &&
              (!o.sim || sim.spawn(scratch, o, token, err));
    // Driver-side events come from our teesim only (it carries the recording's token too): another
    // teesim running on this machine must not leak into this trace. Without --sim, a teesim the
    // command starts itself is one of its descendants and belongs to the recording.
    std::vector<std::string> driver_events{"lttng", "enable-event", "-u", "-s", name, "-c", "teescope",
                                           "teescope_drv:*"};
    if (o.sim)
        driver_events.push_back("--filter=" + token_filter + " && $ctx.vpid == " + std::to_string(sim.pid()));
    else
        driver_events.push_back("--filter=" + token_filter);
    ok = ok && session.run(driver_events, err) &&
         (!o.kernel || session.run({"lttng", "enable-event", "-k", "-s", name, "tee_*"}, err)) &&
         // The live import attaches before the session starts: it reads it from its first event.
         (!o.live || live_import.start(relay.live_url(name), db, relay.live_port(), name, err)) &&
         session.run({"lttng", "start", name}, err) && (!o.sim || sim.release(err));
    if (!ok) {
        sim.stop();
        fs::remove_all(scratch, ec);
        return 2;
    }

    // One command, or one per guest, each in a process group of its own.
    const unsigned instances = o.guests > 0 ? o.guests : 1;
    std::vector<pid_t> children;
    for (unsigned g = 0; g < instances; ++g) {
        pid_t child = start_command(o, preload, o.sim ? sim.socket() : std::string(), o.guests > 0 ? g + 1 : 0,
                                    token, err);
        if (child < 0)
            break;
        children.push_back(child);
        if (g < static_cast<unsigned>(kMaxGroups))
            forward_groups[g] = child;
    }
    if (children.size() != instances) {
        for (pid_t c : children)
            end_process_group(c);
        sim.stop();
        fs::remove_all(scratch, ec);
        return 2;
    }
    if (pending_signal)
        forward_signal(pending_signal);
    int code = 0;
    for (size_t left = children.size(); left > 0;) {
        int status = 0;
        pid_t done = ::waitpid(-1, &status, 0);
        if (done < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (done == live_import.pid()) {
            live_import.reaped(status); // it ended early (its relay daemon went away?)
            continue;
        }
        auto it = std::find(children.begin(), children.end(), done);
        if (it == children.end())
            continue; // an orphan we adopted as subreaper
        --left;
        const int c = exit_code(status);
        if (code == 0)
            code = c;
        if (o.guests > 0) {
            // The guest's workload is over: Xen destroys the domain with whatever still runs in it.
            const unsigned domain = static_cast<unsigned>(it - children.begin()) + 1;
            std::this_thread::sleep_for(std::chrono::milliseconds(o.settle_ms));
            if (int e = simlink::client_destroy_guest(sim.socket().c_str(), domain))
                err << "teescope record: cannot destroy guest " << domain << ": " << std::strerror(e) << "\n";
            end_process_group(done);
            forward_groups[it - children.begin()] = 0;
        }
    }

    std::this_thread::sleep_for(std::chrono::milliseconds(o.settle_ms));
    session.run({"lttng", "stop", name}, err);
    for (size_t g = 0; g < children.size(); ++g) {
        end_process_group(children[g]);
        if (g < static_cast<size_t>(kMaxGroups))
            forward_groups[g] = 0;
    }
    sim.stop();
    int import_code = 0;
    if (o.live) {
        // The live import reads the session to its end once it is destroyed, then finishes the
        // database; the relay daemon serves it until then.
        session.destroy();
        import_code = live_import.finish(signals_seen);
        relay.stop();
    }
    fs::remove_all(scratch, ec);

    out << "teescope record: " << o.command[0] << " exited with " << code << "\n";
    out << "trace: " << output.string() << "\n";
    if (o.live) {
        if (import_code == 0 || import_code == 3)
            out << "database: " << db << "\n";
        if (import_code != 0)
            err << "teescope record: the live import exited with " << import_code << " (" << db
                << (import_code == 3 ? " holds what could be read" : " is not complete") << ")\n";
        if (import_code != 0 && import_code != 3 && code == 0)
            code = 1;
    }
    if (o.summary) {
        TraceSummary s = summarize_trace(output.string());
        print_summary(out, s);
    }
    return code;
}

} // namespace teescope::cli
