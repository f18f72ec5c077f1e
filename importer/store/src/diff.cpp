// SPDX-License-Identifier: MIT
// Matching two runs, and the --fail-on rules evaluated on the result.
#include "teescope/store/diff.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <set>

namespace teescope::store {

RunDiff diff_runs(const RunSummary &base, const RunSummary &now)
{
    RunDiff d;
    d.base_file = base.file;
    d.new_file = now.file;
    d.base_complete = base.complete;
    d.new_complete = now.complete;

    std::set<LeakKey> keys;
    for (const auto &[k, n] : base.leaks)
        keys.insert(k);
    for (const auto &[k, n] : now.leaks)
        keys.insert(k);
    for (const LeakKey &k : keys) {
        auto b = base.leaks.find(k);
        auto n = now.leaks.find(k);
        LeakChange c{k, b == base.leaks.end() ? 0 : b->second, n == now.leaks.end() ? 0 : n->second};
        if (c.now > c.base)
            d.new_leaks.push_back(c);
        else if (c.now < c.base)
            d.gone_leaks.push_back(c);
        d.unchanged_leaks += std::min(c.base, c.now);
    }

    std::map<std::pair<std::string, int64_t>, LatencyChange> ops;
    auto add = [&](const LatencyGroup &g, bool is_base) {
        LatencyChange &c = ops[{g.klass, g.op}];
        c.klass = g.klass;
        c.op = g.op;
        if (c.op_name.empty() || g.named)
            c.op_name = g.op_name;
        (is_base ? c.base : c.now) = g;
    };
    for (const LatencyGroup &g : base.latency)
        add(g, true);
    for (const LatencyGroup &g : now.latency)
        add(g, false);
    for (auto &[k, c] : ops)
        d.latency.push_back(std::move(c));

    std::set<std::string> classes;
    for (const auto &[k, v] : base.objects)
        classes.insert(k);
    for (const auto &[k, v] : now.objects)
        classes.insert(k);
    for (const std::string &k : classes) {
        ObjectChange c{k, {}, {}};
        if (auto it = base.objects.find(k); it != base.objects.end())
            c.base = it->second;
        if (auto it = now.objects.find(k); it != now.objects.end())
            c.now = it->second;
        d.objects.push_back(c);
    }
    return d;
}

std::optional<double> change_percent(int64_t base, int64_t now)
{
    if (base == 0)
        return std::nullopt;
    const double pct = (static_cast<double>(now) - static_cast<double>(base)) * 100.0 / static_cast<double>(base);
    return std::round(pct * 10.0) / 10.0;
}

std::optional<FailRule> parse_fail_rule(std::string_view text, std::string &why)
{
    FailRule rule;
    rule.text = std::string(text);
    if (text == "new-leaks") {
        rule.kind = FailRule::Kind::new_leaks;
        return rule;
    }
    constexpr std::string_view p99 = "p99+";
    if (text.substr(0, p99.size()) != p99) {
        why = "unknown rule '" + rule.text + "' (rules: new-leaks, p99+PERCENT)";
        return std::nullopt;
    }
    std::string_view number = text.substr(p99.size());
    if (!number.empty() && number.back() == '%')
        number.remove_suffix(1);
    const std::string digits(number);
    char *end = nullptr;
    errno = 0;
    const double v = digits.empty() || !(std::isdigit(static_cast<unsigned char>(digits[0])))
                         ? -1
                         : std::strtod(digits.c_str(), &end);
    if (v < 0 || errno || (end && *end) || !std::isfinite(v)) {
        why = "'" + rule.text + "': PERCENT must be a number >= 0, e.g. p99+20%";
        return std::nullopt;
    }
    rule.kind = FailRule::Kind::p99_growth;
    rule.percent = v;
    return rule;
}

namespace {

std::string percent_text(double v)
{
    char buf[64];
    std::snprintf(buf, sizeof buf, "%+.1f%%", v);
    return buf;
}

std::string leak_text(const LeakKey &k)
{
    std::string s = k.kind + " " + k.klass + " created by " + (k.creator_name.empty() ? "?" : k.creator_name);
    if (!k.provenance.empty())
        s += " (" + k.provenance + ")";
    return s;
}

} // namespace

std::vector<std::string> broken_rules(const RunDiff &diff, const std::vector<FailRule> &rules)
{
    std::vector<std::string> out;
    for (const FailRule &rule : rules) {
        switch (rule.kind) {
        case FailRule::Kind::new_leaks:
            for (const LeakChange &c : diff.new_leaks)
                out.push_back(rule.text + ": " + leak_text(c.key) + ": " + std::to_string(c.base) + " in BASE, " +
                              std::to_string(c.now) + " in NEW");
            break;
        case FailRule::Kind::p99_growth:
            for (const LatencyChange &c : diff.latency) {
                if (!c.base || !c.now || c.base->count < kMinCallsForP99 || c.now->count < kMinCallsForP99)
                    continue;
                // Compared unrounded, so that a growth just over the limit is not rounded away.
                const double growth = c.base->p99_ns == 0
                                          ? (c.now->p99_ns > 0 ? INFINITY : 0.0)
                                          : (static_cast<double>(c.now->p99_ns) - static_cast<double>(c.base->p99_ns)) *
                                                100.0 / static_cast<double>(c.base->p99_ns);
                if (growth > rule.percent) {
                    const auto pct = change_percent(c.base->p99_ns, c.now->p99_ns);
                    out.push_back(rule.text + ": p99 of " + c.klass + ":" + c.op_name +
                                  (c.op_name == std::to_string(c.op) ? "" : " (op " + std::to_string(c.op) + ")") +
                                  " grew " + (pct ? percent_text(*pct) : std::string("from 0")) + ": " +
                                  format_duration(c.base->p99_ns) + " in BASE, " + format_duration(c.now->p99_ns) +
                                  " in NEW (" + std::to_string(c.base->count) + " and " +
                                  std::to_string(c.now->count) + " calls)");
                }
            }
            break;
        }
    }
    return out;
}

} // namespace teescope::store
