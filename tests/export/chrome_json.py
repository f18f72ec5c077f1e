#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The Chrome JSON export parses with Python's json and is well-formed Trace Event Format.

  chrome_json.py TEESCOPE DBS_DIR WORKDIR

For each sample database: every event has a name, a phase, a pid and a numeric ts; "X" events a
dur >= 0; per thread the "X" events nest (a child lies inside its parent); every flow "s" has one
"f" with the same id (binding "e") and lies in a slice of its thread; every pid and (pid, tid) with
events has a process_name / thread_name "M" event; counters "C" carry a numeric value; and the
processes match the database's.
"""
import json
import os
import shutil
import sqlite3
import subprocess
import sys

SAMPLES = ["callbacks", "sharing", "lossy", "optee_storage"]


def main():
    teescope, dbs, work = sys.argv[1:4]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    failures = []

    def expect(ok, what):
        if not ok:
            print(f"FAIL {what}")
            failures.append(what)
        return ok

    for name in SAMPLES:
        db = os.path.join(dbs, f"{name}.db")
        out = os.path.join(work, f"{name}.json")
        r = subprocess.run([teescope, "export", db, "--format", "chrome-json", "-o", out],
                           capture_output=True, text=True, timeout=300, check=False)
        if not expect(r.returncode == 0, f"{name}: export exited {r.returncode}: {r.stderr}"):
            continue
        with open(out, encoding="utf-8") as f:
            doc = json.load(f)
        events = doc["traceEvents"]
        expect(len(events) > 0, f"{name}: no events")
        procs, threads, used_pids, used_threads = {}, set(), set(), set()
        slices, starts, finishes = {}, {}, {}
        counters = 0
        for e in events:
            ph = e.get("ph")
            if not expect(isinstance(e.get("name"), str) and e["name"] != "" and ph and "pid" in e,
                          f"{name}: incomplete event {e}"):
                continue
            if ph == "M":
                if e["name"] == "process_name":
                    procs[e["pid"]] = e["args"]["name"]
                elif e["name"] == "thread_name":
                    threads.add((e["pid"], e["tid"]))
                continue
            expect(isinstance(e.get("ts"), (int, float)), f"{name}: ts of {e}")
            used_pids.add(e["pid"])
            if ph == "X":
                expect(isinstance(e.get("dur"), (int, float)) and e["dur"] >= 0, f"{name}: dur of {e}")
                used_threads.add((e["pid"], e["tid"]))
                # Microseconds with three decimals: whole nanoseconds, compared exactly.
                b = round(e["ts"] * 1000)
                slices.setdefault((e["pid"], e["tid"]), []).append((b, b + round(e["dur"] * 1000), e["name"]))
            elif ph == "s":
                expect(e["id"] not in starts, f"{name}: flow {e['id']} starts twice")
                starts[e["id"]] = e
            elif ph == "f":
                expect(e.get("bp") == "e", f"{name}: flow end without binding point e: {e}")
                expect(e["id"] not in finishes, f"{name}: flow {e['id']} ends twice")
                finishes[e["id"]] = e
            elif ph == "C":
                counters += 1
                expect(isinstance(e["args"].get("value"), int), f"{name}: counter value of {e}")
            elif ph == "i":
                expect(e.get("s") in ("g", "p", "t"), f"{name}: instant scope of {e}")
            else:
                expect(False, f"{name}: unexpected phase {ph}")
        expect(set(starts) == set(finishes), f"{name}: flows not paired: {set(starts) ^ set(finishes)}")
        expect(used_pids <= set(procs) | {0}, f"{name}: pids without a process_name: {used_pids - set(procs)}")
        expect(used_threads <= threads, f"{name}: threads without a thread_name: {used_threads - threads}")
        expect(counters > 0, f"{name}: no counters")
        # Nesting per thread: sorted by begin (longer first), each slice inside the open one.
        for key, items in slices.items():
            items.sort(key=lambda s: (s[0], -s[1]))
            stack = []
            for b, end, n in items:
                while stack and stack[-1][1] <= b:
                    stack.pop()
                if stack:
                    expect(end <= stack[-1][1], f"{name}: {n} [{b}, {end}] overlaps {stack[-1]} on {key}")
                stack.append((b, end, n))
        # A flow starts inside a slice of its thread.
        for fid, s in starts.items():
            ts = round(s["ts"] * 1000)
            inside = any(b <= ts <= end for b, end, _ in slices.get((s["pid"], s["tid"]), []))
            expect(inside, f"{name}: flow {fid} starts outside any slice")
        # The processes are the database's.
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        names = sorted(n or "" for (n,) in con.execute("SELECT display_name FROM processes"))
        expect(sorted(procs.values()) == names, f"{name}: processes {sorted(procs.values())} != {names}")
        flows = con.execute("SELECT COUNT(*) FROM callback_requests r JOIN invocations i ON i.id = r.invocation_id"
                            " WHERE r.supplicant_thread_id IS NOT NULL AND r.queue_ts IS NOT NULL"
                            " AND i.thread_id IS NOT NULL").fetchone()[0]
        expect(len(starts) == flows, f"{name}: {len(starts)} flows, {flows} served requests")
        print(f"{'ok  ' if not failures else '....'} {name}: {len(events)} events, {len(starts)} flows,"
              f" {counters} counter values")
    if failures:
        sys.exit(f"{len(failures)} failed")


if __name__ == "__main__":
    main()
