#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""`teescope top` on databases imported from the committed sample traces.

  top_view.py TEESCOPE TRACES_DIR CASE

CASE:
- finished: `top --batch` on finished databases: every number of the process table (contexts
            open, handles held, growth, calls/s, p99, callback requests queued / being served),
            the latency table and the oldest held objects equal SQL over the same database at
            last_ts (percentiles ranked here, independently); --iterations N prints N blocks;
- requests: a database grown to a moment where callback requests are queued and being served
            (live_db_writer.py): the per-process counts equal SQL at that moment;
- sorts:    each --sort key orders the processes (and, for p99, the ops) by its column;
- live:     a database grown by another process while `top --batch --iterations 3 --interval
            0.2` runs: each block equals SQL at its "now", and the growth since the previous
            refresh is shown;
- live_end: without --iterations, top follows a live file until its import finishes, and its
            last block says finished and equals `top --batch` of the finished file;
- stalled:  a live file whose writer stopped committing is shown as stalled, exit 1;
- bad:      a missing file, a directory, a file that is no database, a newer database, bad
            options: the documented exit codes and a message naming what was wrong;
- terminal: the full-screen view in a pseudo-terminal: alternate screen, keys s / p / q, Ctrl+C,
            SIGTERM and Ctrl+Z, and the terminal modes restored each time; TERM=dumb gives plain blocks.
