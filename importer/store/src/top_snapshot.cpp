// SPDX-License-Identifier: MIT
#include "teescope/store/top_snapshot.h"

#include "teescope/store/latency.h"
#include "teescope/store/statement.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <unordered_map>

namespace teescope::store {

std::string_view top_state_name(TopState state)
{
    switch (state) {
    case TopState::live: return "live";
    case TopState::stalled: return "stalled";
    case TopState::finished: return "finished";
    case TopState::incomplete: return "incomplete";
    }
    return "unknown";
}

namespace {

// Every query of a snapshot sees the same commit of a live writer.
class ReadTransaction {
public:
    explicit ReadTransaction(const Database &db) : db_(db) { db_.exec("BEGIN"); }
    ~ReadTransaction()
    {
        if (open_)
            sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
    }
    void commit()
    {
        open_ = false;
        db_.exec("COMMIT");
    }

private:
    const Database &db_;
    bool open_ = true;
};

std::optional<int64_t> to_int(const std::optional<std::string> &text)
{
    if (!text)
        return std::nullopt;
    int64_t v = 0;
    auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
    if (ec != std::errc() || end != text->data() + text->size())
        return std::nullopt;
    return v;
}

std::optional<int64_t> single_int(sqlite3 *db, const std::string &file, const char *sql)
{
    Statement s(db, sql, file);
    if (s.next() && !s.null_at(0))
        return s.int_at(0);
    return std::nullopt;
}

// A handle bound at ?N: bound then (or before the trace) and not unbound yet.
std::string held_at(const char *param)
{
    const std::string p = param;
    return "(h.bind_ts IS NULL OR h.bind_ts <= " + p + ") AND (h.unbind_ts IS NULL OR h.unbind_ts > " + p + ")";
}

bool stalled(const TopSnapshot &snap, const TopQuery &query)
{
    return snap.last_commit_ms && query.wall_now_ms - *snap.last_commit_ms > query.stall_after_ms;
}

void read_header(const Database &db, const TopQuery &query, TopSnapshot &snap)
{
    std::map<std::string, std::string> meta;
    {
        Statement s(db.handle(), "SELECT key, value FROM metadata", db.path());
        while (s.next())
            if (!s.null_at(1))
                meta[s.text_at(0)] = s.text_at(1);
    }
    auto get = [&](const char *key) -> std::optional<int64_t> {
        auto it = meta.find(key);
        return it == meta.end() ? std::nullopt : to_int(it->second);
    };
    const bool complete = get("complete").value_or(0) == 1;
    const bool live = get("live").value_or(0) == 1;
    snap.last_commit_ms = get("live_wall_ms");
    if (complete)
        snap.state = TopState::finished;
    else if (live)
        snap.state = stalled(snap, query) ? TopState::stalled : TopState::live;
    else
        snap.state = TopState::incomplete;

    const bool following = snap.state == TopState::live || snap.state == TopState::stalled;
    std::optional<int64_t> now = following ? get("live_ts") : get("last_ts");
    if (!now)
        now = following ? get("last_ts") : get("live_ts");
    sqlite3 *h = db.handle();
    if (!now) // an import stopped before writing its times: the latest time its rows name
        now = single_int(h, db.path(),
                         "SELECT MAX(t) FROM (SELECT MAX(start_ts) AS t FROM processes UNION ALL"
                         " SELECT MAX(end_ts) FROM processes UNION ALL"
                         " SELECT MAX(COALESCE(drv_end_ts, user_end_ts, drv_begin_ts, user_begin_ts))"
                         " FROM invocations)");
    std::optional<int64_t> first = get("first_ts");
    if (!first)
        first = single_int(h, db.path(), "SELECT MIN(start_ts) FROM processes");
    snap.now_ts = now.value_or(first.value_or(0));
    snap.first_ts = std::min(first.value_or(snap.now_ts), snap.now_ts);
    snap.events = (following ? get("live_events") : get("events")).value_or(get("events").value_or(0));

    {
        Statement s(h,
                    "SELECT COALESCE(SUM(CASE WHEN what = 'events' THEN count END), 0),"
                    " COALESCE(SUM(CASE WHEN what <> 'events' THEN count END), 0) FROM data_loss",
                    db.path());
        if (s.next()) {
            snap.lost_events = s.int_at(0);
            snap.lost_packets = s.int_at(1);
        }
    }
    // While live the import keeps its running totals in metadata, ahead of the data_loss rows.
    snap.lost_events = std::max(snap.lost_events, get("events_lost").value_or(0));
    snap.lost_packets = std::max(snap.lost_packets, get("packets_lost").value_or(0));
    snap.data_loss_findings =
        single_int(h, db.path(),
                   "SELECT COALESCE(SUM(count), 0) FROM import_stats WHERE severity = 'data_loss'"
                   " AND name NOT IN ('discarded_events', 'discarded_packets', 'unreadable_packets')")
            .value_or(0);

    const int64_t recent = std::max(snap.first_ts, snap.now_ts - query.window_ns);
    snap.growth_begin_ts = recent;
    snap.rate_whole_trace = !following;
    snap.rate_begin_ts = following ? recent : snap.first_ts;
}

void read_processes(const Database &db, TopSnapshot &snap)
{
    sqlite3 *h = db.handle();
    const std::string &file = db.path();
    std::unordered_map<int64_t, TopProcess> by_id;
    auto process = [&](int64_t id) -> TopProcess & {
        TopProcess &p = by_id[id];
        p.id = id;
        return p;
    };

    {
        Statement s(h,
                    "SELECT process_id, COUNT(*) FROM contexts WHERE process_id IS NOT NULL"
                    " AND (open_ts IS NULL OR open_ts <= ?1) AND (close_ts IS NULL OR close_ts > ?1)"
                    " GROUP BY process_id",
                    file);
        s.bind(1, snap.now_ts);
        while (s.next())
            process(s.int_at(0)).contexts_open = s.int_at(1);
    }
    {
        // Handles unbound before the growth window began are held at neither time.
        Statement s(h,
                    "SELECT c.process_id, SUM(CASE WHEN " + held_at("?1") + " THEN 1 ELSE 0 END),"
                    " SUM(CASE WHEN " + held_at("?2") + " THEN 1 ELSE 0 END)"
                    " FROM handles h JOIN contexts c ON c.id = h.context_id"
                    " WHERE c.process_id IS NOT NULL AND (h.unbind_ts IS NULL OR h.unbind_ts > ?2)"
                    " GROUP BY c.process_id",
                    file);
        s.bind(1, snap.now_ts);
        s.bind(2, snap.growth_begin_ts);
        while (s.next()) {
            if (s.int_at(1) == 0 && s.int_at(2) == 0)
                continue;
            TopProcess &p = process(s.int_at(0));
            p.handles_held = s.int_at(1);
            p.handles_held_before = s.int_at(2);
        }
    }
    {
        // Calls begun in the rate window and driver-side durations of those that ended in it, in
        // one pass over the invocations (the largest table; no index on times while live).
        std::unordered_map<int64_t, std::vector<int64_t>> durations;
        Statement s(h,
                    "SELECT process_id, COALESCE(user_begin_ts, drv_begin_ts), drv_begin_ts, drv_end_ts"
                    " FROM invocations WHERE process_id IS NOT NULL"
                    " AND (COALESCE(user_begin_ts, drv_begin_ts) >= ?1 OR drv_end_ts >= ?1)",
                    file);
        s.bind(1, snap.rate_begin_ts);
        const int64_t from = snap.rate_begin_ts, to = snap.now_ts;
        while (s.next()) {
            const int64_t id = s.int_at(0);
            if (!s.null_at(1) && s.int_at(1) >= from && s.int_at(1) <= to)
                ++process(id).calls;
            if (!s.null_at(2) && !s.null_at(3) && s.int_at(3) >= from && s.int_at(3) <= to)
                durations[id].push_back(s.int_at(3) - s.int_at(2));
        }
        for (auto &[id, d] : durations)
            process(id).p99_ns = nearest_rank_percentiles(d).p99_ns;
    }
    {
        // A request ends when it is answered or abandoned (an RPC nobody took: when it returned;
        // a RELEASE notice: when it was picked). One that ended at a time the trace does not
        // name has ended too.
        Statement s(h,
                    "SELECT c.process_id, SUM(CASE WHEN r.pick_ts IS NULL OR r.pick_ts > ?1 THEN 1 ELSE 0 END),"
                    " SUM(CASE WHEN r.pick_ts <= ?1 THEN 1 ELSE 0 END)"
                    " FROM (SELECT context_id, queue_ts, pick_ts, end_kind, COALESCE(answer_ts, return_ts,"
                    "       CASE WHEN end_kind = 'delivered' THEN pick_ts END) AS end_ts FROM callback_requests) r"
                    " LEFT JOIN contexts c ON c.id = r.context_id"
                    " WHERE COALESCE(r.queue_ts, r.pick_ts) <= ?1"
                    " AND (r.end_ts > ?1 OR (r.end_ts IS NULL AND r.end_kind IN ('live', 'pending_at_end')))"
                    " GROUP BY c.process_id",
                    file);
        s.bind(1, snap.now_ts);
        while (s.next()) {
            if (s.null_at(0)) {
                snap.requests_unowned += s.int_at(1);
                continue;
            }
            TopProcess &p = process(s.int_at(0));
            p.requests_queued = s.int_at(1);
            p.requests_serving = s.int_at(2);
        }
    }

    Statement s(h, "SELECT id, pid, COALESCE(name, ''), end_ts FROM processes WHERE start_ts <= ?1 ORDER BY id",
                file);
    s.bind(1, snap.now_ts);
    while (s.next()) {
        const int64_t id = s.int_at(0);
        const std::optional<int64_t> end = s.null_at(3) ? std::nullopt : std::optional<int64_t>(s.int_at(3));
        auto it = by_id.find(id);
        const bool in_window = !end || *end >= snap.rate_begin_ts;
        if (!in_window && it == by_id.end())
            continue;
        TopProcess p = it == by_id.end() ? TopProcess{} : it->second;
        p.id = id;
        p.pid = s.int_at(1);
        p.name = s.text_at(2);
        p.ended = end && *end <= snap.now_ts;
        snap.processes.push_back(std::move(p));
    }
}

void read_ops(const Database &db, TopSnapshot &snap)
{
    if (snap.state == TopState::finished) {
        // A finished import stored these very groups over the whole trace.
        Statement s(db.handle(),
                    "SELECT class, op, op_name, count, p50_ns, p99_ns, max_ns FROM latency_ops ORDER BY class, op",
                    db.path());
        while (s.next()) {
            TopOp op;
            op.klass = s.text_at(0);
            op.op = s.int_at(1);
            op.op_name = s.text_at(2);
            op.count = s.int_at(3);
            op.p50_ns = s.int_at(4);
            op.p99_ns = s.int_at(5);
            op.max_ns = s.int_at(6);
            snap.ops.push_back(std::move(op));
        }
        return;
    }
    std::optional<LatencyWindow> window;
    if (!snap.rate_whole_trace)
        window = LatencyWindow{snap.rate_begin_ts, snap.now_ts};
    for (const LatencyGroup &g : compute_latency_groups(db.handle(), db.path(), std::nullopt, window)) {
        TopOp op;
        op.klass = g.klass;
        op.op = g.op;
        op.op_name = g.op_name;
        op.count = g.count;
        op.p50_ns = g.p50_ns;
        op.p99_ns = g.p99_ns;
        op.max_ns = g.max_ns;
        snap.ops.push_back(std::move(op));
    }
}

void read_oldest(const Database &db, const TopQuery &query, TopSnapshot &snap)
{
    const std::string held = " FROM handles h JOIN contexts c ON c.id = h.context_id"
                             " JOIN objects o ON o.id = h.object_id WHERE " +
                             held_at("?1") + " GROUP BY o.id, c.process_id";
    {
        Statement s(db.handle(), "SELECT COUNT(*) FROM (SELECT 1" + held + ")", db.path());
        s.bind(1, snap.now_ts);
        if (s.next())
            snap.objects_held = s.int_at(0);
    }
    Statement s(db.handle(),
                "SELECT g.id, g.class, g.kind, g.process_id, p.pid, COALESCE(p.name, ''), g.handles, g.since FROM"
                " (SELECT o.id AS id, o.class AS class, o.kind AS kind, c.process_id AS process_id,"
                "  COUNT(*) AS handles, COALESCE(o.created_ts, MIN(h.bind_ts)) AS since" + held +
                    ") g LEFT JOIN processes p ON p.id = g.process_id ORDER BY g.since, g.id, g.process_id LIMIT ?2",
                db.path());
    s.bind(1, snap.now_ts);
    s.bind(2, static_cast<int64_t>(query.oldest_objects));
    while (s.next()) {
        TopHeldObject o;
        o.object_id = s.int_at(0);
        o.klass = s.text_at(1);
        o.kind = s.text_at(2);
        o.holder_id = s.null_at(3) ? 0 : s.int_at(3);
        o.holder_pid = s.null_at(4) ? 0 : s.int_at(4);
        o.holder_name = s.text_at(5);
        o.handles = s.int_at(6);
        if (!s.null_at(7))
            o.since_ts = s.int_at(7);
        snap.oldest.push_back(std::move(o));
    }
}

} // namespace

TopSnapshot read_top_snapshot(const Database &db, const TopQuery &query)
{
    TopSnapshot snap;
    snap.file = db.path();
    ReadTransaction read(db);
    read_header(db, query, snap);
    read_processes(db, snap);
    read_ops(db, snap);
    read_oldest(db, query, snap);
    read.commit();
    return snap;
}

void update_top_state(TopSnapshot &snapshot, const TopQuery &query)
{
    if (snapshot.state == TopState::live || snapshot.state == TopState::stalled)
        snapshot.state = stalled(snapshot, query) ? TopState::stalled : TopState::live;
}

int64_t data_version(const Database &db)
{
    Statement s(db.handle(), "PRAGMA data_version", db.path());
    return s.next() ? s.int_at(0) : 0;
}

} // namespace teescope::store
