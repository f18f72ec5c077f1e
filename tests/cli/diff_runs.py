#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""`teescope diff` on databases imported from the committed sample traces.

  diff_runs.py TEESCOPE TRACES_DIR CASE

CASE:
- same:     one trace imported twice: no difference, exit 0 under every rule;
- leaks:    clean vs leaky: the leaky run's leaks are named as new and `--fail-on new-leaks`
            exits 1 naming them; leaky vs clean shows them as gone and exits 0;
- p99:      a copy of the clean database with the driver-side durations of one op scaled up by
            SQL (recording a slow run needs LTTng; scaling is deterministic and exact): the p99
            regression is named, `--fail-on p99+20%` exits 1 and `p99+1000%` exits 0; an op
            called fewer than 20 times is never named, however much it grew;
- json:     the JSON document parses and holds the numbers the text tables show;
- bad:      a missing file, a file that is no database, an unknown rule, a bad percent: the
            documented exit codes and a message naming what was wrong.
"""
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile

from store_format import duration_text

failures = []


def expect(ok, what):
    print(f"{'ok  ' if ok else 'FAIL'} {what}")
    if not ok:
        failures.append(what)


class Runner:
    def __init__(self, teescope, traces, tmp):
        self.teescope, self.traces, self.tmp = teescope, traces, tmp

    def run(self, *args):
        return subprocess.run([self.teescope, *args], capture_output=True, text=True, timeout=120, check=False)

    def imported(self, trace, name=None):
        db = os.path.join(self.tmp, (name or trace) + ".db")
        r = self.run("import", os.path.join(self.traces, trace), "-o", db, "--progress=none")
        if r.returncode != 0:
            sys.exit(f"import of {trace} failed ({r.returncode}): {r.stderr}")
        return db

    def diff(self, base, new, *args):
        return self.run("diff", base, new, *args)


def sections(text):
    """The text report as {title: [rows as lists of cells]} (cells are separated by 2+ spaces)."""
    out, title, rows = {}, None, None
    for line in text.splitlines():
        if not line.strip():
            title = None
            continue
        if title is None:
            title, rows = line, []
            out[title] = rows
            continue
        if line == "(none)":
            continue
        rows.append(re.split(r"\s{2,}", line.strip()))
    # Drop the header line of each table.
    return {t: r[1:] for t, r in out.items()}


def section(text, prefix):
    for title, rows in sections(text).items():
        if title.startswith(prefix):
            return rows
    return None


duration = duration_text  # what the text format shows for a duration (as `teescope report` does)


def case_same(t):
    a, b = t.imported("clean", "clean_a"), t.imported("clean", "clean_b")
    r = t.diff(a, b, "--fail-on", "new-leaks", "--fail-on", "p99+0%", "--format", "json")
    expect(r.returncode == 0, f"same trace twice, every rule: exit {r.returncode} {r.stderr!r}")
    doc = json.loads(r.stdout)
    expect(doc["leaks_new"] == [] and doc["leaks_gone"] == [] and doc["broken_rules"] == [],
           "same trace twice: no leak new or gone, no rule broken")
    expect(len(doc["latency"]) > 0 and all(row["count_base"] == row["count_new"] and row["p99_pct"] == 0
                                           and row["p50_pct"] == 0 and row["max_pct"] == 0
                                           for row in doc["latency"]),
           "same trace twice: every op has the same count and 0 % change")
    expect(len(doc["objects"]) > 0 and all(row["created_change"] == 0 and row["held_change"] == 0
                                           for row in doc["objects"]),
           "same trace twice: objects per class unchanged")
    # The leaky trace has leaks; against itself none is new.
    leaky = t.imported("leaky")
    r = t.diff(leaky, leaky, "--fail-on", "new-leaks")
    expect(r.returncode == 0 and section(r.stdout, "Leaks new") == [],
           f"leaky against itself: no new leak, exit {r.returncode}")


def leak_rows_in_db(db):
    con = sqlite3.connect(db)
    rows = con.execute("SELECT kind, class, creator_name, provenance, count(*) FROM leaks "
                       "GROUP BY 1, 2, 3, 4").fetchall()
    con.close()
    return sorted((k, c, n or "", p or "", cnt) for k, c, n, p, cnt in rows)


def case_leaks(t):
    # QTEE leaks carry a provenance; OP-TEE's (sessions, shm) have none.
    for clean_name, leaky_name in (("clean", "leaky"), ("optee_clean", "optee_leaky")):
        leaks_between(t, t.imported(clean_name), t.imported(leaky_name), leaky_name)


def leaks_between(t, clean, leaky, tag):
    expected = leak_rows_in_db(leaky)
    expect(len(expected) > 0 and leak_rows_in_db(clean) == [], f"{tag}: the leaky run has leaks, the clean none ({expected})")
    r = t.diff(clean, leaky, "--fail-on", "new-leaks")
    expect(r.returncode == 1, f"{tag}: clean -> leaky with --fail-on new-leaks: exit {r.returncode}")
    rows = section(r.stdout, "Leaks new")
    unset = lambda v: "" if v == "-" else v
    got = sorted((k, c, unset(n), unset(p), int(new)) for k, c, n, p, base, new in rows) if rows is not None else None
    expect(got == expected, f"{tag}: clean -> leaky: every leak named as new\n  got {got}\n  want {expected}")
    broken = section(r.stdout, "Broken") or []
    for kind, klass, creator, provenance, count in expected:
        expect(any(line[0].startswith(f"new-leaks: {kind} {klass} created by {creator}") and provenance in line[0]
                   and line[0].endswith(f": 0 in BASE, {count} in NEW") for line in broken),
               f"{tag}: the broken rule names {kind} {klass} ({provenance}), {count} in NEW")
    expect("--fail-on rules broken" in r.stderr, f"{tag}: stderr says a rule is broken: {r.stderr!r}")

    r = t.diff(leaky, clean, "--fail-on", "new-leaks", "--format", "json")
    expect(r.returncode == 0, f"{tag}: leaky -> clean with --fail-on new-leaks: exit {r.returncode} {r.stderr!r}")
    doc = json.loads(r.stdout)
    gone = sorted((x["kind"], x["class"], x["creator_name"] or "", x["provenance"] or "", x["base"])
                  for x in doc["leaks_gone"])
    expect(doc["leaks_new"] == [] and gone == expected, f"{tag}: leaky -> clean: the leaks are gone\n  got {gone}")


def scale_op(db, klass, op, factor):
    con = sqlite3.connect(db)
    n = con.execute("UPDATE invocations SET drv_end_ts = drv_begin_ts + (drv_end_ts - drv_begin_ts) * ? "
                    "WHERE op = ? AND object_id IN (SELECT id FROM objects WHERE class = ?) "
                    "AND drv_begin_ts IS NOT NULL AND drv_end_ts IS NOT NULL", (factor, op, klass)).rowcount
    con.commit()
    con.close()
    return n


def case_p99(t):
    base = t.imported("clean")
    slow = os.path.join(t.tmp, "slow.db")
    shutil.copyfile(base, slow)
    # app op 0 (add) is called 51 times in the clean run: three times slower.
    calls = scale_op(slow, "app", 0, 3)
    expect(calls >= 20, f"app:0 has enough calls to be compared ({calls})")
    # app_controller op 2 is called twice: ten times slower, but too few calls to be a p99.
    few = scale_op(slow, "app_controller", 2, 10)
    expect(0 < few < 20, f"app_controller:2 has few calls ({few})")

    r = t.diff(base, slow, "--fail-on", "p99+20%", "--format", "json")
    expect(r.returncode == 1, f"p99+20% on a 3x slower op: exit {r.returncode}")
    doc = json.loads(r.stdout)
    row = next(x for x in doc["latency"] if x["class"] == "app" and x["op"] == 0)
    expect(row["p99_new_ns"] == 3 * row["p99_base_ns"] and row["p99_pct"] == 200,
           f"app:0 p99 tripled: {row['p99_base_ns']} -> {row['p99_new_ns']} ({row['p99_pct']} %)")
    expect(row["op_name"] == "add", f"app:0 is named: {row['op_name']!r}")
    broken = doc["broken_rules"]
    expect(len(broken) == 1 and "app:add (op 0)" in broken[0]["broken"] and "p99+20%" in broken[0]["broken"]
           and duration(row["p99_base_ns"]) in broken[0]["broken"]
           and duration(row["p99_new_ns"]) in broken[0]["broken"],
           f"the broken rule names app:add (op 0) and both p99 values, and only it: {broken}")
    ctl = next(x for x in doc["latency"] if x["class"] == "app_controller" and x["op"] == 2)
    expect(ctl["p99_pct"] > 500, f"app_controller:2 grew ({ctl['p99_pct']} %) but is not named")

    r = t.diff(base, slow, "--fail-on", "p99+1000%")
    expect(r.returncode == 0, f"p99+1000% on a 3x slower op: exit {r.returncode} {r.stderr!r}")
    r = t.diff(base, slow, "--fail-on", "p99+199.9")
    expect(r.returncode == 1, f"p99+199.9 (no % sign) on +200 %: exit {r.returncode}")
    r = t.diff(base, slow, "--fail-on", "p99+200%")
    expect(r.returncode == 0, f"p99+200% on exactly +200 %: exit {r.returncode}")
    # Faster is not a regression.
    r = t.diff(slow, base, "--fail-on", "p99+0%", "--fail-on", "new-leaks")
    expect(r.returncode == 0, f"the reverse direction (faster): exit {r.returncode}")


def case_json(t):
    base, leaky = t.imported("clean"), t.imported("leaky")
    text = t.diff(base, leaky, "--fail-on", "new-leaks")
    js = t.diff(base, leaky, "--fail-on", "new-leaks", "--format", "json")
    expect(text.returncode == js.returncode == 1, f"text and json: same exit ({text.returncode}, {js.returncode})")
    doc = json.loads(js.stdout)
    expect(list(doc) == ["runs", "leaks_new", "leaks_gone", "latency", "objects", "broken_rules"],
           f"the JSON sections: {list(doc)}")
    lat = section(text.stdout, "Latency")
    expect(lat is not None and len(lat) == len(doc["latency"]), "as many latency rows in text as in JSON")

    def cell(v, is_duration=False):
        if v is None:
            return "-"
        if is_duration:
            return duration(v)
        return str(v)

    cols = ["class", "op", "op_name", "count_base", "count_new", "p50_base_ns", "p50_new_ns", "p50_pct",
            "p99_base_ns", "p99_new_ns", "p99_pct", "max_base_ns", "max_new_ns", "max_pct"]
    for line, row in zip(lat or [], doc["latency"]):
        # Changes are shown signed, with one decimal and their unit: +5.7%.
        want = [f"{row[c]:+.1f}%" if c.endswith("_pct") and row[c] is not None else cell(row[c], c.endswith("_ns"))
                for c in cols]
        expect(line == want, f"latency {row['class']}:{row['op']} text {line} == json {want}")
    objs = section(text.stdout, "Objects")
    expect([[str(r[c]) for c in ("class", "created_base", "created_new", "created_change", "held_base", "held_new",
                                  "held_change")] for r in doc["objects"]] == objs,
           "objects: the same rows in text and JSON")
    new = section(text.stdout, "Leaks new")
    expect([[cell(r[c]) for c in ("kind", "class", "creator_name", "provenance", "base", "new")]
            for r in doc["leaks_new"]] == new, "leaks: the same rows in text and JSON")
    expect(len(doc["broken_rules"]) == len(doc["leaks_new"]) > 0, "one broken line per new leak")


def case_bad(t):
    clean = t.imported("clean")
    missing = os.path.join(t.tmp, "nonexistent.db")
    r = t.diff(missing, clean)
    expect(r.returncode == 1 and missing in r.stderr and not r.stdout, f"missing BASE: {r.returncode} {r.stderr!r}")
    r = t.diff(clean, missing)
    expect(r.returncode == 1 and missing in r.stderr and not r.stdout, f"missing NEW: {r.returncode} {r.stderr!r}")
    notdb = os.path.join(t.tmp, "notes.db")
    with open(notdb, "w") as f:
        f.write("not a database\n")
    r = t.diff(clean, notdb)
    expect(r.returncode == 1 and notdb in r.stderr and "not a teescope database" in r.stderr and not r.stdout,
           f"a file that is no database: {r.returncode} {r.stderr!r}")
    for rule in ("p50+20%", "newleaks", "p99-20%", ""):
        r = t.diff(clean, clean, "--fail-on", rule)
        expect(r.returncode == 2 and f"'{rule}'" in r.stderr and "unknown rule" in r.stderr,
               f"unknown rule {rule!r}: {r.returncode} {r.stderr!r}")
    for rule in ("p99+", "p99+abc%", "p99+-5%", "p99+20%%", "p99+1e999"):
        r = t.diff(clean, clean, "--fail-on", rule)
        expect(r.returncode == 2 and f"'{rule}'" in r.stderr and "PERCENT" in r.stderr,
               f"bad percent {rule!r}: {r.returncode} {r.stderr!r}")
    r = t.diff(clean, clean, "--fail-on")
    expect(r.returncode == 2 and "--fail-on needs a value" in r.stderr, f"--fail-on without a value: {r.returncode}")
    r = t.diff(clean, clean, "--format", "csv")
    expect(r.returncode == 2 and "'csv'" in r.stderr, f"--format csv: {r.returncode} {r.stderr!r}")
    r = t.run("diff", clean)
    expect(r.returncode == 2 and "two databases" in r.stderr, f"one database: {r.returncode} {r.stderr!r}")
    r = t.diff(clean, clean, "--frobnicate")
    expect(r.returncode == 2 and "--frobnicate" in r.stderr, f"unknown option: {r.returncode} {r.stderr!r}")


CASES = {"same": case_same, "leaks": case_leaks, "p99": case_p99, "json": case_json, "bad": case_bad}


def main():
    teescope, traces, case = sys.argv[1:4]
    with tempfile.TemporaryDirectory(prefix="teescope-diff-") as tmp:
        CASES[case](Runner(teescope, traces, tmp))
    print(f"{'FAILED' if failures else 'passed'}: {len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
