// SPDX-License-Identifier: MIT
#include "teescope/cli/report.h"

#include "teescope/store/database.h"
#include "teescope/store/report.h"

#include <cerrno>
#include <cstdlib>
#include <ostream>
#include <string_view>

namespace teescope::cli {

namespace {

constexpr const char *kReportUsage =
    "usage: teescope report {leaks|sharing|latency|stats|objects} DB [--format text|csv|json]\n";
constexpr const char *kCheckUsage =
    "usage: teescope check DB [--max-leaks N] [--max-p99 SERVICE:OP=DURATION]...\n"
    "  SERVICE is an object class (e.g. app, diagnostics, uid:42) or an OP-TEE TA's name (or uuid),\n"
    "  OP an operation number (a TA command), 'release', or 'open' / 'close' for OP-TEE sessions,\n"
    "  DURATION a number with a unit: 750ns, 500us, 2ms, 1.5s\n";

int usage(std::ostream &err, const std::string &message, const char *text)
{
    err << "teescope: " << message << "\n" << text;
    return 2;
}

// "--name VALUE" or "--name=VALUE" at args[i].
bool option(const std::vector<std::string> &args, size_t &i, std::string_view name, std::string &value,
            bool &missing)
{
    std::string_view arg = args[i];
    if (arg == name) {
        if (i + 1 >= args.size()) {
            missing = true;
            return true;
        }
        value = args[++i];
        return true;
    }
    if (arg.size() > name.size() && arg.substr(0, name.size()) == name && arg[name.size()] == '=') {
        value = std::string(arg.substr(name.size() + 1));
        return true;
    }
    return false;
}

} // namespace

int report_command(const std::vector<std::string> &args, std::ostream &out, std::ostream &err)
{
    std::vector<std::string> positional;
    store::Format format = store::Format::text;
    for (size_t i = 0; i < args.size(); ++i) {
        std::string value;
        bool missing = false;
        if (option(args, i, "--format", value, missing)) {
            if (missing)
                return usage(err, "report: --format needs a value", kReportUsage);
            auto f = store::parse_format(value);
            if (!f)
                return usage(err, "report: unknown format '" + value + "'", kReportUsage);
            format = *f;
        } else if (args[i].size() > 1 && args[i][0] == '-') {
            return usage(err, "report: unknown option '" + args[i] + "'", kReportUsage);
        } else {
            positional.push_back(args[i]);
        }
    }
    if (positional.size() != 2)
        return usage(err, "report takes a report kind and a database", kReportUsage);
    auto kind = store::parse_report_kind(positional[0]);
    if (!kind)
        return usage(err, "report: unknown report '" + positional[0] + "'", kReportUsage);
    try {
        auto db = store::Database::open_read_only(positional[1]);
        if (!db.complete())
            err << "teescope: warning: " << positional[1] << " is incomplete (its import did not finish)\n";
        store::write_report(out, store::query_report(db, *kind), format);
    } catch (const store::Error &e) {
        err << "teescope: " << e.what() << "\n";
        return 2;
    }
    return 0;
}

int check_command(const std::vector<std::string> &args, std::ostream &out, std::ostream &err)
{
    std::vector<std::string> positional;
    store::CheckLimits limits;
    for (size_t i = 0; i < args.size(); ++i) {
        std::string value;
        bool missing = false;
        if (option(args, i, "--max-leaks", value, missing)) {
            if (missing)
                return usage(err, "check: --max-leaks needs a number", kCheckUsage);
            char *end = nullptr;
            errno = 0;
            long long n = std::strtoll(value.c_str(), &end, 10);
            if (value.empty() || *end || errno || n < 0)
                return usage(err, "check: --max-leaks needs a whole number >= 0, not '" + value + "'",
                             kCheckUsage);
            limits.max_leaks = n;
        } else if (option(args, i, "--max-p99", value, missing)) {
            if (missing)
                return usage(err, "check: --max-p99 needs SERVICE:OP=DURATION", kCheckUsage);
            std::string why;
            auto limit = store::parse_p99_limit(value, why);
            if (!limit)
                return usage(err, "check: bad --max-p99 '" + value + "': " + why, kCheckUsage);
            limits.max_p99.push_back(*limit);
        } else if (args[i].size() > 1 && args[i][0] == '-') {
            return usage(err, "check: unknown option '" + args[i] + "'", kCheckUsage);
        } else {
            positional.push_back(args[i]);
        }
    }
    if (positional.size() != 1)
        return usage(err, "check takes one database", kCheckUsage);
    if (!limits.max_leaks && limits.max_p99.empty())
        return usage(err, "check: no limit given", kCheckUsage);
    try {
        auto db = store::Database::open_read_only(positional[0]);
        store::CheckResult result = store::check(db, limits);
        for (const auto &note : result.notes)
            err << "teescope: note: " << note << "\n";
        // A gate that names nothing of the trace checks nothing: a usage error, not a pass.
        for (const auto &line : result.unknown)
            err << "teescope: check: " << line << "\n";
        if (!result.unknown.empty())
            return 2;
        for (const auto &line : result.broken)
            out << line << "\n";
        if (!result.broken.empty())
            return 1;
        const size_t n = limits.max_p99.size() + (limits.max_leaks ? 1 : 0);
        out << "all " << n << (n == 1 ? " limit holds" : " limits hold") << "\n";
    } catch (const store::Error &e) {
        err << "teescope: " << e.what() << "\n";
        return 2;
    }
    return 0;
}

} // namespace teescope::cli
