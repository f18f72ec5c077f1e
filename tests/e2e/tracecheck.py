# SPDX-License-Identifier: MIT
"""Reads a CTF trace through babeltrace2's text output and checks what it holds.

Every event becomes a dict: 'name' ("teescope_drv:invoke_begin"), 'ts' (ns), the context fields
(vpid, vtid, procname) and the payload fields; enums become their label, arrays lists.
"""
import re
import subprocess

LINE = re.compile(r"^\[(\d+)\] (\S+) (\S+): (.*)$")


class ParseError(Exception):
    pass


class _Values:
    """Recursive-descent parser of babeltrace2's `{ a = 1, b = "x", c = [ [0] = 1 ] }` syntax."""

    def __init__(self, text):
        self.s = text
        self.i = 0

    def ws(self):
        while self.i < len(self.s) and self.s[self.i] == " ":
            self.i += 1

    def expect(self, token):
        self.ws()
        if not self.s.startswith(token, self.i):
            raise ParseError(f"expected {token!r} at {self.i}: {self.s[self.i:self.i + 40]!r}")
        self.i += len(token)

    def peek(self, token):
        self.ws()
        return self.s.startswith(token, self.i)

    def struct(self):
        self.expect("{")
        out = {}
        if self.peek("}"):
            self.i += 1
            return out
        while True:
            self.ws()
            m = re.compile(r"[A-Za-z_][A-Za-z0-9_]*").match(self.s, self.i)
            if not m:
                raise ParseError(f"field name expected at {self.i}")
            self.i = m.end()
            self.expect("=")
            out[m.group(0)] = self.value()
            if self.peek(","):
                self.i += 1
                continue
            self.expect("}")
            return out

    def value(self):
        self.ws()
        c = self.s[self.i]
        if c == "{":
            return self.struct()
        if c == "[":
            self.i += 1
            items = []
            if self.peek("]"):
                self.i += 1
                return items
            while True:
                self.ws()
                m = re.compile(r"\[\d+\] = ").match(self.s, self.i)
                if not m:
                    raise ParseError(f"array item expected at {self.i}")
                self.i = m.end()
                items.append(self.value())
                if self.peek(","):
                    self.i += 1
                    continue
                self.expect("]")
                return items
        if c == "(":
            # enum: ( "label" : container = 1 )  or  ( <unknown> : container = 7 )
            end = self.s.index(")", self.i)
            inner = self.s[self.i + 1:end]
            self.i = end + 1
            m = re.search(r'"([^"]*)"', inner)
            return m.group(1) if m else int(inner.rsplit("=", 1)[1])
        if c == '"':
            j = self.i + 1
            buf = []
            while self.s[j] != '"':
                if self.s[j] == "\\":
                    j += 1
                buf.append(self.s[j])
                j += 1
            self.i = j + 1
            return "".join(buf)
        m = re.compile(r"-?0x[0-9a-fA-F]+|-?\d+(\.\d+)?").match(self.s, self.i)
        if not m:
            raise ParseError(f"value expected at {self.i}: {self.s[self.i:self.i + 40]!r}")
        self.i = m.end()
        t = m.group(0)
        return int(t, 16) if "0x" in t else (float(t) if "." in t else int(t))


def parse_line(line):
    m = LINE.match(line)
    if not m:
        return None
    ts, _host, name, rest = m.groups()
    p = _Values(rest)
    event = {"name": name, "ts": int(ts)}
    while True:
        event.update(p.struct())
        if p.peek(","):
            p.i += 1
            continue
        break
    return event


def read_trace(trace_dir):
    """All events of the trace in time order, plus babeltrace2's warnings (data loss)."""
    r = subprocess.run(["babeltrace2", "--clock-cycles", "--no-delta", trace_dir],
                       capture_output=True, text=True, check=False)
    if r.returncode != 0:
        raise RuntimeError(f"babeltrace2 {trace_dir} failed: {r.stderr[-2000:]}")
    events = []
    for line in r.stdout.splitlines():
        e = parse_line(line)
        if e is not None:
            events.append(e)
    return events, [w for w in r.stderr.splitlines() if "discarded" in w]


def named(events, name):
    return [e for e in events if e["name"] == name]


