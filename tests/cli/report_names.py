#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Ops by name in the reports of a real sample trace, and the user's names file.

  report_names.py TEESCOPE TRACE_DIR

Imports the trace without a names file: `teescope report latency` (text, CSV, JSON) names the
well-known QTEE ops (app add, client_env open, root register_as_client, release). Imports it
again with a names file given by $TEESCOPE_NAMES that renames one op, names one more and holds a
bad line: the names file wins, the bad line is counted in import_stats and the import succeeds.
"""
import csv
import io
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile

failures = []


def expect(ok, what):
    if not ok:
        failures.append(what)
        print(f"FAIL {what}")
    return ok


def run(env, *args):
    r = subprocess.run(args, capture_output=True, text=True, check=False, timeout=120, env=env)
    if r.returncode != 0:
        print(f"FAIL {' '.join(args)} exited {r.returncode}: {r.stderr}")
        sys.exit(1)
    return r.stdout


def latency(teescope, env, db):
    """{(class, op): op_name} from the CSV report, checked against the text and JSON reports."""
    rows = list(csv.DictReader(io.StringIO(run(env, teescope, "report", "latency", db, "--format", "csv"))))
    names = {(r["class"], int(r["op"])): r["op_name"] for r in rows}
    doc = json.loads(run(env, teescope, "report", "latency", db, "--format", "json"))
    expect({(r["class"], r["op"]): r["op_name"] for r in doc["latency"]} == names, "JSON names the ops as CSV does")
    text = run(env, teescope, "report", "latency", db)
    for (klass, op), name in names.items():
        expect(re.search(rf"^{re.escape(klass)}\s+{op}\s+{re.escape(name)}\s", text, re.M) is not None,
               f"text report row {klass} {op} {name}")
    return names


def main():
    teescope, trace = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory(prefix="teescope-report-names-") as tmp:
        env = dict(os.environ, TEESCOPE_NAMES=os.path.join(tmp, "no-such-names.txt"))
        db = os.path.join(tmp, "plain.db")
        run(env, teescope, "import", trace, "-o", db, "--progress=none")
        names = latency(teescope, env, db)
        for key, want in ((("app", 0), "add"), (("app", 65535), "release"), (("client_env", 0), "open"),
                          (("root", 2), "register_as_client"), (("apploader", 0), "load_from_buffer"),
                          (("app_controller", 2), "get_app_object")):
            expect(names.get(key) == want, f"{key} is named {want!r}: {names.get(key)!r}")

        names_file = os.path.join(tmp, "names.txt")
        with open(names_file, "w") as f:
            f.write("# our names\n"
                    "op app 0 sum\n"
                    "op featureversions 0 feature_version   # instead of get_version\n"
                    "op app_controller one unload_now\n"
                    "8aaaf200-2450-11e4-abe2-0002a5d5c51b hello\n")
        env = dict(os.environ, TEESCOPE_NAMES=names_file)
        named = os.path.join(tmp, "named.db")
        run(env, teescope, "import", trace, "-o", named, "--progress=none")
        names = latency(teescope, env, named)
        expect(names.get(("app", 0)) == "sum", f"the names file renames app 0: {names.get(('app', 0))!r}")
        expect(names.get(("featureversions", 0)) == "feature_version",
               f"the names file names featureversions 0: {names.get(('featureversions', 0))!r}")
        expect(names.get(("app", 65535)) == "release", "release keeps its name")
        con = sqlite3.connect(f"file:{named}?mode=ro", uri=True)
        stat = con.execute("SELECT count, example FROM import_stats WHERE name = 'bad_names_line'").fetchall()
        expect(len(stat) == 1 and stat[0][0] == 1 and f"{names_file}:4:" in stat[0][1],
               f"the bad line is counted, with its file and line: {stat}")
        used = con.execute("SELECT value FROM metadata WHERE key = 'names_file'").fetchall()
        expect(used == [(names_file,)], f"metadata names the file read: {used}")
        source = con.execute("SELECT source FROM op_names WHERE class = 'app' AND op = 0").fetchall()
        expect(source == [("user",)], f"op_names says where the name came from: {source}")
        con.close()
    print(f"{'FAILED' if failures else 'passed'}: {len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
