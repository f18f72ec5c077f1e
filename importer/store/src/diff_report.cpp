// SPDX-License-Identifier: MIT
// A diff as report tables: the same content in text and JSON.
#include "teescope/store/diff.h"

namespace teescope::store {

namespace {

Value integer(int64_t v)
{
    Value x;
    x.type = Value::Type::integer;
    x.integer = v;
    return x;
}

Value text(std::string v)
{
    Value x;
    x.type = Value::Type::text;
    x.text = std::move(v);
    return x;
}

Value real(std::optional<double> v)
{
    Value x;
    if (v) {
        x.type = Value::Type::real;
        x.real = *v;
    }
    return x;
}

Value percent(int64_t base, int64_t now)
{
    return real(change_percent(base, now));
}

Table leak_table(std::string name, std::string title, const std::vector<LeakChange> &changes)
{
    Table t{std::move(name), std::move(title),
            {"kind", "class", "creator_name", "provenance", "base", "new"}, {}};
    // An empty part is one the leaks view has none of (shm and sessions have no provenance).
    auto part = [](const std::string &v) { return v.empty() ? Value{} : text(v); };
    for (const LeakChange &c : changes)
        t.rows.push_back({text(c.key.kind), part(c.key.klass), part(c.key.creator_name), part(c.key.provenance),
                          integer(c.base), integer(c.now)});
    return t;
}

} // namespace

Report diff_report(const RunDiff &diff, const std::vector<std::string> &broken)
{
    Report r;
    Table runs{"runs", "Runs", {"run", "file", "complete", "leaks", "unchanged_leaks"}, {}};
    int64_t base_leaks = diff.unchanged_leaks, new_leaks = diff.unchanged_leaks;
    for (const LeakChange &c : diff.new_leaks) {
        base_leaks += c.base;
        new_leaks += c.now;
    }
    for (const LeakChange &c : diff.gone_leaks) {
        base_leaks += c.base;
        new_leaks += c.now;
    }
    runs.rows.push_back({text("base"), text(diff.base_file), integer(diff.base_complete), integer(base_leaks),
                         integer(diff.unchanged_leaks)});
    runs.rows.push_back({text("new"), text(diff.new_file), integer(diff.new_complete), integer(new_leaks),
                         integer(diff.unchanged_leaks)});
    r.tables.push_back(std::move(runs));

    r.tables.push_back(leak_table("leaks_new", "Leaks new in NEW (kind, class, creator and provenance; counts)",
                                  diff.new_leaks));
    r.tables.push_back(leak_table("leaks_gone", "Leaks gone in NEW", diff.gone_leaks));

    Table lat{"latency",
              "Latency per service and op (driver side; change in %)",
              {"class", "op", "op_name", "count_base", "count_new", "p50_base_ns", "p50_new_ns", "p50_pct",
               "p99_base_ns", "p99_new_ns", "p99_pct", "max_base_ns", "max_new_ns", "max_pct"},
              {}};
    for (const LatencyChange &c : diff.latency) {
        const LatencyGroup none;
        const LatencyGroup &b = c.base ? *c.base : none;
        const LatencyGroup &n = c.now ? *c.now : none;
        auto side = [](const std::optional<LatencyGroup> &g, int64_t v) { return g ? integer(v) : Value{}; };
        auto pct = [&](int64_t bv, int64_t nv) { return c.base && c.now ? percent(bv, nv) : Value{}; };
        lat.rows.push_back({text(c.klass), integer(c.op), text(c.op_name), integer(b.count), integer(n.count),
                            side(c.base, b.p50_ns), side(c.now, n.p50_ns), pct(b.p50_ns, n.p50_ns),
                            side(c.base, b.p99_ns), side(c.now, n.p99_ns), pct(b.p99_ns, n.p99_ns),
                            side(c.base, b.max_ns), side(c.now, n.max_ns), pct(b.max_ns, n.max_ns)});
    }
    r.tables.push_back(std::move(lat));

    Table obj{"objects",
              "Objects per class: created, and still held by a handle at the end",
              {"class", "created_base", "created_new", "created_change", "held_base", "held_new", "held_change"},
              {}};
    for (const ObjectChange &c : diff.objects)
        obj.rows.push_back({text(c.klass), integer(c.base.created), integer(c.now.created),
                            integer(c.now.created - c.base.created), integer(c.base.held), integer(c.now.held),
                            integer(c.now.held - c.base.held)});
    r.tables.push_back(std::move(obj));

    Table rules{"broken_rules", "Broken --fail-on rules", {"broken"}, {}};
    for (const std::string &line : broken)
        rules.rows.push_back({text(line)});
    r.tables.push_back(std::move(rules));
    return r;
}

} // namespace teescope::store
