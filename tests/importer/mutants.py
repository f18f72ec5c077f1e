#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The import mutation suite: `teescope import` on damaged copies of the committed traces.

  mutants.py --teescope BIN --samples samples/traces [--count N] [--seed S] [--jobs J]
             [--timeout SEC] [--no-tolerate-stalls] [--keep DIR] [--verbose]

Each mutant is a copy of a committed trace with one kind of damage, chosen by a deterministic
seed: byte flips, zeroed ranges, truncations and appended garbage in a stream file; flips and
truncations of the metadata; missing or duplicated files; damaged or missing index files. Each is
imported under `timeout -s KILL` and must end as documented:

  exit 0  a complete database, readable by `teescope report stats`, read_error = 0;
  exit 3  a complete database that says read_error = 1, the message names the trace;
  exit 1  no database (nor a .partial file), the message names the trace;
  exit 4  "watchdog": the import made no progress for --stall-timeout (three seconds less than the
          time limit; libbabeltrace2 2.0 can spin on damaged metadata) and ended itself, naming
          the trace; no database, no .partial file;
  killed  by the time limit: "stalled"; a failure with --no-tolerate-stalls.

Never a crash (the importer ended by a signal, a Babeltrace2 precondition abort). A stream file
truncated mid-packet must be salvaged: exit 3 and at least the teescope events that the trace
holds once that stream is cut to its last complete packet (counted with babeltrace2). Damage to
an index file loses nothing: exit 0 and every event.
Prints a summary: mutants tried, by kind and outcome, events salvaged. Exit 1 if any failed.
"""
import argparse
import collections
import concurrent.futures
import glob
import os
import random
import resource
import shutil
import sqlite3
import struct
import subprocess
import sys
import tempfile
import threading
import time

TRACES = ["clean", "lossy", "callbacks", "optee_storage", "xen", "killed"]
KINDS = [
    "stream_truncate", "stream_flip", "stream_truncate_no_index", "metadata_flip",
    "stream_zero_range", "stream_truncate", "index_flip", "metadata_truncate",
    "stream_truncate", "missing_stream", "duplicate_stream", "stream_append_garbage",
    "missing_index", "index_truncate", "missing_metadata", "stream_flip",
]
SALVAGE_KINDS = {"stream_truncate", "stream_truncate_no_index"}
# An index only says where packets are: losing or damaging one loses no event.
LOSSLESS_KINDS = {"index_flip", "index_truncate", "missing_index"}
# Damage inside a stream file: the importer must read at least what babeltrace2 reads.
INSIDE_STREAM_KINDS = {"stream_flip", "stream_zero_range"}


def stream_dirs(trace):
    """Directories below `trace` holding a CTF trace (a metadata file)."""
    out = []
    for root, _dirs, files in os.walk(trace):
        if "metadata" in files:
            out.append(root)
    return sorted(out)


def stream_files(d):
    return sorted(f for f in os.listdir(d)
                  if f != "metadata" and not f.startswith(".") and os.path.isfile(os.path.join(d, f)))


def index_packets(idx):
    """(offset, bytes) of the packets an LTTng index lists, [] if it cannot be read."""
    try:
        with open(idx, "rb") as f:
            b = f.read()
    except OSError:
        return []
    if len(b) < 16 or struct.unpack(">I", b[:4])[0] != 0xC1F1DCC1:
        return []
    entry = struct.unpack(">I", b[12:16])[0]
    out = []
    for at in range(16, len(b) - entry + 1, entry):
        offset, packet_bits = struct.unpack(">QQ", b[at:at + 16])
        out.append((offset, packet_bits // 8))
    return out


def flip(path, rng, n):
    size = os.path.getsize(path)
    if size == 0:
        return "empty file"
    with open(path, "r+b") as f:
        where = []
        for _ in range(n):
            at = rng.randrange(size)
            f.seek(at)
            b = f.read(1)[0]
            f.seek(at)
            f.write(bytes([b ^ rng.randrange(1, 256)]))
            where.append(at)
    return f"{n} bytes flipped at {sorted(where)}"


class Mutant:
    def __init__(self, number, seed, samples):
        self.number = number
        rng = random.Random(seed * 1_000_003 + number)
        self.rng = rng
        self.kind = KINDS[number % len(KINDS)]
        # Truncations are most telling on the trace with many packets per stream.
        self.trace_name = "lossy" if self.kind in SALVAGE_KINDS and number % 2 == 0 else rng.choice(TRACES)
        self.source = os.path.join(samples, self.trace_name)
        self.what = ""
        self.cut = None  # (stream dir, stream file, bytes kept) for truncations
        self.seconds = 0.0  # how long the import took
        self.notes = []  # tolerated oddities, printed

    def build(self, to):
        shutil.copytree(self.source, to, symlinks=False)
        rng = self.rng
        d = rng.choice(stream_dirs(to))
        streams = stream_files(d)
        stream = rng.choice(streams)
        path = os.path.join(d, stream)
        idx = os.path.join(d, "index", stream + ".idx")
        meta = os.path.join(d, "metadata")
        k = self.kind
        if k in SALVAGE_KINDS:
            size = os.path.getsize(path)
            cut = rng.randrange(1, size)
            os.truncate(path, cut)
            self.cut = (d, stream, cut)
            self.what = f"{stream} cut to {cut} of {size} bytes"
            if k == "stream_truncate_no_index":
                shutil.rmtree(os.path.join(d, "index"), ignore_errors=True)
                self.what += ", no index"
        elif k == "stream_flip":
            self.what = f"{stream}: " + flip(path, rng, rng.choice([1, 2, 4, 16]))
        elif k == "stream_zero_range":
            size = os.path.getsize(path)
            n = rng.choice([8, 64, 512])
            at = rng.randrange(max(1, size - n))
            with open(path, "r+b") as f:
                f.seek(at)
                f.write(bytes(min(n, size - at)))
            self.what = f"{stream}: {n} bytes zeroed at {at}"
        elif k == "stream_append_garbage":
            n = rng.choice([1, 100, 4096, 5000])
            with open(path, "ab") as f:
                f.write(bytes(rng.randrange(256) for _ in range(n)))
            self.what = f"{stream}: {n} bytes of garbage appended"
        elif k == "metadata_flip":
            self.what = "metadata: " + flip(meta, rng, rng.choice([1, 2, 8]))
        elif k == "metadata_truncate":
            size = os.path.getsize(meta)
            cut = rng.randrange(0, size)
            os.truncate(meta, cut)
            self.what = f"metadata cut to {cut} of {size} bytes"
        elif k == "missing_stream":
            os.remove(path)
            self.what = f"{stream} removed"
        elif k == "missing_metadata":
            os.remove(meta)
            self.what = "metadata removed"
        elif k == "missing_index":
            if rng.random() < 0.5:
                shutil.rmtree(os.path.join(d, "index"), ignore_errors=True)
                self.what = "index directory removed"
            else:
                os.remove(idx)
                self.what = f"index of {stream} removed"
        elif k == "duplicate_stream":
            shutil.copyfile(path, os.path.join(d, stream + "_copy"))
            self.what = f"{stream} duplicated"
        elif k == "index_flip":
            self.what = f"index of {stream}: " + flip(idx, rng, rng.choice([1, 4]))
        elif k == "index_truncate":
            size = os.path.getsize(idx)
            cut = rng.randrange(0, size)
            os.truncate(idx, cut)
            self.what = f"index of {stream} cut to {cut} of {size} bytes"
        else:
            raise ValueError(k)


class Expected:
    """teescope events babeltrace2 reads from a trace whose stream is cut to complete packets."""

    def __init__(self, samples, tmp):
        self.samples = samples
        self.tmp = tmp
        self.cache = {}
        self.lock = threading.Lock()

    def events_of_sample(self, trace_name):
        with self.lock:
            if trace_name in self.cache:
                return self.cache[trace_name]
        r = subprocess.run(["babeltrace2", os.path.join(self.samples, trace_name)], capture_output=True, text=True,
                           timeout=120, check=False)
        n = sum(1 for line in r.stdout.splitlines() if " teescope_" in line) if r.returncode == 0 else None
        with self.lock:
            self.cache[trace_name] = n
        return n

    def events(self, trace_name, rel_dir, stream, cut):
        src = os.path.join(self.samples, trace_name)
        packets = index_packets(os.path.join(src, rel_dir, "index", stream + ".idx"))
        keep = 0
        for offset, size in packets:
            if offset + size <= cut:
                keep = offset + size
        key = (trace_name, rel_dir, stream, keep)
        with self.lock:
            if key in self.cache:
                return self.cache[key]
        work = tempfile.mkdtemp(dir=self.tmp, prefix="expected-")
        try:
            to = os.path.join(work, "t")
            shutil.copytree(src, to)
            d = os.path.join(to, rel_dir)
            if keep:
                os.truncate(os.path.join(d, stream), keep)
            else:
                os.remove(os.path.join(d, stream))
            shutil.rmtree(os.path.join(d, "index"), ignore_errors=True)
            r = subprocess.run(["babeltrace2", to], capture_output=True, text=True, timeout=120, check=False)
            n = sum(1 for line in r.stdout.splitlines() if " teescope_" in line) if r.returncode == 0 else None
        finally:
            shutil.rmtree(work, ignore_errors=True)
        with self.lock:
            self.cache[key] = n
        return n


def db_metadata(db):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return dict(con.execute("SELECT key, value FROM metadata"))
    finally:
        con.close()


def babeltrace2_crashes(trace):
    """Whether the babeltrace2 CLI dies of a signal (or spins) reading `trace` under the
    importer's address-space limit."""
    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (16 << 30, 16 << 30))
    try:
        r = subprocess.run(["babeltrace2", trace], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           preexec_fn=limit, timeout=60, check=False)
    except subprocess.TimeoutExpired:
        return True
    return r.returncode < 0 or r.returncode >= 128