class Checker:
    """Collects failed expectations instead of stopping at the first one."""

    def __init__(self):
        self.failures = []
        self.passed = 0

    def check(self, ok, what):
        if ok:
            self.passed += 1
        else:
            self.failures.append(what)
        return ok

    def report(self, title):
        for f in self.failures:
            print(f"FAIL: {f}")
        print(f"{title}: {self.passed} passed, {len(self.failures)} failed")
        return 0 if not self.failures else 1


def check_invariants(events, c, killed_pids=()):
    """Rules every teescope trace obeys, whatever the workload."""
    D, U = "teescope_drv:", "teescope_user:"
    # Driver invocations: one end per begin, on the same thread, after it.
    begins = {}
    for e in events:
        if e["name"] == D + "invoke_begin":
            c.check(e["invocation"] not in begins, f"invocation serial {e['invocation']} begins twice")
            begins[e["invocation"]] = e
        elif e["name"] == D + "invoke_end":
            b = begins.pop(e["invocation"], None)
            if c.check(b is not None, f"invoke_end of unknown invocation {e['invocation']}"):
                c.check(b["tid"] == e["tid"], f"invocation {e['invocation']} ends on another thread")
    for serial, b in begins.items():
        c.check(b["pid"] in killed_pids, f"invocation {serial} of pid {b['pid']} never ends")
    # User-side calls: begin/end pairs per process and serial.
    open_calls = {}
    for e in events:
        n = e["name"]
        if n.startswith(U) and n.endswith("_begin"):
            open_calls[(e["vpid"], e["serial"])] = e
        elif n.startswith(U) and n.endswith("_end") and "serial" in e:
            c.check(open_calls.pop((e["vpid"], e["serial"]), None) is not None,
                    f"{n} of vpid {e['vpid']} serial {e['serial']} without begin")
    for (vpid, serial), b in open_calls.items():
        # A supplicant parked in SUPPL_RECV when the process ends has no end: fine.
        c.check(vpid in killed_pids or b["name"] == U + "supp_recv_begin",
                f"{b['name']} of vpid {vpid} serial {serial} never ends")
    # Handles: a (context, handle) is bound to one object at a time.
    bound = {}
    for e in events:
        if e["name"] == D + "handle_bind":
            key = (e["ctx"], e["handle"])
            c.check(key not in bound, f"handle {key} bound twice")
            bound[key] = e["object"]
        elif e["name"] == D + "handle_unbind":
            key = (e["ctx"], e["handle"])
            c.check(bound.pop(key, None) == e["object"], f"handle {key} unbound but not bound to {e['object']:#x}")
    # Object addresses: created, freed, only then reused.
    live = {}
    for e in events:
        if e["name"] == D + "object_create":
            c.check(e["object"] not in live, f"object address {e['object']:#x} created while live")
            live[e["object"]] = e
        elif e["name"] == D + "object_free":
            c.check(live.pop(e["object"], None) is not None, f"object {e['object']:#x} freed but not live")
    # Contexts: opened before anything happens in them, closed once.
    opened, closed = set(), set()
    for e in events:
        if e["name"] == D + "context_open":
            opened.add(e["ctx"])
        elif e["name"].startswith(D) and e.get("ctx"):
            c.check(e["ctx"] in opened, f"{e['name']} in context {e['ctx']} before it was opened")
            if e["name"] == D + "context_close":
                c.check(e["ctx"] not in closed, f"context {e['ctx']} closed twice")
                closed.add(e["ctx"])
    # Callback requests: queued → picked → answered, or abandoned; ids unique while pending.
    pending = {}
    for e in events:
        key = (e.get("ctx"), e.get("request"))
        if e["name"] == D + "request_queue":
            c.check(key not in pending, f"request {key} queued twice")
            pending[key] = ["queued", e]
        elif e["name"] == D + "request_pick":
            st = pending.get(key)
            if c.check(st is not None and st[0] == "queued", f"request {key} picked but not queued"):
                if st[1]["op"] == 0xFFFF:
                    del pending[key]  # a RELEASE request is done once delivered
                else:
                    st[0] = "picked"
        elif e["name"] == D + "request_answer":
            if e["err"] == 0:
                st = pending.pop(key, None)
                c.check(st is not None and st[0] == "picked", f"request {key} answered but not picked")
        elif e["name"] == D + "request_abandon":
            c.check(pending.pop(key, None) is not None, f"request {key} abandoned but not pending")
    return c