"""
import math
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

from store_format import duration_text

HERE = os.path.dirname(os.path.abspath(__file__))
WRITER = os.path.join(HERE, "live_db_writer.py")
failures = []


def expect(ok, what):
    print(f"{'ok  ' if ok else 'FAIL'} {what}")
    if not ok:
        failures.append(what)


# --- what top prints -------------------------------------------------------------------------



def duration_ns(text):
    m = re.fullmatch(r"([0-9.]+)(ns|µs|ms|s)", text)
    return float(m.group(1)) * {"ns": 1, "µs": 1e3, "ms": 1e6, "s": 1e9}[m.group(2)]


def nearest_rank(values, p):
    v = sorted(values)
    return v[max(math.ceil(len(v) * p - 1e-9), 1) - 1]


def blocks(text):
    """The blocks of --batch output, each as {"header": [...], tables by first heading word}."""
    out = []
    for chunk in re.split(r"(?m)^== teescope top · ", text)[1:]:
        lines = chunk.split("\n")
        block = {"stamp": lines[0], "header": lines[1:3], "tables": {}}
        sections = "\n".join(lines[3:]).strip("\n").split("\n\n")
        for section in sections:
            rows = [re.split(r"\s{2,}", l.strip()) for l in section.split("\n") if l.strip()]
            if rows:
                block["tables"][rows[0][0].split(" ")[0]] = rows[1:]
        out.append(block)
    return out


def header_field(block, name):
    m = re.search(rf"{name}: ([^·]+)", " · ".join(block["header"]))
    return m.group(1).strip() if m else None


def now_offset_ns(block):
    m = re.fullmatch(r"\+(\d+)\.(\d{6}) s", header_field(block, "now"))
    return (int(m.group(1)) * 1_000_000 + int(m.group(2))) * 1000


def process_rows(block):
    """{pid: row} of the process table; row = [label, ctx, handles, +refresh, +window, calls/s, p99, q, s]."""
    rows = {}
    for r in block["tables"].get("PROCESS", []):
        m = re.search(r"\(pid (\d+)\)( ended)?$", r[0])
        rows[int(m.group(1))] = r
    return rows


# --- the same numbers from SQL ---------------------------------------------------------------

class Truth:
    """What the database says at time t (ns), by SQL written from the schema's documentation."""

    def __init__(self, path):
        self.db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        meta = dict(self.db.execute("SELECT key, value FROM metadata"))
        self.first, self.last = int(meta["first_ts"]), int(meta["last_ts"])
        self.pid = dict(self.db.execute("SELECT id, pid FROM processes"))
        self.unique_pids = len(set(self.pid.values())) == len(self.pid)

    def per_pid(self, sql, *args):
        return {self.pid[k]: v for k, v in self.db.execute(sql, args) if k is not None}

    def contexts(self, t):
        return self.per_pid("SELECT process_id, COUNT(*) FROM contexts WHERE (open_ts IS NULL OR open_ts <= ?1)"
                            " AND (close_ts IS NULL OR close_ts > ?1) GROUP BY process_id", t)

    def handles(self, t):
        return self.per_pid("SELECT c.process_id, COUNT(*) FROM handles h JOIN contexts c ON c.id = h.context_id"
                            " WHERE (h.bind_ts IS NULL OR h.bind_ts <= ?1) AND (h.unbind_ts IS NULL OR h.unbind_ts > ?1)"
                            " GROUP BY c.process_id", t)

    def calls(self, begin, t):
        return self.per_pid("SELECT process_id, COUNT(*) FROM invocations"
                            " WHERE COALESCE(user_begin_ts, drv_begin_ts) BETWEEN ?1 AND ?2 GROUP BY process_id",
                            begin, t)

    def p99(self, begin, t):
        d = {}
        for pid, ns in self.db.execute("SELECT process_id, drv_end_ts - drv_begin_ts FROM invocations WHERE"
                                       " process_id IS NOT NULL AND drv_begin_ts IS NOT NULL AND drv_end_ts"
                                       " BETWEEN ? AND ?", (begin, t)):
            d.setdefault(self.pid[pid], []).append(ns)
        return {p: nearest_rank(v, 0.99) for p, v in d.items()}

    def requests(self, t):
        """{pid: (queued, being served)}: picked = served until answered (RELEASE notices: done when picked)."""
        out = {}
        for pid, queue, pick, answer, ret, kind in self.db.execute(
                "SELECT c.process_id, r.queue_ts, r.pick_ts, r.answer_ts, r.return_ts, r.end_kind"
                " FROM callback_requests r JOIN contexts c ON c.id = r.context_id"):
            end = answer if answer is not None else ret
            if end is None and kind == "delivered":
                end = pick
            if end is None and kind not in ("live", "pending_at_end"):
                continue
            if (queue if queue is not None else pick) > t or (end is not None and end <= t):
                continue
            q, s = out.get(self.pid[pid], (0, 0))
            out[self.pid[pid]] = (q + (pick is None or pick > t), s + (pick is not None and pick <= t))
        return out

    def held_objects(self, t):
        """[(object id, holder pid, handles, since)] oldest first."""
        return [(o, self.pid.get(p), n, s) for o, p, n, s in self.db.execute(
            "SELECT o.id, c.process_id, COUNT(*), COALESCE(o.created_ts, MIN(h.bind_ts)) AS since"
            " FROM handles h JOIN contexts c ON c.id = h.context_id JOIN objects o ON o.id = h.object_id"
            " WHERE (h.bind_ts IS NULL OR h.bind_ts <= ?1) AND (h.unbind_ts IS NULL OR h.unbind_ts > ?1)"
            " GROUP BY o.id, c.process_id ORDER BY since, o.id, c.process_id", (t,))]

    def latency(self):
        """{(class, op in words): (count, p50, p99, max)} over the whole file, ranked here."""
        names = {(c, o): n for c, o, n in self.db.execute("SELECT class, op, op_name FROM latency_ops")}
        d = {}
        for c, o, ns in self.db.execute(
                "SELECT COALESCE(ob.class, tn.name, s.uuid,"
                " CASE WHEN i.internal THEN 'driver (kernel)' ELSE 'unknown' END), i.op, i.drv_end_ts - i.drv_begin_ts"
                " FROM invocations i LEFT JOIN objects ob ON ob.id = i.object_id"
                " LEFT JOIN sessions s ON i.object_id IS NULL AND s.id = i.session_id"
                " LEFT JOIN ta_names tn ON tn.uuid = s.uuid"
                " WHERE i.drv_begin_ts IS NOT NULL AND i.drv_end_ts IS NOT NULL"):
            d.setdefault((c, names.get((c, o), str(o))), []).append(ns)
        return {k: (len(v), nearest_rank(v, 0.5), nearest_rank(v, 0.99), max(v)) for k, v in d.items()}


