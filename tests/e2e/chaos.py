#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Chaos for teesim: multi-process scenarios recorded with `teescope record --sim` while a
random process of the scenario is killed with SIGKILL at a random moment (in the middle of an
invocation, of a callback request served across processes, of a supplicant's wait, ...).

  chaos.py --bindir BUILD/bin [--runs N] [--seed S] [--keep DIR]

Each run, from its seed: a scenario, a delay, a victim. Then:
  - no deadlock: the recording ends within its bound, teesim included (no process of the run
    is left); a scenario still waiting for its killed member after a while gets Ctrl-C, as a
    user would give it, and must end then;
  - no leaked teesim state: in the imported trace, every context of a process that ended was
    released by the driver (unless QTEE still holds an object of it), and no callback request
    of a closed context is left pending;
  - the trace imports (exit 0) with only the statistics a killed process explains (severity
    info or data_loss, never error), and the import counts what it inferred.
Prints runs, kills (and where they landed) and failures; exit 1 on any failure.
"""
import argparse
import collections
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

# Scenarios with several processes (and callback requests across them), with their arguments.
SCENARIOS = [
    ("callbacks", []),
    ("sharing", []),
    ("killed", []),
    ("publish", []),
    ("regions", []),
    ("load", ["--processes=2", "--threads=2", "--calls=200"]),
]
PATIENCE_S = 8
RECORD_BOUND_S = 60
INTERRUPTED = collections.Counter()  # runs that needed the Ctrl-C, by scenario


def children_of(pid):
    """Every descendant of pid (from /proc)."""
    parent = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                parent[int(d)] = int(fields[1])
            except (OSError, IndexError, ValueError):
                pass
    out, frontier = [], [pid]
    while frontier:
        p = frontier.pop()
        kids = [c for c, pp in parent.items() if pp == p]
        out += kids
        frontier += kids
    return out


def comm(pid):
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return ""


def wchan(pid):
    try:
        with open(f"/proc/{pid}/wchan") as f:
            return f.read().strip()
    except OSError:
        return ""


def one_run(a, seed, work):
    rng = random.Random(seed)
    name, args = SCENARIOS[rng.randrange(len(SCENARIOS))]
    delay = rng.uniform(0.0, 0.6)
    trace = os.path.join(work, f"trace-{seed}")
    cmd = [os.path.join(a.bindir, "teescope"), "record", "--sim", "--no-summary", "--blocking", "-o", trace,
           "--", os.path.join(a.bindir, f"scenario_{name}")] + args
    rec = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                           start_new_session=True)
    problems = []
    killed = None
    # The delay counts from the scenario's start (the recording sets up its session first).
    for _ in range(1000):
        if rec.poll() is not None or any(comm(p).startswith("scenario_") for p in children_of(rec.pid)):
            break
        time.sleep(0.01)
    time.sleep(delay)
    victims = [p for p in children_of(rec.pid) if comm(p).startswith("scenario_")]
    if victims:
        victim = victims[rng.randrange(len(victims))]
        where = wchan(victim) or "running"
        try:
            os.kill(victim, signal.SIGKILL)
            killed = (comm(victim) or "?", where)
        except ProcessLookupError:
            pass
    # A scenario may wait (with its own long timeout) for the process that was killed: after a
    # while the user presses Ctrl-C, which ends the command and keeps the trace so far.
    try:
        rec.wait(timeout=PATIENCE_S)
    except subprocess.TimeoutExpired:
        INTERRUPTED[name] += 1
        os.killpg(rec.pid, signal.SIGINT)
    try:
        _, err = rec.communicate(timeout=RECORD_BOUND_S)
    except subprocess.TimeoutExpired:
        left = [(p, comm(p), wchan(p)) for p in children_of(rec.pid)]
        os.killpg(rec.pid, signal.SIGKILL)
        rec.wait()
        return name, killed, [f"deadlock: the recording did not end in {RECORD_BOUND_S}s; left: {left}"]
    left = [p for p in children_of(rec.pid)]
    try:
        os.killpg(rec.pid, 0)
        group_alive = True
    except ProcessLookupError:
        group_alive = False
    if left or (group_alive and any(comm(p) for p in left)):
        problems.append(f"processes of the run outlived it: {[(p, comm(p)) for p in left]}")
    if not os.path.isdir(trace):
        return name, killed, problems + [f"no trace (record exit {rec.returncode}): {err[-400:]}"]

    db = os.path.join(work, f"trace-{seed}.db")
    r = subprocess.run([os.path.join(a.bindir, "teescope"), "import", trace, "-o", db, "--progress=none"],
                       capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        return name, killed, problems + [f"import exit {r.returncode}: {r.stderr[-400:]}"]
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    bad = con.execute("SELECT name, count, example FROM import_stats WHERE severity NOT IN ('info', 'data_loss')").fetchall()
    if bad:
        problems.append(f"unexpected import statistics: {bad}")
    # A context whose processes all ended must have been released by the driver (teesim drops
    # it, and what it held, once the last descriptor is gone) — unless QTEE still holds a
    # callback object exported from it (a listener left registered) or a memory object of its
    # shm (a region kept): the kernel keeps such a context until QTEE lets go (CTX-03, SHM-07).
    stuck = con.execute("""SELECT c.serial, c.end_kind, p.name, p.end_kind FROM contexts c
                             JOIN processes p ON p.id = c.process_id
                            WHERE c.end_kind <> 'released' AND p.end_kind IN ('exited', 'vanished')
                              AND NOT EXISTS (SELECT 1 FROM context_users u JOIN processes q ON q.id = u.process_id
                                               WHERE u.context_id = c.id AND q.end_kind = 'alive_at_end')
                              AND NOT EXISTS (SELECT 1 FROM objects o WHERE o.context_id = c.id
                                                 AND o.kind IN ('callback', 'memory') AND o.end_kind <> 'freed')
                              AND NOT EXISTS (SELECT 1 FROM shm s WHERE s.context_id = c.id AND s.end_kind <> 'freed')""").fetchall()
    if stuck:
        problems.append(f"contexts of ended processes never released: {stuck}")
    # A request pending at the end must have an owner that is still there: the driver ends
    # (or drops) the requests of a context when it closes.
    pending = con.execute("""SELECT r.id, r.op, c.serial, c.end_kind FROM callback_requests r
                               JOIN contexts c ON c.id = r.context_id
                              WHERE r.end_kind = 'pending_at_end' AND c.close_ts IS NOT NULL""").fetchall()
    if pending:
        problems.append(f"callback requests of closed contexts still pending at the end: {pending}")
    con.close()
    if not a.keep:
        shutil.rmtree(trace, ignore_errors=True)
        os.remove(db)
    return name, killed, problems


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bindir", required=True)
    ap.add_argument("--runs", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", help="keep traces and databases in this directory")
    a = ap.parse_args()
    work = a.keep or tempfile.mkdtemp(prefix="teescope-chaos-")
    os.makedirs(work, exist_ok=True)
    started = time.monotonic()
    failures, kills, by_scenario, landed = 0, 0, collections.Counter(), collections.Counter()
    try:
        for seed in range(a.seed, a.seed + a.runs):
            name, killed, problems = one_run(a, seed, work)
            by_scenario[name] += 1
            if killed:
                kills += 1
                landed[killed[1]] += 1
            for p in problems:
                print(f"FAIL run {seed} ({name}, killed {killed}): {p}", flush=True)
            failures += bool(problems)
    finally:
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(f"chaos: {a.runs} runs (seeds {a.seed}..{a.seed + a.runs - 1}) in {time.monotonic() - started:.0f} s: "
          f"{dict(by_scenario)}; {kills} SIGKILLs, landing in {dict(landed)}; "
          f"Ctrl-C needed after {PATIENCE_S} s: {dict(INTERRUPTED)}; {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
