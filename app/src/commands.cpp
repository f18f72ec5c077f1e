// SPDX-License-Identifier: MIT
#include "teescope/cli/commands.h"

#include "teescope/cli/record.h"
#include "teescope/cli/trace_summary.h"

#ifdef TEESCOPE_HAVE_TEESIM
#include "optee_tas/image.h"
#include "teesim/daemon.h"
#endif
#ifdef TEESCOPE_HAVE_STORE
#include "teescope/cli/diff.h"
#include "teescope/cli/report.h"
#include "teescope/cli/top.h"
#endif
#ifdef TEESCOPE_HAVE_IMPORT
#include "teescope/cli/import.h"
#endif
#ifdef TEESCOPE_HAVE_EXPORT
#include "teescope/cli/export.h"
#endif

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>
#include <string_view>

namespace teescope::cli {

namespace {

// One section per command: `teescope COMMAND --help` prints its own, `teescope help` all of them.
struct CommandHelp {
    std::string_view name;
    std::string_view text;
};

constexpr CommandHelp kCommands[] = {
    {"record", R"(  record [--sim[=qtee|optee]] [--guests N] [--sim-config FILE] [-o DIR] [--blocking] [--kernel]
         [--subbuf-size SIZE] [--num-subbuf N] [--settle MS] [--no-summary]
         [--live [--db FILE.db]] -- CMD [ARGS...]
        Trace CMD (and every process it starts) under a new LTTng session: starts
        lttng-sessiond when needed, preloads the ioctl tracer, with --sim starts teesim (a
        simulated QTEE, or OP-TEE with --sim=optee) and routes the TEE devices to it. With
        --guests N (OP-TEE) teesim plays Xen's mediator and CMD runs once in each guest 1..N
        (TEESCOPE_GUEST=N); a guest is destroyed when its CMD exits. Prints the trace
        directory and a summary. The trace holds only CMD and its descendants, even when other
        recordings run at the same time; Ctrl-C ends CMD and keeps the trace so far.
        --blocking makes traced programs wait for buffer space instead of losing events.
        --kernel also enables the kernel tee_* tracepoints (a kernel with the teescope patch).
        --live records a live session: it streams through an lttng-relayd of its own (on free
        loopback ports; it writes the trace to DIR) and is imported while CMD runs into
        FILE.db (default DIR.db), which teescope-gui and teescope top follow. When CMD ends
        (or on Ctrl-C) the import reads the session to its end and finishes the database,
        which then holds what `teescope import DIR` would give.
)"},
    {"summary", R"(  summary TRACE_DIR
        Count the events of a trace per name and report data loss.
)"},
    {"import", R"(  import TRACE_DIR [-o FILE.db] [--progress=auto|bar|json|none] [--stall-timeout SECONDS]
         [--lock-timeout SECONDS] [--allow-empty] [--decode-threads N]
  import --live-url net://HOST[:PORT]/host/HOSTNAME/SESSION [-o FILE.db] [...]
        Read a trace into a SQLite database (default TRACE_DIR.db): lifetimes of contexts,
        handles, objects, invocations, callback requests, shm and sessions, provenance, leaks,
        sharing and latency. The reader is stopped when it makes no progress for
        --stall-timeout (default 30, 0: never); an import to a database another import is
        writing waits for it up to --lock-timeout (default 600). Exit 0 imported; 1 not a
        trace or not writable, or a trace without teescope events (the database is written
        and says so; --allow-empty: exit 0); 3 the trace could not be read to its end (the
        database says so); 4 stopped by the stall timeout; 5 the other import did not end in
        time; 130 cancelled (SIGINT, SIGTERM). Only exit 0, 3 and 1 for a trace without
        teescope events write the database.
        --decode-threads N (default 2, at most 64): threads that decode the stream files at
        once, each through Babeltrace2 graphs of its own, while the import merges them in
        time order; the database is the same for every N. 0 reads through a single graph.
        A damaged trace is read through a single graph.
        --live-url reads an LTTng live session from a relay daemon while it is recorded
        (default database SESSION.db): the database is written in place and committed every
        50 ms (metadata live = 1, live_ts: how far it got; open lifetimes have end_kind
        `live`), and finished like an offline import when the session is destroyed or on
        SIGINT / SIGTERM (exit 0); exit 3 if the relay daemon went away.
)"},
    {"report", R"(  report {leaks|sharing|latency|stats|objects} FILE.db [--format text|csv|json]
        Print one view of an imported trace.
)"},
    {"check", R"(  check FILE.db [--max-leaks N] [--max-p99 SERVICE:OP=DURATION]...
        Exit 1 when a limit is broken (one line each), for CI gates of TEE clients; exit 2
        when a limit names a service or op the trace does not have. OP is a number or a name
        (app:add, hello_world:increment, client_env:release).
)"},
    {"diff", R"(  diff BASE.db NEW.db [--format text|json] [--fail-on new-leaks] [--fail-on p99+PERCENT]...
        What changed from BASE to NEW, two runs of the same workload: leaks new and gone
        (matched by kind, class, creator process name and provenance, never by ids), latency
        per service and op (count, p50, p99, max in both runs and the change in %), objects
        created and still held at the end per class. --fail-on new-leaks: exit 1 when NEW has
        a leak BASE has not; --fail-on p99+PERCENT (e.g. p99+20%): exit 1 when the p99 of an
        op grew by more than PERCENT, only for ops called at least 20 times in both runs. Each
        broken rule is named. Exit 0 no rule broken; 1 a rule broken or a database that cannot
        be read; 2 bad usage (an unknown rule, a bad PERCENT).
)"},
    {"top", R"(  top FILE.db [--batch] [--interval SECONDS] [--sort handles|growth|calls|p99] [--iterations N]
         [--window SECONDS]
  top --live-url net://HOST[:PORT]/host/HOSTNAME/SESSION [--db FILE.db] [options]
  top [--sim[=qtee|optee]] [--sim-config FILE] [--db FILE.db] [options] -- CMD [ARGS...]
        A refreshing view of a trace database, for a terminal reached over ssh: per process
        the contexts open, handles held and their growth since the last refresh and over the
        window, invocations/s, driver-side p99 and callback requests queued / being served;
        count and p50 / p99 / max per service and op; the oldest objects still held (class,
        holder, age). Follows a database a live import is writing (re-read at each --interval,
        default 1, when it changed): "now" is its newest event, rates and p99 are over the last
        --window seconds (default 10); on a finished file "now" is its last event and rates
        and p99 are over the whole trace. Keys: q quit, p pause, s next sort key, r refresh
        now. With --batch, or when standard output is not a terminal or TERM=dumb: plain
        blocks of lines, one per refresh, headed by the wall-clock time; they stop after one
        refresh of a finished file, or when the live import ends (exit 1 if it stalls: no
        commit for 10 s), or after --iterations N. Exit 1 when the database cannot be read,
        2 bad usage. With --live-url it imports that live session itself, with -- CMD it
        records CMD live (as record --live, --sim for teesim) and follows the database
        (default: a new directory below $TMPDIR, named at the end); quitting stops the import
        or the command, finishes the database and prints the command's output.
)"},
    {"export", R"(  export FILE.db [--format perfetto|chrome-json|dot|svg|png] [--at TIME] [--range A..B] -o OUT
        Write an imported trace for other tools. perfetto: a Perfetto protobuf trace (open it in
        ui.perfetto.dev or trace_processor): a track per process and thread, invocations as
        slices (user side, driver side, callback requests and RPCs inside), flows to the
        supplicant thread that served a request, releases, exits and data loss as instants,
        handles / objects / shm bytes per process as counters. chrome-json: the same in the
        Trace Event Format. dot, svg, png: the capability graph at --at TIME (default: the end
        of the trace), laid out as teescope-gui does (needs teescope-gui next to teescope; no
        display). --range A..B keeps what overlaps it (perfetto, chrome-json). TIME, A and B are
        offsets from the trace start: nanoseconds, or with a unit (250ms, 1.5s). Without
        --format the extension of OUT decides (.pftrace, .json, .dot, .svg, .png). OUT is
        written only when complete. Exit 2 bad usage or a time outside the trace; 1 the
        database cannot be read or OUT cannot be written.
)"},
    {"sim", R"(  sim [--socket PATH] [--config FILE] [--tee qtee|optee] [--threads N] [--xen] [--static-shm]
        Run teesim, the simulated TEE (QTEE by default, or OP-TEE with N threads, under Xen's
        mediator with --xen, without dynamic shm with --static-shm), in the foreground (default socket: $TEESCOPE_SIM or
        /tmp/teesim.sock). Clients reach it with
        TEESCOPE_SIM=PATH LD_PRELOAD=.../libteescope-preload.so CMD.
  sim --write-tas DIR
        Write the signed images of teesim's OP-TEE trusted applications into DIR, for a
        tee-supplicant to load (tee-supplicant -l DIR).
)"},
    {"help", R"(  help [COMMAND]
        This text, or the help of one command (also: teescope COMMAND --help).
)"},
};

std::string usage_text()
{
    std::string text = "usage: teescope COMMAND [ARGS]\n       teescope --version\n       teescope COMMAND --help\n\n"
                       "commands:\n";
    for (const auto &c : kCommands)
        text += c.text;
    return text;
}

const CommandHelp *find_command(std::string_view name)
{
    for (const auto &c : kCommands)
        if (c.name == name)
            return &c;
    return nullptr;
}

// Whether the arguments of a command ask for its help. `record` stops looking where the traced
// command starts (after "--" or at its first non-option), so that `record -- ls --help` traces
// `ls --help`.
bool wants_help(int argc, char **argv)
{
    const bool record = std::string_view(argv[1]) == "record";
    for (int i = 2; i < argc; ++i) {
        std::string_view arg = argv[i];
        if (arg == "--help" || arg == "-h")
            return true;
        if (record && (arg == "--" || arg.empty() || arg[0] != '-'))
            return false;
    }
    return false;
}

int usage_error(const std::string &message)
{
    std::cerr << "teescope: " << message << "\n\n" << usage_text();
    return 2;
}

// Takes the value of option `name` at argv[i] ("--name VALUE" or "--name=VALUE").
bool take_value(int argc, char **argv, int &i, std::string_view name, std::string &value)
{
    std::string_view arg = argv[i];
    if (arg == name) {
        if (i + 1 >= argc)
            return false;
        value = argv[++i];
        return true;
    }
    if (arg.size() > name.size() && arg.substr(0, name.size()) == name && arg[name.size()] == '=') {
        value = std::string(arg.substr(name.size() + 1));
        return true;
    }
    return false;
}

bool parse_unsigned(const std::string &text, unsigned &value)
{
    char *end = nullptr;
    errno = 0;
    unsigned long v = std::strtoul(text.c_str(), &end, 10);
    if (text.empty() || *end || errno || v > 1000000000ul)
        return false;
    value = static_cast<unsigned>(v);
    return true;
}

int cmd_record(int argc, char **argv)
{
    RecordOptions o;
    int i = 2;
    for (; i < argc; ++i) {
        std::string_view arg = argv[i];
        std::string value;
        if (arg == "--") {
            ++i;
            break;
        } else if (arg == "--sim") {
            o.sim = true;
        } else if (arg.rfind("--sim=", 0) == 0) {
            o.sim = true;
            o.sim_tee = std::string(arg.substr(6));
            if (o.sim_tee != "qtee" && o.sim_tee != "optee")
                return usage_error("--sim takes qtee or optee, not '" + o.sim_tee + "'");
        } else if (take_value(argc, argv, i, "--guests", value)) {
            if (!parse_unsigned(value, o.guests) || o.guests < 1)
                return usage_error("--guests needs a whole number >= 1, not '" + value + "'");
        } else if (arg == "--blocking") {
            o.blocking = true;
        } else if (arg == "--kernel") {
            o.kernel = true;
        } else if (arg == "--no-summary") {
            o.summary = false;
        } else if (arg == "--live") {
            o.live = true;
        } else if (take_value(argc, argv, i, "--db", value)) {
            o.db = value;
        } else if (take_value(argc, argv, i, "--sim-config", value)) {
            o.sim_config = value;
            o.sim = true;
        } else if (take_value(argc, argv, i, "-o", value) || take_value(argc, argv, i, "--output", value)) {
            o.output_dir = value;
        } else if (take_value(argc, argv, i, "--subbuf-size", value)) {
            o.subbuf_size = value;
        } else if (take_value(argc, argv, i, "--num-subbuf", value)) {
            if (!parse_unsigned(value, o.num_subbuf) || o.num_subbuf < 2)
                return usage_error("--num-subbuf needs a whole number >= 2, not '" + value + "'");
        } else if (take_value(argc, argv, i, "--settle", value)) {
            if (!parse_unsigned(value, o.settle_ms))
                return usage_error("--settle needs milliseconds, not '" + value + "'");
        } else if (arg.size() > 0 && arg[0] == '-') {
            return usage_error("record: unknown option '" + std::string(arg) + "'");
        } else {
            break; // the command starts here
        }
    }
    for (; i < argc; ++i)
        o.command.emplace_back(argv[i]);
    if (o.command.empty())
        return usage_error("record: no command to trace");
    return record(o, std::cout, std::cerr);
}

int cmd_summary(int argc, char **argv)
{
    if (argc != 3)
        return usage_error("summary takes one trace directory");
    const std::string trace = argv[2];
    std::error_code ec;
    if (!std::filesystem::exists(trace, ec)) {
        std::cerr << "teescope summary: " << trace << ": no such file or directory\n";
        return 1;
    }
    TraceSummary s = summarize_trace(trace);
    if (s.status != 0 && s.total == 0) {
        // Nothing could be read: a message about the path, not an empty summary.
        std::cerr << "teescope summary: " << trace << ": cannot read it as a trace (babeltrace2 exited with "
                  << s.status << ": " << s.error << ")\n";
        return 1;
    }
    print_summary(std::cout, s);
    return s.status == 0 ? 0 : 1;
}

#ifdef TEESCOPE_HAVE_IMPORT
// A duration in seconds, >= 0 (fractions allowed).
bool parse_seconds(const std::string &text, double &seconds)
{
    char *end = nullptr;
    errno = 0;
    const double v = std::strtod(text.c_str(), &end);
    if (text.empty() || errno != 0 || *end != '\0' || !(v >= 0) || v > 1e9)
        return false;
    seconds = v;
    return true;
}

int cmd_import(int argc, char **argv)
{
    ImportOptions o;
    for (int i = 2; i < argc; ++i) {
        std::string value;
        std::string_view arg = argv[i];
        if (take_value(argc, argv, i, "-o", value) || take_value(argc, argv, i, "--output", value)) {
            o.db = value;
        } else if (take_value(argc, argv, i, "--stall-timeout", value)) {
            if (!parse_seconds(value, o.stall_timeout_s))
                return usage_error("import: --stall-timeout takes a number of seconds, not '" + value + "'");
        } else if (take_value(argc, argv, i, "--lock-timeout", value)) {
            if (!parse_seconds(value, o.lock_timeout_s))
                return usage_error("import: --lock-timeout takes a number of seconds, not '" + value + "'");
        } else if (arg == "--allow-empty") {
            o.allow_empty = true;
        } else if (take_value(argc, argv, i, "--decode-threads", value)) {
            char *end = nullptr;
            errno = 0;
            const long n = std::strtol(value.c_str(), &end, 10);
            if (value.empty() || errno != 0 || *end != '\0' || n < 0 || n > kMaxDecodeThreads)
                return usage_error("import: --decode-threads takes a number of threads from 0 to "
                                   + std::to_string(kMaxDecodeThreads) + ", not '" + value + "'");
            o.decode_threads = static_cast<int>(n);
        } else if (take_value(argc, argv, i, "--live-url", value)) {
            o.live_url = value;
        } else if (take_value(argc, argv, i, "--progress", value)) {
            if (value == "auto")
                o.progress = ProgressStyle::Auto;
            else if (value == "bar")
                o.progress = ProgressStyle::Bar;
            else if (value == "json")
                o.progress = ProgressStyle::Json;
            else if (value == "none")
                o.progress = ProgressStyle::None;
            else
                return usage_error("import: --progress takes auto, bar, json or none, not '" + value + "'");
        } else if (!arg.empty() && arg[0] == '-') {
            return usage_error("import: unknown option '" + std::string(arg) + "'");
        } else if (o.trace.empty()) {
            o.trace = std::string(arg);
        } else {
            return usage_error("import takes one trace directory");
        }
    }
    if (!o.trace.empty() && !o.live_url.empty())
        return usage_error("import reads a trace directory or a live session (--live-url), not both");
    if (o.trace.empty() && o.live_url.empty())
        return usage_error("import: no trace directory given");
    return import_trace(o, std::cout, std::cerr);
}
#endif

int cmd_sim(int argc, char **argv)
{
#ifdef TEESCOPE_HAVE_TEESIM
    teesim::DaemonOptions o;
    const char *env = std::getenv("TEESCOPE_SIM");
    o.socket_path = env && *env ? env : "/tmp/teesim.sock";
    for (int i = 2; i < argc; ++i) {
        std::string value;
        if (take_value(argc, argv, i, "--socket", value)) {
            o.socket_path = value;
        } else if (take_value(argc, argv, i, "--config", value)) {
            o.config_path = value;
        } else if (take_value(argc, argv, i, "--tee", value)) {
            if (value == "qtee")
                o.tee = teesim::TeeKind::Qtee;
            else if (value == "optee")
                o.tee = teesim::TeeKind::Optee;
            else
                return usage_error("sim: --tee takes qtee or optee, not '" + value + "'");
        } else if (take_value(argc, argv, i, "--threads", value)) {
            unsigned n = 0;
            if (!parse_unsigned(value, n) || n < 1 || n > 256)
                return usage_error("sim: --threads needs a number from 1 to 256, not '" + value + "'");
            o.threads = n;
        } else if (std::string_view(argv[i]) == "--xen") {
            o.xen = true;
        } else if (std::string_view(argv[i]) == "--static-shm") {
            o.static_shm = true;
        } else if (take_value(argc, argv, i, "--write-tas", value)) {
            std::string failed = teescope::optee::write_ta_images(value);
            if (!failed.empty()) {
                std::cerr << "teescope sim: " << failed << "\n";
                return 1;
            }
            std::cout << "teescope sim: wrote the trusted applications to " << value << "\n";
            return 0;
        } else {
            return usage_error("sim: unknown argument '" + std::string(argv[i]) + "'");
        }
    }
    return teesim::run_daemon(o);
#else
    (void)argc;
    (void)argv;
    std::cerr << "teescope: this build has no teesim (configure with TEESCOPE_BUILD_SAMPLES=ON)\n";
    return 2;
#endif
}

} // namespace

int run(int argc, char **argv)
{
    if (argc < 2)
        return usage_error("no command given");
    std::string_view command = argv[1];
    if (command == "--version" || command == "-V" || command == "version") {
        std::cout << "teescope " << TEESCOPE_VERSION << "\n";
        return 0;
    }
    if (command == "help" || command == "--help" || command == "-h") {
        if (argc >= 3) {
            std::string_view name = argv[2];
            const CommandHelp *c = find_command(name == "--help" || name == "-h" ? std::string_view("help") : name);
            if (!c)
                return usage_error("help: unknown command '" + std::string(argv[2]) + "'");
            std::cout << "usage:\n" << c->text;
            return 0;
        }
        std::cout << usage_text();
        return 0;
    }
    if (const CommandHelp *c = find_command(command); c && wants_help(argc, argv)) {
        std::cout << "usage:\n" << c->text;
        return 0;
    }
    if (command == "record")
        return cmd_record(argc, argv);
    if (command == "summary")
        return cmd_summary(argc, argv);
    if (command == "sim")
        return cmd_sim(argc, argv);
#ifdef TEESCOPE_HAVE_STORE
    if (command == "report")
        return report_command({argv + 2, argv + argc}, std::cout, std::cerr);
    if (command == "check")
        return check_command({argv + 2, argv + argc}, std::cout, std::cerr);
    if (command == "diff")
        return diff_command({argv + 2, argv + argc}, std::cout, std::cerr);
    if (command == "top")
        return top_command({argv + 2, argv + argc}, std::cout, std::cerr);
#endif
#ifdef TEESCOPE_HAVE_EXPORT
    if (command == "export")
        return export_command({argv + 2, argv + argc}, std::cout, std::cerr);
#endif
#ifdef TEESCOPE_HAVE_IMPORT
    if (command == "import")
        return cmd_import(argc, argv);
#endif
    return usage_error("unknown command '" + std::string(command) + "'");
}

} // namespace teescope::cli
