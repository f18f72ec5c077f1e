#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Generate everything that derives from the event contract (schemas/events.json).

  gen_events.py --check                      validate the contract
  gen_events.py --lttng DIR                  LTTng-UST provider headers, C event structs and the
                                             provider library's process fields
  gen_events.py --kernel FILE                Linux TRACE_EVENT header for drivers/tee
  gen_events.py --doc FILE                   the event reference in prose (Markdown)
  gen_events.py --importer DIR               the importer's event visitor and decoder tables

The LTTng tracepoints take one argument, a pointer to a generated struct, because
LTTNG_UST_TP_ARGS accepts at most ten arguments and several events have more fields.

A provider's process fields are not in the structs: the provider library fills them in every
event of the process from its environment (read once when the library loads), so instrumented
code never passes them and a filter of the session can select on them.
"""
import argparse
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SCALAR_C = {"u8": "uint8_t", "u16": "uint16_t", "u32": "uint32_t", "u64": "uint64_t",
            "s32": "int32_t", "s64": "int64_t", "x32": "uint32_t", "x64": "uint64_t"}
SCALAR_K = {"u8": "u8", "u16": "u16", "u32": "u32", "u64": "u64",
            "s32": "s32", "s64": "s64", "x32": "u32", "x64": "u64"}
SEQ_ELEM = {"seq_u64": ("uint64_t", "u64"), "seq_u8": ("uint8_t", "u8")}
SEQ_MAX = 64
COUNT_SHIFTS = {"bi": 0, "bo": 8, "oi": 16, "oo": 24}
IDENT = re.compile(r"^[a-z][a-z0-9_]*$")


class ContractError(Exception):
    pass


def load(path):
    with open(path, encoding="utf-8") as f:
        contract = json.load(f)
    validate(contract)
    return contract


def validate(c):
    """Reject a contract that would generate wrong or ambiguous code."""
    providers = {p["name"]: p for p in c["providers"]}
    enums = {e["name"]: e for e in c["enums"]}
    types = set(c["types"])
    seen = set()
    for e in c["events"]:
        where = f'{e.get("provider")}:{e.get("name")}'
        if e["provider"] not in providers:
            raise ContractError(f"{where}: unknown provider")
        if not IDENT.match(e["name"]):
            raise ContractError(f"{where}: bad event name")
        if (e["provider"], e["name"]) in seen:
            raise ContractError(f"{where}: defined twice")
        seen.add((e["provider"], e["name"]))
        if not isinstance(e.get("fields"), list):
            raise ContractError(f"{where}: has no field list")
        if not e.get("fires"):
            raise ContractError(f"{where}: says nothing of when it fires")
        names = set()
        for f in all_fields(c, e):
            if not IDENT.match(f["name"]):
                raise ContractError(f'{where}: bad field name {f["name"]!r}')
            if f["name"] in names:
                raise ContractError(f'{where}: field {f["name"]} twice')
            names.add(f["name"])
            if f["type"] not in types:
                raise ContractError(f'{where}.{f["name"]}: unknown type {f["type"]}')
            if f["type"] == "enum" and f.get("enum") not in enums:
                raise ContractError(f'{where}.{f["name"]}: unknown enum {f.get("enum")}')
            if not f.get("doc"):
                raise ContractError(f'{where}.{f["name"]}: no doc')
        for f in all_fields(c, e):
            if f["type"].startswith("seq_") and f["name"] + "_len" in names:
                raise ContractError(f'{where}.{f["name"]}: clashes with its length field')
        for f in process_fields(c, e):
            if not IDENT.match(f["name"]):
                raise ContractError(f'{where}: bad process field name {f["name"]!r}')
            if f["name"] in names:
                raise ContractError(f'{where}.{f["name"]}: clashes with the process field {f["name"]}')
            names.add(f["name"])
    for p in c["providers"]:
        for f in p.get("process_fields", []):
            where = f'{p["name"]}: process field {f.get("name")}'
            if f.get("type") not in SCALAR_C:
                raise ContractError(f"{where}: must be an integer, not {f.get('type')}")
            if not f.get("doc") or not re.match(r"^[A-Z][A-Z0-9_]*$", f.get("env", "")):
                raise ContractError(f"{where}: needs a doc and the environment variable it comes from")
    seen_fields = {}
    for p in c["providers"]:
        for f in p.get("process_fields", []):
            if seen_fields.setdefault(f["name"], (f["type"], f["env"])) != (f["type"], f["env"]):
                raise ContractError(f'process field {f["name"]}: providers disagree on its type or variable')


def provider_of(c, e):
    return next(p for p in c["providers"] if p["name"] == e["provider"])


def process_fields(c, e):
    """Fields the provider library fills in every event of a process (not in the event struct)."""
    return list(provider_of(c, e).get("process_fields", []))


def all_process_fields(c):
    """The process fields of every provider, once each (providers share them by name)."""
    out = {}
    for p in c["providers"]:
        for f in p.get("process_fields", []):
            out.setdefault(f["name"], f)
    return list(out.values())


def process_variable(f):
    return f"teescope_process_{f['name']}"


def all_fields(c, e):
    """Fields of an event in trace order: the provider's caller fields, then its own."""
    return list(provider_of(c, e)["caller_fields"]) + list(e["fields"])


