#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Check the kernel TRACE_EVENT header against the event contract.

  check_kernel_header.py --contract schemas/events.json \
      --header tracer/kernel/include/trace/events/tee.h [--generator schemas/gen_events.py] [--strict]

The header is parsed on its own terms (a small C-macro reader, not the generator's code), so a
hand edit, a stale copy or a generator bug all show up. For every driver-side event of the
contract there must be a TRACE_EVENT (or a DEFINE_EVENT of a DECLARE_EVENT_CLASS) named
tee_<name> whose TP_STRUCT__entry has the contract's fields, caller fields first, in the same
order, with compatible kinds, and nothing else; TP_PROTO must carry the same values; every field
must be assigned and printed. With --generator, the committed header must also equal the
generator's output. Kernel build constraints that do not change the layout (at most 12 TP_PROTO
arguments because of include/trace/bpf_probe.h, single-argument __assign_str since 6.10) are
reported as warnings, or as errors with --strict.

Exit status: 0 when everything matches, 1 when something differs (each difference is printed),
2 when an input cannot be read.
"""
import argparse
import difflib
import json
import os
import re
import subprocess
import sys
import tempfile

# The BPF raw-tracepoint glue (include/trace/bpf_probe.h) casts at most 12 arguments.
MAX_TP_ARGS = 12

# Contract type -> accepted TP_STRUCT__entry kinds: (macro, accepted C types).
SCALAR_TYPES = {
    "u8": {"u8", "__u8", "unsigned char"},
    "u16": {"u16", "__u16", "unsigned short"},
    "u32": {"u32", "__u32", "unsigned int"},
    "x32": {"u32", "__u32", "unsigned int"},
    "u64": {"u64", "__u64", "unsigned long long"},
    "x64": {"u64", "__u64", "unsigned long long"},
    "s32": {"s32", "__s32", "int", "pid_t"},
    "s64": {"s64", "__s64", "long long"},
    "enum": {"int", "s32", "__s32"},
}
SEQ_ELEM = {"seq_u64": {"u64", "__u64"}, "seq_u8": {"u8", "__u8"}}
# TP_PROTO types accepted for each contract type (pointers for strings, uuids and sequences).
PROTO_TYPES = {
    "string": {"const char *", "char *"},
    "uuid": {"const u8 *", "u8 *", "const uuid_t *", "const unsigned char *"},
    "seq_u64": {"const u64 *", "u64 *"},
    "seq_u8": {"const u8 *", "u8 *"},
}
# Four argument counts may be passed packed into one u32 (8 bits each) to stay within MAX_TP_ARGS.
PACKED_COUNTS = ("bi", "bo", "oi", "oo")


class HeaderError(Exception):
    pass


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", " ", text)


def balanced(text, start):
    """Return (inside, end) of the parenthesised group that opens at text[start] == '('."""
    if start >= len(text) or text[start] != "(":
        raise HeaderError(f"expected '(' at offset {start}")
    depth, i, quote = 0, start, None
    while i < len(text):
        c = text[i]
        if quote:
            if c == "\\":
                i += 2
                continue
            if c == quote:
                quote = None
        elif c in "\"'":
            quote = c
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return text[start + 1:i], i + 1
        i += 1
    raise HeaderError(f"unbalanced parenthesis from offset {start}")


def split_top(text, sep=","):
    """Split on sep at nesting depth 0, outside string literals."""
    parts, depth, cur, quote, i = [], 0, [], None, 0
    while i < len(text):
        c = text[i]
        if quote:
            cur.append(c)
            if c == "\\" and i + 1 < len(text):
                cur.append(text[i + 1])
                i += 2
                continue
            if c == quote:
                quote = None
        elif c in "\"'":
            quote = c
            cur.append(c)
        elif c in "([{":
            depth += 1
            cur.append(c)
        elif c in ")]}":
            depth -= 1
            cur.append(c)
        elif c == sep and depth == 0:
            parts.append("".join(cur).strip())
            cur = []
        else:
            cur.append(c)
        i += 1
    tail = "".join(cur).strip()
    if tail:
        parts.append(tail)
    return parts


def macro_body(part, name):
    """'TP_PROTO(a, b)' -> 'a, b' for the given macro name."""
    m = re.match(rf"\s*{name}\s*\(", part)
    if not m:
        raise HeaderError(f"expected {name}(...), found {part[:40]!r}")
    inside, end = balanced(part, m.end() - 1)
    if part[end:].strip():
        raise HeaderError(f"unexpected text after {name}(...): {part[end:end + 30]!r}")
    return inside


def parse_proto(body):
    args = []
    for a in split_top(body):
        if a in ("", "void"):
            continue
        m = re.match(r"^(.*?)(\w+)$", a.strip(), flags=re.S)
        if not m:
            raise HeaderError(f"cannot read TP_PROTO argument {a!r}")
        ctype = re.sub(r"\s+", " ", m.group(1)).strip()
        ctype = re.sub(r"\s*\*\s*", " *", ctype).strip()
        args.append((ctype, m.group(2)))
    return args


def parse_entry(body):
    """TP_STRUCT__entry body -> [(macro, name, type, extra)]."""
    fields = []
    rest = body.strip()
    while rest:
        m = re.match(r"(__field|__field_ext|__field_struct|__array|__dynamic_array|__string|"
                     r"__string_len|__bitmask|__cpumask|__vstring)\s*\(", rest)
        if not m:
            raise HeaderError(f"unknown TP_STRUCT__entry item {rest[:40]!r}")
        inside, end = balanced(rest, m.end() - 1)
        args = split_top(inside)
        macro = m.group(1)
        if macro in ("__field", "__field_ext", "__field_struct"):
            fields.append((macro, args[1], re.sub(r"\s+", " ", args[0]), args[2:]))
        elif macro in ("__array", "__dynamic_array"):
            fields.append((macro, args[1], re.sub(r"\s+", " ", args[0]), args[2:]))
        else:
            fields.append((macro, args[0], None, args[1:]))
        rest = rest[end:].lstrip().lstrip(";").lstrip()
    return fields


def parse_printk(body):
    parts = split_top(body)
    if not parts:
        raise HeaderError("empty TP_printk")
    fmt = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', parts[0]))
    return fmt, parts[1:]


def parse_header(text):
    """Return {event name: {'proto', 'entry', 'assign', 'fmt', 'fargs', 'class'}}."""
    text = strip_comments(text)
    classes, events = {}, {}
    for m in re.finditer(r"\b(TRACE_EVENT|DECLARE_EVENT_CLASS|DEFINE_EVENT)\s*\(", text):
        # Skip the macro names that appear inside #define lines of other headers.
        line_start = text.rfind("\n", 0, m.start()) + 1
        if text[line_start:m.start()].strip().startswith("#"):
            continue
        inside, _ = balanced(text, m.end() - 1)
        parts = split_top(inside)
        kind = m.group(1)
        if kind == "DEFINE_EVENT":
            if len(parts) != 4:
                raise HeaderError(f"DEFINE_EVENT({parts[:2]}) needs 4 arguments, has {len(parts)}")
            cls, name = parts[0], parts[1]
            if cls not in classes:
                raise HeaderError(f"DEFINE_EVENT {name}: unknown event class {cls}")
            ev = dict(classes[cls])
            ev["proto"] = parse_proto(macro_body(parts[2], "TP_PROTO"))
            ev["class"] = cls
        else:
            if len(parts) != 6:
                raise HeaderError(f"{kind}({parts[0] if parts else '?'}) needs 6 arguments, "
                                  f"has {len(parts)}")
            name = parts[0]
            fmt, fargs = parse_printk(macro_body(parts[5], "TP_printk"))
            ev = {"proto": parse_proto(macro_body(parts[1], "TP_PROTO")),
                  "args": [a.strip() for a in split_top(macro_body(parts[2], "TP_ARGS"))],
                  "entry": parse_entry(macro_body(parts[3], "TP_STRUCT__entry")),
                  "assign": macro_body(parts[4], "TP_fast_assign"),
                  "fmt": fmt, "fargs": fargs, "class": None}
            if kind == "DECLARE_EVENT_CLASS":
                classes[name] = ev
                continue
        if name in events:
            raise HeaderError(f"event {name} defined twice")
        events[name] = ev
    return events


def contract_driver_events(contract):
    layers = {p["name"]: p for p in contract["providers"]}
    out = []
    for e in contract["events"]:
        p = layers.get(e["provider"])
        if p is None or p.get("layer") != "driver":
            continue
        out.append((e["name"], list(p.get("caller_fields", [])) + list(e["fields"])))
    return out


def expected_proto(fields):
    """Contract fields -> [(name, contract type)] of the values TP_PROTO must carry."""
    out = []
    for f in fields:
        out.append((f["name"], f["type"]))
        if f["type"] in SEQ_ELEM:
            out.append((f["name"] + "_len", "u32"))
    return out


def proto_type_ok(ctype, ftype):
    if ftype in PROTO_TYPES:
        return ctype in PROTO_TYPES[ftype]
    return ctype in SCALAR_TYPES.get(ftype, set())


def check_proto(ev_name, proto, fields, problems, warnings):
    want = expected_proto(fields)
    names = [n for _, n in proto]
    # Accept the packed form: one 'u32 counts' in place of bi, bo, oi, oo.
    if "counts" in names and all(c not in names for c in PACKED_COUNTS):
        want_names = [n for n, _ in want]
        if all(c in want_names for c in PACKED_COUNTS):
            at = want_names.index(PACKED_COUNTS[0])
            want = [w for w in want if w[0] not in PACKED_COUNTS]
            want.insert(at, ("counts", "u32"))
    if [n for n, _ in want] != names:
        problems.append(f"{ev_name}: TP_PROTO arguments {names} differ from the contract's "
                        f"{[n for n, _ in want]}")
    else:
        for (ctype, n), (_, ftype) in zip(proto, want):
            if not proto_type_ok(ctype, ftype):
                problems.append(f"{ev_name}: TP_PROTO argument {n} has type '{ctype}', "
                                f"incompatible with contract type {ftype}")
    if len(proto) > MAX_TP_ARGS:
        warnings.append(f"{ev_name}: TP_PROTO has {len(proto)} arguments; include/trace/bpf_probe.h "
                        f"casts at most {MAX_TP_ARGS}, so the kernel fails to build with "
                        f"CONFIG_BPF_EVENTS=y")


def check_entry(ev_name, entry, fields, problems):
    got = [n for _, n, _, _ in entry]
    want = [f["name"] for f in fields]
    if got != want:
        missing = [n for n in want if n not in got]
        extra = [n for n in got if n not in want]
        detail = []
        if missing:
            detail.append(f"missing {missing}")
        if extra:
            detail.append(f"not in the contract {extra}")
        if not missing and not extra:
            detail.append("order differs")
        problems.append(f"{ev_name}: TP_STRUCT__entry fields {got} differ from the contract's "
                        f"{want} ({'; '.join(detail)})")
    by_name = {n: (macro, ctype, extra) for macro, n, ctype, extra in entry}
    for f in fields:
        if f["name"] not in by_name:
            continue
        macro, ctype, extra = by_name[f["name"]]
        t = f["type"]
        where = f"{ev_name}.{f['name']}"
        if t in SCALAR_TYPES:
            if macro != "__field" or ctype not in SCALAR_TYPES[t]:
                problems.append(f"{where}: contract type {t} needs __field({'|'.join(sorted(SCALAR_TYPES[t]))}, "
                                f"{f['name']}), header has {macro}({ctype})")
        elif t == "string":
            if macro != "__string":
                problems.append(f"{where}: contract type string needs __string, header has {macro}")
        elif t == "uuid":
            if macro != "__array" or ctype not in ("u8", "__u8") or not extra or extra[0] != "16":
                problems.append(f"{where}: contract type uuid needs __array(u8, {f['name']}, 16), "
                                f"header has {macro}({ctype}, {', '.join(extra)})")
        elif t in SEQ_ELEM:
            if macro != "__dynamic_array" or ctype not in SEQ_ELEM[t]:
                problems.append(f"{where}: contract type {t} needs __dynamic_array"
                                f"({'|'.join(sorted(SEQ_ELEM[t]))}, ...), header has {macro}({ctype})")
        else:
            problems.append(f"{where}: unknown contract type {t}")


def check_assign(ev_name, ev, fields, problems, warnings):
    assign = ev["assign"]
    for f in fields:
        n, t = f["name"], f["type"]
        if t == "string":
            if re.search(rf"__assign_str\s*\(\s*{n}\s*,", assign):
                warnings.append(f"{ev_name}.{n}: two-argument __assign_str is the pre-6.10 form; "
                                f"Linux 6.18 takes only the field name")
            elif not re.search(rf"__assign_str\s*\(\s*{n}\s*\)", assign):
                problems.append(f"{ev_name}.{n}: never assigned (__assign_str({n}))")
        elif t in SEQ_ELEM:
            if not re.search(rf"__get_dynamic_array\s*\(\s*{n}\s*\)", assign):
                problems.append(f"{ev_name}.{n}: dynamic array never filled in TP_fast_assign")
        elif not re.search(rf"__entry\s*->\s*{n}\b", assign):
            problems.append(f"{ev_name}.{n}: never assigned in TP_fast_assign")


def count_conversions(fmt):
    return len(re.findall(r"%(?!%)[-+ #0]*\d*(?:\.\d+)?(?:hh|h|ll|l|z|t)?[a-zA-Z]", fmt.replace("%%", "")))


def check_printk(ev_name, ev, fields, problems):
    fmt, fargs = ev["fmt"], ev["fargs"]
    n_conv = count_conversions(fmt)
    if n_conv != len(fargs):
        problems.append(f"{ev_name}: TP_printk has {n_conv} conversions but {len(fargs)} arguments")
    for f in fields:
        if not re.search(rf"(^|\s){f['name']}=", fmt):
            problems.append(f"{ev_name}.{f['name']}: not printed by TP_printk")


def compare_with_generator(generator, contract_path, header_text, problems):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "tee.h")
        run = subprocess.run([sys.executable, generator, "--contract", contract_path, "--kernel", out],
                             capture_output=True, text=True)
        if run.returncode != 0:
            problems.append(f"generator failed ({run.returncode}): {run.stderr.strip()}")
            return
        with open(out, encoding="utf-8") as fh:
            fresh = fh.read()
    if fresh != header_text:
        diff = list(difflib.unified_diff(header_text.splitlines(), fresh.splitlines(),
                                         "committed tee.h", "generated tee.h", lineterm="", n=1))
        shown = "\n".join(diff[:60]) + ("\n..." if len(diff) > 60 else "")
        problems.append("the committed header differs from the generator's output "
                        "(regenerate with gen_events.py --kernel):\n" + shown)


def check(contract, contract_path, header_text, generator=None):
    problems, warnings = [], []
    try:
        events = parse_header(header_text)
    except HeaderError as err:
        return [f"cannot parse the header: {err}"], warnings, 0
    driver = contract_driver_events(contract)
    wanted = {f"tee_{name}" for name, _ in driver}
    for name, fields in driver:
        ev_name = f"tee_{name}"
        ev = events.get(ev_name)
        if ev is None:
            problems.append(f"{ev_name}: driver event {name} of the contract has no TRACE_EVENT")
            continue
        check_entry(ev_name, ev["entry"], fields, problems)
        check_proto(ev_name, ev["proto"], fields, problems, warnings)
        if ev.get("args") is not None and ev["class"] is None:
            if ev["args"] != [n for _, n in ev["proto"]]:
                problems.append(f"{ev_name}: TP_ARGS {ev['args']} do not match TP_PROTO")
        check_assign(ev_name, ev, fields, problems, warnings)
        check_printk(ev_name, ev, fields, problems)
    for extra in sorted(set(events) - wanted):
        problems.append(f"{extra}: event not in the contract")
    if generator:
        compare_with_generator(generator, contract_path, header_text, problems)
    return problems, warnings, len(driver)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--contract", required=True, help="schemas/events.json")
    ap.add_argument("--header", required=True, help="the TRACE_EVENT header to check")
    ap.add_argument("--generator", help="gen_events.py: also require the header to equal its output")
    ap.add_argument("--strict", action="store_true", help="treat kernel build warnings as errors")
    a = ap.parse_args(argv)
    try:
        with open(a.contract, encoding="utf-8") as fh:
            contract = json.load(fh)
        with open(a.header, encoding="utf-8") as fh:
            header_text = fh.read()
    except (OSError, ValueError) as err:
        print(f"check_kernel_header: {err}", file=sys.stderr)
        return 2
    problems, warnings, n = check(contract, a.contract, header_text, a.generator)
    for w in warnings:
        print(f"warning: {w}")
    if a.strict:
        problems += warnings
    for p in problems:
        print(f"error: {p}")
    if problems:
        print(f"check_kernel_header: {a.header}: {len(problems)} difference(s) from {a.contract}")
        return 1
    print(f"check_kernel_header: {a.header}: {n} driver events match {a.contract}"
          + (f" ({len(warnings)} warning(s))" if warnings else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
