// SPDX-License-Identifier: MIT
#include "teescope/cli/top.h"

#include "terminal.h"
#include "top_follow.h"
#include "top_source.h"
#include "top_view.h"

#include "teescope/store/database.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <ostream>
#include <string_view>

namespace teescope::cli {

namespace {

constexpr const char *kTopUsage =
    "usage: teescope top FILE.db [--batch] [--interval SECONDS] [--sort handles|growth|calls|p99]\n"
    "                            [--iterations N] [--window SECONDS]\n"
    "       teescope top --live-url net://HOST[:PORT]/host/HOSTNAME/SESSION [--db FILE.db] [options]\n"
    "       teescope top [--sim[=qtee|optee]] [--sim-config FILE] [--db FILE.db] [options] -- CMD [ARGS...]\n";

int usage(std::ostream &err, const std::string &message)
{
    err << "teescope: top: " << message << "\n" << kTopUsage;
    return 2;
}

// Seconds > 0 (fractions allowed), at most a day.
bool parse_seconds(const std::string &text, double &seconds)
{
    char *end = nullptr;
    errno = 0;
    const double v = std::strtod(text.c_str(), &end);
    if (text.empty() || errno || *end || !std::isfinite(v) || v <= 0 || v > 86400)
        return false;
    seconds = v;
    return true;
}

// The wall clock of a block: "2026-11-29 20:15:01.234 UTC".
std::string wall_stamp()
{
    const auto now = std::chrono::system_clock::now();
    const std::time_t t = std::chrono::system_clock::to_time_t(now);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm utc{};
    gmtime_r(&t, &utc);
    char buf[64];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &utc);
    char out[80];
    std::snprintf(out, sizeof out, "%s.%03d UTC", buf, static_cast<int>(ms));
    return out;
}

// Plain blocks of lines, one per refresh, for a pipe, a log or a dumb terminal.
class BlockOutput : public TopOutput {
public:
    explicit BlockOutput(std::ostream &out) : out_(out) {}
    void show(const TopFrame &frame) override
    {
        // A block per refresh: pausing and sorting are keys of the full screen only.
        if (frame.state.refresh == shown_)
            return;
        shown_ = frame.state.refresh;
        out_ << "== teescope top · " << wall_stamp() << " · refresh " << frame.state.refresh << " ==\n";
        for (const TopLine &line : render_top(frame, TopLayout{}))
            out_ << line.text << "\n";
        out_ << "\n";
        out_.flush();
    }
    Input wait(std::chrono::milliseconds timeout) override
    {
        wait_for_input(-1, timeout);
        return SignalWatch::stop_signal() ? Input::interrupted : Input::none;
    }
    bool interactive() const override { return false; }

private:
    std::ostream &out_;
    int64_t shown_ = 0;
};

// The full-screen view on the terminal, with keys.
class ScreenOutput : public TopOutput {
public:
    ScreenOutput() : screen_(STDIN_FILENO, STDOUT_FILENO) {}
    void show(const TopFrame &frame) override
    {
        const FullScreen::Size size = screen_.size();
        std::vector<std::string> lines;
        std::vector<bool> bold;
        for (TopLine &line : render_top(frame, TopLayout{size.columns, size.rows, true})) {
            lines.push_back(std::move(line.text));
            bold.push_back(line.kind == TopLine::Kind::heading);
        }
        screen_.draw(lines, bold);
    }
    Input wait(std::chrono::milliseconds timeout) override
    {
        bool eof = false;
        const std::string keys = wait_for_input(screen_.key_fd(), timeout, &eof);
        if (eof)
            screen_.keys_gone();
        if (SignalWatch::stop_signal())
            return Input::interrupted;
        Input input = SignalWatch::take_resize() ? Input::redraw : Input::none;
        for (size_t i = 0; i < keys.size(); ++i) {
            switch (keys[i]) {
            case 'q': case 'Q': return Input::quit;
            case 'p': case 'P': case ' ': return Input::pause;
            case 's': case 'S': return Input::sort;
            case 'r': case 'R': return Input::refresh;
            case '\x0c': input = Input::redraw; break; // Ctrl+L
            case '\x1b': i = keys.size(); break;       // an escape sequence (arrows, ...): ignored
            default: break;
            }
        }
        return input;
    }
    bool interactive() const override { return true; }
    void restore() { screen_.restore(); }

private:
    FullScreen screen_;
};

} // namespace

