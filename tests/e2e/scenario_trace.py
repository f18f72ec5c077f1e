#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Records a scenario against teesim under a real LTTng session and checks its trace.

  scenario_trace.py --bindir BUILD/bin --scenario NAME [--config FILE] [--tee qtee|optee]
                    [--guests N] [--import] [-- SCENARIO ARGS]

The trace, read back with babeltrace2, must hold the expected events in the expected order:
the invariants of every trace (tracecheck.check_invariants) and the facts of the scenario.
With --import it is also imported by `teescope import`, and the database must show the
scenario's facts with no bad record.
"""
import argparse
import collections
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

import tracecheck as tc

D, U = "teescope_drv:", "teescope_user:"
ROOT = 0xFFFFFFFFFFFFFFFF


def opener(events):
    """ctx → pid that opened it."""
    return {e["ctx"]: e["pid"] for e in tc.named(events, D + "context_open")}


def scenario_pids(events):
    """Processes of the workload (everything that emitted user-side events)."""
    return {e["vpid"] for e in events if e["name"].startswith(U)}


def callback_flow(events, c):
    """Credentials of register-as-client: exported, invoked through the owner's supplicant, released."""
    exports = tc.named(events, D + "callback_export")
    c.check(len(exports) >= 1, "a callback object is exported")
    queued = tc.named(events, D + "request_queue")
    ops = collections.Counter(e["op"] for e in queued)
    c.check(ops[0] >= 1 and ops[1] >= 1, f"credentials read via IIO getLength/readAtOffset (ops {dict(ops)})")
    c.check(len(tc.named(events, D + "async_release")) >= 1, "QTEE releases a callback object asynchronously")
    c.check(ops[0xFFFF] >= 1, "the owner gets a RELEASE request")
    for q in queued:
        if q["op"] == 0xFFFF:
            continue
        picks = [e for e in events if e["name"] == D + "request_pick" and e["ctx"] == q["ctx"]
                 and e["request"] == q["request"] and e["ts"] >= q["ts"]]
        c.check(bool(picks), f"request {q['request']} of ctx {q['ctx']} is picked by a supplicant")


def check_clean(events, c):
    callback_flow(events, c)
    unbinds = tc.named(events, D + "handle_unbind")
    c.check(len(unbinds) >= 5, f"handles are released ({len(unbinds)})")
    c.check(all(e["reason"] == "release" for e in unbinds), "every handle is released by its owner, none reclaimed")
    closes = tc.named(events, D + "context_close")
    c.check(len(closes) >= 1 and all(e["handles"] == 0 for e in closes), "contexts close holding no handle")
    rq = tc.named(events, D + "release_queue")
    rd = tc.named(events, D + "release_done")
    c.check(len(rq) >= 5 and len(rq) == len(rd), f"every secure-world release completes ({len(rq)} queued, {len(rd)} done)")
    c.check(all(e["result"] == 0 for e in rd), "every secure-world release succeeds")
    alloc, free = tc.named(events, D + "shm_alloc"), tc.named(events, D + "shm_free")
    c.check(len(alloc) >= 1 and len(alloc) == len(free), "shared memory is allocated and freed")
    c.check(len(tc.named(events, D + "context_release")) >= 1, "the context is finally released")
    adds = [e for e in tc.named(events, U + "invoke_end") if e["ret"] == 0]
    c.check(len(adds) >= 50, f"the app is invoked ({len(adds)} successful invocations)")
    kinds = collections.Counter(e["kind"] for e in tc.named(events, D + "object_create"))
    c.check(kinds["memory"] >= 1 and kinds["callback"] >= 1 and kinds["qtee"] >= 5 and kinds["root"] >= 1,
            f"object kinds created: {dict(kinds)}")
    # Provenance: every QTEE object was returned by an invocation whose begin precedes it.
    begins = {e["invocation"]: e for e in tc.named(events, D + "invoke_begin")}
    for o in tc.named(events, D + "object_create"):
        if o["kind"] == "qtee" and o["ctx"]:
            b = begins.get(o["invocation"])
            c.check(b is not None and b["ts"] <= o["ts"], f"object {o['object']:#x} has a producing invocation")


def check_leaky(events, c):
    reasons = collections.Counter(e["reason"] for e in tc.named(events, D + "handle_unbind"))
    c.check(reasons["context_close"] >= 2, f"handles reclaimed only by context close ({dict(reasons)})")
    closes = tc.named(events, D + "context_close")
    c.check(any(e["handles"] > 0 for e in closes), "a context closes still holding handles")
    opened = set(opener(events))
    still_open = opened - {e["ctx"] for e in closes}
    c.check(len(still_open) >= 1, "a context is still open at the end of the trace (live process)")
    exported = {e["object"] for e in tc.named(events, D + "callback_export")}
    unexported = {e["object"] for e in tc.named(events, D + "callback_unexport")}
    c.check(len(exported - unexported) >= 1, "a callback object is never released by the TEE")
    alloc = {e["shm"] for e in tc.named(events, D + "shm_alloc")}
    c.check(len(alloc) >= 1, "shared memory is allocated")
    c.check(len(tc.named(events, U + "proc_fork")) >= 1, "the service is forked")


