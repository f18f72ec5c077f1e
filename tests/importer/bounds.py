#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Every import ends, and only a finished import leaves a database.

  bounds.py --teescope BIN --samples samples/traces [CASE...]

The stuck cases use a copy of the clean trace with its metadata file cut at 5698 bytes: there
Babeltrace2 2.0's src.ctf.fs trace-infos query spins forever and never looks at a stop flag.
Each case bounds its own time; processes left behind fail the case (and are killed by it).
Without CASE every case runs; --list prints their names.
"""
import argparse
import fcntl
import glob
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from determinism import dump  # noqa: E402  (the comparison of two databases)

CASES = {}


def case(fn):
    CASES[fn.__name__] = fn
    return fn


class Failure(Exception):
    pass


def expect(condition, what):
    if not condition:
        raise Failure(what)


def children_of(pid):
    """The pids whose parent is `pid`, from /proc."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        # pid (comm) state ppid ...; comm may hold spaces and parentheses
        fields = stat[stat.rindex(b")") + 2:].split()
        if int(fields[1]) == pid:
            found.append(int(entry))
    return found


def alive(pid):
    """True while `pid` exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return False
    return stat[stat.rindex(b")") + 2:].split()[0] != b"Z"


def wait_until(condition, seconds, step=0.01):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return condition()


class Env:
    def __init__(self, teescope, samples, tmp):
        self.teescope = teescope
        self.samples = samples
        self.tmp = tmp
        self.started = []  # every process this case started, and the importer children seen

    def start(self, trace, db, *extra, new_session=True):
        p = subprocess.Popen([self.teescope, "import", trace, "-o", db, "--progress=none", *extra],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             start_new_session=new_session)
        self.started.append(p.pid)
        return p

    def importer_child(self, p, seconds=5):
        """The importer child of `teescope import` process `p` (waits for the fork)."""
        found = []
        wait_until(lambda: found.extend(children_of(p.pid)) or found or p.poll() is not None, seconds)
        self.started.extend(found)
        expect(found, f"no importer child of pid {p.pid} appeared (exit {p.poll()})")
        return found[0]

    def stuck_trace(self):
        trace = os.path.join(self.tmp, "stuck")
        subprocess.run(["cp", "-r", os.path.join(self.samples, "clean"), trace], check=True)
        os.truncate(os.path.join(trace, "ust", "uid", "0", "64-bit", "metadata"), 5698)
        return trace

    def solo(self, trace):
        db = os.path.join(self.tmp, "solo.db")
        if not os.path.exists(db):
            r = subprocess.run([self.teescope, "import", trace, "-o", db, "--progress=none"],
                               capture_output=True, text=True, timeout=60, check=False)
            expect(r.returncode == 0, f"solo import exited {r.returncode}: {r.stderr!r}")
        return dump(db)

    def cleanup(self):
        left = [pid for pid in self.started if alive(pid)]
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        return left


def partials(db):
    return glob.glob(glob.escape(db) + ".partial*")


def complete_flag(db):
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            row = con.execute("SELECT value FROM metadata WHERE key = 'complete'").fetchone()
            return row[0] if row else None
        finally:
            con.close()
    except sqlite3.Error as e:
        return f"unreadable ({e})"


def finish(p, seconds):
    """Waits for `p` at most `seconds`; returns (exit code, stderr, seconds taken)."""
    t0 = time.monotonic()
    try:
        _, err = p.communicate(timeout=seconds)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
        raise Failure(f"pid {p.pid} still running after {seconds} s")
    return p.returncode, err, time.monotonic() - t0


@case
def stall_timeout_ends_a_stuck_import(env):
    trace = env.stuck_trace()
    db = os.path.join(env.tmp, "stuck.db")
    t0 = time.monotonic()
    p = env.start(trace, db, "--stall-timeout", "1")
    child = env.importer_child(p)
    code, err, _ = finish(p, 20)
    took = time.monotonic() - t0
    expect(code == 4, f"exit {code}, expected 4; stderr: {err!r}")
    expect(took < 5, f"took {took:.1f} s with --stall-timeout 1")
    expect(trace in err and "no progress" in err and "indexing" in err, f"message: {err!r}")
    expect(not alive(child), f"importer child {child} is still running")
    expect(not os.path.exists(db) and not partials(db), f"files left: {os.listdir(env.tmp)}")
    print(f"     stall timeout 1 s: ended in {took:.2f} s")


def stop_a_stuck_import(env, sig):
    trace = env.stuck_trace()
    db = os.path.join(env.tmp, "stuck.db")
    p = env.start(trace, db, "--stall-timeout", "0")  # only the signal can end it
    child = env.importer_child(p)
    time.sleep(1)
    expect(p.poll() is None, f"the import ended by itself (exit {p.returncode})")
    os.kill(p.pid, sig)
    code, err, took = finish(p, 10)
    expect(code == 130, f"exit {code}, expected 130; stderr: {err!r}")
    expect(took < 2, f"ended {took:.2f} s after {signal.Signals(sig).name}")
    expect("cancelled" in err and db in err, f"message: {err!r}")
    expect(wait_until(lambda: not alive(child), 1), f"importer child {child} is still running")
    expect(not os.path.exists(db) and not partials(db), f"files left: {os.listdir(env.tmp)}")
    print(f"     {signal.Signals(sig).name}: ended in {took:.2f} s")


@case
def sigterm_ends_a_stuck_import(env):
    stop_a_stuck_import(env, signal.SIGTERM)


@case
def sigint_ends_a_stuck_import(env):
    stop_a_stuck_import(env, signal.SIGINT)


@case
def importer_dies_with_its_parent(env):
    trace = env.stuck_trace()
    db = os.path.join(env.tmp, "stuck.db")
    p = env.start(trace, db, "--stall-timeout", "0")
    child = env.importer_child(p)
    time.sleep(1)
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    t0 = time.monotonic()
    expect(wait_until(lambda: not alive(child), 2), f"importer child {child} outlived its parent by 2 s")
    print(f"     child gone {time.monotonic() - t0:.3f} s after its parent")
    # The next import of that database removes what the killed one left.
    expect(partials(db), "the killed import left no partial file (was it created before indexing?)")
    expect(all(complete_flag(f) != "1" for f in partials(db)), "a partial file claims to be complete")
    r = subprocess.run([env.teescope, "import", os.path.join(env.samples, "clean"), "-o", db, "--progress=none"],
                       capture_output=True, text=True, timeout=60, check=False)
    expect(r.returncode == 0, f"next import exited {r.returncode}: {r.stderr!r}")
    expect(not partials(db), f"partial files left after the next import: {partials(db)}")
    expect(complete_flag(db) == "1", f"{db} is not complete")


@case
def killed_at_random_points(env):
    # SIGKILL to the import's whole process group at seeded random moments of its run: no
    # database that is not the finished one, no partial file that claims a completeness it does
    # not have, and the next import cleans up and writes the same database as a solo import.
    trace = os.path.join(env.samples, "lossy")
    expected = env.solo(trace)
    t0 = time.monotonic()
    subprocess.run([env.teescope, "import", trace, "-o", os.path.join(env.tmp, "timing.db"), "--progress=none"],
                   capture_output=True, timeout=60, check=False)
    span = max(time.monotonic() - t0, 0.05)
    rng = random.Random(20261129)
    db = os.path.join(env.tmp, "r.db")
    finished = complete_partials = 0
    for _ in range(12):
        delay = rng.uniform(0, span * 1.2)
        p = env.start(trace, db)
        time.sleep(delay)
        os.killpg(p.pid, signal.SIGKILL)
        p.communicate()
        if p.returncode == 0:
            finished += 1
        time.sleep(0.2)  # the child of a killed parent is killed by the kernel, at once
        if os.path.exists(db):
            expect(complete_flag(db) == "1", f"{db} exists but is not complete (killed after {delay:.3f} s)")
            expect(dump(db) == expected, f"{db} differs from a solo import (killed after {delay:.3f} s)")
            os.remove(db)
        for f in partials(db):
            # complete = 1 is written last, then the file is synced and renamed: killed in that
            # window, a partial file is a whole import that missed only its rename.
            if complete_flag(f) == "1":
                expect(dump(f) == expected, f"{f} claims to be complete but is not (killed after {delay:.3f} s)")
                complete_partials += 1
    r = subprocess.run([env.teescope, "import", trace, "-o", db, "--progress=none"],
                       capture_output=True, text=True, timeout=60, check=False)
    expect(r.returncode == 0, f"final import exited {r.returncode}: {r.stderr!r}")
    expect(not partials(db), f"partial files left after the final import: {partials(db)}")
    expect(dump(db) == expected, "the final import differs from a solo import")
    print(f"     12 kills within {span * 1.2:.2f} s: {finished} after the import finished, "
          f"{complete_partials} between its last commit and its rename")


@case
def concurrent_imports_of_one_database(env):
    # Three imports started together write one database: all end with 0, one after the other,
    # and whenever one has said it wrote the database, the database is a complete import. The
    # last one removes the lock file (the others, waiting on a removed file, lock it anew).
    trace = os.path.join(env.samples, "lossy")
    expected = env.solo(trace)
    db = os.path.join(env.tmp, "r.db")
    for round_ in range(3):
        procs = [env.start(trace, db) for _ in range(3)]
        problems = []

        def watch(p):
            p.wait(timeout=60)
            if p.returncode == 0:
                # What the import said it wrote, now: the other may only replace it with its own
                # complete file (rename is atomic), never with an unfinished one.
                try:
                    if complete_flag(db) != "1" or dump(db) != expected:
                        problems.append(f"pid {p.pid} exited 0 while {db} was not a complete import")
                except sqlite3.Error as e:
                    problems.append(f"pid {p.pid} exited 0 while {db} was unreadable: {e}")

        threads = [threading.Thread(target=watch, args=(p,)) for p in procs]
        for t in threads:
            t.start()
        for t in threads:
            t.join(90)
        for p in procs:
            _, err = p.communicate()
            expect(p.returncode == 0, f"round {round_}: pid {p.pid} exited {p.returncode}: {err!r}")
        expect(not problems, "; ".join(problems))
        expect(dump(db) == expected, f"round {round_}: {db} differs from a solo import")
        expect(not partials(db), f"round {round_}: partial files left: {partials(db)}")
        expect(not os.path.exists(db + ".lock"), f"round {round_}: {db}.lock left behind")


@case
def busy_database_times_out(env):
    # Another import holds the database (its lock) for longer than --lock-timeout: exit 5, a
    # message naming the database, and the database that was there is kept.
    trace = os.path.join(env.samples, "clean")
    db = os.path.join(env.tmp, "busy.db")
    r = subprocess.run([env.teescope, "import", trace, "-o", db, "--progress=none"],
                       capture_output=True, text=True, timeout=60, check=False)
    expect(r.returncode == 0, f"first import exited {r.returncode}")
    before = dump(db)
    with open(db + ".lock", "a+") as holder:
        fcntl.flock(holder, fcntl.LOCK_EX)
        p = env.start(os.path.join(env.samples, "lossy"), db, "--lock-timeout", "1")
        code, err, took = finish(p, 20)
    expect(code == 5, f"exit {code}, expected 5; stderr: {err!r}")
    expect(took < 5, f"took {took:.1f} s with --lock-timeout 1")
    expect(db in err and "waiting" in err and "--lock-timeout" in err, f"message: {err!r}")
    expect(dump(db) == before, "the previous database was changed")


@case
def only_partial_files_of_the_database_are_removed(env):
    db = os.path.join(env.tmp, "r.db")
    stale = [db + ".partial", db + ".partial.99999.AbC123"]
    kept = [db + ".partial.x.db", db + ".partial.1.toolong1", os.path.join(env.tmp, "other.db.partial.1.AbC123")]
    for f in stale + kept:
        with open(f, "w", encoding="utf-8") as out:
            out.write("x")
    r = subprocess.run([env.teescope, "import", os.path.join(env.samples, "clean"), "-o", db, "--progress=none"],
                       capture_output=True, text=True, timeout=60, check=False)
    expect(r.returncode == 0, f"import exited {r.returncode}: {r.stderr!r}")
    expect(not any(os.path.exists(f) for f in stale), f"stale partial files kept: {[f for f in stale if os.path.exists(f)]}")
    expect(all(os.path.exists(f) for f in kept), f"other files removed: {[f for f in kept if not os.path.exists(f)]}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--teescope", required=True)
    ap.add_argument("--samples", required=True)
    ap.add_argument("--list", action="store_true")
    ap.add_argument("cases", nargs="*")
    a = ap.parse_args()
    if a.list:
        print("\n".join(CASES))
        return 0
    names = a.cases or list(CASES)
    unknown = [n for n in names if n not in CASES]
    if unknown:
        print(f"unknown case(s): {', '.join(unknown)}")
        return 2
    failed = 0
    for name in names:
        with tempfile.TemporaryDirectory(prefix="teescope-bounds-") as tmp:
            env = Env(os.path.abspath(a.teescope), os.path.abspath(a.samples), tmp)
            try:
                CASES[name](env)
                left = env.cleanup()
                expect(not left, f"processes left running: {left}")
                print(f"ok   {name}")
            except Failure as e:
                env.cleanup()
                failed += 1
                print(f"FAIL {name}: {e}")
    print(f"import bounds: {len(names) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
