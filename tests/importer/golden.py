#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Golden tests of the importer: a committed trace + SQL queries + the expected CSV of each.

  golden.py --teescope BIN --trace samples/traces/NAME --cases tests/importer/golden/NAME [--update]

Imports the trace into a temporary database with `teescope import`, runs every CASE.sql of the
cases directory and compares the result (CSV with a header row) with CASE.csv; prints a unified
diff for each mismatch. --update rewrites the expected files (review the diff before committing).
"""
import argparse
import csv
import difflib
import glob
import io
import os
import sqlite3
import subprocess
import sys
import tempfile


def to_csv(cursor):
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow([d[0] for d in cursor.description])
    for row in cursor:
        w.writerow(row)
    return out.getvalue()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--teescope", required=True)
    ap.add_argument("--trace", required=True)
    ap.add_argument("--cases", required=True)
    ap.add_argument("--update", action="store_true")
    a = ap.parse_args()
    cases = sorted(glob.glob(os.path.join(a.cases, "*.sql")))
    if not cases:
        print(f"no *.sql cases in {a.cases}")
        return 1
    with tempfile.TemporaryDirectory(prefix="teescope-golden-") as tmp:
        db = os.path.join(tmp, "trace.db")
        r = subprocess.run([a.teescope, "import", a.trace, "-o", db, "--progress=none"],
                           capture_output=True, text=True, check=False)
        if r.returncode != 0:
            print(f"FAIL: teescope import exited {r.returncode}: {r.stdout}{r.stderr}")
            return 1
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        failed = 0
        for case in cases:
            name = os.path.splitext(os.path.basename(case))[0]
            with open(case, encoding="utf-8") as f:
                query = f.read()
            try:
                got = to_csv(con.execute(query))
            except sqlite3.Error as e:
                print(f"FAIL {name}: {e}")
                failed += 1
                continue
            expected_path = os.path.splitext(case)[0] + ".csv"
            if a.update:
                with open(expected_path, "w", encoding="utf-8") as f:
                    f.write(got)
                print(f"updated {name}")
                continue
            try:
                with open(expected_path, encoding="utf-8") as f:
                    expected = f.read()
            except FileNotFoundError:
                expected = ""
            if got != expected:
                failed += 1
                print(f"FAIL {name}:")
                sys.stdout.writelines(difflib.unified_diff(expected.splitlines(True), got.splitlines(True),
                                                           expected_path, "got"))
            else:
                print(f"ok   {name}")
        print(f"golden {os.path.basename(a.trace)}: {len(cases) - failed} passed, {failed} failed")
        return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