def babeltrace2_events(trace):
    """The events the babeltrace2 CLI prints of `trace` before it ends (it stops at the first
    packet it cannot decode); None if it dies or spins."""
    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))
    try:
        r = subprocess.run(["babeltrace2", trace], capture_output=True, text=True, errors="replace",
                           preexec_fn=limit, timeout=60, check=False)
    except subprocess.TimeoutExpired:
        return None
    if r.returncode < 0 or r.returncode >= 128:
        return None
    return sum(1 for line in r.stdout.splitlines() if line.startswith("["))


def run_one(a, m, expected, tmp):
    """Returns (outcome, problems, events, expected_events)."""
    work = tempfile.mkdtemp(dir=tmp, prefix=f"m{m.number}-")
    problems = []
    events = None
    want = None
    try:
        trace = os.path.join(work, "trace")
        m.build(trace)
        db = os.path.join(work, "out.db")
        started = time.monotonic()
        try:
            r = subprocess.run(["timeout", "-s", "KILL", str(a.timeout), a.teescope, "import", trace, "-o", db,
                                "--progress=none", "--stall-timeout", str(max(1, a.timeout - 3))],
                               capture_output=True, text=True, check=False,
                               timeout=a.timeout + 30)
        except subprocess.TimeoutExpired:
            return "outlived", [f"the importer outlived the outer bound of {a.timeout}s"], None, None
        rc, err = r.returncode, r.stderr
        m.seconds = time.monotonic() - started
        if rc in (137, -9):
            outcome = "stalled"
            if not a.tolerate_stalls:
                problems.append(f"stalled: killed after {a.timeout}s")
        else:
            outcome = {0: "complete", 3: "salvaged", 1: "refused", 4: "watchdog"}.get(rc, f"exit_{rc}")
            if rc not in (0, 1, 3, 4):
                problems.append(f"exit {rc} (not a documented exit code); stderr: {err[-400:]!r}")
        crash_words = ["ended by signal", "precondition not satisfied", "Aborted", "core dumped",
                       "terminate called"]
        crashed = [w for w in crash_words if w in err]
        if outcome != "stalled" and (crashed or rc >= 128 or rc < 0):
            # A crash of libbabeltrace2 that its own CLI shares (under the importer's memory
            # limit) is reported; one where the CLI copes is ours to fix.
            if babeltrace2_crashes(trace):
                outcome = "library_crash"
                why = f"babeltrace2 crashes too ({', '.join(crashed) or f'exit {rc}'}): {err.strip()[:300]!r}"
                (m.notes if a.tolerate_library_crashes else problems).append(why)
            else:
                outcome = "crashed"
                problems.append(f"crash where babeltrace2 copes ({', '.join(crashed) or f'exit {rc}'}): "
                                f"{err[-600:]!r}")
        if rc in (1, 3, 4) and trace not in err:
            problems.append(f"the message does not name the trace: {err[-400:]!r}")
        if outcome != "stalled" and glob.glob(glob.escape(db) + ".partial*"):
            problems.append(".partial file left behind")
        if rc in (1, 4) and os.path.exists(db):
            problems.append("a database was written although the import failed")
        if rc in (0, 3):
            if not os.path.exists(db):
                problems.append("no database written")
            else:
                md = db_metadata(db)
                events = int(md.get("events", 0))
                # Every event read, also those of other providers and those that do not fit the
                # contract (a flipped byte in a field): what babeltrace2 prints.
                read = events + int(md.get("foreign_events") or 0) + int(md.get("unusable_events") or 0)
                if md.get("complete") != "1":
                    problems.append(f"database not marked complete: {md}")
                if md.get("read_error") != ("1" if rc == 3 else "0"):
                    problems.append(f"exit {rc} but read_error = {md.get('read_error')}")
                s = subprocess.run([a.teescope, "report", "stats", db], capture_output=True, text=True,
                                   check=False, timeout=60)
                if s.returncode != 0:
                    problems.append(f"report stats exited {s.returncode}: {s.stderr[-300:]!r}")
        if m.kind in LOSSLESS_KINDS and outcome != "stalled":
            want = expected.events_of_sample(m.trace_name)
            if rc != 0 or events != want:
                problems.append(f"exit {rc} with {events} events, expected 0 with all {want}; stderr: {err[-300:]!r}")
        if m.kind in INSIDE_STREAM_KINDS and rc in (0, 3) and events is not None:
            # Babeltrace2 stops every stream at the first packet it cannot decode; the importer
            # leaves such packets out and reads on.
            m.babeltrace_events = babeltrace2_events(trace)
            m.read_events = read
            if m.babeltrace_events is not None and read < m.babeltrace_events:
                problems.append(f"{read} events read, babeltrace2 reads {m.babeltrace_events}")
        if m.cut is not None and outcome != "stalled":
            d, stream, cut = m.cut
            want = expected.events(m.trace_name, os.path.relpath(d, trace), stream, cut)
            if want is None:
                problems.append("babeltrace2 cannot read the trace cut to complete packets")
            elif rc != 3 and not (rc == 0 and events == want):
                problems.append(f"exit {rc}, expected 3 (salvaged); stderr: {err[-400:]!r}")
            elif events is None or events < want:
                problems.append(f"{events} events salvaged, the complete packets hold {want}")
        return outcome, problems, events, want
    finally:
        if a.keep and (problems or m.notes):
            keep = os.path.join(a.keep, f"mutant-{m.number}")
            shutil.rmtree(keep, ignore_errors=True)
            shutil.copytree(work, keep, symlinks=True)
        shutil.rmtree(work, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--teescope", required=True)
    ap.add_argument("--samples", required=True)
    ap.add_argument("--count", type=int, default=240, help="mutants to try (default 240)")
    ap.add_argument("--first", type=int, default=0, help="number of the first mutant (to replay one)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=int, default=20, help="seconds an import may take before it is killed")
    ap.add_argument("--tolerate-stalls", dest="tolerate_stalls", action="store_true", default=True)
    ap.add_argument("--no-tolerate-stalls", dest="tolerate_stalls", action="store_false",
                    help="count an import killed by the time limit as a failure")
    ap.add_argument("--no-tolerate-library-crashes", dest="tolerate_library_crashes", action="store_false",
                    default=True, help="count a crash that the babeltrace2 CLI shares as a failure")
    ap.add_argument("--keep", help="copy the mutants that fail into this directory")
    ap.add_argument("--kinds", help="only these kinds of damage (comma-separated), e.g. stream_truncate")
    ap.add_argument("--verbose", action="store_true")
    a = ap.parse_args()
    a.teescope = os.path.abspath(a.teescope)
    samples = os.path.abspath(a.samples)
    if a.keep:
        os.makedirs(a.keep, exist_ok=True)

    by_outcome = collections.Counter()
    by_kind = collections.defaultdict(collections.Counter)
    failures = []
    salvaged_events = 0
    salvage_expected = 0
    salvage_got = 0
    inside = collections.Counter()  # mutants damaged inside a stream: ours vs babeltrace2
    slowest = (0.0, None)
    empty_salvages = 0
    with tempfile.TemporaryDirectory(prefix="teescope-mutants-") as tmp:
        expected = Expected(samples, tmp)
        mutants = [Mutant(n, a.seed, samples) for n in range(a.first, a.first + a.count)]
        if a.kinds:
            mutants = [m for m in mutants if m.kind in a.kinds.split(",")]
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, a.jobs)) as pool:
            futures = {pool.submit(run_one, a, m, expected, tmp): m for m in mutants}
            for future in concurrent.futures.as_completed(futures):
                m = futures[future]
                try:
                    outcome, problems, events, want = future.result()
                except Exception as e:  # a bug of the suite itself counts as a failure
                    outcome, problems, events, want = "suite_error", [repr(e)], None, None
                by_outcome[outcome] += 1
                if outcome != "stalled" and m.seconds > slowest[0]:
                    slowest = (m.seconds, m.number)
                by_kind[m.kind][outcome] += 1
                if outcome == "salvaged" and events:
                    salvaged_events += events
                if outcome == "salvaged" and not events:
                    empty_salvages += 1
                if getattr(m, "babeltrace_events", None) is not None:
                    inside["mutants"] += 1
                    inside["ours"] += m.read_events
                    inside["babeltrace2"] += m.babeltrace_events
                    inside["read_on"] += m.read_events > m.babeltrace_events
                if m.cut is not None and want is not None and events is not None:
                    salvage_expected += want
                    salvage_got += events
                line = f"mutant {m.number:4d} {m.kind:24s} {m.trace_name:14s} {outcome:9s} {m.what}"
                if problems:
                    failures.append(m.number)
                    print("FAIL " + line)
                    for p in problems:
                        print("       " + p)
                elif m.notes:
                    print("note " + line)
                    for n in m.notes:
                        print("       " + n)
                elif a.verbose:
                    print("ok   " + line + (f" events={events}" if events is not None else "")
                          + (f" expected>={want}" if want is not None else ""))

    print(f"\nmutants tried: {sum(by_outcome.values())} (seed {a.seed}, numbers {a.first}..{a.first + a.count - 1}, "
          f"time limit {a.timeout}s, stalls {'tolerated' if a.tolerate_stalls else 'fail'}, "
          f"library crashes {'tolerated' if a.tolerate_library_crashes else 'fail'})")
    print("by outcome: " + ", ".join(f"{k} {v}" for k, v in sorted(by_outcome.items())))
    for kind in sorted(by_kind):
        print(f"  {kind:24s} " + ", ".join(f"{k} {v}" for k, v in sorted(by_kind[kind].items())))
    print(f"events in the databases of salvaged imports: {salvaged_events} "
          f"({empty_salvages} of {by_outcome['salvaged']} hold none)")
    print(f"truncated streams: {salvage_got} events imported, their complete packets hold {salvage_expected}")
    print(f"streams damaged inside: {inside['mutants']} mutants, {inside['ours']} events read, babeltrace2 "
          f"reads {inside['babeltrace2']}; {inside['read_on']} read on past the damage")
    if slowest[1] is not None:
        print(f"slowest import that ended by itself: {slowest[0]:.2f}s (mutant {slowest[1]})")
    print(f"failed: {len(failures)}" + (f" (mutants {sorted(failures)[:40]})" if failures else ""))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
