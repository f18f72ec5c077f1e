#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Parallel decoding in `teescope import --decode-threads N`.

  parallel_import.py --teescope BIN --trace DIR equal
  parallel_import.py --teescope BIN --samples DIR fallback
  parallel_import.py --teescope BIN --scenario BIN cancel | load
  parallel_import.py --teescope BIN bad-threads

equal: imports with 0 (one graph), 1, 2 and 3 decoding threads hold the same rows, with the same
ids, in every table (compared in rowid order).
fallback: damaged copies of sample traces (a stream cut inside a packet: salvaged; zeroed bytes
inside a packet: a read error) give with 2 threads exactly what one graph gives, and say they
were read through one graph.
load: `equal` on a freshly recorded load trace (scenario_load, one stream per CPU).
cancel: SIGINT while two threads decode a load trace: exit 130, no database, in time.
bad-threads: a bad --decode-threads value is refused with a message naming it (exit 2).
"""
import argparse
import glob
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time


def same_text(row):
    # Babeltrace2's error messages name its objects by address, which differs from run to run.
    return tuple(re.sub(r"0x[0-9a-f]+", "0x?", v) if isinstance(v, str) else v for v in row)


def dump(db):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        tables = {}
        for (name, sql) in con.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table' "
                                       "AND name NOT LIKE 'sqlite_%' ORDER BY name"):
            order = "" if "WITHOUT ROWID" in (sql or "").upper() else " ORDER BY rowid"
            rows = [same_text(r) for r in con.execute(f'SELECT * FROM "{name}"{order}')]
            tables[name] = rows if order else sorted(rows, key=repr)
        return tables
    finally:
        con.close()


def run_import(teescope, trace, db, threads):
    return subprocess.run([teescope, "import", trace, "-o", db, "--progress=none", "--decode-threads", str(threads)],
                          capture_output=True, text=True, check=False, timeout=600)


def compare(reference, other, what):
    failed = 0
    for name in sorted(set(reference) | set(other)):
        a, b = reference.get(name), other.get(name)
        if a != b:
            failed += 1
            first = next((i for i, (x, y) in enumerate(zip(a or [], b or [])) if x != y), min(len(a or []), len(b or [])))
            print(f"FAIL: {what}: table {name} differs ({len(a or [])} vs {len(b or [])} rows), "
                  f"first at row {first}: {(a or [])[first:first + 1]} vs {(b or [])[first:first + 1]}")
    return failed


def equal(teescope, trace, tmp, threads=(0, 1, 2, 3), expect_exit=0, expect_note=False):
    dumps, results = {}, {}
    os.makedirs(tmp, exist_ok=True)
    for n in threads:
        db = os.path.join(tmp, f"threads{n}.db")
        r = run_import(teescope, trace, db, n)
        results[n] = r
        if r.returncode != (results[threads[0]].returncode if expect_exit is None else expect_exit):
            print(f"FAIL: import with {n} decoding threads exited {r.returncode}, expected {expect_exit}: {r.stderr[-800:]}")
            return 1
        dumps[n] = dump(db)
    failed = 0
    for n in threads[1:]:
        failed += compare(dumps[threads[0]], dumps[n], f"{n} threads vs one graph")
        note = "read through one graph" in results[n].stderr
        if note != expect_note:
            failed += 1
            print(f"FAIL: with {n} threads the import {'did not say' if expect_note else 'said'} it read through "
                  f"one graph: {results[n].stderr[-500:]!r}")
    rows = sum(len(t) for t in dumps[threads[0]].values())
    events = [r for r in dumps[threads[0]].get("metadata", []) if r[0] == "events"]
    if rows == 0:
        print("FAIL: the databases are empty")
        failed += 1
    for n in threads[1:]:
        for line in results[n].stderr.splitlines():
            if "read through one graph" in line:
                print(f"{n} threads: {line}")
    if not failed:
        print(f"ok: {trace}: {len(dumps[threads[0]])} tables, {rows} rows, {events} identical with "
              f"{', '.join(str(n) for n in threads)} decoding threads")
    return 1 if failed else 0


def stream_dir(trace):
    return os.path.dirname(glob.glob(os.path.join(trace, "**", "metadata"), recursive=True)[0])


def fallback(teescope, samples, tmp):
    failed = 0
    # A stream cut inside its packet: salvaged before anything is read.
    cut = os.path.join(tmp, "cut")
    shutil.copytree(os.path.join(samples, "lossy"), cut)
    stream = os.path.join(stream_dir(cut), "teescope_1")
    os.truncate(stream, os.path.getsize(stream) * 2 // 3)
    failed += equal(teescope, cut, os.path.join(tmp, "cut-dbs"), threads=(0, 2), expect_exit=None, expect_note=True)
    # Zeroed bytes inside a packet: a packet that cannot be decoded, met while reading.
    zeroed = os.path.join(tmp, "zeroed")
    shutil.copytree(os.path.join(samples, "lossy"), zeroed)
    stream = os.path.join(stream_dir(zeroed), "teescope_0")
    with open(stream, "r+b") as f:
        f.seek(os.path.getsize(stream) // 2)
        f.write(bytes(64))
    failed += equal(teescope, zeroed, os.path.join(tmp, "zeroed-dbs"), threads=(0, 2), expect_exit=3, expect_note=True)
    return 1 if failed else 0


def record_load(teescope, scenario, out, calls):
    cmd = [teescope, "record", "--sim", "--blocking", "--no-summary", "-o", out, "--",
           scenario, "--processes", "2", "--threads", "2", "--calls", str(calls)]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, timeout=600)
    streams = [f for f in os.listdir(stream_dir(out)) if f.startswith("teescope_")]
    print(f"recorded {out}: {len(streams)} stream files")
    return out


def cancel(teescope, trace, tmp):
    db = os.path.join(tmp, "cancelled.db")
    p = subprocess.Popen([teescope, "import", trace, "-o", db, "--progress=json", "--decode-threads", "2"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        # Interrupt once events are being merged.
        for line in p.stdout:
            try:
                if json.loads(line).get("events", 0) > 0:
                    break
            except ValueError:
                pass
        os.kill(p.pid, signal.SIGINT)
        start = time.monotonic()
        p.wait(timeout=30)
        took = time.monotonic() - start
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
    err = p.stderr.read()
    failed = 0
    if p.returncode != 130:
        print(f"FAIL: exit {p.returncode} after SIGINT, expected 130: {err[-500:]!r}")
        failed += 1
    if os.path.exists(db):
        print(f"FAIL: {db} was written by a cancelled import")
        failed += 1
    if not failed:
        print(f"ok: cancelled in {took:.2f} s, exit 130, nothing written")
    return 1 if failed else 0


def bad_threads(teescope, tmp):
    failed = 0
    for value in ["-1", "two", "", "65", "1.5"]:
        r = subprocess.run([teescope, "import", tmp, "--decode-threads", value], capture_output=True, text=True,
                           timeout=60, check=False)
        if r.returncode != 2 or "--decode-threads" not in r.stderr or f"'{value}'" not in r.stderr:
            print(f"FAIL: --decode-threads {value!r}: exit {r.returncode}, stderr {r.stderr!r}")
            failed += 1
    if not failed:
        print("ok: bad --decode-threads values refused")
    return 1 if failed else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--teescope", required=True)
    ap.add_argument("--trace")
    ap.add_argument("--samples")
    ap.add_argument("--scenario", help="scenario_load, to record a load trace")
    ap.add_argument("--calls", type=int, default=40000)
    ap.add_argument("check", choices=["equal", "fallback", "load", "cancel", "bad-threads"])
    a = ap.parse_args()
    teescope = os.path.abspath(a.teescope)
    with tempfile.TemporaryDirectory(prefix="teescope-parallel-") as tmp:
        if a.check == "equal":
            return equal(teescope, a.trace, tmp)
        if a.check == "fallback":
            return fallback(teescope, a.samples, tmp)
        if a.check == "bad-threads":
            return bad_threads(teescope, tmp)
        trace = a.trace or record_load(teescope, a.scenario, os.path.join(tmp, "load"), a.calls)
        if a.check == "load":
            return equal(teescope, trace, tmp, threads=(0, 1, 2))
        return cancel(teescope, trace, tmp)


if __name__ == "__main__":
    sys.exit(main())