def check_sharing(events, c):
    who = collections.defaultdict(set)
    for e in tc.named(events, D + "invoke_begin"):
        who[e["ctx"]].add(e["pid"])
    c.check(max((len(p) for p in who.values()), default=0) >= 3,
            f"one context is used by three processes (fork and fd passing): {dict(who)}")
    c.check(len(tc.named(events, U + "proc_fork")) >= 1, "the parent forks")
    c.check(len(tc.named(events, U + "fd_adopt")) >= 1, "the receiver adopts a passed context descriptor")
    # The same secure-world object held by two contexts at overlapping times.
    holders = collections.defaultdict(list)  # sw_id → [(ctx, bind ts, unbind ts)]
    obj = {e["object"]: e for e in tc.named(events, D + "object_create")}
    live = {}
    for e in events:
        if e["name"] == D + "handle_bind":
            live[(e["ctx"], e["handle"])] = e
        elif e["name"] == D + "handle_unbind":
            b = live.pop((e["ctx"], e["handle"]), None)
            o = obj.get(e["object"])
            if b and o and o["sw_id"]:
                holders[o["sw_id"]].append((e["ctx"], b["ts"], e["ts"]))
    overlap = False
    for spans in holders.values():
        for i, (ca, sa, ea) in enumerate(spans):
            for cb, sb, eb in spans[i + 1:]:
                overlap |= ca != cb and sa < eb and sb < ea
    c.check(overlap, "a secure-world object is held by two contexts at overlapping times")


def check_callbacks(events, c):
    owners = opener(events)
    queued = [e for e in tc.named(events, D + "request_queue") if e["op"] != 0xFFFF]
    cross = [e for e in queued if e["pid"] != owners.get(e["ctx"])]
    c.check(len(cross) >= 20, f"callback requests made on behalf of other processes ({len(cross)})")
    picks = tc.named(events, D + "request_pick")
    c.check(all(p["pid"] == owners.get(p["ctx"]) for p in picks), "requests are picked by the owner's supplicant")
    c.check(len({p["tid"] for p in picks}) >= 2, "several supplicant threads serve requests")
    listener_ctx = {e["ctx"] for e in cross}
    unexported = {e["ctx"] for e in tc.named(events, D + "callback_unexport")}
    c.check(bool(listener_ctx & unexported), "the listener is released by the TEE after unregister")
    # Each cross-process request lies inside the invoker's notify invocation.
    spans = {}
    for e in events:
        if e["name"] == D + "invoke_begin":
            spans[e["invocation"]] = [e["ts"], None]
        elif e["name"] == D + "invoke_end" and e["invocation"] in spans:
            spans[e["invocation"]][1] = e["ts"]
    inside = [q for q in cross if q["invocation"] in spans and spans[q["invocation"]][0] <= q["ts"]
              <= (spans[q["invocation"]][1] or 1 << 63)]
    c.check(len(inside) == len(cross), "every callback request happens within the invocation that caused it")


