#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Text reports of a real sample database show times from the trace start and durations with units.

  report_text.py TEESCOPE TRACE_DIR

Imports the trace, then checks `teescope report leaks|objects` as text against the same reports
as CSV (which keep the stored nanoseconds): the header names the trace's wall-clock start, every
time cell is the offset of the stored time from the first event, every duration has a unit.
"""
import csv
import datetime
import io
import os
import re
import sqlite3
import subprocess
import sys
import tempfile

HEADER = re.compile(r"^Trace start: (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\.(\d{9}) UTC \(first event\)")
OFFSET = re.compile(r"^([+-])(\d+)\.(\d{6}) s$")
DURATION = re.compile(r"^\d+(\.\d+)?(ns|µs|ms|s)$")


def fail(what):
    print(f"FAIL: {what}")
    sys.exit(1)


def run(*args):
    r = subprocess.run(args, capture_output=True, text=True, check=False, timeout=120)
    if r.returncode != 0:
        fail(f"{' '.join(args)} exited {r.returncode}: {r.stderr}")
    return r.stdout


def text_rows(text):
    """The rows of a one-table text report (after its header), split into cells: columns are
    separated by two spaces or more, and no cell holds two spaces in a row."""
    lines = [l for l in text.splitlines() if l.strip()]
    return [re.split(r"  +", l.strip()) for l in lines[1:]]


def main():
    teescope, trace = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory(prefix="teescope-report-text-") as tmp:
        db = os.path.join(tmp, "trace.db")
        run(teescope, "import", trace, "-o", db, "--progress=none")
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        first_ts = int(con.execute("SELECT value FROM metadata WHERE key = 'first_ts'").fetchone()[0])
        con.close()
        checked_times = checked_durations = 0
        for kind in ("leaks", "objects"):
            text = run(teescope, "report", kind, db)
            m = HEADER.match(text)
            if not m:
                fail(f"report {kind}: no trace start header: {text[:200]!r}")
            start = datetime.datetime.fromtimestamp(first_ts // 10**9, datetime.timezone.utc)
            if m.group(1) != start.strftime("%Y-%m-%d %H:%M:%S") or int(m.group(2)) != first_ts % 10**9:
                fail(f"report {kind}: header {m.group(0)!r}, first_ts {first_ts} is {start}")
            raw_ts = re.search(r"\S*\d{16,}\S*", text)
            if raw_ts:
                fail(f"report {kind}: a raw timestamp is left: {raw_ts.group(0)!r}")
            table = list(csv.reader(io.StringIO(run(teescope, "report", kind, db, "--format", "csv"))))
            columns, stored = table[0], table[1:]
            rows = text_rows(text[m.end():].split("\n", 1)[1])
            if len(rows) != len(stored) or not stored:
                fail(f"report {kind}: {len(rows)} text rows, {len(stored)} CSV rows")
            for row, raw in zip(rows, stored):
                if len(row) != len(columns):
                    fail(f"report {kind}: {len(row)} cells, {len(columns)} columns: {row}")
                for name, cell, value in zip(columns, row, raw):
                    if name.endswith("_ts") and value:
                        o = OFFSET.match(cell)
                        if not o:
                            fail(f"report {kind}: {name} = {cell!r}, not an offset")
                        shown = (int(o.group(2)) * 10**6 + int(o.group(3))) * (-1 if o.group(1) == "-" else 1)
                        want = int(value) - first_ts
                        if abs(shown * 1000 - want) > 500:
                            fail(f"report {kind}: {name} = {cell!r}, stored {value} is {want} ns after the start")
                        checked_times += 1
                    elif name.endswith("_ns") and value:
                        if not DURATION.match(cell):
                            fail(f"report {kind}: {name} = {cell!r}, not a duration with a unit")
                        checked_durations += 1
        if checked_times == 0 or checked_durations == 0:
            fail(f"checked {checked_times} times and {checked_durations} durations")
        print(f"ok: {checked_times} times and {checked_durations} durations checked")


if __name__ == "__main__":
    main()
