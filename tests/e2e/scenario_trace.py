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


# ---------------------------------------------------------------------------- OP-TEE

HELLO_WORLD = "8aaaf200-2450-11e4-abe2-0002a5d5c51b"
SECURE_STORAGE = "f4e750bb-1437-4fbf-8785-8d3580c34994"
WORKLOAD = "1e824db6-ecfe-4846-a677-f102d99ee174"
PANIC = "b0ace2a6-7047-405d-8a98-565c0e83b192"
LOAD_TA, FS, SHM_ALLOC, SHM_FREE = 0, 2, 6, 7
SHORT_BUFFER, BUSY, ITEM_NOT_FOUND = 0xFFFF0010, 0xFFFF000D, 0xFFFF0008
CANCEL, COMMUNICATION, TARGET_DEAD = 0xFFFF0002, 0xFFFF000E, 0xFFFF3024
ORIGIN_TEE, ORIGIN_TA = 3, 4


def uuid_text(octets):
    h = "".join(f"{b:02x}" for b in octets)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def supplicant_contexts(events):
    """teepriv0 contexts → the pid that opened them (the supplicant)."""
    return {e["ctx"]: e["pid"] for e in tc.named(events, D + "context_open") if e["dev"].startswith("teepriv")}


def without_supplicant_requests(events):
    """The trace minus the OP-TEE supplicant's request events, which follow optee_rpc_begin rather
    than request_queue (checked by optee_invariants instead)."""
    supp = supplicant_contexts(events)
    return [e for e in events
            if not (e["name"] in (D + "request_pick", D + "request_answer") and e["ctx"] in supp)]


def sessions(events):
    """Successful opens: (ctx, session) → {'uuid', 'pid', 'open', 'close'} (close: the optee_close event)."""
    begins = {e["invocation"]: e for e in tc.named(events, D + "optee_open_begin")}
    out, live = [], {}
    for e in events:
        if e["name"] == D + "optee_open_end" and e["ret"] == 0 and e["err"] == 0:
            s = {"uuid": uuid_text(begins[e["invocation"]]["uuid"]), "pid": e["pid"], "ctx": e["ctx"],
                 "session": e["session"], "open": e, "close": None}
            live[(e["ctx"], e["session"])] = s
            out.append(s)
        elif e["name"] == D + "optee_close":
            s = live.pop((e["ctx"], e["session"]), None)
            if s:
                s["close"] = e
    return out


def rpc_flows(events):
    """Every RPC of the secure world: {'cmd', 'invocation', 'begin', 'pick', 'answer', 'end'}."""
    picks = [e for e in events if e["name"] == D + "request_pick"]
    answers = [e for e in events if e["name"] == D + "request_answer" and e["err"] == 0]
    flows, open_rpcs = [], {}
    for e in events:
        if e["name"] == D + "optee_rpc_begin":
            open_rpcs[(e["guest"], e["invocation"], e["tid"])] = e
        elif e["name"] == D + "optee_rpc_end":
            b = open_rpcs.pop((e["guest"], e["invocation"], e["tid"]), None)
            f = {"cmd": b["cmd"] if b else None, "invocation": e["invocation"], "begin": b, "end": e,
                 "pick": None, "answer": None}
            if b:
                f["pick"] = next((p for p in picks if p["ctx"] == e["ctx"] and p["request"] == e["request"]
                                  and p["op"] == b["cmd"] and b["ts"] <= p["ts"] <= e["ts"]), None)
            if f["pick"]:
                f["answer"] = next((a for a in answers if a["ctx"] == e["ctx"] and a["request"] == e["request"]
                                    and f["pick"]["ts"] <= a["ts"] <= e["ts"]), None)
            flows.append(f)
    for b in open_rpcs.values():
        flows.append({"cmd": b["cmd"], "invocation": b["invocation"], "begin": b, "end": None, "pick": None,
                      "answer": None})
    return flows


