#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The import error suite: `teescope import` on bad input gives the documented outcome.

  errors.py --teescope BIN --samples samples/traces [CASE...]

Each case builds its input in a temporary directory (a broken copy of a committed trace, or no
trace at all), runs `teescope import` and checks the exit status, the message and what was left
on disk. Without CASE every case runs; --list prints their names.
"""
import argparse
import glob
import hashlib
import json
import os
import shutil
import sqlite3
import struct
import subprocess
import sys
import tempfile

CASES = {}


def case(fn):
    CASES[fn.__name__] = fn
    return fn


class Failure(Exception):
    pass


def expect(condition, what):
    if not condition:
        raise Failure(what)


class Env:
    def __init__(self, teescope, samples, tmp):
        self.teescope = teescope
        self.samples = samples
        self.tmp = tmp

    def run(self, *args):
        r = subprocess.run([self.teescope, *args], capture_output=True, text=True, check=False, timeout=120)
        return r

    def copy(self, name):
        to = os.path.join(self.tmp, name)
        shutil.copytree(os.path.join(self.samples, name), to)
        return to

    def import_(self, trace, db, *extra):
        return self.run("import", trace, "-o", db, "--progress=none", *extra)


def stream_dir(trace):
    return os.path.join(trace, "ust", "uid", "0", "64-bit")


def metadata(db):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return dict(con.execute("SELECT key, value FROM metadata"))
    finally:
        con.close()


def stats(db):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return {name: (severity, count) for name, severity, count in
                con.execute("SELECT name, severity, count FROM import_stats")}
    finally:
        con.close()


def expect_no_output_file(db):
    left = [p for p in [db, *glob.glob(glob.escape(db) + ".partial*")] if os.path.exists(p)]
    expect(not left, f"files left behind: {left}")


def expect_refused(env, trace, words):
    """Exit 1, a message naming the path and saying what is wrong, no database written."""
    db = os.path.join(env.tmp, "out.db")
    r = env.import_(trace, db)
    expect(r.returncode == 1, f"exit {r.returncode}, expected 1; stderr: {r.stderr!r}")
    expect(trace in r.stderr, f"the message does not name {trace}: {r.stderr!r}")
    expect(words in r.stderr, f"the message does not say '{words}': {r.stderr!r}")
    expect_no_output_file(db)


@case
def nonexistent_path(env):
    expect_refused(env, os.path.join(env.tmp, "nowhere"), "no such file or directory")


@case
def file_instead_of_directory(env):
    path = os.path.join(env.tmp, "trace.ctf")
    with open(path, "w", encoding="utf-8") as f:
        f.write("not a trace\n")
    expect_refused(env, path, "is not a directory")


@case
def empty_directory(env):
    path = os.path.join(env.tmp, "empty")
    os.mkdir(path)
    expect_refused(env, path, "is an empty directory")


@case
def directory_of_other_files(env):
    path = os.path.join(env.tmp, "other")
    os.makedirs(os.path.join(path, "sub"))
    with open(os.path.join(path, "notes.txt"), "w", encoding="utf-8") as f:
        f.write("hello\n")
    with open(os.path.join(path, "sub", "data.bin"), "wb") as f:
        f.write(b"\x42" * 4096)
    expect_refused(env, path, "holds no CTF trace")


@case
def output_directory_missing(env):
    trace = os.path.join(env.samples, "clean")
    missing = os.path.join(env.tmp, "no-such-dir")
    db = os.path.join(missing, "x.db")
    r = env.import_(trace, db)
    expect(r.returncode == 1, f"exit {r.returncode}, expected 1; stderr: {r.stderr!r}")
    expect(missing in r.stderr, f"the message does not name {missing}: {r.stderr!r}")
    expect(not os.path.exists(missing), f"{missing} was created")


def teescope_events_of(trace):
    """teescope events that the babeltrace2 command line reads from `trace`."""
    r = subprocess.run(["babeltrace2", trace], capture_output=True, text=True, check=False, timeout=120)
    expect(r.returncode == 0, f"babeltrace2 cannot read {trace}: {r.stderr[-300:]!r}")
    return sum(1 for line in r.stdout.splitlines() if " teescope_" in line)


def index_packet_ends(idx):
    """Where the packets an LTTng index lists end, in bytes."""
    with open(idx, "rb") as f:
        b = f.read()
    expect(struct.unpack(">I", b[:4])[0] == 0xC1F1DCC1, f"{idx} is not an LTTng index")
    entry = struct.unpack(">I", b[12:16])[0]
    return [struct.unpack(">Q", b[at:at + 8])[0] + struct.unpack(">Q", b[at + 8:at + 16])[0] // 8
            for at in range(16, len(b) - entry + 1, entry)]


def tree_digest(path):
    h = hashlib.sha256()
    for root, dirs, files in sorted(os.walk(path)):
        dirs.sort()
        for name in sorted(files):
            p = os.path.join(root, name)
            h.update(os.path.relpath(p, path).encode())
            with open(p, "rb") as f:
                h.update(f.read())
    return h.hexdigest()


def import_salvaged(env, trace, stream, expected_events):
    """Imports a trace with one damaged stream file: exit 3, at least `expected_events`, a
    data_loss row naming the stream with a time range, the trace untouched, no scratch left."""
    before = tree_digest(trace)
    scratch = os.path.join(env.tmp, "scratch")
    os.mkdir(scratch)
    # What an import killed while salvaging left behind: its pid is in the name.
    dead = subprocess.Popen(["true"])
    dead.wait()
    os.makedirs(os.path.join(scratch, f"teescope-salvage-{dead.pid}-AbCdEf", "salvaged-0"))
    db = os.path.join(env.tmp, "salvaged.db")
    r = subprocess.run([env.teescope, "import", trace, "-o", db, "--progress=none"], capture_output=True,
                       text=True, check=False, timeout=120, env={**os.environ, "TMPDIR": scratch})
    expect(r.returncode == 3, f"exit {r.returncode}, expected 3; stderr: {r.stderr!r}")
    expect(trace in r.stderr and "could not be read to its end" in r.stderr, f"message: {r.stderr!r}")
    expect(os.path.exists(db) and not glob.glob(glob.escape(db) + ".partial*"), "no database written")
    expect(tree_digest(trace) == before, "the import changed the trace")
    expect(not os.listdir(scratch), f"left in TMPDIR (or not cleaned up): {os.listdir(scratch)}")
    m = metadata(db)
    expect(m.get("read_error") == "1" and m.get("complete") == "1", f"metadata: {m}")
    events = int(m.get("events", -1))
    expect(events >= expected_events, f"{events} events imported, the readable packets hold {expected_events}")
    s = stats(db)
    expect(s.get("read_error", ("", 0)) == ("error", 1), f"import_stats: {s}")
    expect(s.get("unreadable_packets", ("", 0))[0] == "data_loss", f"import_stats: {s}")
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    rows = con.execute("SELECT count, begin_ts, end_ts, stream FROM data_loss WHERE what = 'unreadable_packets'").fetchall()
    con.close()
    expect(len(rows) == 1, f"unreadable_packets rows: {rows}")
    count, begin, end, named = rows[0]
    expect(named == stream, f"data_loss names {named!r}, expected {stream!r}")
    expect(count >= 1 and begin is not None and end is not None and begin <= end, f"data_loss row {rows[0]}")
    r = env.run("report", "stats", db)
    expect(r.returncode == 0 and "unreadable_packets" in r.stdout, f"report stats: {r.returncode} {r.stdout!r}")
    return events, rows[0]


@case
def nonexistent_trace_named_first(env):
    # Without -o the database would go next to the trace, in a directory that does not exist
    # either: the missing trace is what the message must be about.
    trace = os.path.join(env.tmp, "nowhere", "trace")
    r = env.run("import", trace, "--progress=none")
    expect(r.returncode == 1, f"exit {r.returncode}, expected 1; stderr: {r.stderr!r}")
    first = r.stderr.splitlines()[0] if r.stderr else ""
    expect(trace in first and "no such file or directory" in first, f"first line: {first!r}")
    expect("cannot write" not in r.stderr, f"the message is about the output: {r.stderr!r}")


@case
def output_is_a_directory(env):
    # Refused before reading anything: no progress at all, nothing written into the directory.
    trace = os.path.join(env.samples, "clean")
    out_dir = os.path.join(env.tmp, "existing")
    os.mkdir(out_dir)
    r = env.run("import", trace, "-o", out_dir, "--progress=json")
    expect(r.returncode == 1, f"exit {r.returncode}, expected 1; stderr: {r.stderr!r}")
    expect(out_dir in r.stderr and "is a directory" in r.stderr, f"message: {r.stderr!r}")
    expect(not r.stdout.strip(), f"the import ran before the refusal: {r.stdout[:200]!r}")
    expect(os.listdir(out_dir) == [], f"written into {out_dir}: {os.listdir(out_dir)}")
    expect(not os.path.exists(out_dir + ".partial"), "a partial database was left")


@case
def truncated_stream(env):
    # Cut in the middle of the only packet of a stream file. libbabeltrace2 2.0 refuses to index
    # such a file and with it the whole trace: the importer leaves the stream out and reads the
    # other one. Exit 3 (not read to its end), a database that says what was lost.
    trace = env.copy("clean")
    stream = os.path.join(stream_dir(trace), "teescope_1")
    size = os.path.getsize(stream)
    expect(index_packet_ends(os.path.join(stream_dir(trace), "index", "teescope_1.idx")) == [size],
           "teescope_1 of the clean trace is no longer one packet")
    reference = os.path.join(env.tmp, "reference")
    shutil.copytree(trace, reference)
    os.remove(os.path.join(stream_dir(reference), "teescope_1"))
    want = teescope_events_of(reference)
    expect(want > 0, "no event in teescope_0")
    os.truncate(stream, size * 2 // 3)
    events, _ = import_salvaged(env, trace, stream, want)
    expect(events == want, f"{events} events imported, teescope_0 holds {want}")


@case
def truncated_stream_keeps_complete_packets(env):
    # A stream of many packets cut 1000 bytes into one of them (a crash, a full disk): its
    # complete packets and the other stream are read; the loss starts where they end.
    trace = env.copy("lossy")
    stream = os.path.join(stream_dir(trace), "teescope_1")
    ends = index_packet_ends(os.path.join(stream_dir(trace), "index", "teescope_1.idx"))
    keep = ends[len(ends) // 2]
    reference = os.path.join(env.tmp, "reference")
    shutil.copytree(trace, reference)
    os.truncate(os.path.join(stream_dir(reference), "teescope_1"), keep)
    shutil.rmtree(os.path.join(stream_dir(reference), "index"))
    want = teescope_events_of(reference)
    full = teescope_events_of(trace)
    expect(full // 2 < want < full, f"{want} of {full} events in the complete packets")
    os.truncate(stream, keep + 1000)
    events, (count, begin, end, _) = import_salvaged(env, trace, stream, want)
    expect(count == len(ends) - len(ends) // 2 - 1, f"{count} packets lost of {len(ends)}")
    # The loss lies within the recording, after its first event.
    m = metadata(os.path.join(env.tmp, "salvaged.db"))
    expect(int(m["first_ts"]) < begin < end, f"loss between {begin} and {end}, metadata {m}")


@case
def index_past_end_of_stream(env):
    # An index entry whose packet offset lies past the end of its stream file: libbabeltrace2
    # 2.0 trusts it and aborts. The index is only a map of the packets: the stream file is read
    # without it and nothing is lost.
    trace = env.copy("clean")
    size = os.path.getsize(os.path.join(stream_dir(trace), "teescope_1"))
    idx = os.path.join(stream_dir(trace), "index", "teescope_1.idx")
    with open(idx, "r+b") as f:
        f.seek(16)  # offset of the first packet
        f.write(struct.pack(">Q", 3 * size))
    want = teescope_events_of(os.path.join(env.samples, "clean"))
    db = os.path.join(env.tmp, "index.db")
    r = env.import_(trace, db)
    expect(r.returncode == 0, f"exit {r.returncode}, expected 0; stderr: {r.stderr[-500:]!r}")
    m = metadata(db)
    expect(int(m["events"]) == want and m["read_error"] == "0", f"metadata {m}, expected {want} events")


@case
def zeroed_packet(env):
    # 64 zero bytes in the middle of the first packet of a stream: what came before is imported,
    # the rest is lost, the import exits 3 and the database says read_error = 1.
    trace = env.copy("clean")
    stream = os.path.join(stream_dir(trace), "teescope_1")
    with open(stream, "r+b") as f:
        f.seek(6000)
        f.write(bytes(64))
    db = os.path.join(env.tmp, "zeroed.db")
    r = env.import_(trace, db)
    expect(r.returncode == 3, f"exit {r.returncode}, expected 3; stderr: {r.stderr!r}")
    expect(trace in r.stderr, f"the message does not name the trace: {r.stderr!r}")
    m = metadata(db)
    expect(m.get("read_error") == "1", f"metadata read_error = {m.get('read_error')}")
    full = metadata_of_clean(env)
    events = int(m.get("events", 0))
    expect(0 < events < int(full["events"]), f"{events} events imported of {full['events']}")
    s = stats(db)
    expect(s.get("read_error", ("", 0))[1] == 1, f"import_stats: {s}")
    # Lifetimes left open by the cut are marked, never reported as complete.
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    open_contexts = con.execute("SELECT COUNT(*) FROM contexts WHERE end_kind = 'open_at_end' AND end_inferred = 0").fetchone()[0]
    con.close()
    expect(open_contexts == 0, f"{open_contexts} contexts cut by the read error are not marked end_inferred")


def metadata_of_clean(env):
    db = os.path.join(env.tmp, "clean-reference.db")
    if not os.path.exists(db):
        r = env.import_(os.path.join(env.samples, "clean"), db)
        expect(r.returncode == 0, f"import of the clean trace exited {r.returncode}: {r.stderr!r}")
    return metadata(db)


def renamed_in_metadata(env, old, new):
    """A copy of the clean trace whose metadata has `old` replaced by `new` (same length, so the
    packetized metadata stays valid); returns the trace and how many replacements were made."""
    expect(len(old) == len(new), f"{old!r} and {new!r} differ in length")
    trace = env.copy("clean")
    path = os.path.join(stream_dir(trace), "metadata")
    with open(path, "rb") as f:
        text = f.read()
    n = text.count(old)
    expect(n > 0, f"{old!r} is not in the metadata")
    with open(path, "wb") as f:
        f.write(text.replace(old, new))
    return trace, n


@case
def other_providers_only(env):
    # Every teescope event renamed to another provider.
    trace, _ = renamed_in_metadata(env, b'name = "teescope_', b'name = "Teescope_')
    db = os.path.join(env.tmp, "foreign.db")
    r = env.import_(trace, db)
    expect(r.returncode == 1, f"exit {r.returncode}, expected 1; stderr: {r.stderr!r}")
    full = metadata_of_clean(env)
    n = int(full["events"])
    expect(f"no teescope events: {n} events of other providers (Teescope_drv, Teescope_user)" in r.stderr
           and "--allow-empty" in r.stderr, f"stderr: {r.stderr!r}")
    # The database is written all the same, and says so.
    s = stats(db)
    expect(s.get("foreign_events") == ("info", n), f"foreign_events = {s.get('foreign_events')}, expected ('info', {n})")
    expect(s.get("no_teescope_events") == ("error", 1), f"no_teescope_events = {s.get('no_teescope_events')}")
    expect(set(s) == {"foreign_events", "no_teescope_events"}, f"other statistics: {s}")
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    tables = [n for (n,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                        "AND name NOT IN ('metadata', 'import_stats')")]
    expect(tables, "no tables")
    for t in tables:
        rows = con.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0]
        expect(rows == 0, f"table {t} has {rows} rows")
    con.close()
    m = metadata(db)
    expect(m.get("events") == "0" and m.get("teescope_events") == "0" and m.get("foreign_events") == str(n)
           and m.get("read_error") == "0" and m.get("complete") == "1", f"metadata: {m}")
    expect(m.get("foreign_providers", "").startswith("Teescope_"), f"foreign_providers: {m.get('foreign_providers')!r}")
    expect(not glob.glob(db + ".partial*"), "a partial file was left")
    # --allow-empty: the same import succeeds.
    db2 = os.path.join(env.tmp, "foreign-allowed.db")
    r = env.import_(trace, db2, "--allow-empty")
    expect(r.returncode == 0, f"--allow-empty: exit {r.returncode}, expected 0; stderr: {r.stderr!r}")
    expect(metadata(db2).get("teescope_events") == "0", f"--allow-empty: metadata {metadata(db2)}")


@case
def contract_of_samples(env):
    # The committed samples predate the `recording` field: contract version 1, read in full.
    db = os.path.join(env.tmp, "clean.db")
    r = env.import_(os.path.join(env.samples, "clean"), db)
    expect(r.returncode == 0 and "contract" not in r.stderr, f"exit {r.returncode}; stderr: {r.stderr!r}")
    m = metadata(db)
    expect(m.get("trace_contract_version") == "1" and m.get("unusable_events") == "0"
           and m.get("teescope_events") == m.get("events") != "0", f"metadata: {m}")


def contract_line(stderr):
    lines = [l for l in stderr.splitlines() if "trace event contract version" in l]
    expect(len(lines) == 1, f"{len(lines)} contract lines in {stderr!r}")
    return lines[0]


@case
def unknown_teescope_event(env):
    # An event the contract does not know (a newer tracer): the rest is imported.
    trace, _ = renamed_in_metadata(env, b'"teescope_user:proc_exit"', b'"teescope_user:proc_gone"')
    full = metadata_of_clean(env)
    db = os.path.join(env.tmp, "newer.db")
    r = env.import_(trace, db)
    expect(r.returncode == 0, f"exit {r.returncode}, expected 0; stderr: {r.stderr!r}")
    s = stats(db)
    bad = s.get("malformed_event", ("", 0))[1]
    expect(bad > 0, f"import_stats: {s}")
    line = contract_line(r.stderr)
    expect(f"version newer than 2, expected 2; {bad} teescope events could not be used" in line, line)
    m = metadata(db)
    expect(m.get("trace_contract_version") == "newer than 2" and m.get("unusable_events") == str(bad), f"metadata: {m}")
    expect(int(m["teescope_events"]) + bad == int(full["events"]), f"{m['teescope_events']} + {bad} != {full['events']}")


@case
def renamed_field(env):
    # One field of one event renamed: missing for this contract, unknown to it besides.
    trace, _ = renamed_in_metadata(env, b"} _tee_fds;", b"} _tee_fdz;")
    db = os.path.join(env.tmp, "renamed.db")
    r = env.import_(trace, db)
    expect(r.returncode == 0, f"exit {r.returncode}, expected 0; stderr: {r.stderr!r}")
    s = stats(db)
    bad = s.get("malformed_event", ("", 0))[1]
    expect(bad > 0, f"import_stats: {s}")
    line = contract_line(r.stderr)
    expect("version other than 2" in line and f"{bad} teescope events could not be used" in line, line)
    m = metadata(db)
    expect(m.get("trace_contract_version", "").startswith("other than 2") and m.get("unusable_events") == str(bad),
           f"metadata: {m}")


@case
def field_of_another_type(env):
    # A field of the contract stored signed where the contract says unsigned: an older layout.
    old = b"integer { size = 32; align = 8; signed = 0; encoding = none; base = 10; } _tee_fds;"
    trace, _ = renamed_in_metadata(env, old, old.replace(b"signed = 0", b"signed = 1"))
    db = os.path.join(env.tmp, "retyped.db")
    r = env.import_(trace, db)
    expect(r.returncode == 0, f"exit {r.returncode}, expected 0; stderr: {r.stderr!r}")
    line = contract_line(r.stderr)
    expect("version older than 2, expected 2" in line, line)
    expect(metadata(db).get("trace_contract_version") == "older than 2", f"metadata: {metadata(db)}")


@case
def lossy_trace(env):
    db = os.path.join(env.tmp, "lossy.db")
    r = env.import_(os.path.join(env.samples, "lossy"), db)
    expect(r.returncode == 0, f"exit {r.returncode}, expected 0; stderr: {r.stderr!r}")
    s = stats(db)
    expect(s.get("discarded_events") == ("data_loss", 5813), f"discarded_events = {s.get('discarded_events')}")
    r = env.run("report", "stats", db)
    expect(r.returncode == 0 and "discarded_events" in r.stdout, f"report stats: {r.returncode} {r.stdout!r}")


@case
def progress_json(env):
    db = os.path.join(env.tmp, "progress.db")
    r = env.run("import", os.path.join(env.samples, "lossy"), "-o", db, "--progress=json")
    expect(r.returncode == 0, f"exit {r.returncode}; stderr: {r.stderr!r}")
    lines = [l for l in r.stdout.splitlines() if l.startswith("{")]
    expect(len(lines) >= 2, f"{len(lines)} progress lines: {r.stdout!r}")
    seen = [json.loads(l) for l in lines]
    for p in seen:
        expect(set(p) >= {"fraction", "events", "rate"}, f"keys of {p}")
        expect(0.0 <= p["fraction"] <= 1.0 and p["events"] >= 0 and p["rate"] >= 0, f"values of {p}")
    for a, b in zip(seen, seen[1:]):
        expect(b["fraction"] >= a["fraction"] and b["events"] >= a["events"], f"progress went back: {a} -> {b}")
    expect(seen[-1]["fraction"] == 1.0, f"last progress line {seen[-1]}")
    expect(seen[-1]["events"] == int(metadata(db)["events"]), f"last line {seen[-1]} vs {metadata(db)['events']} events")
    # Anything else on stdout is the one-line summary, after the progress.
    others = [l for l in r.stdout.splitlines() if not l.startswith("{")]
    expect(len(others) <= 1 and r.stdout.splitlines()[-1] in others + lines[-1:], f"stdout: {r.stdout!r}")


@case
def newer_schema_refused(env):
    db = os.path.join(env.tmp, "newer.db")
    r = env.import_(os.path.join(env.samples, "clean"), db)
    expect(r.returncode == 0, f"import exited {r.returncode}")
    con = sqlite3.connect(db)
    version = con.execute("PRAGMA user_version").fetchone()[0]
    con.execute(f"PRAGMA user_version = {version + 1}")
    con.commit()
    con.close()
    for view in ("leaks", "stats"):
        r = env.run("report", view, db)
        expect(r.returncode != 0, f"report {view} of a newer database exited 0")
        expect(db in r.stderr and "newer" in r.stderr, f"report {view}: {r.stderr!r}")
        expect(not r.stdout.strip(), f"report {view} printed: {r.stdout!r}")


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
        with tempfile.TemporaryDirectory(prefix="teescope-errors-") as tmp:
            try:
                CASES[name](Env(os.path.abspath(a.teescope), os.path.abspath(a.samples), tmp))
                print(f"ok   {name}")
            except Failure as e:
                failed += 1
                print(f"FAIL {name}: {e}")
    print(f"import errors: {len(names) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
