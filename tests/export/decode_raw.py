#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A second opinion on the Perfetto export: protoc, knowing nothing of our schema, decodes it.

  decode_raw.py TEESCOPE PROTOC FILE.db WORKDIR

`protoc --decode_raw` must succeed and show Trace.packet (1) holding TracePacket fields with
Perfetto's numbers: timestamp 8, trusted_packet_sequence_id 10, track_event 11, sequence_flags 13,
track_descriptor 60; in a track descriptor uuid 1 and process 3 / thread 4 / counter 8; in a track
event type 9, track_uuid 11, name 23, counter_value 30, flow_ids 47, terminating_flow_ids 48.
"""
import os
import re
import shutil
import subprocess
import sys


def main():
    teescope, protoc, db, work = sys.argv[1:5]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    out = os.path.join(work, "trace.pftrace")
    r = subprocess.run([teescope, "export", db, "--format", "perfetto", "-o", out],
                       capture_output=True, text=True, timeout=300, check=False)
    if r.returncode != 0:
        sys.exit(f"FAIL export exited {r.returncode}: {r.stderr}")
    with open(out, "rb") as f:
        d = subprocess.run([protoc, "--decode_raw"], stdin=f, capture_output=True, text=True, timeout=300,
                           check=False)
    if d.returncode != 0:
        sys.exit(f"FAIL protoc --decode_raw exited {d.returncode}: {d.stderr}")
    text = d.stdout
    failures = []

    def expect(ok, what):
        print(f"{'ok  ' if ok else 'FAIL'} {what}")
        if not ok:
            failures.append(what)

    # Top level: nothing but Trace.packet messages.
    top = re.findall(r"^(\S+) ", text, re.M)
    expect(top and set(top) == {"1"}, f"only field 1 (Trace.packet) at the top: {sorted(set(top))[:5]}")
    expect(text.count("\n1 {") + text.startswith("1 {") > 10, "many packets")
    # Fields within a packet are indented by two spaces, within its messages by four.
    packet_fields = set(re.findall(r"^  (\d+)[ :]", text, re.M))
    for field, name in ((8, "timestamp"), (10, "trusted_packet_sequence_id"), (11, "track_event"),
                        (13, "sequence_flags"), (60, "track_descriptor")):
        expect(str(field) in packet_fields, f"TracePacket.{name} = {field}")
    inner = set(re.findall(r"^    (\d+)[ :]", text, re.M))
    for field, name in ((1, "uuid"), (3, "process"), (4, "thread"), (5, "parent_uuid"), (8, "counter"),
                        (9, "type"), (11, "track_uuid"), (23, "name"), (30, "counter_value"), (47, "flow_ids"),
                        (48, "terminating_flow_ids")):
        expect(str(field) in inner, f"field {field} ({name}) inside a descriptor or event")
    # A slice begin (type 1) and end (type 2), instants (3) and counters (4).
    for t in (1, 2, 3, 4):
        expect(re.search(rf"^    9: {t}$", text, re.M) is not None, f"TrackEvent.type {t}")
    if failures:
        sys.exit(f"{len(failures)} failed")


if __name__ == "__main__":
    main()