int top_command(const std::vector<std::string> &args, std::ostream &out, std::ostream &err)
{
    FollowOptions o;
    bool batch = false;
    std::vector<std::string> positional;
    std::string live_url, db;
    std::vector<std::string> record_options, command;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string &arg = args[i];
        if (arg == "--") { // the command to record live
            command.assign(args.begin() + static_cast<std::ptrdiff_t>(i) + 1, args.end());
            if (command.empty())
                return usage(err, "no command after --");
            break;
        }
        std::string value;
        auto take = [&](std::string_view name) {
            if (arg == name) {
                if (i + 1 >= args.size())
                    return false;
                value = args[++i];
                return true;
            }
            if (arg.size() > name.size() && arg.compare(0, name.size(), name) == 0 && arg[name.size()] == '=') {
                value = arg.substr(name.size() + 1);
                return true;
            }
            return false;
        };
        if (arg == "--interval" || arg == "--sort" || arg == "--iterations" || arg == "-n" || arg == "--window") {
            if (i + 1 >= args.size())
                return usage(err, arg + " needs a value");
        }
        double seconds = 0;
        if (arg == "--batch" || arg == "-b") {
            batch = true;
        } else if (take("--interval")) {
            if (!parse_seconds(value, seconds))
                return usage(err, "--interval takes a number of seconds > 0, not '" + value + "'");
            o.interval = std::chrono::milliseconds(std::max<int64_t>(std::llround(seconds * 1000), 1));
        } else if (take("--window")) {
            if (!parse_seconds(value, seconds))
                return usage(err, "--window takes a number of seconds > 0, not '" + value + "'");
            o.query.window_ns = std::llround(seconds * 1e9);
        } else if (take("--sort")) {
            auto sort = parse_top_sort(value);
            if (!sort)
                return usage(err, "--sort takes handles, growth, calls or p99, not '" + value + "'");
            o.sort = *sort;
        } else if (take("--iterations") || take("-n")) {
            char *end = nullptr;
            errno = 0;
            const long long n = std::strtoll(value.c_str(), &end, 10);
            if (value.empty() || *end || errno || n < 1)
                return usage(err, "--iterations takes a whole number >= 1, not '" + value + "'");
            o.iterations = n;
        } else if (take("--live-url")) {
            live_url = value;
        } else if (take("--db")) {
            db = value;
        } else if (arg == "--sim" || arg.rfind("--sim=", 0) == 0) {
            if (arg != "--sim" && arg != "--sim=qtee" && arg != "--sim=optee")
                return usage(err, "--sim takes qtee or optee, not '" + arg.substr(6) + "'");
            record_options.push_back(arg);
        } else if (take("--sim-config")) {
            record_options.insert(record_options.end(), {"--sim-config", value});
        } else if (arg.size() > 1 && arg[0] == '-') {
            return usage(err, "unknown option '" + arg + "'");
        } else {
            positional.push_back(arg);
        }
    }
    const int sources = !positional.empty() + !live_url.empty() + !command.empty();
    if (sources != 1)
        return usage(err, sources == 0 ? "no database given"
                                       : "one of FILE.db, --live-url URL or -- CMD");
    if (positional.size() > 1)
        return usage(err, "takes one database");
    if ((!record_options.empty() && command.empty()) || (!db.empty() && !positional.empty()))
        return usage(err, "--sim, --sim-config and --db go with --live-url or -- CMD");

    // A live import started here: followed while it runs, stopped (and finished) when top ends.
    TopSource source;
    if (!live_url.empty() || !command.empty()) {
        std::string error;
        if (!(live_url.empty() ? source.start_recording(record_options, command, db, error)
                               : source.start_import(live_url, db, error))) {
            err << "teescope: top: " << error << "\n";
            return 1;
        }
        o.db_path = source.db_path();
        o.source_running = [&source] { return source.running(); };
    } else {
        o.db_path = positional[0];
    }
    // What the child printed goes out once the view has given the terminal back.
    auto finish_source = [&](int code) {
        if (o.source_running == nullptr)
            return code;
        const int source_code = source.stop();
        err << source.log();
        err << "teescope: top: database " << o.db_path << "\n";
        return code != 0 ? code : (source_code == 0 || source_code == 3 || !command.empty()) ? 0 : 1;
    };

    try {
        // Bad input is told on the normal screen, before the full screen takes it.
        if (o.source_running == nullptr)
            store::Database::open_read_only(o.db_path);
        SignalWatch signals;
        FollowResult result;
        if (!batch && FullScreen::available(STDOUT_FILENO)) {
            ScreenOutput screen;
            result = follow_database(o, screen);
            screen.restore();
        } else {
            BlockOutput blocks(out);
            result = follow_database(o, blocks);
        }
        switch (result.end) {
        case FollowResult::End::done:
        case FollowResult::End::quit: return finish_source(0);
        case FollowResult::End::interrupted: return finish_source(128 + result.signal);
        case FollowResult::End::stalled:
            err << "teescope: top: " << o.db_path << ": " << result.message << "\n";
            return finish_source(1);
        }
    } catch (const store::Error &e) {
        err << "teescope: top: " << e.what() << "\n";
        return finish_source(1);
    } catch (const std::exception &e) {
        err << "teescope: top: " << o.db_path << ": " << e.what() << "\n";
        return finish_source(1);
    }
    return finish_source(0);
}

} // namespace teescope::cli
