#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Prove that check_kernel_header.py catches drift: run it on mutated copies of the header.

Each mutation must change the text (so that the case is not vacuous), make the checker exit 1,
and make it print a message that names the event (or the field) that drifted.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def event_block(text, name):
    m = re.search(rf"TRACE_EVENT\({name},.*?\n\);\n", text, flags=re.S)
    if not m:
        raise SystemExit(f"check_drift: {name} not found in the header")
    return m


def replace_in_event(name, old, new, count=1):
    def mutate(text):
        m = event_block(text, name)
        block = m.group(0)
        if old not in block:
            raise SystemExit(f"check_drift: {old!r} not found in {name}")
        return text[:m.start()] + block.replace(old, new, count) + text[m.end():]
    return mutate


def drop_event(name):
    def mutate(text):
        m = event_block(text, name)
        return text[:m.start()] + text[m.end():]
    return mutate


def add_event(src, new):
    def mutate(text):
        m = event_block(text, src)
        copy = m.group(0).replace(f"TRACE_EVENT({src},", f"TRACE_EVENT({new},")
        return text[:m.end()] + "\n" + copy + text[m.end():]
    return mutate


def swap_in_event(name, a, b):
    def mutate(text):
        m = event_block(text, name)
        block = m.group(0).replace(a, "\0").replace(b, a).replace("\0", b)
        return text[:m.start()] + block + text[m.end():]
    return mutate


def comment_edit(text):
    return text.replace("Tracepoints of the TEE subsystem", "Trace points of the TEE subsystem", 1)


# (case, mutation, expected text in the output, extra checker arguments)
CASES = [
    ("field removed", replace_in_event("tee_invoke_end", "\t\t__field(s32, ret)\n", ""),
     "tee_invoke_end", []),
    ("fields reordered", swap_in_event("tee_context_open", "__field(u32, impl)", "__field(u32, guest)"),
     "tee_context_open", []),
    ("narrowed type", replace_in_event("tee_context_release", "__field(u64, ctx)", "__field(u32, ctx)"),
     "tee_context_release.ctx", []),
    ("event removed", drop_event("tee_release_done"), "tee_release_done", []),
    ("extra event", add_event("tee_context_release", "tee_context_bogus"), "tee_context_bogus", []),
    ("sequence as fixed array",
     replace_in_event("tee_invoke_begin", "__dynamic_array(u64, obj_in, min_t(u32, obj_in_len, 64))",
                      "__array(u64, obj_in, 64)"),
     "tee_invoke_begin.obj_in", []),
    ("string as scalar", replace_in_event("tee_context_open", "__string(dev, dev)", "__field(u64, dev)"),
     "tee_context_open.dev", []),
    ("uuid too short", replace_in_event("tee_optee_open_begin", "__array(u8, uuid, 16)", "__array(u8, uuid, 8)"),
     "tee_optee_open_begin.uuid", []),
    ("field not assigned", replace_in_event("tee_shm_free", "\t\t__entry->size = size;\n", ""),
     "tee_shm_free.size", []),
    ("field not printed", replace_in_event("tee_handle_unbind", " reason=%s", "", 1),
     "tee_handle_unbind", []),
    ("two-argument __assign_str (strict)", replace_in_event("tee_context_open", "__assign_str(dev);",
                                                            "__assign_str(dev, dev);"),
     "tee_context_open.dev", ["--strict"]),
    ("hand edit caught by the generator comparison", comment_edit, "differs from the generator", ["--generator"]),
]


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--contract", required=True)
    ap.add_argument("--header", required=True)
    ap.add_argument("--generator", required=True)
    a = ap.parse_args()
    with open(a.header, encoding="utf-8") as fh:
        original = fh.read()
    checker = os.path.join(HERE, "check_kernel_header.py")
    passed = failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        # The unmutated header must pass, or every case below would pass for the wrong reason.
        base = subprocess.run([sys.executable, checker, "--contract", a.contract, "--header", a.header],
                              capture_output=True, text=True)
        if base.returncode != 0:
            print(base.stdout + base.stderr)
            print("check_drift: the committed header itself fails; fix it first")
            print("0 passed, 1 failed")
            return 1
        for name, mutate, expect, extra in CASES:
            mutated = mutate(original)
            if mutated == original:
                print(f"FAIL {name}: the mutation changed nothing")
                failed += 1
                continue
            path = os.path.join(tmp, "tee.h")
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(mutated)
            args = [sys.executable, checker, "--contract", a.contract, "--header", path]
            for x in extra:
                args += [x] if x != "--generator" else ["--generator", a.generator]
            run = subprocess.run(args, capture_output=True, text=True)
            out = run.stdout + run.stderr
            if run.returncode == 1 and expect in out:
                print(f"ok   {name}: caught ({expect})")
                passed += 1
            else:
                print(f"FAIL {name}: exit {run.returncode}, expected 1 and a message naming {expect!r}")
                print("     " + out.replace("\n", "\n     "))
                failed += 1
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