def check_block(block, truth, t, window_begin, what, previous=None):
    """Every number of one block against SQL at t."""
    rows = process_rows(block)
    ctx, held, q = truth.contexts(t), truth.handles(t), truth.requests(t)
    calls, p99 = truth.calls(window_begin, t), truth.p99(window_begin, t)
    held_before = truth.handles(max(truth.first, t - 10_000_000_000))
    for pid in set(ctx) | set(held) | set(q):
        if ctx.get(pid, 0) or held.get(pid, 0) or q.get(pid, (0, 0)) != (0, 0):
            expect(pid in rows, f"{what}: pid {pid} holding something is listed")
    span = (t - window_begin) / 1e9
    for pid, r in rows.items():
        expect(int(r[1]) == ctx.get(pid, 0), f"{what}: pid {pid} contexts open {r[1]} == SQL {ctx.get(pid, 0)}")
        expect(int(r[2]) == held.get(pid, 0), f"{what}: pid {pid} handles held {r[2]} == SQL {held.get(pid, 0)}")
        growth = held.get(pid, 0) - held_before.get(pid, 0)
        expect(int(r[4]) == growth, f"{what}: pid {pid} growth over the window {r[4]} == SQL {growth}")
        if previous is not None:
            since = held.get(pid, 0) - previous.get(pid, 0)
            expect(int(r[3]) == since, f"{what}: pid {pid} growth since the last refresh {r[3]} == SQL {since}")
        else:
            expect(r[3] == "-", f"{what}: pid {pid} no growth since a refresh at the first ({r[3]})")
        rate = calls.get(pid, 0) / span
        expect(abs(float(r[5]) - rate) <= 0.051, f"{what}: pid {pid} calls/s {r[5]} == SQL {rate:.2f}")
        want = duration_text(p99[pid]) if pid in p99 else "-"
        expect(r[6] == want, f"{what}: pid {pid} p99 {r[6]} == SQL {want}")
        qs = q.get(pid, (0, 0))
        expect((int(r[7]), int(r[8])) == qs, f"{what}: pid {pid} requests queued/served {r[7:9]} == SQL {qs}")
    held_rows = block["tables"].get("OLDEST", [])
    want = truth.held_objects(t)
    expect(len(held_rows) == min(len(want), 10), f"{what}: {len(held_rows)} oldest held objects listed of {len(want)}")
    for r, (oid, pid, n, since) in zip(held_rows, want):
        ok = r[1] == f"#{oid}" and f"(pid {pid})" in r[2] and int(r[3]) == n and r[4] == duration_text(t - since)
        expect(ok, f"{what}: held object {r} == SQL #{oid} pid {pid} {n} handles, age {duration_text(t - since)}")
    return held


# --- running it ------------------------------------------------------------------------------

class Runner:
    def __init__(self, teescope, traces, tmp):
        self.teescope, self.traces, self.tmp = teescope, traces, tmp

    def run(self, *args, timeout=60, env=None):
        return subprocess.run([self.teescope, *args], capture_output=True, text=True, timeout=timeout,
                              check=False, env=env)

    def imported(self, trace):
        db = os.path.join(self.tmp, trace + ".db")
        if not os.path.exists(db):
            r = self.run("import", os.path.join(self.traces, trace), "-o", db, "--progress=none")
            if r.returncode != 0:
                sys.exit(f"import of {trace} failed ({r.returncode}): {r.stderr}")
        return db

    def writer(self, src, dst, steps, *extra):
        return subprocess.Popen([sys.executable, WRITER, src, dst, "--steps", ",".join(map(str, steps)), *extra],
                                stdout=subprocess.PIPE, text=True)


def wait_line(proc, wanted, timeout=30):
    """Lines of proc's stdout up to the one equal to `wanted`."""
    lines, end = [], time.time() + timeout
    while time.time() < end:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip("\n"))
        if lines[-1] == wanted:
            return lines
    sys.exit(f"no '{wanted}' from the writer (got {lines})")


