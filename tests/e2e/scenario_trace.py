#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Records a scenario against teesim under a real LTTng session and checks its trace.

  scenario_trace.py --bindir BUILD/bin --scenario NAME [--config FILE] [-- SCENARIO ARGS]

The trace, read back with babeltrace2, must hold the expected events in the expected order:
the invariants of every trace (tracecheck.check_invariants) and the facts of the scenario.
"""
import argparse
import collections
import os
import shutil
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


def check_load(events, c):
    n = len(tc.named(events, D + "invoke_begin"))
    c.check(n >= 2 * 2 * 200, f"the load runs ({n} invocations)")


CHECKS = {"clean": check_clean, "leaky": check_leaky, "sharing": check_sharing, "callbacks": check_callbacks,
          "slow": check_slow, "killed": check_killed, "load": check_load, "demo": lambda ev, c: None}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bindir", required=True)
    ap.add_argument("--scenario", required=True, choices=sorted(CHECKS))
    ap.add_argument("--config")
    ap.add_argument("--keep", help="keep the trace in this directory")
    ap.add_argument("args", nargs="*")
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix=f"teescope-e2e-{a.scenario}-")
    trace = a.keep or os.path.join(work, "trace")
    cmd = [os.path.join(a.bindir, "teescope"), "record", "--sim", "--no-summary", "--blocking", "-o", trace]
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
    if not a.keep:
        shutil.rmtree(work, ignore_errors=True)
    return c.report(a.scenario)


if __name__ == "__main__":
    sys.exit(main())