def check_slow(events, c):
    begins = {e["invocation"]: e for e in tc.named(events, D + "invoke_begin")}
    durations = collections.defaultdict(list)
    for e in tc.named(events, D + "invoke_end"):
        b = begins.get(e["invocation"])
        if b and b["op"] == 0 and b["bi"] == 1 and b["bo"] == 1 and b["oi"] == 0 and b["oo"] == 0:
            durations[b["object"]].append(e["ts"] - b["ts"])
    calls = sorted(d for ds in durations.values() for d in ds)
    if not c.check(len(calls) >= 100, f"the slow op is called ({len(calls)})"):
        return
    median, worst = calls[len(calls) // 2], calls[-1]
    c.check(median >= 50_000, f"the configured latency applies (median {median} ns)")
    c.check(worst >= 10 * median, f"outliers stand out (max {worst} ns vs median {median} ns)")


def check_killed(events, c):
    reasons = collections.Counter(e["reason"] for e in tc.named(events, D + "request_abandon"))
    c.check(reasons["owner_closed"] >= 1, f"a request fails because its owner died ({dict(reasons)})")
    c.check(reasons["invoker_died"] >= 1, f"a request is abandoned because its invoker died ({dict(reasons)})")
    late = [e for e in tc.named(events, D + "request_answer") if e["err"] != 0]
    c.check(len(late) >= 1, "the late answer to an abandoned request is refused")


def check_regions(events, c):
    mem = [e for e in tc.named(events, D + "object_create") if e["kind"] == "memory"]
    c.check(len(mem) >= 2, f"memory objects are made from the shm ({len(mem)})")
    # The lend results: the memory object itself goes back to its context.
    mem_addr = {e["object"] for e in mem}
    lent = [e for e in tc.named(events, D + "invoke_end") if e["ret"] == 0 and set(e.get("obj_out", [])) & mem_addr]
    c.check(len(lent) >= 5, f"QTEE returns the memory object to its client ({len(lent)} times)")
    refused = [e for e in tc.named(events, D + "invoke_end") if e["ret"] == -96]
    c.check(len(refused) >= 1, "the region is refused to another context (UNAVAIL)")
    frees = tc.named(events, D + "shm_free")
    closes = [e for e in tc.named(events, U + "fd_close")]
    c.check(len(frees) >= 1, "the shm is freed")
    if frees and closes:
        # Freed after the client closed it: QTEE's hold on the region kept it.
        last_user_close = max(e["ts"] for e in closes)
        c.check(frees[0]["ts"] > min(e["ts"] for e in closes), "the shm outlives the client's descriptor")
        c.check(last_user_close > 0, "the client closes its descriptors")


def check_publish(events, c):
    binds = [e for e in tc.named(events, D + "handle_bind") if e["invocation"] == 0]
    c.check(len(binds) >= 6, f"services reach the listener as handles bound by SUPPL_RECV ({len(binds)})")
    picks = {(e["ctx"], e["request"]): e for e in tc.named(events, D + "request_pick")}
    c.check(all((b["ctx"], b["request"]) in picks and picks[(b["ctx"], b["request"])]["ts"] <= b["ts"] + 1_000_000_000
                for b in binds), "each bound handle names a request picked by the listener's supplicant")
    bound = {(b["ctx"], b["handle"]) for b in binds}
    used = [e for e in tc.named(events, D + "invoke_begin") if (e["ctx"], e["handle"]) in bound and e["op"] != 0xFFFF]
    c.check(len(used) >= 6, f"the listener invokes the services it was handed ({len(used)})")
    released = [e for e in tc.named(events, D + "handle_unbind") if (e["ctx"], e["handle"]) in bound]
    c.check(len(released) >= 6 and all(e["reason"] == "release" for e in released),
            "the listener releases every service it was handed")


def check_load(events, c):
    n = len(tc.named(events, D + "invoke_begin"))
    c.check(n >= 2 * 2 * 200, f"the load runs ({n} invocations)")


CHECKS = {"clean": check_clean, "leaky": check_leaky, "sharing": check_sharing, "callbacks": check_callbacks,
          "regions": check_regions, "publish": check_publish, "slow": check_slow, "killed": check_killed,
          "load": check_load, "demo": lambda ev, c: None}


# ---------------------------------------------------------------------------- the imported trace

def no_bad_records(db, c):
    bad = db.execute("SELECT name, count, example FROM import_stats WHERE severity <> 'info'").fetchall()
    c.check(not bad, f"the import counts no bad record: {bad}")


def provenance(db, object_id):
    """Classes from the root down to an object, following produced_by."""
    path = []
    cur = object_id
    for _ in range(64):
        row = db.execute("SELECT class, produced_by FROM objects WHERE id = ?", (cur,)).fetchone()
        path.append(row[0])
        if row[1] is None:
            break
        inv = db.execute("SELECT object_id, handle FROM invocations WHERE id = ?", (row[1],)).fetchone()
        if inv[0] is None:
            path.append("root" if inv[1] == -1 or inv[1] == 0xFFFFFFFFFFFFFFFF else "?")
            break
        cur = inv[0]
    return list(reversed(path))


def import_clean(db, c):
    """What a libqcomtee client leaves: credentials served by its own supplicant thread, the app's
    provenance from the root, nothing leaked."""
    no_bad_records(db, c)
    leaks = db.execute("SELECT kind, class FROM leaks").fetchall()
    c.check(not leaks, f"no leak: {leaks}")
    served = db.execute("""SELECT r.id, t.process_id, i.process_id, t.id, i.thread_id
                             FROM callback_requests r
                             JOIN threads t ON t.id = r.supplicant_thread_id
                             JOIN invocations i ON i.id = r.invocation_id
                            WHERE r.op <> 65535""").fetchall()
    c.check(len(served) >= 2, f"the credentials are read through callback requests ({len(served)})")
    c.check(all(p == q and st != it for _, p, q, st, it in served),
            "each is served by a supplicant thread of the invoking process, not the invoker itself")
    apps = [r[0] for r in db.execute("SELECT id FROM objects WHERE class = 'app'")]
    c.check(len(apps) >= 1, "an app object is imported")
    for a in apps:
        path = provenance(db, a)
        c.check(path == ["root", "client_env", "apploader", "app_controller", "app"], f"app provenance: {path}")


def import_regions(db, c):
    no_bad_records(db, c)
    c.check(not db.execute("SELECT kind FROM leaks").fetchall(), "no leak")
    shm = db.execute("SELECT end_kind, freed_ts FROM shm WHERE size >= 8192").fetchall()
    c.check(len(shm) == 1 and shm[0][0] == "freed", f"the region's shm is freed: {shm}")
    drop = db.execute("""SELECT min(i.drv_begin_ts) FROM invocations i JOIN objects o ON o.id = i.object_id
                          WHERE o.class = 'region_store' AND i.op = 2""").fetchone()[0]
    c.check(drop is not None and shm and shm[0][1] is not None and shm[0][1] >= drop,
            "the shm is freed once QTEE dropped the region, not when the client closed it")
    mem = db.execute("SELECT count(*) FROM objects WHERE kind = 'memory'").fetchone()[0]
    c.check(mem >= 2, f"memory objects ({mem})")


def import_publish(db, c):
    no_bad_records(db, c)
    c.check(not db.execute("SELECT kind FROM leaks").fetchall(), "no leak")
    handed = db.execute("""SELECT h.object_id, h.request_id FROM handles h WHERE h.request_id IS NOT NULL""").fetchall()
    c.check(len(handed) >= 6, f"handles bound by callback requests ({len(handed)})")
    nested = db.execute("""SELECT count(*) FROM invocations i
                            WHERE i.parent_request_id IS NOT NULL
                              AND i.object_id IN (SELECT object_id FROM handles WHERE request_id IS NOT NULL)""").fetchone()[0]
    c.check(nested >= 6, f"the listener's invocations of them nest in the callback requests ({nested})")


IMPORT_CHECKS = {"clean": import_clean, "regions": import_regions, "publish": import_publish}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bindir", required=True)
    ap.add_argument("--scenario", required=True, choices=sorted(CHECKS))
    ap.add_argument("--config")
    ap.add_argument("--tee", choices=["qtee", "optee"], default="qtee", help="the TEE teesim plays")
    ap.add_argument("--guests", type=int, help="run the scenario once per Xen guest (OP-TEE)")
    ap.add_argument("--keep", help="keep the trace in this directory")
    ap.add_argument("--import", dest="do_import", action="store_true", help="also import it and check the database")
    ap.add_argument("args", nargs="*")
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix=f"teescope-e2e-{a.scenario}-")
    trace = a.keep or os.path.join(work, "trace")
    sim = "--sim" if a.tee == "qtee" else f"--sim={a.tee}"
    cmd = [os.path.join(a.bindir, "teescope"), "record", sim, "--no-summary", "--blocking", "-o", trace]
    if a.guests:
        cmd += ["--guests", str(a.guests)]
    if a.config:
        cmd += ["--sim-config", a.config]
    cmd += ["--", os.path.join(a.bindir, f"scenario_{a.scenario}")] + a.args
    print("+", " ".join(cmd), flush=True)
    r = subprocess.run(cmd, timeout=600, check=False)
    c = tc.Checker()
    if not c.check(r.returncode == 0, f"the scenario and the recording succeed (exit {r.returncode})"):
        return c.report(a.scenario)
    events, loss = tc.read_trace(trace)
    c.check(not loss, f"no data loss: {loss}")
    c.check(len(events) > 0, "the trace holds events")
    killed = set()
    if a.scenario in ("killed", "leaky"):
        # Processes without a proc_exit were killed (or outlived the recording).
        exited = {e["vpid"] for e in tc.named(events, U + "proc_exit")}
        killed = scenario_pids(events) - exited
    tc.check_invariants(events, c, killed_pids=killed)
    CHECKS[a.scenario](events, c)
    print(f"{len(events)} events")
    if a.do_import and a.scenario in IMPORT_CHECKS:
        db_path = os.path.join(work, "trace.db")
        r = subprocess.run([os.path.join(a.bindir, "teescope"), "import", trace, "-o", db_path, "--progress=none"],
                           capture_output=True, text=True, timeout=300)
        if c.check(r.returncode == 0, f"the trace imports (exit {r.returncode}: {r.stderr[-500:]})"):
            db = sqlite3.connect(db_path)
            IMPORT_CHECKS[a.scenario](db, c)
            db.close()
    if not a.keep:
        shutil.rmtree(work, ignore_errors=True)
    return c.report(a.scenario)


if __name__ == "__main__":
    sys.exit(main())