def optee_invariants(events, c, killed_pids=()):
    """OP-TEE calls begin and end on one thread; waits end; every RPC the supplicant served was
    picked by a supplicant and answered before the secure world went on."""
    for kind in ("optee_open", "optee_invoke"):
        begins = {}
        for e in events:
            if e["name"] == D + kind + "_begin":
                begins[e["invocation"]] = e
            elif e["name"] == D + kind + "_end":
                b = begins.pop(e["invocation"], None)
                if c.check(b is not None, f"{kind}_end of unknown invocation {e['invocation']}"):
                    c.check(b["tid"] == e["tid"], f"{kind} {e['invocation']} ends on another thread")
        for b in begins.values():
            c.check(b["pid"] in killed_pids, f"{kind} {b['invocation']} of pid {b['pid']} never ends")
    waiting = {}
    for e in events:
        if e["name"] == D + "optee_wait_begin":
            key = (e["guest"], e["tid"], e["invocation"])
            c.check(key not in waiting, f"a second wait of {key} before the first ended")
            waiting[key] = e
        elif e["name"] == D + "optee_wait_end":
            c.check(waiting.pop((e["guest"], e["tid"], e["invocation"]), None) is not None,
                    f"optee_wait_end of invocation {e['invocation']} without a begin")
    for w in waiting.values():
        c.check(w["pid"] in killed_pids, f"the wait of invocation {w['invocation']} (pid {w['pid']}) never ends")
    supp = supplicant_contexts(events)
    for f in rpc_flows(events):
        if f["end"] is None:
            c.check(f["begin"]["pid"] in killed_pids, f"RPC {f['cmd']} of invocation {f['invocation']} never ends")
            continue
        if not c.check(f["begin"] is not None, f"optee_rpc_end of invocation {f['invocation']} without a begin"):
            continue
        if f["end"]["ret"] == COMMUNICATION and f["pick"] is None:
            continue  # failed without a supplicant to take it
        if c.check(f["pick"] is not None,
                   f"RPC {f['cmd']} of invocation {f['invocation']} (request {f['end']['request']}) is picked"):
            c.check(f["pick"]["pid"] == supp.get(f["pick"]["ctx"]),
                    f"RPC {f['cmd']} is picked by the supplicant that opened context {f['pick']['ctx']}")
            c.check(f["answer"] is not None or f["end"]["ret"] == COMMUNICATION,
                    f"RPC {f['cmd']} of invocation {f['invocation']} is answered")


def load_ta_flows(events, c, opens):
    """Each open that loads a TA: LOAD_TA (size), SHM_ALLOC, LOAD_TA (into it), SHM_FREE, all answered
    by the supplicant with SUCCESS."""
    by_invocation = collections.defaultdict(list)
    for f in rpc_flows(events):
        by_invocation[f["invocation"]].append(f)
    for o in opens:
        cmds = [f["cmd"] for f in by_invocation.get(o["invocation"], [])]
        if c.check(cmds == [LOAD_TA, SHM_ALLOC, LOAD_TA, SHM_FREE],
                   f"the open of invocation {o['invocation']} loads its TA through the supplicant ({cmds})"):
            c.check(all(f["end"]["ret"] == 0 for f in by_invocation[o["invocation"]]),
                    f"the supplicant serves the load of invocation {o['invocation']}")


def opens_of(events, uuid):
    return [b for b in tc.named(events, D + "optee_open_begin") if uuid_text(b["uuid"]) == uuid]


def invoke_results(events):
    """invocation → (begin, end) of INVOKE."""
    begins = {e["invocation"]: e for e in tc.named(events, D + "optee_invoke_begin")}
    return [(begins.get(e["invocation"]), e) for e in tc.named(events, D + "optee_invoke_end")]


def client_shm_balanced(events, c, ctxs):
    """Shared memory of these contexts: every registration is freed once."""
    live = set()
    for e in events:
        if e["name"] in (D + "shm_register", D + "shm_alloc") and e["ctx"] in ctxs:
            c.check((e["ctx"], e["shm"]) not in live, f"shm {e['shm']} of context {e['ctx']} made twice")
            live.add((e["ctx"], e["shm"]))
        elif e["name"] == D + "shm_free" and e["ctx"] in ctxs:
            c.check((e["ctx"], e["shm"]) in live, f"shm {e['shm']} of context {e['ctx']} freed but not live")
            live.discard((e["ctx"], e["shm"]))
    return live