def banner(comment="//"):
    return (f"{comment} SPDX-License-Identifier: MIT\n"
            f"{comment} Generated by schemas/gen_events.py from schemas/events.json: do not edit.\n")


# ---------------------------------------------------------------------------- C structs

def struct_name(e):
    return f'{e["provider"]}_{e["name"]}'


def gen_structs(c):
    out = [banner(), "#pragma once\n", "#include <stdint.h>\n",
           f'#define TEESCOPE_EVENTS_VERSION {c["version"]}\n',
           f"#define TEESCOPE_SEQ_MAX {SEQ_MAX}\n"]
    for en in c["enums"]:
        out.append(f'/* {en["doc"]} */')
        out.append(f'enum teescope_{en["name"]} {{')
        for name, value, doc in en["values"]:
            out.append(f'    TEESCOPE_{en["name"].upper()}_{name.upper()} = {value}, /* {doc} */')
        out.append("};\n")
    for e in c["events"]:
        out.append(f'/* {e["provider"]}:{e["name"]} - {e["fires"]} */')
        out.append(f"struct {struct_name(e)} {{")
        for f in all_fields(c, e):
            t = f["type"]
            if t in SCALAR_C:
                out.append(f'    {SCALAR_C[t]} {f["name"]};')
            elif t == "enum":
                out.append(f'    int32_t {f["name"]}; /* enum teescope_{f["enum"]} */')
            elif t == "string":
                out.append(f'    const char *{f["name"]};')
            elif t == "uuid":
                out.append(f'    const uint8_t *{f["name"]}; /* 16 bytes */')
            elif t in SEQ_ELEM:
                out.append(f'    const {SEQ_ELEM[t][0]} *{f["name"]};')
                out.append(f'    uint32_t {f["name"]}_len; /* at most TEESCOPE_SEQ_MAX */')
        out.append("};\n")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------- LTTng-UST

def lttng_field(provider, f):
    n, t, src = f["name"], f["type"], f"e->{f['name']}"
    if t in ("x32", "x64"):
        return f"lttng_ust_field_integer_hex({SCALAR_C[t]}, {n}, {src})"
    if t in SCALAR_C:
        return f"lttng_ust_field_integer({SCALAR_C[t]}, {n}, {src})"
    if t == "enum":
        return f"lttng_ust_field_enum({provider}, {f['enum']}, int32_t, {n}, {src})"
    if t == "string":
        return f"lttng_ust_field_string({n}, {src} ? {src} : \"\")"
    if t == "uuid":
        return f"lttng_ust_field_array(uint8_t, {n}, {src}, 16)"
    if t in SEQ_ELEM:
        return (f"lttng_ust_field_sequence({SEQ_ELEM[t][0]}, {n}, {src}, uint32_t, "
                f"{src}_len < {SEQ_MAX} ? {src}_len : {SEQ_MAX})")
    raise ContractError(t)


