#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Grows a database the way a live import does, from a finished one: a test fixture.

  live_db_writer.py SRC.db DST.db --steps MS,MS,... [--delay S] [--wait-file PATH] [--leave live|stalled]

Creates DST.db in WAL mode with SRC's tables, then commits one batch per step: every row of SRC
that began at or before T = first_ts + MS milliseconds, written as it was at T (what ended after T
has its end columns NULL and end_kind 'live'; rows are replaced with the same id as they end), and
metadata live = 1, live_ts = T, live_events, live_wall_ms, events_lost, packets_lost. After the first step it
prints "ready" and, with --wait-file, waits for that file before going on; it sleeps --delay
seconds between the other steps. At the end SRC's final rows and metadata are written (complete =
1, live = 0), unless --leave live (stop as a live import still running would look) or --leave
stalled (its last commit a minute ago, as a live import that died).
"""
import argparse
import os
import sqlite3
import sys
import time

# table: (start, [(end column, [columns only known once that end happened])])
# A row is open at T while any end column is NULL or later than T.
TABLES = {
    "processes": ("start_ts", [("end_ts", [])]),
    "threads": ("start_ts", [("end_ts", [])]),
    "contexts": ("open_ts", [("close_ts", ["handles_at_close", "requests_at_close"]), ("release_ts", [])]),
    "context_users": ("first_ts", []),
    "objects": ("created_ts", [("unexported_ts", []), ("release_queue_ts", []),
                               ("release_done_ts", ["release_result", "release_retries"]), ("freed_ts", [])]),
    "handles": ("bind_ts", [("unbind_ts", ["unbind_reason"])]),
    "invocations": ("COALESCE(user_begin_ts, drv_begin_ts)",
                    [("drv_begin_ts", []), ("user_end_ts", []), ("drv_end_ts", ["err", "ret", "out_bytes", "wait_ns"])]),
    "callback_requests": ("COALESCE(queue_ts, pick_ts)",
                          [("pick_ts", []), ("answer_ts", ["ret", "err"]), ("return_ts", [])]),
    "async_releases": ("ts", []),
    "data_loss": ("COALESCE(end_ts, begin_ts)", []),
    "shm": ("created_ts", [("freed_ts", ["freed_by"])]),
    "shm_uses": ("ts", []),
    "sessions": ("open_ts", [("close_ts", ["closed_by"])]),
    "optee_waits": ("begin_ts", [("end_ts", [])]),
    "guests": ("created_ts", [("destroyed_ts", ["contexts_dropped", "sessions_dropped", "shm_dropped"])]),
    "ta_names": (None, []),
    "ta_commands": (None, []),
}
# Written by the import only when it finishes.
FINAL_ONLY = ["import_stats", "latency", "latency_op_names", "op_names", "invocation_groups",
              "invocation_group_durations", "timeline_summary", "timeline_lanes", "timeline_buckets",
              "timeline_id_ranges", "timeline_long"]


def columns(db, table):
    return [r[1] for r in db.execute(f"PRAGMA src.table_info({table})")]


def open_ends(table, ends):
    """SQL true when the row is still open at :t (an end not reached yet)."""
    terms = [f"({e} IS NULL OR {e} > :t)" for e, _ in ends]
    if table == "callback_requests":
        # A RELEASE notice is done once picked; an answered RPC once it returned.
        return ("(CASE WHEN end_kind = 'delivered' THEN (pick_ts IS NULL OR pick_ts > :t)"
                " ELSE (COALESCE(answer_ts, return_ts) IS NULL OR COALESCE(answer_ts, return_ts) > :t) END)")
    if table == "contexts":
        return "((close_ts IS NULL OR close_ts > :t) OR (end_kind = 'released' AND release_ts > :t))"
    if table == "invocations":
        return "(COALESCE(drv_end_ts, user_end_ts) IS NULL OR COALESCE(drv_end_ts, user_end_ts) > :t)"
    return "(" + " OR ".join(terms) + ")" if terms else "0"


def step_sql(db, table):
    start, ends = TABLES[table]
    cols = columns(db, table)
    exprs = []
    masked = {}
    for end, extra in ends:
        masked[end] = f"CASE WHEN {end} > :t THEN NULL ELSE {end} END"
        for c in extra:
            masked[c] = f"CASE WHEN {end} IS NULL OR {end} > :t THEN NULL ELSE {c} END"
    still_open = open_ends(table, ends)
    for c in cols:
        if c in masked:
            exprs.append(masked[c])
        elif c == "end_kind":
            exprs.append(f"CASE WHEN {still_open} OR end_kind LIKE '%at_end' THEN 'live' ELSE end_kind END")
        else:
            exprs.append(c)
    where = f"WHERE {start} IS NULL OR {start} <= :t" if start else ""
    return f"INSERT OR REPLACE INTO main.{table} ({', '.join(cols)}) SELECT {', '.join(exprs)} FROM src.{table} {where}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("--steps", required=True, help="milliseconds after the first event, comma separated")
    ap.add_argument("--delay", type=float, default=0.1)
    ap.add_argument("--wait-file")
    ap.add_argument("--leave", choices=["live", "stalled"])
    a = ap.parse_args()

    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(a.dst + suffix):
            os.remove(a.dst + suffix)
    db = sqlite3.connect(a.dst, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("ATTACH DATABASE ? AS src", (a.src,))
    meta = dict(db.execute("SELECT key, value FROM src.metadata"))
    first, last, events = int(meta["first_ts"]), int(meta["last_ts"]), int(meta["events"])
    version = db.execute("PRAGMA src.user_version").fetchone()[0]

    db.execute("BEGIN")
    for kind in ("table", "view"):
        for (sql,) in db.execute(f"SELECT sql FROM src.sqlite_master WHERE type = '{kind}' AND sql IS NOT NULL"
                                 " AND name NOT LIKE 'sqlite_%' ORDER BY rowid").fetchall():
            db.execute(sql)
    db.execute(f"PRAGMA user_version = {version}")
    db.execute("COMMIT")
    statements = {t: step_sql(db, t) for t in TABLES}

    steps = [first + int(float(ms) * 1e6) for ms in a.steps.split(",")]
    for i, t in enumerate(steps):
        if i == 1 and a.wait_file:
            while not os.path.exists(a.wait_file):
                time.sleep(0.01)
        elif i > 0:
            time.sleep(a.delay)
        db.execute("BEGIN")
        for table, sql in statements.items():
            db.execute(sql, {"t": t})
        lost, lost_packets = db.execute("SELECT COALESCE(SUM(CASE WHEN what = 'events' THEN count END), 0),"
                                        " COALESCE(SUM(CASE WHEN what <> 'events' THEN count END), 0)"
                                        " FROM main.data_loss").fetchone()
        live_events = events * (t - first) // max(last - first, 1)
        wall_ms = int(time.time() * 1000)
        values = {"schema_version": meta["schema_version"], "complete": "0", "live": "1", "first_ts": str(first),
                  "live_ts": str(t), "live_events": str(live_events), "live_wall_ms": str(wall_ms),
                  "events_lost": str(lost), "packets_lost": str(lost_packets)}
        db.executemany("INSERT OR REPLACE INTO main.metadata (key, value) VALUES (?, ?)", values.items())
        db.execute("COMMIT")
        print(f"step {t}", flush=True)
        if i == 0:
            print("ready", flush=True)

    if a.leave == "stalled":
        db.execute("UPDATE main.metadata SET value = ? WHERE key = 'live_wall_ms'", (str(int(time.time() * 1000) - 60000),))
    if a.leave:
        db.close()
        return
    time.sleep(a.delay)
    db.execute("BEGIN")
    for table in list(TABLES) + FINAL_ONLY:
        # Stored columns only: a generated one (processes.display_name) is not inserted.
        cols = ", ".join(r[1] for r in db.execute(f"PRAGMA main.table_info({table})"))
        db.execute(f"INSERT OR REPLACE INTO main.{table} ({cols}) SELECT {cols} FROM src.{table}")
    db.execute("DELETE FROM main.metadata")
    db.execute("INSERT INTO main.metadata SELECT * FROM src.metadata")
    db.execute("INSERT OR REPLACE INTO main.metadata (key, value) VALUES ('live', '0')")
    db.execute("COMMIT")
    print("finished", flush=True)
    db.close()


if __name__ == "__main__":
    sys.exit(main())
