#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A trace whose packet is overwritten with 0xff bytes (libbabeltrace2 2.0.4 crashes reading it):
`teescope import` must end with a message and exit 1 (nothing written) or exit 3 (what could be
read, marked) — never crash or hang itself.

  corrupt_import.py TEESCOPE TRACE_DIR
"""
import glob
import os
import shutil
import subprocess
import sys
import tempfile


def main():
    teescope, source = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory(prefix="teescope-corrupt-") as tmp:
        trace = os.path.join(tmp, "trace")
        shutil.copytree(source, trace)
        stream = sorted(glob.glob(os.path.join(trace, "**", "teescope_0"), recursive=True))[0]
        with open(stream, "r+b") as f:
            f.seek(600)
            f.write(b"\xff" * 64)
        db = os.path.join(tmp, "out.db")
        r = subprocess.run([teescope, "import", trace, "-o", db, "--progress=none"],
                           capture_output=True, text=True, timeout=120, check=False)
        print(r.stdout, r.stderr)
        failures = []
        if r.returncode not in (1, 3):
            failures.append(f"exit {r.returncode}, expected 1 (refused) or 3 (partly read)")
        if r.returncode == 1:
            if os.path.exists(db) or glob.glob(glob.escape(db) + ".partial*"):
                failures.append("a refused import left a database behind")
            if trace not in r.stderr:
                failures.append("the message does not name the trace")
        for f in failures:
            print("FAIL:", f)
        print(f"corrupt import: {2 - len(failures)} passed, {len(failures)} failed")
        return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