def gen_provider(c, p):
    name = p["name"]
    guard = f"{name.upper()}_TP_H"
    used_enums = []
    for e in c["events"]:
        if e["provider"] != name:
            continue
        for f in all_fields(c, e):
            if f["type"] == "enum" and f["enum"] not in used_enums:
                used_enums.append(f["enum"])
    out = [banner(), f"/* LTTng-UST provider {name}: {p['doc']} */\n",
           "#undef LTTNG_UST_TRACEPOINT_PROVIDER",
           f"#define LTTNG_UST_TRACEPOINT_PROVIDER {name}\n",
           "#undef LTTNG_UST_TRACEPOINT_INCLUDE",
           f'#define LTTNG_UST_TRACEPOINT_INCLUDE "teescope/{name}_tp.h"\n',
           ]
    if p.get("process_fields"):
        # Declared once, at file scope: the multi-read passes below expand inside functions.
        out.append("/* The process fields, set from the environment when the provider library loads. */")
        out.append(f"#ifndef {name.upper()}_PROCESS_FIELDS")
        out.append(f"#define {name.upper()}_PROCESS_FIELDS")
        out.append("#include <stdint.h>")
        out.append("#ifdef __cplusplus\nextern \"C\" {\n#endif")
        for f in p["process_fields"]:
            out.append(f"extern {SCALAR_C[f['type']]} {process_variable(f)}; /* {f['env']} */")
        out.append("#ifdef __cplusplus\n}\n#endif")
        out.append("#endif\n")
    out += [f"#if !defined({guard}) || defined(LTTNG_UST_TRACEPOINT_HEADER_MULTI_READ)",
            f"#define {guard}\n",
            "#include <lttng/tracepoint.h>",
            '#include "teescope/teescope_events.h"\n']
    enums = {en["name"]: en for en in c["enums"]}
    for en_name in used_enums:
        en = enums[en_name]
        out.append(f"LTTNG_UST_TRACEPOINT_ENUM({name}, {en_name},")
        out.append("    LTTNG_UST_TP_ENUM_VALUES(")
        for vname, value, _ in en["values"]:
            out.append(f'        lttng_ust_field_enum_value("{vname}", {value})')
        out.append("    )\n)\n")
    for e in c["events"]:
        if e["provider"] != name:
            continue
        out.append(f"/* {e['fires']} */")
        out.append(f"LTTNG_UST_TRACEPOINT_EVENT({name}, {e['name']},")
        out.append(f"    LTTNG_UST_TP_ARGS(const struct {struct_name(e)} *, e),")
        out.append("    LTTNG_UST_TP_FIELDS(")
        for f in process_fields(c, e):
            hexa = "_hex" if f["type"] in ("x32", "x64") else ""
            out.append(f"        lttng_ust_field_integer{hexa}({SCALAR_C[f['type']]}, {f['name']}, "
                       f"{process_variable(f)})")
        for f in all_fields(c, e):
            out.append(f"        {lttng_field(name, f)}")
        out.append("    )\n)\n")
    out.append(f"#endif /* {guard} */\n")
    out.append("#include <lttng/tracepoint-event.h>")
    return "\n".join(out) + "\n"


def gen_process_fields(c):
    """The provider library's process fields and their reading from the environment."""
    out = [banner(), "#include <errno.h>", "#include <stdint.h>", "#include <stdlib.h>\n"]
    fields = all_process_fields(c)
    for f in fields:
        out.append(f"/* {f['doc']} */")
        out.append(f"__attribute__((visibility(\"hidden\"))) {SCALAR_C[f['type']]} {process_variable(f)};")
    out += ["", "static int read_number(const char *name, int base, uint64_t *value)", "{",
            "    const char *text = getenv(name);", "    char *end = NULL;",
            "    if (!text || !*text)", "        return 0;", "    errno = 0;",
            "    unsigned long long v = strtoull(text, &end, base);",
            "    if (errno || *end)", "        return 0;", "    *value = v;", "    return 1;", "}\n",
            "/* Before the probes register (their constructors have no priority): no event of this",
            "   process can be emitted without its fields. */",
            "__attribute__((constructor(101))) static void teescope_read_process_fields(void)", "{",
            "    uint64_t v;"]
    for f in fields:
        base = 16 if f["type"] in ("x32", "x64") else 10
        out.append(f'    if (read_number("{f["env"]}", {base}, &v))')
        out.append(f"        {process_variable(f)} = ({SCALAR_C[f['type']]})v;")
    out.append("}")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------- kernel

def kernel_event_name(e):
    return f"tee_{e['name']}"