def check_optee_clean(events, c):
    supp = supplicant_contexts(events)
    c.check(len(supp) == 1, f"one supplicant context ({supp})")
    opened = sessions(events)
    uuids = collections.Counter(s["uuid"] for s in opened)
    c.check(uuids[HELLO_WORLD] == 2 and uuids[WORKLOAD] == 1, f"sessions opened: {dict(uuids)}")
    c.check(all(s["close"] is not None and s["close"]["pid"] == s["pid"] for s in opened),
            "every session is closed by the process that opened it (CLOSE_SESSION)")
    closes = {e["ctx"]: e["ts"] for e in tc.named(events, D + "context_close")}
    c.check(all(s["close"] and s["close"]["ts"] < closes.get(s["ctx"], 0) for s in opened),
            "sessions are closed before their contexts")
    c.check(len(tc.named(events, U + "close_session")) == 3, "three CLOSE_SESSION ioctls")
    load_ta_flows(events, c, opens_of(events, HELLO_WORLD) + opens_of(events, WORKLOAD))
    results = invoke_results(events)
    counted = [b["func"] for b, e in results if b and e["ret"] == 0 and b["func"] in (0, 1)
               and any(s["session"] == b["session"] and s["ctx"] == b["ctx"] and s["uuid"] == HELLO_WORLD
                       for s in opened)]
    c.check(len(counted) >= 12, f"hello_world INC and DEC succeed ({len(counted)})")
    c.check(any(e["ret"] == SHORT_BUFFER and e["origin"] == ORIGIN_TA for _, e in results),
            "ECHO into a short buffer answers SHORT_BUFFER from the TA")
    memrefs = tc.named(events, D + "optee_memref")
    c.check(any(m["offset"] == 100 and m["size"] == 64 and m["dir"] == 1 for m in memrefs)
            and any(m["offset"] == 2048 and m["size"] == 64 and m["dir"] == 2 for m in memrefs),
            "partial memrefs name their offsets and directions")
    clients = {e["ctx"] for e in tc.named(events, D + "context_open")} - set(supp)
    c.check(not client_shm_balanced(events, c, clients), "every client shm is freed")
    c.check(len(tc.named(events, D + "context_release")) == 4, "every context is released")


def check_optee_leaky(events, c):
    supp = supplicant_contexts(events)
    opened = sessions(events)
    closes = {e["ctx"]: e for e in tc.named(events, D + "context_close")}
    by_ctx = collections.defaultdict(list)
    for s in opened:
        by_ctx[s["ctx"]].append(s)
    quitter = [ctx for ctx, ss in by_ctx.items() if len(ss) == 2]
    holder = [ctx for ctx, ss in by_ctx.items() if len(ss) == 1 and ctx not in closes]
    if not c.check(len(quitter) == 1 and len(holder) == 1, f"a quitter and a holder context ({dict(by_ctx)})"):
        return
    q, h = quitter[0], holder[0]
    c.check(q in closes, "the quitter's context is closed at its exit")
    c.check(all(s["close"] is not None and s["close"]["pid"] == 0 and s["close"]["ts"] >= closes[q]["ts"]
                for s in by_ctx[q]), "the quitter's sessions are closed by the driver at the context's release")
    c.check(not [e for e in tc.named(events, U + "close_session") if e["vpid"] == by_ctx[q][0]["pid"]],
            "the quitter never closes a session itself")
    order = [s["session"] for s in sorted(by_ctx[q], key=lambda s: s["close"]["ts"] if s["close"] else 0)]
    c.check(order == sorted(order, reverse=True), f"the most recently opened session is closed first ({order})")
    c.check(by_ctx[h][0]["close"] is None, "the holder's session is still open at the end")
    # The quitter's shm it never released: registrations whose descriptor it never closed.
    quitter_pid = by_ctx[q][0]["pid"]
    closed_fds = collections.Counter(e["fd"] for e in tc.named(events, U + "fd_close") if e["vpid"] == quitter_pid)
    kept = []
    for e in tc.named(events, U + "shm_register"):
        if e["vpid"] == quitter_pid and e["err"] == 0:
            if closed_fds[e["shm_fd"]]:
                closed_fds[e["shm_fd"]] -= 1
            else:
                kept.append(e["shm"])
    exits = [e["ts"] for e in tc.named(events, U + "proc_exit") if e["vpid"] == quitter_pid]
    c.check(len(kept) == 2, f"the quitter keeps two shm ({kept})")
    for shm in kept:
        frees = [e for e in tc.named(events, D + "shm_free") if e["ctx"] == q and e["shm"] == shm]
        c.check(len(frees) >= 1 and bool(exits) and frees[-1]["ts"] > exits[0],
                f"the quitter's shm {shm} is freed only when it has exited")
    c.check(len(client_shm_balanced(events, c, {h})) >= 1, "the holder's shm is never freed")
    load_ta_flows(events, c, opens_of(events, HELLO_WORLD) + opens_of(events, WORKLOAD)[:1])
    c.check(len(supp) == 1, "one supplicant")


