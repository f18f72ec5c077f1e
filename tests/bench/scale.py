#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Scale: import and GUI figures on traces of tens of millions of events, each against a
reference measured in the same run and against its target.

Short run (about 5 M events, a few minutes; what the test suite runs):
  scale.py --bindir build/bin --events 5120000 --rounds 1 --gui-rounds 1 --frames 120

Full run, by hand (records 5 M and 51 M events of the load scenario, kept for the next run):
  scale.py --bindir build/bin --events 5120000 --events 51200000 --keep /tmp/scale-traces
or on traces recorded before (and, for the GUI figures, databases imported before):
  scale.py --bindir build/bin --trace T5 --trace T51 [--db T5.db --db T51.db]
or the GUI figures alone, on databases imported before:
  scale.py --bindir build/bin --db T5.db --db T51.db

Each size is a trace: recorded with `teescope record --sim --blocking -- scenario_load
--processes 2 --threads 2 --calls C` for about --events events (4 events per call, 16 per C),
or given with --trace. For each, printed as `FIGURE` lines (value, same-run reference, ratio to
the reference, ratio to the target):
  import time ÷ `babeltrace2 --output-format=dummy` (alternating rounds, best of each), for the
      default import and, when `teescope import --help` offers --decode-threads, with 1 and with 2
      decoding threads                                                        target <= 1.0
  import peak RSS (reference: babeltrace2's)                                  target <= 128 MB
      and, given several sizes, whether it is flat: largest ÷ smallest        target <= 1.2
  GUI first paint (reference: an empty window's, gui_first_paint)             target < 100 ms
  GUI every page ready, and each page (reference: one scan of the
      invocations table)                                                      target <= 5 s
  GUI peak RSS with the graph and the timeline shown (reference: the
      empty window's)                                                         target <= 1 GB
  timeline frame p95 (reference: the empty lane background,
      gui_timeline_frames)                                                    target <= 16 ms
then a table with a column per size, PASS or MISS against each target.

The GUI figures use the database this run imported, or --db (one per size, in order). The GUI
benchmarks run with QT_QPA_PLATFORM=offscreen and their own empty settings.

Exit 0 when every figure was measured (missed targets included; --strict: 1 if one is missed),
1 when something could not be run (the table shows what was measured). The last line is
`FIGURES all N measured` only when every figure was.
"""
import argparse
import os
import re
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time

from measure import RunError, du, help_offers, metadata, record, run

MB = 2**20
TIMEOUT = 7200  # seconds, for any one command: a 100 M-event import on a loaded 2-core machine


class Figure:
    """One row of the table: its value per size, and how it compares to its target."""

    def __init__(self, name, unit, target, better="lower", strict=False):
        self.name, self.unit, self.target, self.better, self.strict = name, unit, target, better, strict
        self.values = {}
        self.notes = {}

    def verdict(self, value):
        if self.target is None or value is None:
            return ""
        if self.strict:
            return "PASS" if value < self.target else "MISS"
        return "PASS" if value <= self.target else "MISS"

    def target_text(self):
        if self.target is None:
            return ""
        return f"{'<' if self.strict else '<='} {fmt(self.target)}{self.unit}"


def fmt(v):
    if v is None:
        return "—"
    if isinstance(v, str):
        return v
    if float(v).is_integer() and abs(v) < 1e6:
        return f"{v:.0f}" if abs(v) >= 10 else f"{v:.1f}"
    if abs(v) >= 100:
        return f"{v:.0f}"
    if abs(v) >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def figure_line(name, value, unit, ref_name, ref, target=None, strict=False, target_is_ratio=False):
    """FIGURE name = value; the reference and RATIO to it; the target, RATIO to it and verdict.
    With target_is_ratio the target bounds value ÷ reference."""
    parts = [f"FIGURE {name} = {fmt(value)}{unit}"]
    ratio = None
    if ref is not None:
        ratio = value / ref if ref else float("inf")
        parts.append(f"reference ({ref_name}) {fmt(ref)}{unit}, RATIO {ratio:.2f}")
    if target is not None:
        measured = ratio if target_is_ratio else value
        ok = measured < target if strict else measured <= target
        parts.append(f"target {'RATIO ' if target_is_ratio else ''}{'<' if strict else '<='} "
                     f"{fmt(target)}{'' if target_is_ratio else unit}: "
                     f"{'' if target_is_ratio else f'RATIO {value / target:.2f} '}{'PASS' if ok else 'MISS'}")
    print("; ".join(parts), flush=True)


def say(text):
    print(text, flush=True)


class Run:
    def __init__(self, a):
        self.a = a
        self.bindir = os.path.abspath(a.bindir)
        self.teescope = os.path.join(self.bindir, "teescope")
        self.work = tempfile.mkdtemp(prefix="teescope-scale-")
        self.failures = []
        self.decode_threads = help_offers([self.teescope, "import"], "--decode-threads")
        self.import_variants = [("default", [])]
        if self.decode_threads:
            self.import_variants += [("1 decoding thread", ["--decode-threads", "1"]),
                                     ("2 decoding threads", ["--decode-threads", "2"])]
        self.figures = [Figure("events", " M", None)]
        self.figures += [Figure(f"import ÷ babeltrace2, {v}", "", 1.0) for v, _ in self.import_variants]
        self.figures += [Figure("import time (default)", " s", None),
                         Figure("import peak RSS", " MB", 128),
                         Figure("GUI first paint", " ms", 100, strict=True),
                         Figure("GUI every page ready (slowest page)", " s", 5),
                         Figure("GUI peak RSS, graph + timeline shown", " MB", 1024),
                         Figure("timeline frame p95", " ms", 16)]
        if a.gui_only:
            self.figures = [f for f in self.figures if f.name.startswith(("GUI", "timeline"))]
        self.sizes = []
        env = dict(os.environ)
        env["QT_QPA_PLATFORM"] = "offscreen"
        env["XDG_CONFIG_HOME"] = os.path.join(self.work, "config")
        self.gui_env = env

    def figure(self, name):
        return next(f for f in self.figures if f.name == name)

    def set(self, size, name, value, note=None):
        self.figure(name).values[size] = value
        if note:
            self.figure(name).notes[size] = note

    def attempt(self, what, fn):
        try:
            return fn()
        except (RunError, OSError, sqlite3.Error, ValueError) as e:
            self.failures.append(f"{what}: {e}")
            say(f"FAILED {what}: {e}")
            return None

    # -- the trace -------------------------------------------------------------------------------

    def trace_for(self, index):
        a = self.a
        if a.trace:
            trace = os.path.abspath(a.trace[index])
            if not os.path.isdir(trace):
                raise RunError(f"{trace}: no such trace directory")
            return trace
        events = a.events[index]
        base = os.path.abspath(a.keep) if a.keep else self.work
        trace = os.path.join(base, f"trace-{events}")
        if os.path.isdir(trace) and os.path.exists(os.path.join(trace, ".complete")):
            say(f"reusing {trace}")
            return trace
        shutil.rmtree(trace, ignore_errors=True)
        os.makedirs(base, exist_ok=True)
        say(f"recording about {events} events into {trace} ...")
        start = time.perf_counter()
        record(self.bindir, events, trace)
        open(os.path.join(trace, ".complete"), "w").close()
        say(f"recorded in {time.perf_counter() - start:.0f} s")
        return trace

    # -- import ----------------------------------------------------------------------------------

    def measure_import(self, size, trace, db):
        a = self.a
        bt_times, bt_rss = [], 0
        times = {v: [] for v, _ in self.import_variants}
        rss = {v: 0 for v, _ in self.import_variants}
        for r in range(a.rounds):
            t, m, _ = run(["babeltrace2", "--output-format=dummy", trace], capture=True, timeout=TIMEOUT)
            bt_times.append(t)
            bt_rss = max(bt_rss, m)
            line = [f"round {r + 1}: babeltrace2 {t:.2f} s"]
            for v, opts in self.import_variants:
                if os.path.exists(db):
                    os.remove(db)
                t, m, _ = run([self.teescope, "import", trace, "-o", db, "--progress=none"] + opts, capture=True,
                               timeout=TIMEOUT)
                times[v].append(t)
                rss[v] = max(rss[v], m)
                line.append(f"import ({v}) {t:.2f} s {m / MB:.0f} MB")
            say(", ".join(line))
        bt = min(bt_times)
        if len(bt_times) > 1:
            say(f"babeltrace2 spread over {len(bt_times)} rounds: "
                f"{(max(bt_times) - bt) / bt * 100:.0f} % (the machine's noise)")
        events = int(metadata(db, "events") or 0)
        self.set(size, "events", events / 1e6)
        say(f"trace {trace}: {events} events, {du(trace) / 1e6:.0f} MB CTF; database {os.path.getsize(db) / 1e6:.0f} MB")
        for v, _ in self.import_variants:
            best = min(times[v])
            figure_line(f"import time ({v}, best of {a.rounds})", best, " s",
                        "babeltrace2 --output-format=dummy", bt, target=1.0, target_is_ratio=True)
            self.set(size, f"import ÷ babeltrace2, {v}", best / bt)
        self.set(size, "import time (default)", min(times["default"]), f"babeltrace2 {bt:.1f} s")
        peak = max(rss.values()) / MB
        figure_line("import peak RSS", peak, " MB", "babeltrace2's peak RSS", bt_rss / MB, target=128)
        if len(rss) > 1:
            say("  per variant: " + ", ".join(f"{v} {m / MB:.0f} MB" for v, m in rss.items()))
        self.set(size, "import peak RSS", peak)
        return events

    # -- GUI -------------------------------------------------------------------------------------

    def measure_first_paint(self, size, db):
        a = self.a
        exe = os.path.join(self.bindir, "gui_first_paint")
        _, rss, out = run([exe, db, "--rounds", str(a.gui_rounds)], env=self.gui_env, capture=True,
                          timeout=TIMEOUT, ok=(0, 1))
        m = re.search(r"RATIO first_paint / empty_window_first_paint = \S+ \(([0-9.]+) / ([0-9.]+) ms\)", out)
        ready = re.search(r"every page ready \(median\): ([0-9.]+) ms", out)
        if not m or not ready:
            raise RunError(f"{exe} printed no first paint or no readiness:\n{out[-1500:]}")
        for line in out.splitlines():
            if line.startswith("round "):
                say("  " + line)
        fp, empty = float(m.group(1)), float(m.group(2))
        figure_line("GUI first paint", fp, " ms", "empty window's first paint", empty, target=100, strict=True)
        self.set(size, "GUI first paint", fp)

        scan = self.scan_invocations(db)
        pages = re.findall(r"page ready \(median\): (\w+) (-?[0-9.]+) ms", out)
        every = float(ready.group(1)) / 1000
        slowest = ""
        for name, ms in pages:
            secs = float(ms) / 1000
            if secs < 0:
                raise RunError(f"{exe}: the {name} page never became ready")
            figure_line(f"GUI {name} page ready", secs, " s", "one scan of the invocations table", scan, target=5)
        if pages:
            slowest = max(pages, key=lambda p: float(p[1]))[0]
        else:
            say("  (this gui_first_paint prints no readiness per page)")
        figure_line("GUI every page ready", every, " s", "one scan of the invocations table", scan, target=5)
        self.set(size, "GUI every page ready (slowest page)", every, slowest)

        shown = re.search(r"peak RSS with the graph and the timeline shown: ([0-9.]+) MB \(empty window ([0-9.]+) MB\)", out)
        if shown:
            peak, empty_rss = float(shown.group(1)), float(shown.group(2))
            # The first round's: later rounds open a window again in the same process, whose peak
            # also holds what the allocator kept from the rounds before.
            first = re.search(r"^round 1: graph shown .* peak RSS ([0-9.]+) MB", out, re.M)
            if first:
                peak = float(first.group(1))
        else:
            # An older gui_first_paint: every page loaded but none but the summary shown.
            peak, empty_rss = rss / MB, None
            say("  (this gui_first_paint shows no page but the summary: peak RSS of the process)")
        figure_line("GUI peak RSS, graph and timeline shown", peak, " MB", "empty window", empty_rss, target=1024)
        self.set(size, "GUI peak RSS, graph + timeline shown", peak)

    def scan_invocations(self, db):
        """Seconds to read every invocation's times once: what a page that scans the table pays."""
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            start = time.perf_counter()
            conn.execute("SELECT count(*), sum(drv_end_ts - drv_begin_ts) FROM invocations").fetchone()
            return time.perf_counter() - start
        finally:
            conn.close()

    def measure_frames(self, size, db):
        exe = os.path.join(self.bindir, "gui_timeline_frames")
        _, rss, out = run([exe, db, str(self.a.frames)], env=self.gui_env, capture=True, timeout=TIMEOUT)
        f = re.search(r"timeline\s+frame ms: p50 ([0-9.]+)\s+p95 ([0-9.]+)\s+max ([0-9.]+)", out)
        r = re.search(r"reference frame ms: p50 ([0-9.]+)\s+p95 ([0-9.]+)", out)
        if not f or not r:
            raise RunError(f"{exe} printed no frame times:\n{out[-1500:]}")
        loaded = re.search(r"^database .*$", out, re.M)
        if loaded:
            say("  " + loaded.group(0))
        p95 = float(f.group(2))
        figure_line("timeline frame p95", p95, " ms", "empty lane background p95", float(r.group(2)), target=16)
        say(f"  timeline frames: p50 {f.group(1)} ms, max {f.group(3)} ms; "
            f"peak RSS of the timeline alone {rss / MB:.0f} MB")
        self.set(size, "timeline frame p95", p95)

    # -- the whole run ---------------------------------------------------------------------------

    def size_label(self, index):
        if self.a.gui_only:
            return os.path.basename(self.a.db[index])
        if self.a.trace:
            return os.path.basename(os.path.normpath(self.a.trace[index]))
        return f"{self.a.events[index] / 1e6:g} M"

    def measure(self):
        a = self.a
        count = len(a.db if a.gui_only else a.trace or a.events)
        say(f"binaries {self.bindir}; --decode-threads "
            f"{'offered: default, 1 and 2 threads' if self.decode_threads else 'not offered: the default import only'}")
        say(f"load average at the start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        for i in range(count):
            size = self.size_label(i)
            self.sizes.append(size)
            say(f"== {size}")
            trace = None if a.gui_only else self.attempt(f"{size}: trace", lambda: self.trace_for(i))
            db = os.path.join(self.work, f"import-{i}.db")
            if trace:
                self.attempt(f"{size}: import", lambda: self.measure_import(size, trace, db))
            gui_db = os.path.abspath(a.db[i]) if a.db and i < len(a.db) else db
            if gui_db != db:
                say(f"GUI figures on {gui_db}")
            if not os.path.exists(gui_db):
                self.failures.append(f"{size}: no database for the GUI figures ({gui_db})")
                say(f"FAILED {size}: no database for the GUI figures ({gui_db})")
                continue
            self.attempt(f"{size}: gui_first_paint", lambda: self.measure_first_paint(size, gui_db))
            self.attempt(f"{size}: gui_timeline_frames", lambda: self.measure_frames(size, gui_db))
            if os.path.exists(db):
                os.remove(db)
        self.flatness()

    def flatness(self):
        if len(self.sizes) < 2 or self.a.gui_only:
            return
        rss = self.figure("import peak RSS").values
        measured = [rss[s] for s in self.sizes if s in rss]
        flat = Figure("import peak RSS largest ÷ smallest trace", "", 1.2)
        self.figures.append(flat)
        if len(measured) == len(self.sizes):
            ratio = measured[-1] / measured[0]
            figure_line("import peak RSS largest / smallest trace", ratio, "", "", None, target=1.2)
            say(f"  import peak RSS {' -> '.join(f'{m:.0f} MB' for m in measured)}: "
                f"{'flat' if ratio <= 1.2 else 'grows with the trace'}")
            flat.values[self.sizes[-1]] = ratio

    def table(self):
        say("")
        say("| figure | target | " + " | ".join(self.sizes) + " |")
        say("|---|---|" + "---|" * len(self.sizes))
        missed = 0
        for f in self.figures:
            cells = []
            for s in self.sizes:
                v = f.values.get(s)
                verdict = f.verdict(v)
                missed += verdict == "MISS"
                note = f" ({f.notes[s]})" if s in f.notes else ""
                cells.append(f"{fmt(v)}{f.unit if v is not None else ''}{note}{' ' + verdict if verdict else ''}")
            say(f"| {f.name} | {f.target_text()} | " + " | ".join(cells) + " |")
        return missed

    def expected(self):
        # Rows per size, and the flatness ratio once for several sizes.
        return sum(1 for f in self.figures if f.name != "import peak RSS largest ÷ smallest trace") * len(self.sizes) \
            + (1 if len(self.sizes) > 1 and not self.a.gui_only else 0)

    def measured(self):
        return sum(1 for f in self.figures for s in self.sizes if s in f.values)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bindir", required=True, help="teescope, scenario_load and the GUI benchmarks")
    ap.add_argument("--events", type=int, action="append",
                    help="record a trace of about this many events (repeat for several sizes; default 5120000)")
    ap.add_argument("--trace", action="append", help="use this trace (repeat for several sizes)")
    ap.add_argument("--db", action="append",
                    help="GUI figures on this database instead of this run's import (one per size, in order; "
                         "alone, without --trace or --events: the GUI figures only)")
    ap.add_argument("--keep", help="record into this directory and keep the traces (reused by the next run)")
    ap.add_argument("--rounds", type=int, default=2, help="import rounds, alternating with babeltrace2")
    ap.add_argument("--gui-rounds", type=int, default=3, help="rounds of gui_first_paint")
    ap.add_argument("--frames", type=int, default=300, help="frames of gui_timeline_frames")
    ap.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    a = ap.parse_args()
    if a.trace and a.events:
        ap.error("give either --trace or --events")
    # Databases alone: the GUI figures only.
    a.gui_only = bool(a.db) and not a.trace and not a.events
    if not a.trace and not a.events and not a.gui_only:
        a.events = [5_120_000]
    count = len(a.db if a.gui_only else a.trace or a.events)
    if a.db and len(a.db) != count:
        ap.error(f"--db: give one database per size ({count}), in order")
    if a.rounds < 1 or a.gui_rounds < 1 or a.frames < 20:
        ap.error("--rounds and --gui-rounds must be at least 1, --frames at least 20")
    for exe in ("teescope", "scenario_load", "gui_first_paint", "gui_timeline_frames"):
        if not os.access(os.path.join(a.bindir, exe), os.X_OK):
            ap.error(f"{os.path.join(a.bindir, exe)}: no such executable (build it, or check --bindir)")
    if not shutil.which("babeltrace2"):
        ap.error("babeltrace2 is not on PATH (it is the import's reference)")

    r = Run(a)
    try:
        r.measure()
        missed = r.table()
        say(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs "
            "(above the number of CPUs, every figure is inflated; the ratios less so)")
    finally:
        shutil.rmtree(r.work, ignore_errors=True)
    expected, measured = r.expected(), r.measured()
    if r.failures:
        say(f"not measured ({measured} of {expected} figures):")
        for f in r.failures:
            say(f"  {f.splitlines()[0]}")
        return 1
    if measured != expected:
        say(f"only {measured} of {expected} figures measured")
        return 1
    say(f"{missed} target(s) missed")
    say(f"FIGURES all {measured} measured")
    return 1 if a.strict and missed else 0


if __name__ == "__main__":
    sys.exit(main())