def gen_kernel(c):
    out = ["/* SPDX-License-Identifier: GPL-2.0-only OR MIT */",
           "/*",
           " * Tracepoints of the TEE subsystem (tee core, qcomtee, optee) for teescope.",
           " * Generated by schemas/gen_events.py from schemas/events.json: do not edit.",
           " * Where each event fires: tracer/kernel/PLACEMENT.md.",
           " */",
           "#undef TRACE_SYSTEM",
           "#define TRACE_SYSTEM tee\n",
           "#if !defined(_TRACE_TEE_H) || defined(TRACE_HEADER_MULTI_READ)",
           "#define _TRACE_TEE_H\n",
           "#include <linux/tracepoint.h>",
           "#include <linux/types.h>\n"]
    enums = {en["name"]: en for en in c["enums"]}
    for e in c["events"]:
        if provider_of(c, e)["layer"] != "driver":
            continue
        fields = all_fields(c, e)
        proto, args, entry, assign, fmt, fargs = [], [], [], [], [], []
        # BPF-enabled kernels accept at most 12 tracepoint arguments: wider events take the
        # four argument counts packed in one u32 (bi | bo << 8 | oi << 16 | oo << 24).
        names = [f["name"] for f in fields]
        n_args = len(fields) + sum(1 for f in fields if f["type"] in SEQ_ELEM)
        pack = n_args > 12 and all(k in names for k in COUNT_SHIFTS)
        for f in fields:
            if pack and f["name"] in COUNT_SHIFTS:
                if f["name"] == "bi":
                    proto.append("u32 counts")
                    args.append("counts")
                entry.append(f"__field(u8, {f['name']})")
                assign.append(f"__entry->{f['name']} = (counts >> {COUNT_SHIFTS[f['name']]}) & 0xff;")
                fmt.append(f"{f['name']}=%u")
                fargs.append(f"__entry->{f['name']}")
                continue
            n, t = f["name"], f["type"]
            if t in SCALAR_K:
                ctype = "pid_t" if n in ("pid", "tid") else SCALAR_K[t]
                proto.append(f"{ctype} {n}")
                args.append(n)
                entry.append(f"__field({ctype}, {n})")
                assign.append(f"__entry->{n} = {n};")
                if t in ("x32", "x64"):
                    fmt.append(f"{n}=0x%{'llx' if t == 'x64' else 'x'}")
                    fargs.append(f"(unsigned long long)__entry->{n}" if t == "x64" else f"__entry->{n}")
                elif t in ("u64",):
                    fmt.append(f"{n}=%llu")
                    fargs.append(f"(unsigned long long)__entry->{n}")
                elif t == "s64":
                    fmt.append(f"{n}=%lld")
                    fargs.append(f"(long long)__entry->{n}")
                elif t.startswith("s") or ctype == "pid_t":
                    fmt.append(f"{n}=%d")
                    fargs.append(f"__entry->{n}")
                else:
                    fmt.append(f"{n}=%u")
                    fargs.append(f"__entry->{n}")
            elif t == "enum":
                proto.append(f"int {n}")
                args.append(n)
                entry.append(f"__field(int, {n})")
                assign.append(f"__entry->{n} = {n};")
                fmt.append(f"{n}=%s")
                sym = ", ".join(f'{{ {v}, "{vn}" }}' for vn, v, _ in enums[f["enum"]]["values"])
                fargs.append(f"__print_symbolic(__entry->{n}, {sym})")
            elif t == "string":
                proto.append(f"const char *{n}")
                args.append(n)
                entry.append(f"__string({n}, {n})")
                assign.append(f"__assign_str({n});")
                fmt.append(f"{n}=%s")
                fargs.append(f"__get_str({n})")
            elif t == "uuid":
                proto.append(f"const u8 *{n}")
                args.append(n)
                entry.append(f"__array(u8, {n}, 16)")
                assign.append(f"memcpy(__entry->{n}, {n}, 16);")
                fmt.append(f"{n}=%pUb")
                fargs.append(f"__entry->{n}")
            elif t in SEQ_ELEM:
                kt = SEQ_ELEM[t][1]
                proto += [f"const {kt} *{n}", f"u32 {n}_len"]
                args += [n, f"{n}_len"]
                entry.append(f"__dynamic_array({kt}, {n}, min_t(u32, {n}_len, {SEQ_MAX}))")
                assign.append(f"memcpy(__get_dynamic_array({n}), {n}, "
                              f"__get_dynamic_array_len({n}));")
                fmt.append(f"{n}=%s")
                fargs.append(f"__print_array(__get_dynamic_array({n}), "
                             f"__get_dynamic_array_len({n}) / sizeof({kt}), sizeof({kt}))")
        out.append(f"/* {e['fires']} */")
        out.append(f"TRACE_EVENT({kernel_event_name(e)},")
        out.append(f"\tTP_PROTO({', '.join(proto)}),")
        out.append(f"\tTP_ARGS({', '.join(args)}),")
        out.append("\tTP_STRUCT__entry(")
        out += [f"\t\t{x}" for x in entry]
        out.append("\t),")
        out.append("\tTP_fast_assign(")
        out += [f"\t\t{x}" for x in assign]
        out.append("\t),")
        out.append(f'\tTP_printk("{" ".join(fmt)}",')
        out.append("\t\t" + ",\n\t\t".join(fargs) + ")")
        out.append(");\n")
    out.append("#endif /* _TRACE_TEE_H */\n")
    out.append("/* This part must be outside protection */")
    out.append("#include <trace/define_trace.h>")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------- docs

