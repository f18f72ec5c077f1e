#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Live recording end to end: `teescope record --live --sim` of scenario_load while a reader polls
the database the live import writes.

  live_record.py --bindir BUILD/bin

The reader (its own read-only SQLite connection, every 50 ms) must see rows while the scenario
still runs, and at every poll: ids that never change what they name (a start column once set
keeps its value), begin <= end, no handle bound twice at once, the metadata saying live = 1 and
how far it got. The finished database must equal `teescope import` of the trace the relay daemon
wrote (every table but metadata, row for row). Then the bad cases: a bad url, a relay daemon that
is not there, one that goes away during the import. Records with LTTng: run it under the machine's
recording lock.
"""
import argparse
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time

# Columns that name a lifetime: once a row shows them, they never change.
START_COLUMNS = {
    "processes": ["pid", "start_ts", "parent_id"],
    "threads": ["process_id", "tid", "start_ts"],
    "contexts": ["serial", "open_ts"],
    "objects": ["address", "kind", "created_ts", "produced_by"],
    "handles": ["context_id", "handle", "object_id", "bind_ts"],
    "invocations": ["serial", "user_serial", "user_begin_ts", "drv_begin_ts", "op"],
    "callback_requests": ["request", "queue_ts", "invocation_id"],
    "shm": ["shm", "created_ts"],
    "sessions": ["session", "open_ts"],
}
# (table, begin, end) pairs that must be ordered whenever both are set.
ORDERED = [
    ("processes", "start_ts", "end_ts"),
    ("objects", "created_ts", "freed_ts"),
    ("handles", "bind_ts", "unbind_ts"),
    ("invocations", "user_begin_ts", "user_end_ts"),
    ("invocations", "drv_begin_ts", "drv_end_ts"),
    ("callback_requests", "queue_ts", "answer_ts"),
    ("shm", "created_ts", "freed_ts"),
]


class Poller:
    def __init__(self, db):
        self.db = db
        self.seen = {}          # (table, id) -> start column values once set
        self.polls = 0
        self.live_polls = 0
        self.live_rows = []     # (live_ts, invocations, objects) of polls while live
        self.problems = []

    def poll(self):
        if not os.path.exists(self.db):
            return None
        try:
            c = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=5)
        except sqlite3.Error:
            return None
        try:
            c.execute("BEGIN")  # one snapshot for the whole poll
            meta = dict(c.execute("SELECT key, value FROM metadata"))
            if "schema_version" not in meta:
                return None
            self.polls += 1
            for table, cols in START_COLUMNS.items():
                for row in c.execute(f"SELECT id, {', '.join(cols)} FROM {table}"):
                    key = (table, row[0])
                    old = self.seen.get(key)
                    if old is not None:
                        for name, before, now in zip(cols, old, row[1:]):
                            if before is not None and before != now:
                                self.problems.append(f"{table} {row[0]}: {name} changed {before} -> {now}")
                        row = (row[0],) + tuple(b if b is not None else n for b, n in zip(old, row[1:]))
                    self.seen[key] = row[1:]
            for table, begin, end in ORDERED:
                n = c.execute(f"SELECT count(*) FROM {table} WHERE {begin} IS NOT NULL AND {end} IS NOT NULL "
                              f"AND {end} < {begin}").fetchone()[0]
                if n:
                    self.problems.append(f"{table}: {n} rows end ({end}) before they begin ({begin})")
            twice = c.execute("SELECT context_id, handle, count(*) FROM handles WHERE unbind_ts IS NULL "
                              "AND unbind_reason IS NULL GROUP BY 1, 2 HAVING count(*) > 1").fetchall()
            if twice:
                self.problems.append(f"handles bound twice at once: {twice[:3]}")
            if meta.get("live") == "1":
                self.live_polls += 1
                inv = c.execute("SELECT count(*) FROM invocations").fetchone()[0]
                obj = c.execute("SELECT count(*) FROM objects WHERE end_kind = 'live'").fetchone()[0]
                self.live_rows.append((int(meta.get("live_ts", "0")), inv, obj))
            return meta
        except sqlite3.Error as e:
            self.problems.append(f"a read failed: {e}")
            return None
        finally:
            c.close()


def tables_of(path):
    c = sqlite3.connect(path)
    out = {}
    for (t,) in c.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name != 'metadata'"):
        out[t] = sorted(c.execute(f"SELECT * FROM {t}").fetchall(), key=repr)
    c.close()
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--bindir", required=True)
    p.add_argument("--calls", type=int, default=15000)
    a = p.parse_args()
    teescope = os.path.join(a.bindir, "teescope")
    failures = []

    def expect(ok, what):
        print(f"{'ok  ' if ok else 'FAIL'} {what}", flush=True)
        if not ok:
            failures.append(what)

    with tempfile.TemporaryDirectory(prefix="teescope-live-e2e-") as tmp:
        trace = os.path.join(tmp, "trace")
        db = os.path.join(tmp, "live.db")
        rec = subprocess.Popen([teescope, "record", "--live", "--sim", "--no-summary", "-o", trace, "--db", db,
                                "--", os.path.join(a.bindir, "scenario_load"), "--processes", "2", "--threads", "2",
                                "--calls", str(a.calls)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        poller = Poller(db)
        deadline = time.monotonic() + 300
        while rec.poll() is None and time.monotonic() < deadline:
            poller.poll()
            time.sleep(0.05)
        if rec.poll() is None:
            rec.kill()
        out, err = rec.communicate()
        expect(rec.returncode == 0, f"record --live exits 0 (got {rec.returncode}): {err.strip()[-500:]}")
        expect(f"database: {db}" in out, f"record --live names the database: {out.strip()[-300:]}")
        final = poller.poll()
        expect(not poller.problems, f"the reader saw no broken invariant ({poller.problems[:5]})")
        expect(poller.live_polls >= 5, f"the reader saw the file live at {poller.live_polls} polls (>= 5)")
        expect(final is not None and final.get("live") == "0" and final.get("complete") == "1",
               f"the finished file says live = 0, complete = 1: {final and {k: final.get(k) for k in ('live', 'complete')}}")

        f = sqlite3.connect(db)
        client_end = f.execute("SELECT max(end_ts) FROM processes WHERE end_kind = 'exited'").fetchone()[0]
        left = f.execute("SELECT count(*) FROM (SELECT end_kind FROM processes UNION ALL SELECT end_kind FROM objects "
                         "UNION ALL SELECT end_kind FROM contexts UNION ALL SELECT end_kind FROM callback_requests "
                         "UNION ALL SELECT end_kind FROM shm UNION ALL SELECT end_kind FROM sessions) "
                         "WHERE end_kind = 'live'").fetchone()[0]
        total = f.execute("SELECT count(*) FROM invocations").fetchone()[0]
        f.close()
        expect(left == 0, f"no row of the finished file is still `live` ({left})")
        early = [r for r in poller.live_rows if r[1] > 0 and client_end and r[0] < client_end]
        expect(len(early) > 0 and min(r[1] for r in early) < total,
               f"invocations were visible before the scenario ended: {len(early)} polls, "
               f"first {early[0] if early else None}, scenario ended at {client_end}, {total} in the end")
        expect(any(r[2] > 0 for r in poller.live_rows), "objects alive now were visible as `live` rows")

        offline = os.path.join(tmp, "offline.db")
        r = subprocess.run([teescope, "import", trace, "-o", offline, "--progress=none"], capture_output=True,
                           text=True, timeout=600)
        expect(r.returncode == 0, f"offline import of the relay daemon's trace: {r.returncode} {r.stderr.strip()}")
        if r.returncode == 0:
            live_tables, offline_tables = tables_of(db), tables_of(offline)
            differ = [t for t in offline_tables if live_tables.get(t) != offline_tables[t]]
            expect(not differ and set(live_tables) == set(offline_tables),
                   f"the finished live database equals the offline import, row for row ({differ})")
            expect(len(offline_tables["invocations"]) == total and total >= 4 * a.calls,
                   f"{total} invocations (>= {4 * a.calls})")

        # The remote set-up of the README on loopback: a relay daemon started by hand, a live
        # session made with plain lttng commands (as on a board), `import --live-url` attached
        # before the session starts, unmodified programs under the preload and teesim.
        ports = []
        for _ in range(3):
            with socket.socket() as sk:
                sk.bind(("127.0.0.1", 0))
                ports.append(sk.getsockname()[1])
        relay_dir = os.path.join(tmp, "desktop")
        relayd = subprocess.Popen(["lttng-relayd", "-C", f"tcp://127.0.0.1:{ports[0]}", "-D",
                                   f"tcp://127.0.0.1:{ports[1]}", "-L", f"tcp://127.0.0.1:{ports[2]}", "-o", relay_dir],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        session = f"board-{os.getpid()}"
        sim = None
        try:
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", ports[2]), timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.05)
            for args in (["create", session, "--live=100000", f"--set-url=net://127.0.0.1:{ports[0]}:{ports[1]}"],
                         ["enable-event", "-u", "-s", session, "teescope_user:*,teescope_drv:*"],
                         ["add-context", "-u", "-s", session, "-t", "vpid", "-t", "vtid", "-t", "procname"]):
                r = subprocess.run(["lttng", *args], capture_output=True, text=True)
                expect(r.returncode == 0, f"lttng {' '.join(args)}: {r.stdout.strip()} {r.stderr.strip()}")
            board = os.path.join(tmp, "board.db")
            url = f"net://127.0.0.1:{ports[2]}/host/{socket.gethostname()}/{session}"
            imp = subprocess.Popen([teescope, "import", "--live-url", url, "-o", board, "--progress=none"],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            time.sleep(1.5)  # attached before the session starts
            subprocess.run(["lttng", "start", session], capture_output=True)
            sock = os.path.join(tmp, "board-sim.sock")
            env = {k: v for k, v in os.environ.items() if k not in ("TEESCOPE_TRACE", "TEESCOPE_RECORDING")}
            sim = subprocess.Popen([teescope, "sim", "--socket", sock], env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
            for _ in range(100):
                if os.path.exists(sock):
                    break
                time.sleep(0.05)
            preload = os.path.join(os.path.dirname(a.bindir), "lib", "libteescope-preload.so")
            r = subprocess.run([os.path.join(a.bindir, "scenario_sharing")], capture_output=True, text=True,
                               env=dict(env, LD_PRELOAD=preload, TEESCOPE_SIM=sock), timeout=120)
            expect(r.returncode == 0, f"scenario_sharing under the preload: {r.returncode} {r.stderr.strip()[-300:]}")
            time.sleep(0.5)
            sim.terminate()
            sim.wait(timeout=10)
            sim = None
            subprocess.run(["lttng", "destroy", session], capture_output=True)
            try:
                out, err = imp.communicate(timeout=120)
            except subprocess.TimeoutExpired:
                imp.kill()
                out, err = imp.communicate()
                err = "(did not end within 120 s after the session was destroyed) " + err
            expect(imp.returncode == 0, f"import --live-url ends when the session is destroyed: {imp.returncode} "
                   f"{err.strip()[-300:]}")
            offline = os.path.join(tmp, "desktop.db")
            r = subprocess.run([teescope, "import", relay_dir, "-o", offline, "--progress=none"], capture_output=True,
                               text=True, timeout=300)
            if imp.returncode == 0 and r.returncode == 0:
                live_tables, offline_tables = tables_of(board), tables_of(offline)
                differ = [t for t in offline_tables if live_tables.get(t) != offline_tables[t]]
                expect(not differ and len(offline_tables["invocations"]) > 10,
                       f"attached by url: the database equals the offline import of the relay daemon's trace "
                       f"({differ}, {len(offline_tables['invocations'])} invocations)")
        finally:
            subprocess.run(["lttng", "destroy", session], capture_output=True)
            if sim is not None:
                sim.kill()
            relayd.terminate()
            relayd.wait(timeout=10)

        # teescope top records the command itself and follows it: blocks while live, then finished.
        topdb = os.path.join(tmp, "top.db")
        r = subprocess.run([teescope, "top", "--batch", "--interval", "0.3", "--db", topdb, "--sim", "--",
                            os.path.join(a.bindir, "scenario_load"), "--processes", "1", "--threads", "2",
                            "--calls", "2000", "--rate", "1000"], capture_output=True, text=True, timeout=300)
        blocks = r.stdout.split("== teescope top")
        live_blocks = [b for b in blocks if "state: live" in b]
        expect(r.returncode == 0 and len(live_blocks) >= 2 and "state: finished" in blocks[-1],
               f"top --sim -- CMD: exit {r.returncode}, {len(live_blocks)} live blocks, last block finished: "
               f"{'state: finished' in blocks[-1]} {r.stderr.strip()[-300:]}")
        if os.path.exists(topdb):
            c = sqlite3.connect(topdb)
            adds = c.execute("SELECT count(*) FROM invocations i JOIN objects o ON o.id = i.object_id "
                             "WHERE o.class = 'app' AND i.op = 0").fetchone()[0]
            c.close()
            shown = [line.split() for line in blocks[-1].splitlines() if line.startswith("app ")]
            expect(adds == 4000 and any(len(x) > 2 and x[2] == str(adds) for x in shown),
                   f"its last block counts the {adds} app add calls of the database: {shown[:2]}")

        # No relay daemon installed: record --live says so and records nothing.
        bindir = os.path.join(tmp, "no-relayd-bin")
        os.makedirs(bindir)
        for tool in ("lttng", "lttng-sessiond", "babeltrace2"):
            found = shutil.which(tool)
            if found:
                os.symlink(found, os.path.join(bindir, tool))
        r = subprocess.run([teescope, "record", "--live", "--sim", "-o", os.path.join(tmp, "nr"), "--",
                            os.path.join(a.bindir, "scenario_sharing")], capture_output=True, text=True, timeout=120,
                           env=dict(os.environ, PATH=bindir))
        expect(r.returncode == 2 and "`lttng-relayd` not found" in r.stderr
               and not os.path.exists(os.path.join(tmp, "nr.db")),
               f"lttng-relayd not installed: exit {r.returncode}, {r.stderr.strip()[-200:]}")

        # Bad cases.
        r = subprocess.run([teescope, "import", "--live-url", "http://example/x", "-o", os.path.join(tmp, "x.db")],
                           capture_output=True, text=True, timeout=60)
        expect(r.returncode == 2 and "not a live session url" in r.stderr, f"a bad url: {r.returncode} {r.stderr.strip()}")
        gone = os.path.join(tmp, "nobody.db")
        r = subprocess.run([teescope, "import", "--live-url", "net://127.0.0.1:9/host/h/s", "-o", gone,
                            "--progress=none"], capture_output=True, text=True, timeout=120)
        expect(r.returncode == 1 and "net://127.0.0.1:9/host/h/s" in r.stderr,
               f"no relay daemon there: exit {r.returncode}, {r.stderr.strip()[-300:]}")
        if os.path.exists(gone):
            c = sqlite3.connect(gone)
            meta = dict(c.execute("SELECT key, value FROM metadata"))
            c.close()
            expect(meta.get("complete") == "0" and meta.get("live") == "0",
                   f"its database says it is incomplete and not live: {meta.get('complete')}, {meta.get('live')}")

        # A relay daemon that goes away while the import reads: the import ends with what it read,
        # and a Ctrl-C still ends the recording.
        trace = os.path.join(tmp, "gone")
        gone = os.path.join(tmp, "gone.db")
        rec = subprocess.Popen([teescope, "record", "--live", "--sim", "--no-summary", "-o", trace, "--db", gone,
                                "--", os.path.join(a.bindir, "scenario_load"), "--processes", "1", "--threads", "1",
                                "--calls", "10000000"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        poller = Poller(gone)
        deadline = time.monotonic() + 60
        meta = None
        while rec.poll() is None and time.monotonic() < deadline:
            meta = poller.poll()
            if meta and int(meta.get("live_events", "0")) > 0:
                break
            time.sleep(0.1)
        relayd = subprocess.run(["pgrep", "-P", str(rec.pid), "-x", "lttng-relayd"], capture_output=True,
                                text=True).stdout.split()
        expect(len(relayd) == 1, f"record --live runs a relay daemon of its own: {relayd}")
        for pid in relayd:
            os.kill(int(pid), signal.SIGKILL)
        time.sleep(1)
        rec.send_signal(signal.SIGINT)
        try:
            out, err = rec.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            rec.kill()
            out, err = rec.communicate()
            err = "(did not end within 120 s) " + err
        expect("the live import exited with 3" in err and f"database: {gone}" in out,
               f"relay daemon gone: the import ends with exit 3 and the database: {err.strip()[-400:]}")
        if os.path.exists(gone):
            c = sqlite3.connect(gone)
            meta = dict(c.execute("SELECT key, value FROM metadata"))
            events = c.execute("SELECT count(*) FROM invocations").fetchone()[0]
            c.close()
            expect(meta.get("read_error") == "1" and meta.get("live") == "0" and events > 0,
                   f"its database keeps what was read and says the read broke: read_error {meta.get('read_error')}, "
                   f"live {meta.get('live')}, {events} invocations")

    if failures:
        sys.exit(f"{len(failures)} checks failed")
    print("all checks passed")


if __name__ == "__main__":
    main()
