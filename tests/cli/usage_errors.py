#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The command line's own help and its first-line errors.

  usage_errors.py TEESCOPE

- `teescope --version` prints the version and exits 0;
- `teescope COMMAND --help` (and -h) prints that command's usage, exits 0 and runs nothing;
- `teescope record -- CMD --help` is not a request for help (checked without recording: an
  unreadable teesim configuration stops record before it touches LTTng);
- `teescope summary` of a path that does not exist, or of a directory that is no trace, exits
  non-zero with one message naming the path and prints no summary.
"""
import os
import re
import subprocess
import sys
import tempfile

COMMANDS = ["record", "summary", "import", "report", "check", "diff", "top", "export", "sim", "help"]


def main():
    teescope = sys.argv[1]
    failures = []

    def run(*args):
        return subprocess.run([teescope, *args], capture_output=True, text=True, timeout=60, check=False)

    def expect(ok, what):
        print(f"{'ok  ' if ok else 'FAIL'} {what}")
        if not ok:
            failures.append(what)

    r = run("--version")
    expect(r.returncode == 0 and re.fullmatch(r"teescope \d+\.\d+\.\d+\n", r.stdout) is not None,
           f"--version: {r.returncode} {r.stdout!r}")
    for command in COMMANDS:
        for flag in ("--help", "-h"):
            r = run(command, flag)
            expect(r.returncode == 0 and r.stdout.startswith("usage:") and f"  {command}" in r.stdout
                   and not r.stderr, f"{command} {flag}: exit {r.returncode}, {r.stdout[:60]!r} {r.stderr[:200]!r}")
            others = [c for c in COMMANDS if c != command and f"\n  {c} " in r.stdout]
            expect(not others, f"{command} {flag} shows only its own usage (also: {others})")
    # Help after other arguments, as people type it.
    r = run("import", "some-trace", "--help")
    expect(r.returncode == 0 and "import TRACE_DIR" in r.stdout, f"import TRACE --help: {r.returncode}")
    r = run("help", "check")
    expect(r.returncode == 0 and "check FILE.db" in r.stdout, f"help check: {r.returncode} {r.stdout[:60]!r}")
    r = run("help", "frobnicate")
    expect(r.returncode == 2 and "frobnicate" in r.stderr, f"help frobnicate: {r.returncode}")
    # After "--" the arguments are the traced command's: no help is printed for them.
    # (An unreadable teesim configuration stops record before it touches LTTng.)
    r = run("record", "--sim-config", "/nonexistent/teesim.conf", "--", "true", "--help")
    expect(r.returncode == 2 and not r.stdout.startswith("usage:") and "/nonexistent/teesim.conf" in r.stderr,
           f"record -- CMD --help: exit {r.returncode}, {r.stdout[:80]!r} {r.stderr[:200]!r}")

    with tempfile.TemporaryDirectory(prefix="teescope-usage-") as tmp:
        missing = os.path.join(tmp, "nonexistent")
        r = run("summary", missing)
        expect(r.returncode != 0 and missing in r.stderr and "no such file or directory" in r.stderr
               and "events" not in r.stdout and "babeltrace" not in r.stderr,
               f"summary of a missing path: exit {r.returncode}, out {r.stdout!r}, err {r.stderr!r}")
        r = run("summary", tmp)
        expect(r.returncode != 0 and tmp in r.stderr and "cannot read it as a trace" in r.stderr
               and "0 events" not in r.stdout,
               f"summary of a directory without a trace: exit {r.returncode}, out {r.stdout!r}, err {r.stderr!r}")

    print(f"{'FAILED' if failures else 'passed'}: {len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