def check_optee_storage(events, c):
    flows = rpc_flows(events)
    fs = [f for f in flows if f["cmd"] == FS]
    c.check(len(fs) >= 10, f"secure storage goes through FS requests ({len(fs)})")
    c.check(all(f["pick"] is not None and f["end"]["ret"] in (0, ITEM_NOT_FOUND) for f in fs),
            "the supplicant serves every FS request")
    by_invocation = collections.defaultdict(list)
    for f in flows:
        by_invocation[f["invocation"]].append(f["cmd"])
    with_fs = [cmds for cmds in by_invocation.values() if FS in cmds]
    c.check(all(cmds[0] == SHM_ALLOC and cmds[-1] == SHM_FREE for cmds in with_fs),
            f"each call's FS requests use an shm allocated first and freed last ({with_fs[:3]})")
    ends = tc.named(events, D + "optee_open_end")
    c.check(any(e["ret"] == BUSY and e["origin"] == ORIGIN_TEE and e["session"] == 0 for e in ends),
            "a second session with secure_storage is refused with BUSY from the TEE")
    storage_pids = {s["pid"] for s in sessions(events) if s["uuid"] == SECURE_STORAGE}
    c.check(len(storage_pids) == 2, f"two processes use secure storage ({storage_pids})")
    rets = [e["ret"] for _, e in invoke_results(events)]
    c.check(rets == [0, SHORT_BUFFER, 0, 0, ITEM_NOT_FOUND],
            f"WRITE, short READ, READ, DELETE, READ of the deleted object: {[hex(r) for r in rets]}")


def check_optee_contention(events, c):
    waits = tc.named(events, D + "optee_wait_begin")
    c.check(len(waits) >= 3 and all(w["reason"] == "no_thread" for w in waits),
            f"calls wait for an OP-TEE thread ({collections.Counter(w['reason'] for w in waits)})")
    c.check(len({w["pid"] for w in waits}) >= 2 and len({w["tid"] for w in waits}) >= 3,
            "callers of several processes and threads wait")
    # SLEEPs (func 2) running at once: never more than the two OP-TEE threads.
    running, edges = 0, []
    started = {}
    for e in events:
        if e["name"] == D + "optee_invoke_begin" and e["func"] == 2:
            started[e["invocation"]] = e
        elif e["name"] == D + "optee_wait_end" and e["invocation"] in started:
            started[e["invocation"]]["waited"] = e["ts"]
        elif e["name"] == D + "optee_invoke_end" and e["invocation"] in started:
            b = started.pop(e["invocation"])
            edges += [(b.get("waited", b["ts"]), 1), (e["ts"], -1)]
    peak = 0
    for _, d in sorted(edges, key=lambda x: (x[0], x[1])):
        running += d
        peak = max(peak, running)
    c.check(peak == 2, f"at most two SLEEPs run at once, and two do ({peak})")
    cancels = [e for e in tc.named(events, U + "cancel") if e["err"] == 0]
    c.check(len(cancels) >= 1 and all(e["cancel_id"] == 0 for e in cancels), "a CANCEL with cancel id 0")
    cancelled = [e for b, e in invoke_results(events) if b and b["func"] == 2 and e["ret"] == CANCEL]
    c.check(len(cancelled) == 1, "one SLEEP returns CANCEL")


