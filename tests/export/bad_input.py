#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""teescope export refuses bad input with a message naming what was wrong, and writes nothing.

  bad_input.py TEESCOPE GOOD.db WORKDIR

Each case (the graph formats with teescope-gui missing, too) must exit with the expected code (2 usage, 1 runtime), say what was wrong on stderr,
and leave WORKDIR without the output file or any temporary file.
"""
import os
import shutil
import subprocess
import sys


def main():
    teescope, good, work = sys.argv[1:4]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    not_db = os.path.join(work, "not-a-db.db")
    with open(not_db, "w") as f:
        f.write("this is no database\n")
    out = os.path.join(work, "out.pftrace")
    cases = [
        ("missing database", [os.path.join(work, "missing.db"), "-o", out], 1, "missing.db"),
        ("not a database", [not_db, "-o", out], 1, "not-a-db.db"),
        ("unknown format", [good, "--format", "pdf", "-o", out], 2, "unknown format 'pdf'"),
        ("bad range", [good, "--range", "5s..1s", "-o", out], 2, "after its end"),
        ("range without dots", [good, "--range", "1s", "-o", out], 2, "A..B"),
        ("range unit", [good, "--range", "1h..2h", "-o", out], 2, "bad --range '1h..2h'"),
        ("range after the trace", [good, "--range", "100000s..100001s", "-o", out], 2, "after the end of the trace"),
        ("at after the trace", [good, "--format", "svg", "--at", "100000s", "-o", os.path.join(work, "g.svg")], 2,
         "after the end of the trace"),
        ("at for a timeline", [good, "--at", "1s", "-o", out], 2, "--at applies to the graph formats"),
        ("range for a graph", [good, "--range", "0..1s", "-o", os.path.join(work, "g.dot")], 2, "--range applies"),
        ("missing directory", [good, "-o", os.path.join(work, "no", "such", "dir", "out.pftrace")], 1,
         "does not exist"),
        ("output is a directory", [good, "--format", "perfetto", "-o", work], 1, "is a directory"),
        ("no output", [good, "--format", "perfetto"], 2, "no output file"),
        ("no database", ["-o", out], 2, "no database"),
        ("unknown extension", [good, "-o", os.path.join(work, "out.xyz")], 2, "does not say which"),
        ("unknown option", [good, "--frobnicate", "-o", out], 2, "unknown option '--frobnicate'"),
        ("graph drawer missing", [good, "--format", "png", "-o", os.path.join(work, "g.png")], 1,
         "/nonexistent/teescope-gui is missing"),
    ]
    failures = []
    for what, args, code, message in cases:
        env = dict(os.environ, TEESCOPE_GUI="/nonexistent/teescope-gui")
        r = subprocess.run([teescope, "export", *args], capture_output=True, text=True, timeout=120, check=False,
                           env=env)
        left = sorted(set(os.listdir(work)) - {"not-a-db.db"})
        ok = r.returncode == code and message in r.stderr and not left and "Traceback" not in r.stderr
        print(f"{'ok  ' if ok else 'FAIL'} {what}: exit {r.returncode}, {r.stderr.strip().splitlines()[:1]}"
              + (f", left {left}" if left else ""))
        if not ok:
            failures.append(what)
    # And a good export does write, and only the output.
    r = subprocess.run([teescope, "export", good, "-o", out], capture_output=True, text=True, timeout=300, check=False)
    left = sorted(set(os.listdir(work)) - {"not-a-db.db"})
    ok = r.returncode == 0 and left == ["out.pftrace"]
    print(f"{'ok  ' if ok else 'FAIL'} a good export writes only its output: {left} {r.stderr.strip()}")
    if not ok:
        failures.append("good export")
    if failures:
        sys.exit(f"{len(failures)} failed: {failures}")


if __name__ == "__main__":
    main()
