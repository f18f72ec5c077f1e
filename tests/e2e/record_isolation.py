#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A recording holds the processes it started and their descendants, nothing else.

  record_isolation.py --bindir BUILD/bin {concurrent|other_recording|interrupt}

concurrent       two `teescope record --sim` runs at the same time (scenario_clean and
                 scenario_sharing, released together once both sessions record), beside a
                 third traced client of its own teesim outside any recording: each trace holds
                 only its own processes (by pid, name and recording token), driver events only
                 of its own teesim, and imports with no event of another recording.
other_recording  a session named like a recording's but without its filter (as made by hand)
                 records processes of that recording, of another one and of none: the importer
                 keeps the recording's, and drops and counts the others (other_recording_events).
interrupt        SIGINT to `teescope record` (its process group, as Ctrl-C does) while its
                 command runs: the command ends, the trace recorded so far is kept and imports.

Each case runs real LTTng sessions: run it under the machine's recording lock; `concurrent` holds
two recordings at once on purpose.
"""
import argparse
import os
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

import tracecheck as tc

D, U = "teescope_drv:", "teescope_user:"


def wait_for(paths, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(os.path.exists(p) for p in paths):
            return True
        time.sleep(0.05)
    raise RuntimeError(f"timed out waiting for {what}")


def trace_token(trace):
    """The recording token of a trace: its session is named teescope-TOKEN (trace_name)."""
    for root, _dirs, files in os.walk(trace):
        if "metadata" in files:
            with open(os.path.join(root, "metadata"), "rb") as f:
                m = re.search(rb'trace_name = "teescope-([0-9a-f]{16})"', f.read())
            if m:
                return int(m.group(1), 16)
    return None


def import_db(a, trace, db):
    r = subprocess.run([os.path.join(a.bindir, "teescope"), "import", trace, "-o", db, "--progress=none"],
                       capture_output=True, text=True, timeout=300, check=False)
    return r


def db_facts(db):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        procs = {(pid, name) for pid, name in con.execute("SELECT pid, name FROM processes")}
        stats = {name: count for name, count in con.execute("SELECT name, count FROM import_stats")}
        return procs, stats
    finally:
        con.close()


def gated(bindir, scenario, work, tag):
    """A command that says it runs (with its pid, which the scenario keeps: exec) and waits."""
    ready, go = os.path.join(work, f"ready-{tag}"), os.path.join(work, "go")
    script = f'echo $$ > "{ready}.tmp"; mv "{ready}.tmp" "{ready}"; ' \
             f'while [ ! -e "{go}" ]; do sleep 0.02; done; exec "{os.path.join(bindir, scenario)}"'
    return ["sh", "-c", script], ready, go


def case_concurrent(a, c, work):
    teescope = os.path.join(a.bindir, "teescope")
    runs = {}
    for tag, scenario in (("a", "scenario_clean"), ("b", "scenario_sharing")):
        cmd, ready, go = gated(a.bindir, scenario, work, tag)
        trace = os.path.join(work, f"trace-{tag}")
        proc = subprocess.Popen([teescope, "record", "--sim", "--no-summary", "--blocking", "-o", trace, "--", *cmd],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        runs[tag] = {"scenario": scenario, "proc": proc, "ready": ready, "trace": trace}
    # A client traced outside any recording, against a teesim of its own, at the same time.
    outsider_sock = os.path.join(work, "outsider.sock")
    env = {k: v for k, v in os.environ.items() if k not in ("TEESCOPE_RECORDING", "TEESCOPE_TRACE")}
    outsider_sim = subprocess.Popen([teescope, "sim", "--socket", outsider_sock], env=env,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    outsider = None
    try:
        wait_for([r["ready"] for r in runs.values()] + [outsider_sock], 60, "both recordings to start")
        client_env = dict(env, TEESCOPE_SIM=outsider_sock,
                          LD_PRELOAD=os.path.join(os.path.dirname(a.bindir), "lib", "libteescope-preload.so"))
        outsider = subprocess.Popen([os.path.join(a.bindir, "scenario_clean")], env=client_env,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with open(os.path.join(work, "go"), "w"):
            pass
        for r in runs.values():
            r["out"], r["err"] = r["proc"].communicate(timeout=300)
        outsider.wait(timeout=120)
    finally:
        for p in (outsider, outsider_sim):
            if p and p.poll() is None:
                p.terminate()
                p.wait(timeout=30)
        for r in runs.values():
            if r["proc"].poll() is None:
                r["proc"].kill()
    c.check(outsider.returncode == 0, f"the outside client ran (exit {outsider.returncode})")
    outsider_pid = outsider.pid

    seen = {}
    for tag, r in runs.items():
        if not c.check(r["proc"].returncode == 0, f"{tag}: record {r['scenario']} exits 0 "
                       f"({r['proc'].returncode}: {r['err'][-800:]})"):
            return
        with open(r["ready"]) as f:
            r["pid"] = int(f.read())
        events, loss = tc.read_trace(r["trace"])
        c.check(not loss, f"{tag}: no data loss {loss}")
        token = trace_token(r["trace"])
        c.check(token is not None, f"{tag}: the trace names its recording")
        user = [e for e in events if e["name"].startswith(U)]
        drv = [e for e in events if e["name"].startswith(D)]
        c.check(len(user) > 50 and len(drv) > 50, f"{tag}: both sides traced ({len(user)} user, {len(drv)} driver)")
        c.check(all(e.get("recording") == token for e in events),
                f"{tag}: every event carries the recording's token {token:#x}: "
                f"{sorted({e.get('recording') for e in events if e.get('recording') != token}, key=str)[:5]}")
        r["vpids"] = {e["vpid"] for e in user}
        r["names"] = {e["procname"] for e in user}
        r["drv_vpids"] = {e["vpid"] for e in drv}
        r["callers"] = {e["pid"] for e in drv} - {0}
        r["token"] = token
        c.check(r["pid"] in r["vpids"], f"{tag}: the recorded command {r['pid']} is in its trace")
        c.check(len(r["drv_vpids"]) == 1, f"{tag}: driver events come from one teesim ({r['drv_vpids']})")
        c.check(r["callers"] <= r["vpids"], f"{tag}: the driver acts only for the trace's processes "
                f"({sorted(r['callers'] - r['vpids'])})")
        # procname is the kernel's comm (15 bytes); the sharing scenario's receiver is exec'd
        # through /proc/self/exe.
        expected = {r["scenario"][:15]} | ({"exe"} if r["scenario"] == "scenario_sharing" else set())
        c.check(r["names"] <= expected, f"{tag}: only {expected} processes ({r['names']})")
        seen[tag] = r
    a_, b_ = seen["a"], seen["b"]
    c.check(a_["token"] != b_["token"], "the recordings have different tokens")
    c.check(not (a_["vpids"] & b_["vpids"]), f"no process in both traces ({a_['vpids'] & b_['vpids']})")
    c.check(not (a_["drv_vpids"] & b_["drv_vpids"]), "each trace has its own teesim")
    for tag, r in seen.items():
        c.check(outsider_pid not in r["vpids"] | r["callers"], f"{tag}: the outside client is not in the trace")
        c.check(outsider_sim.pid not in r["drv_vpids"], f"{tag}: the outside teesim is not in the trace")
        db = os.path.join(work, f"{tag}.db")
        imp = import_db(a, r["trace"], db)
        if not c.check(imp.returncode == 0, f"{tag}: imports ({imp.returncode}: {imp.stderr[-500:]})"):
            continue
        procs, stats = db_facts(db)
        pids = {pid for pid, _ in procs}
        c.check(pids and pids <= r["vpids"] | r["callers"], f"{tag}: the database's processes are the trace's "
                f"({sorted(pids)} vs {sorted(r['vpids'])})")
        other = seen["b" if tag == "a" else "a"]
        c.check(not (pids & other["vpids"]), f"{tag}: no process of the other recording in the database")
        c.check("other_recording_events" not in stats and "malformed_event" not in stats,
                f"{tag}: no event of another recording reached the trace ({stats})")


def lttng(*args):
    r = subprocess.run(["lttng", *args], capture_output=True, text=True, check=False)
    if r.returncode != 0:
        raise RuntimeError(f"lttng {' '.join(args)}: {r.stdout} {r.stderr}")


def case_other_recording(a, c, work):
    # A session made by hand like a recording's, without the filter: the importer is the last guard.
    teescope = os.path.join(a.bindir, "teescope")
    token, other = 0x1234abcd5678ef01, 0x0badc0ffee000001
    name = f"teescope-{token:016x}"
    trace = os.path.join(work, "trace")
    if subprocess.run(["lttng", "list"], capture_output=True, check=False).returncode != 0:
        subprocess.run(["lttng-sessiond", "--daemonize"], capture_output=True, check=False)
    env = {k: v for k, v in os.environ.items() if k not in ("TEESCOPE_RECORDING", "TEESCOPE_TRACE")}
    lttng("create", name, f"--output={trace}")
    try:
        lttng("enable-channel", "-u", "-s", name, "--subbuf-size=2M", "--num-subbuf=8", "--blocking-timeout=inf", "c")
        lttng("add-context", "-u", "-s", name, "-c", "c", "-t", "vpid", "-t", "vtid", "-t", "procname")
        lttng("enable-event", "-u", "-s", name, "-c", "c", "teescope_*")
        lttng("start", name)
        lib = os.path.join(os.path.dirname(a.bindir), "lib", "libteescope-preload.so")
        # Each client with a teesim of its own recording, as `teescope record --sim` runs them.
        for tag, value in (("ours", token), ("theirs", other), ("none", None)):
            e = dict(env)
            if value is not None:
                e["TEESCOPE_RECORDING"] = f"{value:016x}"
            sock = os.path.join(work, f"teesim-{tag}.sock")
            sim = subprocess.Popen([teescope, "sim", "--socket", sock], env=e,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                wait_for([sock], 30, "teesim")
                p = subprocess.run([os.path.join(a.bindir, "scenario_clean")], capture_output=True, check=False,
                                   env=dict(e, TEESCOPE_SIM=sock, LD_PRELOAD=lib, LTTNG_UST_ALLOW_BLOCKING="1"),
                                   timeout=120)
                c.check(p.returncode == 0, f"{tag}: the client ran ({p.returncode})")
                time.sleep(0.3)  # the driver's last releases
            finally:
                sim.terminate()
                sim.wait(timeout=30)
        lttng("stop", name)
    finally:
        subprocess.run(["lttng", "destroy", name], capture_output=True, check=False)
    events, _ = tc.read_trace(trace)
    tokens = {e.get("recording") for e in events}
    c.check(tokens == {token, other, 0}, f"the unfiltered session recorded all three ({tokens})")
    ours = {e["vpid"] for e in events if e["name"].startswith(U) and e.get("recording") == token}
    dropped = sum(1 for e in events if e.get("recording") != token)
    db = os.path.join(work, "trace.db")
    imp = import_db(a, trace, db)
    if not c.check(imp.returncode == 0, f"imports ({imp.returncode}: {imp.stderr[-500:]})"):
        return
    procs, stats = db_facts(db)
    pids = {pid for pid, _ in procs}
    c.check(pids == ours, f"only the recording's processes ({sorted(pids)} vs {sorted(ours)})")
    c.check(stats.get("other_recording_events") == dropped,
            f"every other event is counted: {stats.get('other_recording_events')} of {dropped}")
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    example, severity = con.execute("SELECT example, severity FROM import_stats "
                                    "WHERE name = 'other_recording_events'").fetchone()
    con.close()
    c.check(severity == "info" and f"{token:#x}" in example, f"the statistic names the trace's recording: {example}")


def case_interrupt(a, c, work):
    teescope = os.path.join(a.bindir, "teescope")
    trace = os.path.join(work, "trace")
    ready = os.path.join(work, "ready")
    # The scenario finishes, then the command keeps running until it is interrupted.
    script = f'"{os.path.join(a.bindir, "scenario_clean")}" && touch "{ready}" && sleep 60'
    start = time.monotonic()
    proc = subprocess.Popen([teescope, "record", "--sim", "--no-summary", "-o", trace, "--", "sh", "-c", script],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        wait_for([ready], 120, "the scenario to finish")
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in its terminal does
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    elapsed = time.monotonic() - start
    c.check(elapsed < 50, f"record ends soon after SIGINT ({elapsed:.1f} s)")
    c.check(proc.returncode == 130, f"record exits with the command's status (killed by SIGINT: {proc.returncode}); "
            f"{err[-500:]}")
    c.check(f"trace: {trace}" in out, f"record names the trace: {out!r}")
    sessions = subprocess.run(["lttng", "list"], capture_output=True, text=True, check=False).stdout
    c.check(f"teescope-{trace_token(trace) or 0:016x}" not in sessions, "the session was destroyed")
    events, _ = tc.read_trace(trace)
    c.check(len(tc.named(events, U + "invoke_end")) >= 50, "the trace holds what was recorded before SIGINT")
    db = os.path.join(work, "trace.db")
    imp = import_db(a, trace, db)
    if c.check(imp.returncode == 0, f"the trace imports ({imp.returncode}: {imp.stderr[-500:]})"):
        procs, _ = db_facts(db)
        c.check(any(name == "scenario_clean" for _, name in procs), f"the scenario is in the database ({procs})")


CASES = {"concurrent": case_concurrent, "other_recording": case_other_recording, "interrupt": case_interrupt}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bindir", required=True)
    ap.add_argument("case", choices=sorted(CASES))
    a = ap.parse_args()
    a.bindir = os.path.abspath(a.bindir)
    c = tc.Checker()
    with tempfile.TemporaryDirectory(prefix=f"teescope-isolation-{a.case}-") as work:
        CASES[a.case](a, c, work)
    return c.report(a.case)


if __name__ == "__main__":
    sys.exit(main())