def check_optee_panic(events, c):
    results = invoke_results(events)
    dead = [e for _, e in results if e["ret"] == TARGET_DEAD]
    c.check(len(dead) == 2 and all(e["origin"] == ORIGIN_TEE for e in dead),
            "PANIC and the next invoke on the dead session are TARGET_DEAD from the TEE")
    if not dead:
        return
    victim_ctx = dead[0]["ctx"]
    after = [e for _, e in results if e["ts"] > dead[-1]["ts"]]
    c.check(any(e["ctx"] == victim_ctx and e["ret"] == 0 for e in after), "a new session of the victim works")
    c.check(any(e["ctx"] != victim_ctx and e["ret"] == 0 for e in after), "the bystander's instance still works")
    opens = opens_of(events, PANIC)
    c.check(len(opens) == 3, f"three panic sessions ({len(opens)})")
    load_ta_flows(events, c, opens)


def check_xen(events, c):
    created = {e["guest"]: e for e in tc.named(events, D + "guest_create")}
    destroyed = {e["guest"]: e for e in tc.named(events, D + "guest_destroy")}
    c.check(set(created) == {2, 3} and all(e["threads"] == 2 for e in created.values()),
            f"guests 2 and 3 (domains 1 and 2) are made with 2 OP-TEE threads ({created})")
    c.check(set(destroyed) == {2, 3}, "both guests are destroyed")
    if 2 in destroyed:
        g = destroyed[2]
        c.check(g["sessions"] == 0 and g["contexts"] == 0, f"guest 2 leaves nothing behind ({g})")
    if 3 in destroyed:
        g = destroyed[3]
        c.check(g["contexts"] >= 2 and g["sessions"] >= 1 and g["shm"] >= 1,
                f"guest 3's destruction drops its holder and supplicant ({g})")
    guest_of = {e["ctx"]: e["guest"] for e in tc.named(events, D + "context_open")}
    supp = supplicant_contexts(events)
    c.check(sorted(guest_of[ctx] for ctx in supp) == [2, 3], "each guest runs its own supplicant")
    for f in rpc_flows(events):
        if f["pick"]:
            c.check(guest_of.get(f["pick"]["ctx"]) == f["end"]["guest"],
                    f"an RPC of guest {f['end']['guest']} is served by that guest's supplicant")
    for e in events:
        if e["name"].startswith(D + "optee_") and e.get("ctx") in guest_of and e["name"] != D + "optee_rpc_begin":
            c.check(e["guest"] == guest_of[e["ctx"]], f"{e['name']} carries its context's guest")
    waits = tc.named(events, D + "optee_wait_begin")
    c.check(len(waits) >= 3 and all(w["reason"] == "guest_limit" and w["guest"] == 3 for w in waits),
            f"guest 3's calls wait at the mediator's limit ({[(w['guest'], w['reason']) for w in waits]})")
    hello = [s for s in sessions(events) if s["uuid"] == HELLO_WORLD]
    c.check(len(hello) == 1 and guest_of[hello[0]["ctx"]] == 2, "guest 2 runs hello_world")
    c.check(any(f["cmd"] == FS and f["end"]["guest"] == 2 for f in rpc_flows(events)),
            "guest 2's secure storage reaches its supplicant's file system")


