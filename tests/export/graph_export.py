#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The capability graph from the command line, drawn by the GUI's code without a display.

  graph_export.py TEESCOPE FILE.db WORKDIR

When the most processes were alive: the DOT is a digraph whose process nodes are exactly the processes
alive then (from the database), each placed (pos); the SVG parses as XML and names a process
alive then; the PNG has the PNG signature and a sane size. Without --at (the end of the trace)
each format is written too.
"""
import os
import re
import shutil
import sqlite3
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET


def main():
    teescope, db, work = sys.argv[1:4]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    env = dict(os.environ)
    env.pop("DISPLAY", None)  # no display: the export must not need one
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    first, last = (int(v) for v in con.execute(
        "SELECT (SELECT value FROM metadata WHERE key = 'first_ts'), (SELECT value FROM metadata WHERE key = 'last_ts')"
    ).fetchone())
    def alive_at(at):
        return {(pid, name) for pid, name in con.execute(
            "SELECT id, display_name FROM processes WHERE start_ts <= ? AND"
            " (end_kind = 'alive_at_end' OR end_ts IS NULL OR ? < end_ts)", (at, at))}

    # The moment the most processes were alive (a process start), to compare against.
    starts = [ts for (ts,) in con.execute("SELECT start_ts FROM processes ORDER BY start_ts")]
    at = max(starts, key=lambda ts: (len(alive_at(ts)), -ts))
    offset = at - first
    alive = alive_at(at)
    failures = []

    def expect(ok, what):
        print(f"{'ok  ' if ok else 'FAIL'} {what}")
        if not ok:
            failures.append(what)

    def export(fmt, name, *extra):
        out = os.path.join(work, name)
        r = subprocess.run([teescope, "export", db, "--format", fmt, *extra, "-o", out], capture_output=True,
                           text=True, timeout=300, check=False, env=env)
        ok = r.returncode == 0 and os.path.exists(out) and os.path.getsize(out) > 0
        expect(ok, f"{name}: exit {r.returncode} {r.stderr.strip()}")
        return out

    expect(len(alive) > 1, f"{len(alive)} processes alive at +{offset} ns")
    dot = open(export("dot", "mid.dot", "--at", f"{offset}ns")).read()
    expect(re.match(r"\s*digraph\b", dot) is not None, "the DOT is a digraph")
    nodes = re.findall(r"^\s*n\d+ \[(.*)\];$", dot, re.M)
    procs = {int(m.group(1)) for n in nodes if (m := re.search(r"teescope_kind=process, teescope_id=(\d+)", n))}
    expect(procs == {pid for pid, _ in alive}, f"process nodes {sorted(procs)} are those alive {sorted(p for p, _ in alive)}")
    expect(all("pos=" in n for n in nodes), "every node is placed")
    edges = re.findall(r"^\s*n(\d+) -> n(\d+)", dot, re.M)
    ids = {int(i) for i in re.findall(r"^\s*n(\d+) \[", dot, re.M)}
    expect(all(int(a) in ids and int(b) in ids for a, b in edges), f"{len(edges)} edges join nodes of the graph")

    svg = export("svg", "mid.svg", "--at", f"{offset}ns")
    root = ET.parse(svg).getroot()
    expect(root.tag.endswith("svg"), f"the SVG root is <svg>: {root.tag}")
    texts = " ".join(t.text or "" for t in root.iter() if t.tag.endswith("text"))
    expect(any(name and name in texts for _, name in alive), "the SVG names a process alive then")

    png = export("png", "mid.png", "--at", f"{offset}ns")
    with open(png, "rb") as f:
        head = f.read(24)
    expect(head[:8] == b"\x89PNG\r\n\x1a\n", "PNG signature")
    w, h = struct.unpack(">II", head[16:24])
    expect(100 <= w <= 30000 and 100 <= h <= 30000, f"PNG size {w}x{h}")

    for fmt in ("dot", "svg", "png"):
        export(fmt, f"end.{fmt}")
    if failures:
        sys.exit(f"{len(failures)} failed")


if __name__ == "__main__":
    main()
