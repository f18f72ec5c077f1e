// SPDX-License-Identifier: MIT
#include "window/summary_data.h"

#include "teescope/store/latency.h"

#include <algorithm>

namespace teescope::gui {

namespace {

qint64 scalar(const store::Database &db, const char *sql)
{
    store::Statement s(db.handle(), sql, db.path());
    return s.next() ? s.int_at(0) : 0;
}

// `sql` with ?1 bound to the guest.
qint64 scalar(const store::Database &db, const char *sql, int guest)
{
    store::Statement s(db.handle(), sql, db.path());
    s.bind(1, int64_t(guest));
    return s.next() ? s.int_at(0) : 0;
}

// A finished file: its invocation groups sum the invocations (a live file writes them at its end).
bool hasGroups(const store::Database &db)
{
    return db.complete() && db.metadata("live").value_or(std::string()) != "1";
}

QString text(const store::Statement &s, int col) { return traceText(s.text_at(col)); }

} // namespace

SummaryCounts loadSummaryCounts(const store::Database &db, int guest)
{
    SummaryCounts c;
    c.info = loadTraceInfo(db);
    c.guest = guest;
    c.guests = c.info.guests.size();
    if (guest >= 0) {
        c.processes = scalar(db, "SELECT count(*) FROM processes WHERE guest = ?1", guest);
        c.threads = scalar(db, "SELECT count(*) FROM threads t JOIN processes p ON p.id = t.process_id WHERE p.guest = ?1",
                           guest);
        c.contexts = scalar(db, "SELECT count(*) FROM contexts WHERE guest = ?1", guest);
        c.objects = scalar(db,
                           "SELECT count(*) FROM objects o LEFT JOIN contexts c ON c.id = o.context_id"
                           " WHERE COALESCE(c.guest, 0) = ?1",
                           guest);
        c.handles = scalar(db, "SELECT count(*) FROM handles h JOIN contexts c ON c.id = h.context_id WHERE c.guest = ?1",
                           guest);
        c.invocations = hasGroups(db)
                            ? scalar(db, "SELECT COALESCE(SUM(calls), 0) FROM invocation_groups WHERE guest = ?1", guest)
                            : scalar(db, "SELECT count(*) FROM invocations WHERE guest = ?1", guest);
        c.callbackRequests = scalar(db, "SELECT count(*) FROM callback_requests WHERE guest = ?1", guest);
        c.rpcs = scalar(db, "SELECT count(*) FROM callback_requests WHERE kind = 'rpc' AND guest = ?1", guest);
        c.asyncReleases = guest == 0 ? scalar(db, "SELECT count(*) FROM async_releases") : 0;
        c.shm = scalar(db, "SELECT count(*) FROM shm WHERE guest = ?1", guest);
        c.sessions = scalar(db, "SELECT count(*) FROM sessions WHERE guest = ?1", guest);
        return c;
    }
    c.processes = scalar(db, "SELECT count(*) FROM processes");
    c.threads = scalar(db, "SELECT count(*) FROM threads");
    c.contexts = scalar(db, "SELECT count(*) FROM contexts");
    c.objects = scalar(db, "SELECT count(*) FROM objects");
    c.handles = scalar(db, "SELECT count(*) FROM handles");
    c.invocations = scalar(db, "SELECT count(*) FROM invocations");
    c.callbackRequests = scalar(db, "SELECT count(*) FROM callback_requests");
    c.rpcs = scalar(db, "SELECT count(*) FROM callback_requests WHERE kind = 'rpc'");
    c.asyncReleases = scalar(db, "SELECT count(*) FROM async_releases");
    c.shm = scalar(db, "SELECT count(*) FROM shm");
    c.sessions = scalar(db, "SELECT count(*) FROM sessions");
    return c;
}

SummaryDetails loadSummaryDetails(const store::Database &db, int guest)
{
    SummaryDetails d;
    {
        // Invocations per process: from the invocation groups of a finished file, else through the
        // (thread_id, drv_begin_ts) index, one count per thread.
        store::Statement s(db.handle(),
                           std::string("SELECT p.id, p.pid, p.display_name, p.guest, p.start_ts, p.end_ts, p.end_kind,"
                                       " (SELECT count(*) FROM threads t WHERE t.process_id = p.id),"
                                       " (SELECT count(*) FROM contexts c WHERE c.process_id = p.id),") +
                               (hasGroups(db) ? " (SELECT COALESCE(SUM(calls), 0) FROM invocation_groups g"
                                                "    WHERE g.process_id = p.id)"
                                              : " (SELECT COALESCE(SUM((SELECT count(*) FROM invocations i"
                                                "    WHERE i.thread_id = t.id)), 0) FROM threads t WHERE t.process_id = p.id)") +
                               " FROM processes p WHERE ?1 < 0 OR p.guest = ?1 ORDER BY p.start_ts, p.id",
                           db.path());
        s.bind(1, int64_t(guest));
        while (s.next()) {
            ProcessSummary p;
            p.id = s.int_at(0);
            p.pid = s.int_at(1);
            p.name = text(s, 2);
            p.guest = s.int_at(3);
            p.startTs = s.int_at(4);
            p.endTs = s.null_at(5) ? -1 : s.int_at(5);
            p.endKind = text(s, 6);
            p.threads = s.int_at(7);
            p.contexts = s.int_at(8);
            p.invocations = s.int_at(9);
            d.processes.append(p);
        }
    }
    {
        store::Statement s(db.handle(),
                           "SELECT name, severity, count, example FROM import_stats"
                           " ORDER BY CASE severity WHEN 'data_loss' THEN 0 WHEN 'error' THEN 1 ELSE 2 END, name",
                           db.path());
        while (s.next())
            d.stats.append({text(s, 0), text(s, 1), text(s, 3), s.int_at(2)});
    }
    {
        store::Statement s(db.handle(),
                           "SELECT kind, count(*) FROM leaks WHERE ?1 < 0 OR guest = ?1 GROUP BY kind"
                           " ORDER BY count(*) DESC, kind",
                           db.path());
        s.bind(1, int64_t(guest));
        while (s.next())
            d.leaks.append({text(s, 0), s.int_at(1)});
    }
    {
        store::Statement s(db.handle(),
                           "SELECT kind, class, creator_name, count(*) FROM leaks WHERE ?1 < 0 OR guest = ?1"
                           " GROUP BY kind, class, creator_name",
                           db.path());
        s.bind(1, int64_t(guest));
        while (s.next())
            d.leakGroups.append({text(s, 0), s.null_at(1) ? QString() : text(s, 1),
                                 s.null_at(2) ? QString() : text(s, 2), s.int_at(3)});
    }
    {
        // Data loss is of the trace's streams, whatever the guest.
        store::Statement s(db.handle(), "SELECT what, count, begin_ts, end_ts, stream FROM data_loss ORDER BY id",
                           db.path());
        while (s.next())
            d.dataLoss.append({text(s, 0), s.int_at(1), s.null_at(2) ? -1 : s.int_at(2),
                               s.null_at(3) ? -1 : s.int_at(3), s.null_at(4) ? QString() : text(s, 4)});
    }
    // Sharing is of QTEE objects, which live in no guest.
    d.sharedObjects = guest <= 0 ? scalar(db, "SELECT count(*) FROM sharing_objects") : 0;
    if (guest < 0) {
        store::Statement s(db.handle(),
                           "SELECT class, op, count, p99_ns, max_ns, op_name FROM latency_ops WHERE p99_ns IS NOT NULL"
                           " ORDER BY p99_ns DESC LIMIT 8",
                           db.path());
        while (s.next())
            d.slowest.append({text(s, 0), s.int_at(1), s.int_at(2), s.int_at(3), s.int_at(4), text(s, 5)});
    } else {
        std::vector<store::LatencyGroup> groups = store::compute_latency_groups(db.handle(), db.path(), guest);
        std::stable_sort(groups.begin(), groups.end(),
                         [](const auto &a, const auto &b) { return a.p99_ns > b.p99_ns; });
        for (size_t i = 0; i < groups.size() && i < 8; ++i)
            d.slowest.append({traceText(groups[i].klass), groups[i].op, groups[i].count, groups[i].p99_ns,
                              groups[i].max_ns, traceText(groups[i].op_name)});
    }
    {
        store::Statement s(db.handle(),
                           "SELECT guest, threads, created_ts, destroyed_ts, contexts_dropped, sessions_dropped,"
                           " shm_dropped, end_kind FROM guests WHERE ?1 < 0 OR guest = ?1 ORDER BY guest, id",
                           db.path());
        s.bind(1, int64_t(guest));
        while (s.next()) {
            GuestSummary g;
            g.guest = s.int_at(0);
            g.threads = s.null_at(1) ? -1 : s.int_at(1);
            g.createdTs = s.null_at(2) ? -1 : s.int_at(2);
            g.destroyedTs = s.null_at(3) ? -1 : s.int_at(3);
            g.contextsDropped = s.null_at(4) ? 0 : s.int_at(4);
            g.sessionsDropped = s.null_at(5) ? 0 : s.int_at(5);
            g.shmDropped = s.null_at(6) ? 0 : s.int_at(6);
            g.endKind = text(s, 7);
            d.guests.append(g);
        }
    }
    return d;
}

} // namespace teescope::gui