def import_optee_sessions(db, c, expected):
    """The sessions table: (uuid, guest, end_kind) counts as expected."""
    rows = collections.Counter(db.execute("SELECT uuid, guest, end_kind FROM sessions").fetchall())
    c.check(rows == collections.Counter(expected), f"imported sessions: {dict(rows)}")


def import_optee_clean(db, c):
    no_bad_records(db, c)
    import_optee_sessions(db, c, {(HELLO_WORLD, 0, "closed"): 2, (WORKLOAD, 0, "closed"): 1})
    c.check(not db.execute("SELECT 1 FROM leaks WHERE kind = 'session_not_closed'").fetchall(), "no session leaks")


def import_optee_leaky(db, c):
    no_bad_records(db, c)
    # The quitter's two sessions are closed by the driver when its context is released.
    import_optee_sessions(db, c, {(HELLO_WORLD, 0, "closed_at_release"): 1,
                                  (WORKLOAD, 0, "closed_at_release"): 1, (WORKLOAD, 0, "open_at_end"): 1})
    leaks = db.execute("SELECT class, holders FROM leaks WHERE kind = 'session_not_closed'").fetchall()
    c.check(len(leaks) == 1 and leaks[0][0] == "workload" and leaks[0][1],
            f"the holder's session is a leak held by a live process, named by its TA: {leaks}")
    released = sorted(r[0] for r in db.execute("SELECT class FROM leaks WHERE kind = 'session_closed_at_release'"))
    c.check(released == ["hello_world", "workload"], f"the quitter's sessions are reported closed at release: {released}")


def import_optee_storage(db, c):
    no_bad_records(db, c)
    failed = db.execute("SELECT ret, origin FROM sessions WHERE end_kind = 'failed'").fetchall()
    c.check(failed == [(BUSY, ORIGIN_TEE)], f"the refused session is imported as failed with BUSY: {failed}")


def import_xen(db, c):
    guests = dict(db.execute("SELECT guest, count(*) FROM sessions GROUP BY guest").fetchall())
    c.check(set(guests) == {2, 3}, f"sessions of both guests: {guests}")
    no_bad_records(db, c)
    # The holder's session ends with its guest: the mediator closes it, not the process.
    held = db.execute("SELECT guest FROM sessions WHERE end_kind NOT IN ('closed', 'failed')").fetchall()
    c.check(held == [(3,)], f"only guest 3's holder session outlives its process: {held}")
    ended = db.execute("SELECT end_kind FROM sessions WHERE guest = 3 AND end_kind <> 'closed'").fetchall()
    c.check(ended == [("closed_by_guest_destroy",)], f"... and is closed by the guest's destruction: {ended}")
    leaks = db.execute("SELECT class FROM leaks WHERE kind = 'session_closed_by_guest_destroy'").fetchall()
    c.check(leaks == [("workload",)], f"it is reported as closed by the guest's destruction: {leaks}")


CHECKS = {"clean": check_clean, "leaky": check_leaky, "sharing": check_sharing, "callbacks": check_callbacks,
          "regions": check_regions, "publish": check_publish, "slow": check_slow, "killed": check_killed,
          "load": check_load, "demo": lambda ev, c: None,
          "optee_clean": check_optee_clean, "optee_leaky": check_optee_leaky, "optee_storage": check_optee_storage,
          "optee_contention": check_optee_contention, "optee_panic": check_optee_panic, "xen": check_xen}


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


IMPORT_CHECKS = {"clean": import_clean, "regions": import_regions, "publish": import_publish,
                 "optee_clean": import_optee_clean, "optee_leaky": import_optee_leaky,
                 "optee_storage": import_optee_storage, "xen": import_xen}


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
    if a.scenario in ("killed", "leaky") or a.tee == "optee":
        # Processes without a proc_exit were killed (or outlived the recording).
        exited = {e["vpid"] for e in tc.named(events, U + "proc_exit")}
        killed = scenario_pids(events) - exited
    if a.tee == "optee":
        optee_invariants(events, c, killed_pids=killed)
        tc.check_invariants(without_supplicant_requests(events), c, killed_pids=killed)
    else:
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
