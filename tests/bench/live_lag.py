#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Live mode: how far behind the present a reader of a live database is, and what live import
costs against an offline import of the same trace.

Two runs of `teescope record --live --sim -- scenario_load`, each watched by a reader that polls
the database's metadata every 20 ms on its own read-only connection (as the GUI and `teescope
top` do):
  sustained  2 processes x 2 threads at --rate R add invocations/s per thread (4 events each:
             40 k events/s for the default R = 2500, 100 k for R = 6250 where the machine can
             produce it: the scenario prints the rate it reached) for --seconds S;
  burst      the same scenario at full speed (--burst-calls per thread).

Lag: at each poll where a commit became visible, the age of the events it made visible, from
their trace timestamps (the trace clock is LTTng's, offset to the wall clock) to the poll's wall
time: `newest` is the age of the newest event visible, `oldest` of the oldest event the commit
made visible (the previous commit's newest). Printed: p50 / p99 of both over the run, the p50 of
the first and the last third (the lag must not grow), and for the burst the lag curve per second
(it may fall behind; it must catch up when the burst ends).

Throughput: CPU seconds per million events of the live import (the importer process, from
/proc, sampled while it runs) against `teescope import` of the trace the relay daemon wrote
(its CPU time, from getrusage): RATIO live_throughput = offline CPU / live CPU (target >= 0.8).

  live_lag.py --bindir BUILD/bin [--seconds 60] [--rate 2500] [--burst-calls 100000]
"""
import argparse
import glob
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time


def percentile(values, q):
    if not values:
        return float("nan")
    v = sorted(values)
    return v[min(len(v) - 1, max(0, int(round(q * len(v) + 0.5)) - 1))]


def importer_cpu(parent):
    """CPU seconds so far of the processes running `teescope import --live-url` below `parent`."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for stat in glob.glob("/proc/[0-9]*/cmdline"):
        pid = stat.split("/")[2]
        try:
            with open(stat, "rb") as f:
                args = f.read().split(b"\0")
            if b"--live-url" not in args or b"import" not in args:
                continue
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
        except (OSError, ValueError, IndexError):
            pass
    return total


def watch(cmd, db):
    """Runs cmd, polling db's metadata every 20 ms: [(wall_ns, live_ts, live_events)], cpu, stdout."""
    rec = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    samples = []
    cpu = 0.0
    conn = None
    while rec.poll() is None:
        if conn is None and os.path.exists(db):
            try:
                conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
            except sqlite3.Error:
                conn = None
        if conn is not None:
            try:
                meta = dict(conn.execute("SELECT key, value FROM metadata WHERE key IN "
                                         "('live', 'live_ts', 'live_events')"))
                if meta.get("live") == "1" and int(meta.get("live_events", "0")) > 0:
                    samples.append((time.time_ns(), int(meta["live_ts"]), int(meta["live_events"])))
            except sqlite3.Error:
                pass
        cpu = max(cpu, importer_cpu(rec.pid))
        time.sleep(0.02)
    out, err = rec.communicate()
    if rec.returncode != 0:
        sys.exit(f"record --live failed ({rec.returncode}): {err[-800:]}")
    if conn is not None:
        conn.close()
    return samples, cpu, out


def lags(samples):
    """(t_s since first, newest_ms, oldest_ms) for each poll that saw a new commit."""
    out = []
    prev = None
    t0 = samples[0][0] if samples else 0
    for wall, ts, events in samples:
        if prev is not None and ts != prev[1]:
            out.append(((wall - t0) / 1e9, (wall - ts) / 1e6, (wall - prev[1]) / 1e6))
        prev = (wall, ts, events)
    return out


def offline_cpu(teescope, trace, db):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    r = subprocess.run([teescope, "import", trace, "-o", db, "--progress=none"], capture_output=True, text=True)
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode != 0:
        sys.exit(f"offline import failed: {r.stderr}")
    c = sqlite3.connect(db)
    events = int(dict(c.execute("SELECT key, value FROM metadata"))["events"])
    c.close()
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), wall, events


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bindir", required=True)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--rate", type=int, default=2500)
    ap.add_argument("--burst-calls", type=int, default=100000)
    a = ap.parse_args()
    teescope = os.path.join(a.bindir, "teescope")
    load = os.path.join(a.bindir, "scenario_load")
    results = {}
    with tempfile.TemporaryDirectory(prefix="teescope-live-bench-") as tmp:
        for name, args in (("sustained", ["--rate", str(a.rate), "--calls", str(int(a.rate * a.seconds))]),
                           ("burst", ["--calls", str(a.burst_calls)])):
            trace, db = os.path.join(tmp, name), os.path.join(tmp, name + ".db")
            start = time.monotonic()
            samples, cpu, out = watch([teescope, "record", "--live", "--sim", "--no-summary", "-o", trace, "--db", db,
                                       "--", load, "--processes", "2", "--threads", "2", *args], db)
            wall = time.monotonic() - start
            off_cpu, off_wall, events = offline_cpu(teescope, trace, os.path.join(tmp, name + ".offline.db"))
            results[name] = (lags(samples), cpu, off_cpu, off_wall, events, wall)
            rate = next((line for line in out.splitlines() if "invocations/s" in line), "").strip()
            print(f"{name}: {events} events in {wall:.1f} s; {rate}", flush=True)

    ok = True
    for name, (lag, cpu, off_cpu, off_wall, events, wall) in results.items():
        newest = [x[1] for x in lag]
        oldest = [x[2] for x in lag]
        if not lag:
            print(f"{name}: the reader saw no commit while live")
            ok = False
            continue
        third = max(1, len(lag) // 3)
        first_p50 = statistics.median(x[2] for x in lag[:third])
        last_p50 = statistics.median(x[2] for x in lag[-third:])
        print(f"LAG {name}: commits seen {len(lag)}; newest event p50 {percentile(newest, 0.5):.0f} ms "
              f"p99 {percentile(newest, 0.99):.0f} ms; oldest event p50 {percentile(oldest, 0.5):.0f} ms "
              f"p99 {percentile(oldest, 0.99):.0f} ms; p50 first third {first_p50:.0f} ms, last third "
              f"{last_p50:.0f} ms (ratio {last_p50 / first_p50:.2f})")
        if name == "burst":
            curve = {}
            for t, _, old in lag:
                curve.setdefault(int(t), []).append(old)
            print("LAG CURVE burst (s: max age ms): "
                  + ", ".join(f"{s}: {max(v):.0f}" for s, v in sorted(curve.items())))
        ratio = (off_cpu / events) / (cpu / events) if cpu > 0 else float("nan")
        print(f"RATIO live_throughput {name}: {ratio:.2f} (offline import {off_cpu:.2f} CPU s, "
              f"{off_wall:.2f} s wall; live import {cpu:.2f} CPU s; {events} events)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