def case_finished(r):
    for trace in ("leaky", "lossy", "callbacks", "sharing", "optee_storage"):
        db = r.imported(trace)
        truth = Truth(db)
        if not truth.unique_pids:
            print(f"skip {trace}: a pid is reused")
            continue
        out = r.run("top", db, "--batch")
        expect(out.returncode == 0 and not out.stderr, f"{trace}: exit {out.returncode} {out.stderr!r}")
        b = blocks(out.stdout)
        expect(len(b) == 1, f"{trace}: one block for a finished file without --iterations ({len(b)})")
        if not b:
            continue
        block = b[0]
        expect(header_field(block, "state") == "finished", f"{trace}: state {header_field(block, 'state')}")
        expect(now_offset_ns(block) == round((truth.last - truth.first) / 1000) * 1000,
               f"{trace}: now is last_ts ({header_field(block, 'now')})")
        events = truth.db.execute("SELECT value FROM metadata WHERE key = 'events'").fetchone()[0]
        expect(header_field(block, "events") == events, f"{trace}: events {header_field(block, 'events')} == {events}")
        lost = truth.db.execute("SELECT COALESCE(SUM(count), 0) FROM data_loss WHERE what = 'events'").fetchone()[0]
        expect(header_field(block, "lost").startswith(f"{lost} events"), f"{trace}: lost {header_field(block, 'lost')}")
        check_block(block, truth, truth.last, truth.first, trace)
        want = truth.latency()
        got = {(row[0], row[1]): row for row in block["tables"].get("SERVICE", [])}
        expect(set(got) == set(want), f"{trace}: ops {sorted(got)} == SQL {sorted(want)}")
        for k, (n, p50, p99, mx) in want.items():
            row = got.get(k)
            ok = row is not None and int(row[2]) == n and row[4:7] == [duration_text(p50), duration_text(p99),
                                                                        duration_text(mx)]
            expect(ok, f"{trace}: op {k} {row} == SQL {n} calls, p50 {duration_text(p50)}, p99 {duration_text(p99)}")

    db = r.imported("leaky")
    out = r.run("top", db, "--batch", "--iterations", "3", "--interval", "0.1")
    b = blocks(out.stdout)
    expect(out.returncode == 0 and len(b) == 3, f"--iterations 3: exit {out.returncode}, {len(b)} blocks")
    if len(b) == 3:
        truth = Truth(db)
        check_block(b[2], truth, truth.last, truth.first, "leaky refresh 3", previous=truth.handles(truth.last))
        stamps = [x["stamp"] for x in b]
        expect(all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} UTC · refresh \d+ ==", s) for s in stamps)
               and [s.split("refresh ")[1] for s in stamps] == ["1 ==", "2 ==", "3 =="], f"block stamps {stamps}")
    expect("\x1b" not in out.stdout, "plain blocks hold no escape sequence")


def case_requests(r):
    src = r.imported("callbacks")
    truth = Truth(src)
    # Moments with a callback request queued, and one being served (from the trace itself).
    queued = truth.db.execute("SELECT queue_ts + (pick_ts - queue_ts) / 2 FROM callback_requests"
                              " WHERE pick_ts - queue_ts > 1000 ORDER BY pick_ts - queue_ts DESC LIMIT 1").fetchone()[0]
    served = truth.db.execute("SELECT pick_ts + (answer_ts - pick_ts) / 2 FROM callback_requests"
                              " WHERE answer_ts - pick_ts > 1000 ORDER BY answer_ts - pick_ts DESC LIMIT 1").fetchone()[0]
    seen = [0, 0]
    for t in (queued, served):
        ms = (t - truth.first) / 1e6
        dst = os.path.join(r.tmp, f"requests-{t}.db")
        w = r.writer(src, dst, [f"{ms:.6f}"], "--leave", "live")
        w.communicate(timeout=60)
        out = r.run("top", dst, "--batch", "--iterations", "1")
        b = blocks(out.stdout)
        expect(out.returncode == 0 and len(b) == 1, f"requests at +{ms:.3f} ms: exit {out.returncode}")
        if not b:
            continue
        expect(header_field(b[0], "state").startswith("live"), f"requests: state {header_field(b[0], 'state')}")
        step = truth.first + int(float(f"{ms:.6f}") * 1e6)
        check_block(b[0], truth, step, max(truth.first, step - 10_000_000_000), f"requests at +{ms:.3f} ms")
        for row in process_rows(b[0]).values():
            seen[0] += int(row[7])
            seen[1] += int(row[8])
    expect(seen[0] > 0 and seen[1] > 0, f"a request was shown queued and one being served ({seen})")


