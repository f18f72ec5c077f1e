// SPDX-License-Identifier: MIT
// A live database for the GUI's follow tests, grown from a finished one the way a live import
// writes it: WAL mode, rows copied in time order (a lifetime's row appears once it has begun,
// with its end columns NULL and end_kind 'live' while it is still open at the current step, and
// the same id as in the finished file), metadata live = 1 / live_ts / live_wall_ms / live_events
// / events_lost at each commit; finish() writes the finished rows and metadata (live = 0).
// It has its own connection: drive it from a thread of its own (see growInThread).
#pragma once

#include "teescope/store/database.h"
#include "teescope/store/statement.h"

#include <QDateTime>
#include <QString>
#include <QStringList>
#include <QTest>

#include <future>
#include <string>
#include <vector>

namespace teescope::gui::walk {

class LiveDbGrower {
public:
    // What each table's lifetimes begin and end with, as SQL over the finished row.
    struct Table {
        std::string name;
        std::string begin; // the row appears when this is <= the step's time
        std::string end;   // NULL or later than the step's time: still open (end columns NULL)
    };

    LiveDbGrower(const std::string &finished, const std::string &path)
        : db_(store::Database::create(path)), finished_(finished)
    {
        db_.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
        db_.exec("ATTACH DATABASE '" + finished + "' AS src");
        firstTs_ = number("SELECT CAST(value AS INTEGER) FROM src.metadata WHERE key = 'first_ts'");
        lastTs_ = number("SELECT CAST(value AS INTEGER) FROM src.metadata WHERE key = 'last_ts'");
        events_ = number("SELECT CAST(value AS INTEGER) FROM src.metadata WHERE key = 'events'");
        const std::string first = std::to_string(firstTs_);
        tables_ = {
            {"processes", "start_ts", "end_ts"},
            {"threads", "start_ts", "end_ts"},
            {"contexts", "COALESCE(open_ts, " + first + ")", "COALESCE(release_ts, close_ts)"},
            {"context_users", "first_ts", "NULL"},
            {"objects", "COALESCE(created_ts, " + first + ")", "COALESCE(freed_ts, release_done_ts)"},
            {"handles", "COALESCE(bind_ts, " + first + ")", "unbind_ts"},
            {"invocations", "COALESCE(user_begin_ts, drv_begin_ts, user_end_ts, drv_end_ts)",
             "COALESCE(user_end_ts, drv_end_ts)"},
            {"callback_requests", "COALESCE(queue_ts, pick_ts, answer_ts, " + first + ")", "answer_ts"},
            {"async_releases", "ts", "ts"},
            {"data_loss", "COALESCE(begin_ts, " + first + ")", "begin_ts"},
            {"shm", "COALESCE(created_ts, " + first + ")", "freed_ts"},
            {"shm_uses", "COALESCE(ts, " + first + ")", "ts"},
            {"sessions", "COALESCE(open_ts, " + first + ")", "COALESCE(close_ts, CASE WHEN end_kind = 'failed' THEN open_ts END)"},
            {"optee_waits", "COALESCE(begin_ts, " + first + ")", "end_ts"},
            {"guests", "COALESCE(created_ts, " + first + ")", "destroyed_ts"},
        };
        // What is not a lifetime is there from the start (import statistics come at the end).
        db_.exec("BEGIN");
        for (const char *t : {"ta_names", "ta_commands", "op_names"})
            db_.exec(std::string("DELETE FROM main.") + t + "; INSERT INTO main." + t + " SELECT * FROM src." + t);
        db_.exec("DELETE FROM main.metadata; INSERT INTO main.metadata SELECT * FROM src.metadata"
                 " WHERE key NOT IN ('complete', 'last_ts', 'events')");
        setMeta("complete", 0);
        setMeta("live", 1);
        db_.exec("COMMIT");
    }

    qint64 firstTs() const { return firstTs_; }
    qint64 lastTs() const { return lastTs_; }
    // The trace time `fraction` of the way through the finished trace.
    qint64 at(double fraction) const { return firstTs_ + qint64(double(lastTs_ - firstTs_) * fraction); }

