#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Feed gen_events.py broken copies of the contract: each must be refused with a clear message.

A refusal means: a non-zero exit, a message on stderr that names the event concerned, and no
Python traceback. Every mutation is also checked by check_contract.rules(), so the independent
rule reader and the generator agree on what a broken contract is.
"""
import argparse
import copy
import json
import os
import subprocess
import sys
import tempfile

# Keep the source tree free of __pycache__ when ctest runs this from it.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_contract import rules  # noqa: E402


def find_event(c, provider, name):
    for e in c["events"]:
        if e["provider"] == provider and e["name"] == name:
            return e
    raise SystemExit(f"check_bad_contracts: {provider}:{name} is not in the contract")


def field(e, name):
    for f in e["fields"]:
        if f["name"] == name:
            return f
    raise SystemExit(f"check_bad_contracts: {e['name']} has no field {name}")


def missing_doc(c):
    del field(find_event(c, "teescope_drv", "invoke_end"), "ret")["doc"]
    return "invoke_end"


def empty_doc(c):
    field(find_event(c, "teescope_user", "version"), "impl")["doc"] = ""
    return "version"


def duplicate_field(c):
    e = find_event(c, "teescope_drv", "shm_alloc")
    e["fields"].append(dict(field(e, "size")))
    return "shm_alloc"


def duplicate_caller_field(c):
    find_event(c, "teescope_drv", "object_free")["fields"].append(
        {"name": "tid", "type": "s32", "doc": "clashes with the caller field"})
    return "object_free"


def unknown_enum(c):
    field(find_event(c, "teescope_drv", "handle_unbind"), "reason")["enum"] = "unbind_cause"
    return "handle_unbind"


def unknown_type(c):
    field(find_event(c, "teescope_user", "cancel"), "cancel_id")["type"] = "u24"
    return "cancel"


def no_fires(c):
    find_event(c, "teescope_drv", "request_pick")["fires"] = ""
    return "request_pick"


def duplicate_event(c):
    c["events"].append(copy.deepcopy(find_event(c, "teescope_drv", "context_release")))
    return "context_release"


def seq_length_clash(c):
    e = find_event(c, "teescope_drv", "invoke_end")
    e["fields"].insert(0, {"name": "obj_out_len", "type": "u32", "doc": "clashes with the sequence length"})
    return "invoke_end"


def seq_length_clash_after(c):
    find_event(c, "teescope_drv", "invoke_end")["fields"].append(
        {"name": "obj_out_len", "type": "u32", "doc": "clashes with the sequence length"})
    return "invoke_end"


def process_field_not_integer(c):
    next(p for p in c["providers"] if p["name"] == "teescope_user")["process_fields"][0]["type"] = "string"
    return "recording"


def process_field_without_variable(c):
    del next(p for p in c["providers"] if p["name"] == "teescope_drv")["process_fields"][0]["env"]
    return "recording"


def field_named_like_a_process_field(c):
    find_event(c, "teescope_user", "cancel")["fields"].append(
        {"name": "recording", "type": "u64", "doc": "clashes with the process field"})
    return "cancel"


CASES = [("field without doc", missing_doc), ("field with empty doc", empty_doc),
         ("duplicate field", duplicate_field), ("field named like a caller field", duplicate_caller_field),
         ("unknown enum", unknown_enum), ("unknown type", unknown_type),
         ("event without 'fires'", no_fires), ("event defined twice", duplicate_event),
         ("sequence length clash", seq_length_clash),
         ("process field that is not an integer", process_field_not_integer),
         ("process field without its environment variable", process_field_without_variable),
         ("field named like a process field", field_named_like_a_process_field)]
# Broken contracts that gen_events.py still accepts today: reported, not counted, so that a fix
# in the generator shows up here (then move the case into CASES).
KNOWN_GAPS = []
CASES.append(("sequence length field declared after the sequence", seq_length_clash_after))


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--contract", required=True)
    ap.add_argument("--generator", required=True)
    a = ap.parse_args()
    with open(a.contract, encoding="utf-8") as fh:
        original = json.load(fh)
    passed = failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "events.json")
        for name, mutate in CASES + KNOWN_GAPS:
            known_gap = (name, mutate) in KNOWN_GAPS
            c = copy.deepcopy(original)
            event = mutate(c)
            with open(path, "w", encoding="utf-8") as fh:
                json.dump(c, fh, indent=1)
            run = subprocess.run([sys.executable, a.generator, "--contract", path, "--check"],
                                 capture_output=True, text=True)
            msg = (run.stdout + run.stderr).strip()
            own = [r for r in rules(c) if event in r]
            problems = []
            if run.returncode == 0:
                problems.append("gen_events.py accepted it")
            if event not in run.stderr:
                problems.append(f"the message does not name {event}: {msg!r}")
            if "Traceback" in msg:
                problems.append("gen_events.py crashed instead of reporting")
            if not own:
                problems.append(f"check_contract.rules() did not flag {event}")
            if known_gap:
                print(f"gap  {name}: " + ("; ".join(problems) if problems else
                                          "now refused: move it from KNOWN_GAPS to CASES"))
            elif problems:
                failed += 1
                print(f"FAIL {name}: " + "; ".join(problems))
            else:
                passed += 1
                print(f"ok   {name}: {run.stderr.strip()}")
        # Not JSON at all: refused with a message naming the file, without a traceback.
        with open(path, "w", encoding="utf-8") as fh:
            fh.write('{"version": 1, "events": [')
        run = subprocess.run([sys.executable, a.generator, "--contract", path, "--check"],
                             capture_output=True, text=True)
        if run.returncode != 0 and path in run.stderr and "Traceback" not in run.stderr:
            passed += 1
            print(f"ok   truncated JSON: {run.stderr.strip()}")
        else:
            failed += 1
            print(f"FAIL truncated JSON: exit {run.returncode}: {run.stderr.strip()}")
    # The unmutated contract must be accepted, or the cases above prove nothing.
    run = subprocess.run([sys.executable, a.generator, "--contract", a.contract, "--check"],
                         capture_output=True, text=True)
    if run.returncode == 0 and not rules(original):
        passed += 1
        print("ok   the committed contract is accepted")
    else:
        failed += 1
        print(f"FAIL the committed contract is refused: {run.stderr.strip()} {rules(original)}")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
