#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The database schema documents itself: every column of every table in schemas/teescope.sql has a
`--` comment, the file sets PRAGMA user_version, and it loads into SQLite.

  check_db_schema.py schemas/teescope.sql
"""
import re
import sqlite3
import sys


def main():
    path = sys.argv[1]
    text = open(path, encoding="utf-8").read()
    problems = []
    if not re.search(r"PRAGMA user_version\s*=\s*\d+", text):
        problems.append("no PRAGMA user_version")
    tables = 0
    for m in re.finditer(r"CREATE TABLE (\w+) \((.*?)\n\)(?: WITHOUT ROWID)?;", text, re.S):
        tables += 1
        name, body = m.group(1), m.group(2)
        for line in body.splitlines():
            code = line.split("--", 1)[0].strip()
            if not code or code.startswith(("PRIMARY KEY", "UNIQUE", "FOREIGN KEY", "CHECK")):
                continue
            if "--" not in line or not line.split("--", 1)[1].strip():
                problems.append(f"{name}: column line without a comment: {code}")
    if tables < 10:
        problems.append(f"only {tables} tables found: the parser no longer matches the file")
    try:
        sqlite3.connect(":memory:").executescript(text)
    except sqlite3.Error as e:
        problems.append(f"does not load into SQLite: {e}")
    for p in problems:
        print("FAIL:", p)
    print(f"database schema: {tables} tables, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
