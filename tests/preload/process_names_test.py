#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Full process names, end to end: real processes recorded by `teescope record --sim` under LTTng.

- exec_client tells its program (proc_name) once per program: once before its first traced call,
  again after it execs itself, and its fork child that execs tells its own; the command line
  keeps its bytes and is cut at 4095 bytes with its whole length in cmdline_bytes; a process
  loaded before its session started tells it before its first traced call;
- the import stores them (processes.exe, cmdline, cmdline_bytes; the exec keeps one process row),
  and labels use the program's name: `report sharing` of scenario_sharing says
  "scenario_sharing (pid N)", never the kernel's 15-byte "scenario_sharin", and so does its
  Chrome JSON export;
- a committed sample trace, recorded before proc_name, still imports and is named by procname.

usage: process_names_test.py --bindir BUILD/bin --samples samples/traces
"""
import argparse
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

NAME_EVENT = re.compile(rb"teescope_user:proc_name: .*?vpid = (\d+).*?exe = \"(.*)\", cmdline = \"(.*)\", "
                        rb"cmdline_bytes = (\d+) \}\s*$")
OTHER_EVENT = re.compile(rb"\] \(.*?\) \S+ teescope_user:(\w+): .*?vpid = (\d+)")
CUT = 4095

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
    return cond


def record(bindir, out, argv):
    r = subprocess.run([os.path.join(bindir, "teescope"), "record", "--sim", "-o", out, "--"] + argv,
                       capture_output=True, timeout=120)
    if not check(r.returncode == 0, f"record {argv[:2]} exit {r.returncode}: {r.stderr[-800:]!r}"):
        return False
    return True


def import_db(bindir, trace, db):
    r = subprocess.run([os.path.join(bindir, "teescope"), "import", trace, "-o", db, "--progress=none"],
                       capture_output=True, text=True, timeout=120)
    return check(r.returncode == 0, f"import {trace}: exit {r.returncode}: {r.stderr[-800:]}")


def report(bindir, kind, db):
    r = subprocess.run([os.path.join(bindir, "teescope"), "report", kind, db], capture_output=True, text=True,
                       timeout=60)
    check(r.returncode == 0, f"report {kind} {db}: exit {r.returncode}: {r.stderr}")
    return r.stdout


def exec_client_case(bindir, tmp):
    client = os.path.realpath(os.path.join(bindir, "exec_client"))
    # One argument long enough to be cut, one with a blank, one that is not UTF-8.
    extra = [b"x" * 5000, b"a b", b"\xff\xfe"]
    trace = os.path.join(tmp, "exec")
    if not record(bindir, trace, [client.encode(), b"first", b"--then"] + extra):
        return
    text = subprocess.run(["babeltrace2", trace], capture_output=True, check=True).stdout
    names = {}  # vpid -> [(exe, cmdline, cmdline_bytes, index)]
    first_other = {}  # vpid -> index of its first other teescope_user event
    for i, line in enumerate(text.splitlines()):
        m = NAME_EVENT.search(line)
        if m:
            names.setdefault(int(m.group(1)), []).append((m.group(2), m.group(3), int(m.group(4)), i))
            continue
        o = OTHER_EVENT.search(line)
        if o:
            first_other.setdefault(int(o.group(2)), i)
    ours = {pid: ev for pid, ev in names.items() if all(e[0] == client.encode() for e in ev)}
    check(len(ours) == 2, f"two processes of exec_client told their program: {sorted(names)}")
    main = [pid for pid, ev in ours.items() if len(ev) == 2]
    child = [pid for pid, ev in ours.items() if len(ev) == 1]
    if not check(len(main) == 1 and len(child) == 1,
                 f"the exec'ing process tells its program twice, its child once: "
                 f"{ {pid: len(ev) for pid, ev in ours.items()} }"):
        return
    main, child = main[0], child[0]
    before, after = ours[main]
    whole_first = client.encode() + b" first --then " + b" ".join(extra)
    check(before[1] == whole_first[:CUT] and before[2] == len(whole_first),
          f"first program's command line: {before[1][:80]!r} ({before[2]} bytes)")
    whole_second = b"exec_client second " + b" ".join(extra)
    # The trace text escapes nothing of the bytes but a quote or backslash; none are in them.
    check(after[1] == whole_second[:CUT], f"after exec: {after[1][:60]!r}... ({len(after[1])} bytes)")
    check(after[2] == len(whole_second), f"cmdline_bytes {after[2]}, the command line has {len(whole_second)}")
    check(ours[child][0][1] == b"exec_client child", f"the child's command line: {ours[child][0][1]!r}")
    check(before[3] < first_other.get(main, -1), "the program is told before the process's first other event")

    db = os.path.join(tmp, "exec.db")
    if not import_db(bindir, trace, db):
        return
    con = sqlite3.connect(db)
    con.text_factory = bytes
    rows = con.execute("SELECT id, name, exe, cmdline, cmdline_bytes, display_name, parent_id FROM processes "
                       "WHERE pid = ?", (main,)).fetchall()
    if check(len(rows) == 1, f"one process row for pid {main} across its exec: {rows}"):
        pid_row = rows[0]
        check(pid_row[1] == b"exe", f"procname after exec through /proc/self/exe: {pid_row[1]!r}")
        check(pid_row[2] == client.encode(), f"exe {pid_row[2]!r}")
        check(pid_row[3] == whole_second[:CUT], f"cmdline stored as the tracer cut it: {pid_row[3][:60]!r}")
        check(pid_row[4] == len(whole_second), f"cmdline_bytes {pid_row[4]}")
        check(pid_row[5] == b"exec_client", f"display_name {pid_row[5]!r}")
        crow = con.execute("SELECT cmdline, parent_id, display_name FROM processes WHERE pid = ?", (child,)).fetchall()
        check(crow == [(b"exec_client child", pid_row[0], b"exec_client")], f"the child's row: {crow}")
    con.close()


def late_session_case(bindir, tmp):
    """A process loaded before its session started tells its program before its first traced call."""
    client = os.path.realpath(os.path.join(bindir, "exec_client"))
    preload = os.path.realpath(os.path.join(bindir, "..", "lib", "libteescope-preload.so"))
    sock, go, trace = os.path.join(tmp, "late.sock"), os.path.join(tmp, "go"), os.path.join(tmp, "late")
    session = "teescope-process-names-%d" % os.getpid()
    sim = subprocess.Popen([os.path.join(bindir, "teescope"), "sim", "--socket", sock],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    proc = None
    try:
        for _ in range(500):
            if os.path.exists(sock):
                break
            time.sleep(0.01)
        env = dict(os.environ, LD_PRELOAD=preload, TEESCOPE_SIM=sock)
        env.pop("TEESCOPE_TRACE", None)
        env.pop("TEESCOPE_RECORDING", None)
        proc = subprocess.Popen([client, "wait", go], env=env)
        time.sleep(0.3)  # loaded, with no session
        subprocess.run(["lttng", "create", session, "--output=" + trace], check=True, capture_output=True)
        try:
            subprocess.run(["lttng", "enable-event", "-u", "teescope_user:*", "-s", session], check=True,
                           capture_output=True)
            subprocess.run(["lttng", "add-context", "-u", "-t", "vpid", "-t", "vtid", "-s", session], check=True,
                           capture_output=True)
            subprocess.run(["lttng", "start", session], check=True, capture_output=True)
            with open(go, "w"):
                pass
            check(proc.wait(timeout=60) == 0, f"exec_client wait: exit {proc.returncode}")
            subprocess.run(["lttng", "stop", session], check=True, capture_output=True)
        finally:
            subprocess.run(["lttng", "destroy", session], capture_output=True)
    finally:
        if proc and proc.poll() is None:
            proc.kill()
        sim.terminate()
        sim.wait(timeout=10)
    text = subprocess.run(["babeltrace2", trace], capture_output=True, check=True).stdout
    mine = [line for line in text.splitlines() if f"vpid = {proc.pid},".encode() in line]
    kinds = [OTHER_EVENT.search(line).group(1) if OTHER_EVENT.search(line) else b"?" for line in mine]
    check(kinds.count(b"proc_name") == 1 and kinds[:1] == [b"proc_name"] and b"dev_open" in kinds,
          f"a process loaded before its session: proc_name once, first: {kinds}")


def sharing_case(bindir, tmp):
    trace = os.path.join(tmp, "sharing")
    if not record(bindir, trace, [os.path.join(bindir, "scenario_sharing").encode()]):
        return
    db = os.path.join(tmp, "sharing.db")
    if not import_db(bindir, trace, db):
        return
    out = report(bindir, "sharing", db)
    labels = re.findall(r"(\S+) \(pid (\d+)\)", out)
    check(labels and all(name == "scenario_sharing" for name, _ in labels),
          f"report sharing names processes scenario_sharing (pid N): {labels}")
    check("scenario_sharin " not in out and "[" not in out, f"no comm-truncated or name[pid] label:\n{out}")
    # Exports name processes the same way (Chrome JSON's process_name metadata).
    out_json = os.path.join(tmp, "sharing.json")
    r = subprocess.run([os.path.join(bindir, "teescope"), "export", db, "--format", "chrome-json", "-o", out_json],
                       capture_output=True, text=True, timeout=60)
    if check(r.returncode == 0, f"export: exit {r.returncode}: {r.stderr}"):
        with open(out_json, encoding="utf-8") as f:
            doc = json.load(f)
        events = doc["traceEvents"] if isinstance(doc, dict) else doc
        names = {e["args"]["name"] for e in events if e.get("name") == "process_name"}
        check(names == {"scenario_sharing"}, f"exported process names: {names}")
    con = sqlite3.connect(db)
    # The receiver is exec'd through /proc/self/exe: procname "exe", its program scenario_sharing.
    execd = con.execute("SELECT name, display_name FROM processes WHERE name = 'exe'").fetchall()
    check(execd == [("exe", "scenario_sharing")], f"the exec'd receiver: {execd}")
    con.close()


def sample_case(bindir, samples, tmp):
    db = os.path.join(tmp, "sample.db")
    if not import_db(bindir, os.path.join(samples, "sharing"), db):
        return
    con = sqlite3.connect(db)
    rows = con.execute("SELECT count(*), sum(exe IS NULL), sum(display_name IS name) FROM processes").fetchone()
    con.close()
    check(rows[0] > 0 and rows[1] == rows[0] and rows[2] == rows[0],
          f"a trace without proc_name: every process named by its procname ({rows})")
    out = report(bindir, "sharing", db)
    check("scenario_sharin (pid " in out, f"the sample's labels use the procname:\n{out}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bindir", required=True)
    ap.add_argument("--samples", required=True)
    a = ap.parse_args()
    for tool in ("lttng", "babeltrace2"):
        if not shutil.which(tool):
            print(f"{tool} not found", file=sys.stderr)
            return 2
    tmp = tempfile.mkdtemp(prefix="teescope-process-names-")
    try:
        exec_client_case(a.bindir, tmp)
        late_session_case(a.bindir, tmp)
        sharing_case(a.bindir, tmp)
        sample_case(a.bindir, a.samples, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for f in failures:
        print("FAIL:", f, file=sys.stderr)
    if failures:
        return 1
    print("ok: programs told once per program and after exec, stored, and named in reports")
    return 0


if __name__ == "__main__":
    sys.exit(main())