    // One commit: everything begun by `ts`, as it was at `ts`.
    void growTo(qint64 ts)
    {
        const std::string t = std::to_string(ts);
        db_.exec("BEGIN");
        for (const Table &table : tables_) {
            std::vector<std::string> cols;
            {
                store::Statement info(db_.handle(), "SELECT name, \"notnull\" FROM pragma_table_info('" + table.name + "', 'src')",
                                      db_.path());
                while (info.next())
                    cols.push_back(columnAt(table, info.text_at(0), info.int_at(1) != 0, t));
            }
            std::string select;
            for (const std::string &c : cols)
                select += (select.empty() ? "" : ", ") + c;
            db_.exec("DELETE FROM main." + table.name + "; INSERT INTO main." + table.name + " SELECT " + select +
                     " FROM src." + table.name + " WHERE " + table.begin + " <= " + t);
        }
        const double done = lastTs_ > firstTs_ ? double(ts - firstTs_) / double(lastTs_ - firstTs_) : 1;
        setMeta("live_ts", ts);
        setMeta("live_events", qint64(double(events_) * std::clamp(done, 0.0, 1.0)));
        setMeta("live_wall_ms", QDateTime::currentMSecsSinceEpoch());
        setMeta("events_lost",
                number("SELECT COALESCE(SUM(count), 0) FROM main.data_loss WHERE what = 'events'"));
        db_.exec("COMMIT");
    }

    // The import finished: the rows and metadata of the finished file.
    void finish()
    {
        db_.exec("BEGIN");
        for (const Table &table : tables_)
            db_.exec("DELETE FROM main." + table.name + "; INSERT INTO main." + table.name + " SELECT * FROM src." +
                     table.name);
        for (const char *t :
             {"latency", "latency_op_names", "import_stats", "invocation_groups", "invocation_group_durations",
              "timeline_summary", "timeline_lanes", "timeline_buckets", "timeline_id_ranges", "timeline_long"})
            db_.exec(std::string("DELETE FROM main.") + t + "; INSERT INTO main." + t + " SELECT * FROM src." + t);
        db_.exec("DELETE FROM main.metadata; INSERT INTO main.metadata SELECT * FROM src.metadata");
        setMeta("live", 0);
        setMeta("live_ts", lastTs_);
        setMeta("live_events", events_);
        setMeta("live_wall_ms", QDateTime::currentMSecsSinceEpoch());
        db_.exec("COMMIT");
    }

private:
    // A column of a row as it was at time t: later times are not known yet, end_kind is 'live'
    // while the lifetime is open, and so are the other outcomes of an end (its reason, result).
    static std::string columnAt(const Table &table, const std::string &col, bool notNull, const std::string &t)
    {
        const std::string open = "(" + table.end + " IS NULL OR " + table.end + " > " + t + ")";
        const std::string q = "\"" + col + "\"";
        if (col == "end_kind")
            return "CASE WHEN " + open + " THEN 'live' ELSE " + q + " END";
        static const std::vector<std::string> outcomes{"unbind_reason", "freed_by", "release_result", "release_retries",
                                                       "handles_at_close", "requests_at_close", "closed_by", "err", "ret"};
        const bool isTime = col.size() > 3 && col.compare(col.size() - 3, 3, "_ts") == 0;
        const bool isOutcome = std::find(outcomes.begin(), outcomes.end(), col) != outcomes.end();
        if (isTime)
            return notNull ? "MIN(" + q + ", " + t + ")" : "CASE WHEN " + q + " > " + t + " THEN NULL ELSE " + q + " END";
        if (isOutcome && !notNull && table.end != "NULL")
            return "CASE WHEN " + open + " THEN NULL ELSE " + q + " END";
        return q;
    }

    void setMeta(const std::string &key, qint64 value)
    {
        db_.exec("INSERT OR REPLACE INTO main.metadata (key, value) VALUES ('" + key + "', '" + std::to_string(value) +
                 "')");
    }

    qint64 number(const std::string &sql) const
    {
        store::Statement s(db_.handle(), sql, db_.path());
        return s.next() && !s.null_at(0) ? s.int_at(0) : 0;
    }

    store::Database db_;
    std::string finished_;
    std::vector<Table> tables_;
    qint64 firstTs_ = 0;
    qint64 lastTs_ = 0;
    qint64 events_ = 0;
};

// Runs `step` on a thread of its own while the GUI's event loop keeps running.
template <typename Step>
bool growInThread(Step step, int timeoutMs = 10000)
{
    auto done = std::async(std::launch::async, std::move(step));
    const bool finished = QTest::qWaitFor([&] { return done.wait_for(std::chrono::seconds(0)) == std::future_status::ready; },
                                          timeoutMs);
    if (finished)
        done.get(); // rethrows what the step threw
    return finished;
}

} // namespace teescope::gui::walk
