#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Every row of the conformance table has a test, and every conformance test names a row.

usage: check_table.py CONFORMANCE.md TEST_BINARY...
A row `| OI-05 | ...` is tested by a test whose name starts with `OI_05_` in one of the gtest
binaries (listed with --gtest_list_tests)."""
import re
import subprocess
import sys


def rows(path):
    ids = []
    for line in open(path, encoding="utf-8"):
        m = re.match(r"\|\s*([A-Z]{2,3}-\d\d)\s*\|", line)
        if m:
            ids.append(m.group(1))
    return ids


def tests(binary):
    out = subprocess.run([binary, "--gtest_list_tests"], check=True, capture_output=True, text=True,
                         env={"TEESCOPE_TRACE": "0"}).stdout
    names = []
    for line in out.splitlines():
        if line.startswith("  "):
            names.append(line.split()[0])
    return names


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    table = rows(sys.argv[1])
    if len(table) != len(set(table)):
        print("duplicate row ids:", sorted({r for r in table if table.count(r) > 1}), file=sys.stderr)
        return 1
    names = [n for b in sys.argv[2:] for n in tests(b)]
    prefixes = {re.match(r"([A-Z]{2,3}_\d\d)_", n).group(1).replace("_", "-") for n in names
                if re.match(r"[A-Z]{2,3}_\d\d_", n)}
    missing = [r for r in table if r not in prefixes]
    unknown = sorted(p for p in prefixes if p not in table)
    for r in missing:
        print(f"row {r} has no test", file=sys.stderr)
    for p in unknown:
        print(f"test prefix {p} names no row of the table", file=sys.stderr)
    if missing or unknown:
        return 1
    print(f"ok: {len(table)} rows, each with a test")
    return 0


if __name__ == "__main__":
    sys.exit(main())