def case_sorts(r):
    distinct = set()  # keys whose order was shown on processes that differ in it
    for trace in ("leaky", "lossy"):
        db = r.imported(trace)
        for key, column in (("handles", 2), ("growth", 4), ("calls", 5), ("p99", 6)):
            out = r.run("top", db, "--batch", "--sort", key)
            b = blocks(out.stdout)
            expect(out.returncode == 0 and b and f"sort: {key}" in b[0]["header"][1], f"{trace} --sort {key}: header")
            if not b:
                continue
            rows = b[0]["tables"]["PROCESS"]
            value = (lambda c: -1 if c == "-" else duration_ns(c)) if key == "p99" else float
            values = [value(row[column]) for row in rows]
            expect(len(values) >= 2 and values == sorted(values, reverse=True),
                   f"{trace} --sort {key}: processes by {key} {values}")
            if values[0] > values[-1]:
                distinct.add(key)
            ops = [duration_ns(row[5]) if key == "p99" else int(row[2]) for row in b[0]["tables"]["SERVICE"]]
            expect(ops == sorted(ops, reverse=True), f"{trace} --sort {key}: ops by {'p99' if key == 'p99' else 'calls'}")
    expect(distinct == {"handles", "growth", "calls", "p99"}, f"every key ordered processes that differ ({distinct})")


LIVE_STEPS = [50, 56, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000, 1084, 1087]


