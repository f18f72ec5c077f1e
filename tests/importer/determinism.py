#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Determinism of `teescope import`.

  determinism.py --teescope BIN --trace DIR same-contents
  determinism.py --teescope BIN --trace DIR killed

same-contents: two imports of one trace hold the same rows in every table (and the same schema).
killed: `teescope import` is sent SIGKILL as soon as its partial file (DB.partial.PID.XXXXXX)
appears; afterwards no file exists at the target path (a partial file may remain, and then it
does not claim completeness).
"""
import argparse
import glob
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time


def dump(db):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        schema = sorted(con.execute("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"))
        tables = {}
        for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"):
            tables[name] = sorted(con.execute(f'SELECT * FROM "{name}"'), key=repr)
        return con.execute("PRAGMA user_version").fetchone()[0], schema, tables
    finally:
        con.close()


def same_contents(teescope, trace, tmp):
    dbs = []
    for i in range(2):
        db = os.path.join(tmp, f"run{i}.db")
        r = subprocess.run([teescope, "import", trace, "-o", db, "--progress=none"],
                           capture_output=True, text=True, check=False)
        if r.returncode != 0:
            print(f"FAIL: import {i + 1} exited {r.returncode}: {r.stderr}")
            return 1
        dbs.append(dump(db))
    (v1, s1, t1), (v2, s2, t2) = dbs
    failed = 0
    if v1 != v2 or s1 != s2:
        print("FAIL: the two databases differ in schema or version")
        failed += 1
    rows = 0
    for name in sorted(set(t1) | set(t2)):
        a, b = t1.get(name), t2.get(name)
        if a != b:
            failed += 1
            only1 = [r for r in (a or []) if r not in (b or [])][:3]
            only2 = [r for r in (b or []) if r not in (a or [])][:3]
            print(f"FAIL: table {name} differs ({len(a or [])} vs {len(b or [])} rows); "
                  f"first only in run 1: {only1}; only in run 2: {only2}")
        rows += len(a or [])
    if rows == 0:
        print("FAIL: the databases are empty")
        failed += 1
    if not failed:
        print(f"ok: {len(t1)} tables, {rows} rows, identical")
    return 1 if failed else 0


def killed(teescope, trace, tmp):
    db = os.path.join(tmp, "killed.db")

    def partials():
        return glob.glob(glob.escape(db) + ".partial*")
    # A session of its own, so whatever the import leaves running can be found and ended here.
    p = subprocess.Popen([teescope, "import", trace, "-o", db, "--progress=none"], start_new_session=True,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while not partials() and p.poll() is None and time.monotonic() < deadline:
            time.sleep(0.0005)
        if p.poll() is not None:
            print(f"FAIL: the import ended (exit {p.returncode}) before it could be killed; use a larger trace")
            return 1
        if not partials():
            print(f"FAIL: no {db}.partial* appeared within 30 s")
            return 1
        os.kill(p.pid, signal.SIGKILL)
        p.wait()
        # Give anything the import left behind the time an import of this trace takes.
        time.sleep(3)
    finally:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    failed = 0
    if os.path.exists(db):
        print(f"FAIL: {db} exists after the import was killed (complete = {complete_flag(db)})")
        failed += 1
    for partial in partials():
        flag = complete_flag(partial)
        if flag == "1":
            print(f"FAIL: {partial} claims to be complete")
            failed += 1
        else:
            print(f"note: {partial} left, complete = {flag}")
    if not failed:
        print("ok: nothing at the target path after SIGKILL")
    return 1 if failed else 0


def complete_flag(db):
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            row = con.execute("SELECT value FROM metadata WHERE key = 'complete'").fetchone()
            return row[0] if row else None
        finally:
            con.close()
    except sqlite3.Error as e:
        return f"unreadable ({e})"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--teescope", required=True)
    ap.add_argument("--trace", required=True)
    ap.add_argument("check", choices=["same-contents", "killed"])
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="teescope-determinism-") as tmp:
        fn = same_contents if a.check == "same-contents" else killed
        return fn(os.path.abspath(a.teescope), a.trace, tmp)


if __name__ == "__main__":
    sys.exit(main())
