#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Import speed, memory and size, as ratios measured in the same run.

  import_speed.py --bindir BUILD/bin [--events 5000000] [--trace DIR] [--keep DIR] [--threads 1,2]

Records a trace of the load scenario with about --events events (or uses --trace), then times
`babeltrace2 --output-format=dummy TRACE` (the reference: reading and decoding alone) and
`teescope import TRACE --decode-threads N` for each N of --threads, alternately round after
round, and prints for each N:
  RATIO import/babeltrace2 (N decoding threads) = ...   (target <= 1.0)
  peak RSS of the import           (target <= 128 MB, flat in the number of events)
  RATIO db/ctf size = ...          (target <= 1.0)
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

from measure import du, record, timed


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bindir", required=True)
    ap.add_argument("--events", type=int, default=5_000_000)
    ap.add_argument("--trace", help="use this trace instead of recording one")
    ap.add_argument("--keep", help="record into this directory and keep it")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--threads", default="1,2", help="decoding threads to measure (0: one graph)")
    a = ap.parse_args()
    threads = [int(n) for n in a.threads.split(",")]
    bindir = os.path.abspath(a.bindir)
    work = tempfile.mkdtemp(prefix="teescope-import-bench-")
    try:
        trace = a.trace
        if not trace:
            trace = a.keep or os.path.join(work, "trace")
            if not os.path.exists(trace):
                print(f"recording about {a.events} events ...", flush=True)
                record(bindir, a.events, trace)
        db = os.path.join(work, "trace.db")
        bt, imp, rss = [], {n: [] for n in threads}, 0
        bt_cpu, imp_cpu = [], {n: [] for n in threads}
        for r in range(a.rounds):
            t, _ = timed(["babeltrace2", "--output-format=dummy", trace])
            bt.append(t)
            bt_cpu.append(timed.cpu)
            print(f"round {r + 1}: babeltrace2 {t:.2f} s", end="", flush=True)
            for n in threads:
                t, peak = timed([os.path.join(bindir, "teescope"), "import", trace, "-o", db, "--progress=none",
                                 "--decode-threads", str(n)])
                imp[n].append(t)
                imp_cpu[n].append(timed.cpu)
                rss = max(rss, peak)
                print(f", import ({n} threads) {t:.2f} s", end="", flush=True)
            print(flush=True)
        events = subprocess.run(["sqlite3", db, "select value from metadata where key = 'events'"],
                                capture_output=True, text=True).stdout.strip()
        ctf, size = du(trace), os.path.getsize(db)
        print(f"trace {trace}: {events} events, {ctf / 1e6:.1f} MB CTF")
        for n in threads:
            print(f"babeltrace2 dummy: {min(bt):.2f} s, teescope import --decode-threads {n}: {min(imp[n]):.2f} s "
                  f"(best of {a.rounds})")
            print(f"RATIO import/babeltrace2 ({n} decoding threads) = {min(imp[n]) / min(bt):.2f} (target <= 1.0)")
            # CPU time, all threads: what a busy machine cannot hide (wall time depends on idle cores).
            print(f"  cpu import/babeltrace2 ({n} decoding threads) = {min(imp_cpu[n]) / min(bt_cpu):.2f}")
        print(f"peak RSS of the import = {rss / 2**20:.0f} MB (target <= 128 MB)")
        print(f"RATIO db/ctf size = {size / ctf:.2f} ({size / 1e6:.1f} MB / {ctf / 1e6:.1f} MB, target <= 1.0)")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
