// SPDX-License-Identifier: MIT
#include "teescope/cli/diff.h"

#include "teescope/store/database.h"
#include "teescope/store/diff.h"
#include "teescope/store/report.h"

#include <ostream>
#include <string_view>

namespace teescope::cli {

namespace {

constexpr const char *kDiffUsage =
    "usage: teescope diff BASE.db NEW.db [--format text|json] [--fail-on new-leaks] [--fail-on p99+PERCENT]...\n";

int usage(std::ostream &err, const std::string &message)
{
    err << "teescope: diff: " << message << "\n" << kDiffUsage;
    return 2;
}

} // namespace

int diff_command(const std::vector<std::string> &args, std::ostream &out, std::ostream &err)
{
    std::vector<std::string> positional;
    store::Format format = store::Format::text;
    std::vector<store::FailRule> rules;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string &arg = args[i];
        std::string value;
        auto take = [&](std::string_view name) {
            if (arg == name) { // a value follows: `missing` was checked before
                value = args[++i];
                return true;
            }
            if (arg.size() > name.size() && arg.compare(0, name.size(), name) == 0 && arg[name.size()] == '=') {
                value = arg.substr(name.size() + 1);
                return true;
            }
            return false;
        };
        const bool missing = (arg == "--format" || arg == "--fail-on") && i + 1 >= args.size();
        if (missing)
            return usage(err, arg + " needs a value");
        if (take("--format")) {
            auto f = store::parse_format(value);
            if (!f || *f == store::Format::csv)
                return usage(err, "unknown format '" + value + "' (text or json)");
            format = *f;
        } else if (take("--fail-on")) {
            std::string why;
            auto rule = store::parse_fail_rule(value, why);
            if (!rule)
                return usage(err, "--fail-on: " + why);
            rules.push_back(*rule);
        } else if (arg.size() > 1 && arg[0] == '-') {
            return usage(err, "unknown option '" + arg + "'");
        } else {
            positional.push_back(arg);
        }
    }
    if (positional.size() != 2)
        return usage(err, "takes two databases, BASE and NEW");
    try {
        store::RunSummary base, now;
        {
            auto db = store::Database::open_read_only(positional[0]);
            base = store::read_run_summary(db);
        }
        {
            auto db = store::Database::open_read_only(positional[1]);
            now = store::read_run_summary(db);
        }
        for (const auto *run : {&base, &now})
            if (!run->complete)
                err << "teescope: warning: " << run->file << " is incomplete (its import did not finish)\n";
        const store::RunDiff diff = store::diff_runs(base, now);
        const std::vector<std::string> broken = store::broken_rules(diff, rules);
        store::write_report(out, store::diff_report(diff, broken), format);
        if (!broken.empty()) {
            err << "teescope: diff: --fail-on rules broken (" << broken.size()
                << (broken.size() == 1 ? " finding" : " findings") << " under \"Broken --fail-on rules\")\n";
            return 1;
        }
    } catch (const store::Error &e) {
        err << "teescope: diff: " << e.what() << "\n";
        return 1;
    }
    return 0;
}

} // namespace teescope::cli