def gen_doc(c):
    out = ["<!-- Generated by schemas/gen_events.py from schemas/events.json: do not edit. -->",
           "# teescope trace events", "", c["doc"], "",
           f"Contract version {c['version']}. Field types:", ""]
    for t, d in c["types"].items():
        out.append(f"- `{t}`: {d}")
    out.append("")
    for p in c["providers"]:
        out += [f"## Provider `{p['name']}` ({p['layer']} side)", "", p["doc"], ""]
        if p.get("process_fields"):
            out.append("Every event of this provider carries the process fields, filled by the provider "
                       "library from the process's environment (instrumented code does not pass them; "
                       "they are not in the event structs nor in the kernel tracepoints):")
            out.append("")
            for f in p["process_fields"]:
                out.append(f"- `{f['name']}` ({f['type']}, from `{f['env']}`): {f['doc']}")
            out.append("")
        if p["caller_fields"]:
            out.append("Every event of this provider starts with:")
            out.append("")
            for f in p["caller_fields"]:
                out.append(f"- `{f['name']}` ({f['type']}): {f['doc']}")
            out.append("")
        for e in c["events"]:
            if e["provider"] != p["name"]:
                continue
            out += [f"### `{p['name']}:{e['name']}`", "", e["fires"], "",
                    "| field | type | meaning |", "|---|---|---|"]
            for f in e["fields"]:
                t = f["type"] if f["type"] != "enum" else f"enum `{f['enum']}`"
                out.append(f"| `{f['name']}` | {t} | {f['doc']} |")
            out.append("")
    out += ["## Enumerations", ""]
    for en in c["enums"]:
        out += [f"### `{en['name']}`", "", en["doc"], "", "| value | name | meaning |", "|---|---|---|"]
        out += [f"| {v} | `{n}` | {d} |" for n, v, d in en["values"]]
        out.append("")
    return "\n".join(out)


# ---------------------------------------------------------------------------- importer

def short_provider(e):
    """teescope_drv -> drv: the prefix of the visitor's methods."""
    return e["provider"].removeprefix("teescope_")


def gen_event_sink(c):
    out = [banner(), "#pragma once\n",
           "// The importer's visitor: one method per event of the contract, each doing nothing",
           "// by default. Included by teescope/importer/event.h after EventHeader.\n",
           '#include "teescope/teescope_events.h"\n',
           "namespace teescope::importer {\n",
           "struct EventHeader;\n",
           "class EventSink {",
           "public:",
           "    virtual ~EventSink() = default;"]
    for e in c["events"]:
        out.append(f"    // {e['provider']}:{e['name']}")
        out.append(f"    virtual void on_{short_provider(e)}_{e['name']}(const EventHeader &, "
                   f"const {struct_name(e)} &) {{}}")
    out += ["};\n", "} // namespace teescope::importer"]
    return "\n".join(out) + "\n"


