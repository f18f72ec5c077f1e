#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Check the event contract (schemas/events.json) by its own rules.

  check_contract.py --contract schemas/events.json --generator schemas/gen_events.py --doc schemas/events.md

- the generator accepts it (gen_events.py --check exits 0),
- the committed event reference (events.md) equals what the generator writes today,
- and, read here independently of the generator: every event says when it fires, every field
  and enum value has a doc, names are identifiers and not C keywords, nothing is defined twice,
  every type and enum a field uses exists, every driver-side event starts with pid, tid, and a
  provider's process fields are documented integers read from a named environment variable.
"""
import argparse
import difflib
import json
import os
import re
import subprocess
import sys
import tempfile

IDENT = re.compile(r"^[a-z][a-z0-9_]*$")
# Field names become C struct members and macro arguments in the generated code.
C_WORDS = {"auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else",
           "enum", "extern", "float", "for", "goto", "if", "inline", "int", "long", "register",
           "restrict", "return", "short", "signed", "sizeof", "static", "struct", "switch",
           "typedef", "union", "unsigned", "void", "volatile", "while", "bool", "true", "false",
           "class", "new", "delete", "this", "template", "namespace", "operator", "private",
           "public", "protected", "virtual", "entry", "__entry", "__data"}
DRIVER_CALLER = [("pid", "s32"), ("tid", "s32")]


def rules(c):
    """Return the list of broken rules, each naming the event, field or enum concerned."""
    out = []
    for key in ("version", "types", "providers", "enums", "events"):
        if key not in c:
            out.append(f"contract: no '{key}'")
    if out:
        return out
    types = set(c["types"])
    providers = {}
    for p in c["providers"]:
        name = p.get("name", "?")
        if name in providers:
            out.append(f"provider {name}: defined twice")
        providers[name] = p
        if p.get("layer") not in ("driver", "user"):
            out.append(f"provider {name}: layer must be driver or user, is {p.get('layer')!r}")
        if not p.get("doc"):
            out.append(f"provider {name}: no doc")
        for f in p.get("caller_fields", []):
            if not f.get("doc"):
                out.append(f"provider {name}: caller field {f.get('name')} has no doc")
        for f in p.get("process_fields", []):
            fw = f"provider {name}: process field {f.get('name')}"
            if not IDENT.match(str(f.get("name", ""))) or f.get("name") in C_WORDS:
                out.append(f"{fw}: bad name")
            if f.get("type") not in ("u8", "u16", "u32", "u64", "s32", "s64", "x32", "x64"):
                out.append(f"{fw}: must be an integer, is {f.get('type')!r}")
            if not f.get("doc"):
                out.append(f"{fw}: no doc")
            if not re.match(r"^[A-Z][A-Z0-9_]*$", str(f.get("env", ""))):
                out.append(f"{fw}: does not name the environment variable it comes from")
        if p.get("layer") == "driver":
            got = [(f.get("name"), f.get("type")) for f in p.get("caller_fields", [])]
            if got[:2] != DRIVER_CALLER:
                out.append(f"provider {name}: driver events must start with pid, tid (s32), "
                           f"caller fields are {got}")
    enums = {}
    for en in c["enums"]:
        name = en.get("name", "?")
        if name in enums:
            out.append(f"enum {name}: defined twice")
        enums[name] = en
        if not en.get("doc"):
            out.append(f"enum {name}: no doc")
        seen_names, seen_values = set(), set()
        for v in en.get("values", []):
            if len(v) != 3:
                out.append(f"enum {name}: value {v!r} is not [name, number, doc]")
                continue
            vname, value, doc = v
            if not IDENT.match(str(vname)):
                out.append(f"enum {name}: bad value name {vname!r}")
            if vname in seen_names or value in seen_values:
                out.append(f"enum {name}: value {vname}={value} defined twice")
            seen_names.add(vname)
            seen_values.add(value)
            if not isinstance(value, int):
                out.append(f"enum {name}.{vname}: value is not an integer")
            if not doc:
                out.append(f"enum {name}.{vname}: no doc")
    seen_events = set()
    for e in c["events"]:
        where = f'{e.get("provider")}:{e.get("name")}'
        p = providers.get(e.get("provider"))
        if p is None:
            out.append(f"{where}: unknown provider")
            continue
        if not IDENT.match(str(e.get("name", ""))):
            out.append(f"{where}: bad event name")
        if (e.get("provider"), e.get("name")) in seen_events:
            out.append(f"{where}: defined twice")
        seen_events.add((e.get("provider"), e.get("name")))
        fires = e.get("fires", "")
        if not isinstance(fires, str) or not fires.strip():
            out.append(f"{where}: does not say when it fires")
        if "fields" not in e:
            out.append(f"{where}: no fields list")
            continue
        fields = list(p.get("caller_fields", [])) + list(e["fields"])
        names = {f.get("name") for f in p.get("process_fields", [])}
        for f in fields:
            fname = f.get("name", "")
            fw = f"{where}.{fname}"
            if not IDENT.match(fname):
                out.append(f"{where}: bad field name {fname!r}")
            if fname in C_WORDS:
                out.append(f"{fw}: field name is a C/C++ keyword or a TRACE_EVENT macro name")
            if fname in names:
                out.append(f"{fw}: field defined twice (caller and process fields included)")
            names.add(fname)
            if f.get("type") not in types:
                out.append(f"{fw}: unknown type {f.get('type')!r}")
            if f.get("type") == "enum" and f.get("enum") not in enums:
                out.append(f"{fw}: unknown enum {f.get('enum')!r}")
            if f.get("type") != "enum" and "enum" in f:
                out.append(f"{fw}: names an enum but its type is {f.get('type')}")
            if not f.get("doc"):
                out.append(f"{fw}: no doc")
        for f in fields:
            if str(f.get("type", "")).startswith("seq_") and f.get("name", "") + "_len" in names:
                out.append(f"{where}.{f['name']}: clashes with the length field {f['name']}_len")
        if p.get("layer") == "driver":
            first = [(f.get("name"), f.get("type")) for f in fields[:2]]
            if first != DRIVER_CALLER:
                out.append(f"{where}: a driver event must start with pid, tid; starts with {first}")
    return out


def run_generator(generator, contract_path, *args):
    return subprocess.run([sys.executable, generator, "--contract", contract_path, *args],
                          capture_output=True, text=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--contract", required=True)
    ap.add_argument("--generator", required=True)
    ap.add_argument("--doc", required=True, help="the committed events.md")
    a = ap.parse_args()
    passed = failed = 0

    def report(name, problems):
        nonlocal passed, failed
        if problems:
            failed += 1
            print(f"FAIL {name}")
            for p in problems:
                print(f"     {p}")
        else:
            passed += 1
            print(f"ok   {name}")

    run = run_generator(a.generator, a.contract, "--check")
    report("gen_events.py --check accepts the contract",
           [] if run.returncode == 0 else [f"exit {run.returncode}: {run.stderr.strip()}"])

    with tempfile.TemporaryDirectory() as tmp:
        fresh_path = os.path.join(tmp, "events.md")
        run = run_generator(a.generator, a.contract, "--doc", fresh_path)
        problems = []
        if run.returncode != 0:
            problems.append(f"gen_events.py --doc failed: {run.stderr.strip()}")
        else:
            with open(fresh_path, encoding="utf-8") as fh:
                fresh = fh.read()
            try:
                with open(a.doc, encoding="utf-8") as fh:
                    committed = fh.read()
            except OSError as err:
                committed = None
                problems.append(f"cannot read {a.doc}: {err}")
            if committed is not None and committed != fresh:
                diff = list(difflib.unified_diff(committed.splitlines(), fresh.splitlines(),
                                                 "committed events.md", "generated events.md",
                                                 lineterm="", n=1))
                problems.append("events.md is stale (regenerate with gen_events.py --doc):")
                problems += diff[:40]
        report("events.md is up to date", problems)

    try:
        with open(a.contract, encoding="utf-8") as fh:
            contract = json.load(fh)
        problems = rules(contract)
    except (OSError, ValueError) as err:
        problems = [f"cannot read the contract: {err}"]
    report("the contract's own rules hold", problems)

    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