def case_live(r):
    src = r.imported("lossy")
    truth = Truth(src)
    dst = os.path.join(r.tmp, "live.db")
    go = os.path.join(r.tmp, "go")
    w = r.writer(src, dst, LIVE_STEPS, "--delay", "0.15", "--wait-file", go)
    steps = [int(l.split()[1]) for l in wait_line(w, "ready") if l.startswith("step ")]
    top = subprocess.Popen([r.teescope, "top", dst, "--batch", "--iterations", "3", "--interval", "0.2"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # The first block shows the file before the handles are bound; then the writer goes on.
    first = ""
    while True:
        line = top.stdout.readline()
        first += line
        if not line or (line == "\n" and "OLDEST" in first):
            break
    open(go, "w").close()
    rest, err = top.communicate(timeout=60)
    out = first + rest
    for line in w.stdout:
        if line.startswith("step "):
            steps.append(int(line.split()[1]))
    w.wait(timeout=60)
    b = blocks(out)
    expect(top.returncode == 0 and len(b) == 3, f"live: exit {top.returncode}, {len(b)} blocks, {err!r}")
    previous, nows, growth = None, [], 0
    for i, block in enumerate(b):
        state = header_field(block, "state")
        expect(state.startswith("live, last commit"), f"live block {i + 1}: state {state}")
        offset = now_offset_ns(block)
        t = min(steps, key=lambda s: abs(s - truth.first - offset))
        expect(abs(t - truth.first - offset) < 1000, f"live block {i + 1}: now {offset} is a committed step")
        nows.append(t)
        lost = truth.db.execute("SELECT COALESCE(SUM(count), 0) FROM data_loss WHERE end_ts <= ?", (t,)).fetchone()[0]
        expect(header_field(block, "lost").startswith(f"{lost} events"), f"live block {i + 1}: lost {lost}")
        previous = check_block(block, truth, t, max(truth.first, t - 10_000_000_000), f"live block {i + 1}", previous)
        if i > 0:
            growth = max([growth] + [int(row[3]) for row in process_rows(block).values()])
    expect(nows == sorted(nows) and nows[0] < nows[-1], f"live: now advances {[n - truth.first for n in nows]}")
    expect(growth > 0, f"live: handles grew between refreshes (+{growth})")


def case_live_end(r):
    src = r.imported("lossy")
    dst = os.path.join(r.tmp, "live-end.db")
    w = r.writer(src, dst, LIVE_STEPS, "--delay", "0.05")
    wait_line(w, "ready")
    out = r.run("top", dst, "--batch", "--interval", "0.2", timeout=60)
    w.communicate(timeout=60)
    b = blocks(out.stdout)
    expect(out.returncode == 0 and len(b) >= 2, f"live until the end: exit {out.returncode}, {len(b)} blocks")
    if len(b) < 2:
        return
    expect(header_field(b[0], "state").startswith("live"), f"first block live ({header_field(b[0], 'state')})")
    expect(header_field(b[-1], "state") == "finished", f"last block finished ({header_field(b[-1], 'state')})")
    final = blocks(r.run("top", src, "--batch").stdout)[0]
    strip = lambda block: {k: [row[:3] + row[4:] for row in v] if k == "PROCESS" else v
                           for k, v in block["tables"].items()}
    expect(strip(b[-1]) == strip(final), "the last block equals top of the finished file (but growth since refresh)")


def case_stalled(r):
    src = r.imported("lossy")
    dst = os.path.join(r.tmp, "stalled.db")
    r.writer(src, dst, [50, 300], "--delay", "0", "--leave", "stalled").communicate(timeout=60)
    out = r.run("top", dst, "--batch", "--interval", "0.1", timeout=30)
    b = blocks(out.stdout)
    expect(out.returncode == 1 and len(b) == 1 and header_field(b[0], "state").startswith("stalled, no commit for"),
           f"stalled: exit {out.returncode}, {len(b)} blocks, {b and header_field(b[0], 'state')}")
    expect(dst in out.stderr and "stopped committing" in out.stderr, f"stalled: message {out.stderr!r}")
    out = r.run("top", dst, "--batch", "--interval", "0.1", "--iterations", "2", timeout=30)
    expect(out.returncode == 0 and len(blocks(out.stdout)) == 2, f"stalled --iterations 2: exit {out.returncode}")


def case_bad(r):
    db = r.imported("leaky")
    missing = os.path.join(r.tmp, "nonexistent.db")
    text = os.path.join(r.tmp, "notes.db")
    with open(text, "w") as f:
        f.write("not a database\n" * 100)
    newer = os.path.join(r.tmp, "newer.db")
    shutil.copy(db, newer)
    with sqlite3.connect(newer) as c:
        version = c.execute("PRAGMA user_version").fetchone()[0] + 1
        c.execute(f"PRAGMA user_version = {version}")
        c.execute("UPDATE metadata SET value = ? WHERE key = 'schema_version'", (str(version),))
    for path, words in ((missing, "no such file"), (r.tmp, "directory"), (text, "not a teescope database"),
                        (newer, "newer teescope")):
        out = r.run("top", path, "--batch", timeout=20)
        expect(out.returncode == 1 and path in out.stderr and words in out.stderr and not out.stdout,
               f"top {os.path.basename(path)}: exit {out.returncode}, {out.stderr.strip()!r}")
    for args, words in ((["--interval", "0"], "--interval"), (["--interval", "soon"], "--interval"),
                        (["--sort", "size"], "--sort"), (["--iterations", "0"], "--iterations"),
                        (["--window", "-1"], "--window"), (["--frobnicate"], "--frobnicate"), (["--interval"], "--interval")):
        out = r.run("top", db, "--batch", *args, timeout=20)
        expect(out.returncode == 2 and words in out.stderr and "usage: teescope top" in out.stderr,
               f"top {' '.join(args)}: exit {out.returncode}, {out.stderr.splitlines()[:1]}")
    for args in ([], [db, db]):
        out = r.run("top", *args, timeout=20)
        expect(out.returncode == 2, f"top with {len(args)} databases: exit {out.returncode}")
    out = r.run("top", "--help")
    expect(out.returncode == 0 and "top FILE.db" in out.stdout and "--batch" in out.stdout, "top --help")


def case_terminal(r):
    import fcntl
    import pty  # noqa: F401  (a platform with pseudo-terminals)
    import select
    import struct
    import termios

    db = r.imported("leaky")

    def run_view(keys, term="xterm", send_signal=None):
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        before = termios.tcgetattr(slave)

        def child_setup():
            os.setsid()
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        p = subprocess.Popen([r.teescope, "top", db, "--interval", "0.2"], stdin=slave, stdout=slave, stderr=slave,
                             preexec_fn=child_setup, env=dict(os.environ, TERM=term), close_fds=True)
        screen = b""

        def pump(seconds):
            nonlocal screen
            end = time.time() + seconds
            while time.time() < end:
                ready, _, _ = select.select([master], [], [], 0.05)
                if ready:
                    try:
                        screen += os.read(master, 65536)
                    except OSError:
                        return

        pump(0.8)
        marks = [len(screen.decode("utf-8", "replace"))]
        for key in keys:
            os.write(master, key)
            pump(0.5)
            marks.append(len(screen.decode("utf-8", "replace")))
        if send_signal:
            p.send_signal(send_signal)
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        pump(0.2)
        after = termios.tcgetattr(slave)
        os.close(master)
        os.close(slave)
        return p.returncode, screen.decode("utf-8", "replace"), marks, before == after

    code, screen, marks, restored = run_view([b"s", b"p", b"q"])
    expect(code == 0 and restored, f"q: exit {code}, terminal modes restored {restored}")
    expect(screen.startswith("\x1b[?1049h") and screen.rstrip().endswith("\x1b[?1049l"),
           "the view takes the alternate screen and gives it back")
    # marks: the screen before the first key, then after each key.
    expect("sort: handles" in screen[:marks[0]] and "sort: growth" not in screen[:marks[0]]
           and "sort: growth" in screen[marks[0]:marks[1]], "s sorts by the next key")
    expect("PAUSED" in screen[marks[1]:marks[2]] and "PAUSED" not in screen[:marks[1]], "p pauses")
    expect("keys: q quit" in screen and "scenario_leaky (pid 32567)" in screen, "the view shows keys and processes")
    code, screen, _, restored = run_view([b"\x03"])
    expect(code == 130 and restored and screen.rstrip().endswith("\x1b[?1049l"),
           f"Ctrl+C: exit {code}, terminal modes restored {restored}")
    code, screen, _, restored = run_view([], send_signal=signal.SIGTERM)
    expect(code == 128 + signal.SIGTERM and restored and screen.rstrip().endswith("\x1b[?1049l"),
           f"SIGTERM: exit {code}, terminal modes restored {restored}")
    # Ctrl+Z: the shell gets its terminal back while top is stopped; fg takes the screen again.
    # A stop only stops a process group whose parent is in another group of its terminal (as a
    # shell's job is): a small job-control wrapper owns the terminal and runs top in the foreground.
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    before = termios.tcgetattr(slave)
    job_pid_file = os.path.join(r.tmp, "top.pid")
    wrapper = (
        "import os, signal, sys\n"
        "signal.signal(signal.SIGTTOU, signal.SIG_IGN)\n"
        "go_r, go_w = os.pipe()\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    os.setpgid(0, 0); os.close(go_w); os.read(go_r, 1)\n"
        "    signal.signal(signal.SIGTTOU, signal.SIG_DFL)\n"
        "    os.execv(sys.argv[1], sys.argv[1:])\n"
        "os.setpgid(pid, pid); os.tcsetpgrp(0, pid)\n"
        "open(os.environ['TOP_PID_FILE'], 'w').write(str(pid)); os.write(go_w, b'x')\n"
        "sys.exit(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))\n")

    def child_setup():
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    job = subprocess.Popen([sys.executable, "-c", wrapper, r.teescope, "top", db, "--interval", "0.2"],
                           stdin=slave, stdout=slave, stderr=slave, preexec_fn=child_setup,
                           env=dict(os.environ, TERM="xterm", TOP_PID_FILE=job_pid_file), close_fds=True)

    def drain(seconds):
        got, end = b"", time.time() + seconds
        while time.time() < end:
            ready, _, _ = select.select([master], [], [], 0.05)
            if ready:
                got += os.read(master, 65536)
        return got.decode("utf-8", "replace")

    def state(pid):
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0]

    drain(1.0)
    with open(job_pid_file) as f:
        top_pid = int(f.read())
    raw = termios.tcgetattr(slave)
    os.write(master, b"\x1a")
    stopped = drain(0.5)
    expect(state(top_pid) == "T", f"Ctrl+Z stops top (state {state(top_pid)})")
    expect(termios.tcgetattr(slave) == before and stopped.endswith("\x1b[?1049l"),
           "while stopped the terminal is the shell's again")
    os.kill(top_pid, signal.SIGCONT)
    resumed = drain(0.8)
    expect(termios.tcgetattr(slave) == raw and "\x1b[?1049h" in resumed and "sort: handles" in resumed,
           "after fg the view is back and redrawn")
    os.write(master, b"q")
    job.wait(timeout=10)
    drain(0.2)
    expect(job.returncode == 0 and termios.tcgetattr(slave) == before, f"q after fg: exit {job.returncode}, restored")
    os.close(master)
    os.close(slave)

    code, screen, _, restored = run_view([], term="dumb")
    expect(code == 0 and restored and "\x1b" not in screen and screen.count("== teescope top") == 1,
           f"TERM=dumb: plain block, exit {code}")


def main():
    teescope, traces, case = sys.argv[1], sys.argv[2], sys.argv[3]
    with tempfile.TemporaryDirectory(prefix="teescope-top-") as tmp:
        r = Runner(teescope, traces, tmp)
        {"finished": case_finished, "requests": case_requests, "sorts": case_sorts, "live": case_live,
         "live_end": case_live_end, "stalled": case_stalled, "bad": case_bad, "terminal": case_terminal}[case](r)
    if failures:
        print(f"{len(failures)} failure(s)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