def gen_event_table(c):
    enums = [en["name"] for en in c["enums"]]
    out = [banner(), "#pragma once\n",
           "// What the decoder needs to know of every event: its full name, its fields in trace",
           "// order with their contract type and place in the generated struct, and how to hand",
           "// the filled struct to the visitor.\n",
           "#include <cstddef>", "#include <cstdint>\n",
           '#include "teescope/importer/event.h"\n',
           "namespace teescope::importer::contract {\n",
           f"inline constexpr uint32_t version = {c['version']};",
           f"inline constexpr uint32_t seq_max = TEESCOPE_SEQ_MAX;",
           'inline constexpr const char *providers[] = {' +
           ", ".join(f'"{p["name"]}"' for p in c["providers"]) + "};\n",
           "enum class FieldType : uint8_t { " + ", ".join(
               ["u8", "u16", "u32", "u64", "s32", "s64", "x32", "x64", "enumeration", "string",
                "uuid", "seq_u64", "seq_u8"]) + " };\n",
           "struct EnumDesc {", "    const char *name;", "    const int32_t *values;",
           "    uint32_t count;", "};\n",
           "struct FieldDesc {", "    const char *name;", "    FieldType type;",
           "    uint32_t offset;     // of the member in the event struct",
           "    uint32_t len_offset; // sequences: of the NAME_len member",
           "    int32_t enum_index;  // enumerations: index in enums[], else -1",
           "};\n",
           "using Dispatch = void (*)(EventSink &, const EventHeader &, const void *);\n",
           "struct EventDesc {", '    const char *name;  // "provider:event", as in the trace',
           "    const FieldDesc *fields;", "    uint32_t field_count;",
           "    uint32_t size;  // of the event struct", "    uint32_t align;",
           "    Dispatch dispatch;", "};\n"]
    for en in c["enums"]:
        vals = ", ".join(str(v) for _, v, _ in en["values"])
        out.append(f"inline constexpr int32_t enum_values_{en['name']}[] = {{{vals}}};")
    out.append("inline constexpr EnumDesc enums[] = {")
    for en in c["enums"]:
        out.append(f'    {{"{en["name"]}", enum_values_{en["name"]}, {len(en["values"])}}},')
    out.append("};\n")
    for e in c["events"]:
        sn = struct_name(e)
        out.append(f"inline constexpr FieldDesc fields_{sn}[] = {{")
        for f in all_fields(c, e):
            t = "enumeration" if f["type"] == "enum" else f["type"]
            len_off = f"offsetof({sn}, {f['name']}_len)" if f["type"] in SEQ_ELEM else "0"
            en = enums.index(f["enum"]) if f["type"] == "enum" else -1
            out.append(f'    {{"{f["name"]}", FieldType::{t}, offsetof({sn}, {f["name"]}), '
                       f"{len_off}, {en}}},")
        out.append("};")
        out.append(f"inline void dispatch_{sn}(EventSink &sink, const EventHeader &header, "
                   f"const void *event)")
        out.append(f"{{\n    sink.on_{short_provider(e)}_{e['name']}(header, "
                   f"*static_cast<const {sn} *>(event));\n}}\n")
    out.append("inline constexpr EventDesc events[] = {")
    for e in c["events"]:
        sn = struct_name(e)
        out.append(f'    {{"{e["provider"]}:{e["name"]}", fields_{sn}, '
                   f"{len(all_fields(c, e))}, sizeof({sn}), alignof({sn}), dispatch_{sn}}},")
    out.append("};\n")
    out += ["// Routes every visitor method of Base (an EventSink) to one on_event() that gets the",
            "// event's description: for consumers that treat all events alike (dumps, tests).",
            "template <typename Base>",
            "class EventForwarder : public Base {",
            "public:",
            "    virtual void on_event(const EventHeader &header, const EventDesc &desc, const void *event) = 0;\n"]
    for i, e in enumerate(c["events"]):
        out.append(f"    void on_{short_provider(e)}_{e['name']}(const EventHeader &h, "
                   f"const {struct_name(e)} &e) override {{ on_event(h, events[{i}], &e); }}")
    out += ["};\n", "} // namespace teescope::importer::contract"]
    return "\n".join(out) + "\n"


def write_if_changed(path, text):
    """Keep the timestamp of unchanged outputs so that builds stay incremental."""
    try:
        with open(path, encoding="utf-8") as f:
            if f.read() == text:
                return
    except FileNotFoundError:
        pass
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--contract", default=os.path.join(HERE, "events.json"))
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--lttng", metavar="DIR")
    ap.add_argument("--kernel", metavar="FILE")
    ap.add_argument("--doc", metavar="FILE")
    ap.add_argument("--importer", metavar="DIR")
    a = ap.parse_args()
    try:
        c = load(a.contract)
    except (OSError, ValueError, KeyError, ContractError) as err:
        print(f"gen_events: {a.contract}: {err}", file=sys.stderr)
        return 1
    if a.lttng:
        write_if_changed(os.path.join(a.lttng, "teescope", "teescope_events.h"), gen_structs(c))
        for p in c["providers"]:
            write_if_changed(os.path.join(a.lttng, "teescope", f"{p['name']}_tp.h"), gen_provider(c, p))
        write_if_changed(os.path.join(a.lttng, "teescope", "teescope_process_fields.c"), gen_process_fields(c))
    if a.kernel:
        write_if_changed(a.kernel, gen_kernel(c))
    if a.doc:
        write_if_changed(a.doc, gen_doc(c))
    if a.importer:
        base = os.path.join(a.importer, "teescope", "importer")
        write_if_changed(os.path.join(base, "event_sink.h"), gen_event_sink(c))
        write_if_changed(os.path.join(base, "event_table.h"), gen_event_table(c))
    return 0


if __name__ == "__main__":
    sys.exit(main())
