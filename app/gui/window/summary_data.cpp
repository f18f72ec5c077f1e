// SPDX-License-Identifier: MIT
#include "window/summary_data.h"

namespace teescope::gui {

namespace {

qint64 scalar(const store::Database &db, const char *sql)
{
    store::Statement s(db.handle(), sql, db.path());
    return s.next() ? s.int_at(0) : 0;
}

QString text(const store::Statement &s, int col) { return traceText(s.text_at(col)); }

} // namespace

SummaryCounts loadSummaryCounts(const store::Database &db)
{
    SummaryCounts c;
    c.info = loadTraceInfo(db);
    c.processes = scalar(db, "SELECT count(*) FROM processes");
    c.threads = scalar(db, "SELECT count(*) FROM threads");
    c.contexts = scalar(db, "SELECT count(*) FROM contexts");
    c.objects = scalar(db, "SELECT count(*) FROM objects");
    c.handles = scalar(db, "SELECT count(*) FROM handles");
    c.invocations = scalar(db, "SELECT count(*) FROM invocations");
    c.callbackRequests = scalar(db, "SELECT count(*) FROM callback_requests");
    c.asyncReleases = scalar(db, "SELECT count(*) FROM async_releases");
    c.shm = scalar(db, "SELECT count(*) FROM shm");
    c.sessions = scalar(db, "SELECT count(*) FROM sessions");
    return c;
}

SummaryDetails loadSummaryDetails(const store::Database &db)
{
    SummaryDetails d;
    {
        // Invocations per process through the (thread_id, drv_begin_ts) index: one count per thread.
        store::Statement s(db.handle(),
                           "SELECT p.id, p.pid, p.name, p.guest, p.start_ts, p.end_ts, p.end_kind,"
                           " (SELECT count(*) FROM threads t WHERE t.process_id = p.id),"
                           " (SELECT count(*) FROM contexts c WHERE c.process_id = p.id),"
                           " (SELECT COALESCE(SUM((SELECT count(*) FROM invocations i WHERE i.thread_id = t.id)), 0)"
                           "    FROM threads t WHERE t.process_id = p.id)"
                           " FROM processes p ORDER BY p.start_ts, p.id",
                           db.path());
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
        store::Statement s(db.handle(), "SELECT kind, count(*) FROM leaks GROUP BY kind ORDER BY count(*) DESC, kind",
                           db.path());
        while (s.next())
            d.leaks.append({text(s, 0), s.int_at(1)});
    }
    d.sharedObjects = scalar(db, "SELECT count(*) FROM sharing_objects");
    {
        store::Statement s(db.handle(),
                           "SELECT class, op, count, p99_ns, max_ns FROM latency WHERE p99_ns IS NOT NULL"
                           " ORDER BY p99_ns DESC LIMIT 8",
                           db.path());
        while (s.next())
            d.slowest.append({text(s, 0), s.int_at(1), s.int_at(2), s.int_at(3), s.int_at(4)});
    }
    return d;
}

} // namespace teescope::gui
