#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Records the user-side events of a workload run under libteescope-preload.so against teesim and
checks them against the contract: every event the workload must cause is there, with sane fields,
and begin/end pairs share their serial.

usage: trace_events_test.py WORKLOAD PRELOAD TEESCOPE
WORKLOAD is preload_sim_test (it starts `TEESCOPE sim` itself)."""
import collections
import os
import re
import shutil
import subprocess
import sys
import tempfile

EVENT = re.compile(r"teescope_user:(\w+): .*\{ ([^{}]*) \}\s*$")
FIELD = re.compile(r"(\w+) = (\[(?:[^\[\]]|\[[^\]]*\])*\]|\"[^\"]*\"|[^,]+)")


def run(*args, **kw):
    return subprocess.run(args, check=True, capture_output=True, text=True, **kw)


def parse(text):
    events = []
    for line in text.splitlines():
        m = EVENT.search(line)
        if not m:
            continue
        fields = {k: v.strip() for k, v in FIELD.findall(m.group(2))}
        vpid = re.search(r"vpid = (\d+)", line)
        fields["_vpid"] = vpid.group(1) if vpid else "?"
        events.append((m.group(1), fields))
    return events


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    workload, preload, teescope = sys.argv[1:]
    for tool in ("lttng", "babeltrace2"):
        if not shutil.which(tool):
            print(f"{tool} not found", file=sys.stderr)
            return 2
    tmp = tempfile.mkdtemp(prefix="teescope-preload-trace-")
    session = "teescope-preload-test-%d" % os.getpid()
    trace_dir = os.path.join(tmp, "trace")
    try:
        run("lttng", "create", session, "--output=" + trace_dir)
        try:
            run("lttng", "enable-event", "-u", "teescope_user:*", "-s", session)
            run("lttng", "add-context", "-u", "-t", "vpid", "-t", "vtid", "-s", session)
            run("lttng", "start", session)
            env = dict(os.environ, LD_PRELOAD=preload, TEESCOPE_SIM=os.path.join(tmp, "sim.sock"),
                       TEESCOPE_TEST_SIM_CMD=teescope)
            env.pop("TEESCOPE_TRACE", None)
            result = subprocess.run([workload], env=env, capture_output=True, text=True, timeout=120)
            if result.returncode != 0:
                print(result.stdout[-4000:], result.stderr[-4000:], file=sys.stderr)
                print("workload failed", file=sys.stderr)
                return 1
            run("lttng", "stop", session)
        finally:
            subprocess.run(["lttng", "destroy", session], capture_output=True)
        text = run("babeltrace2", trace_dir).stdout
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    events = parse(text)

    failures = []

    def check(cond, what):
        if not cond:
            failures.append(what)

    by_name = collections.defaultdict(list)
    for name, fields in events:
        by_name[name].append(fields)

    for name in ("dev_open", "version", "invoke_begin", "invoke_end", "supp_recv_begin", "supp_recv_end",
                 "supp_send_begin", "supp_send_end", "shm_alloc", "shm_map", "fd_dup", "fd_close",
                 "proc_fork", "fd_adopt", "ioctl_other", "proc_exit", "close_session"):
        check(by_name[name], f"no {name} event")

    check(any(f.get("sim") == "1" and f.get("err") == "0" for f in by_name["dev_open"]),
          "no successful dev_open routed to teesim")
    check(all(f.get("path") == '"/dev/tee0"' for f in by_name["dev_open"]), "dev_open path is not /dev/tee0")
    check(any(f.get("impl") == "4" and f.get("err") == "0" for f in by_name["version"]),
          "no VERSION answered with impl 4 (QTEE)")
    check(any(f.get("sim") == "1" for f in by_name["fd_adopt"]), "the passed descriptor was not adopted")
    check(any(f.get("request") == hex(0xa42a) or f.get("request") == "0xA42A" for f in by_name["ioctl_other"]),
          "unknown TEE request 0xa42a not reported as ioctl_other")
    check(any(int(f.get("shm_fd", "-1")) >= 0 and int(f.get("shm", "0")) > 0 for f in by_name["shm_alloc"]),
          "no successful shm_alloc with an id and a descriptor")

    # Serials: unique per process among begin events, each end matches a begin of the same process.
    for begin, end in (("invoke_begin", "invoke_end"), ("supp_recv_begin", "supp_recv_end"),
                       ("supp_send_begin", "supp_send_end")):
        begins = collections.Counter((f["_vpid"], f["serial"]) for f in by_name[begin])
        check(all(n == 1 for n in begins.values()), f"{begin} serials repeat")
        for f in by_name[end]:
            check((f["_vpid"], f["serial"]) in begins, f"{end} serial {f['serial']} has no {begin}")

    # Register-as-client returns one TEE object; the supplicant received requests with a META id.
    check(any(f.get("err") == "0" and f.get("_obj_out_length") == "1" and f.get("obj_out_flags") == "[ [0] = 1 ]"
              for f in by_name["invoke_end"]), "no invoke_end returning one TEE object")
    check(any(f.get("err") == "0" and f.get("user_id") == "77" for f in by_name["supp_recv_end"]),
          "no callback request for the credentials object (user id 77)")
    check(any(f.get("oi") == "1" and f.get("obj_in") == "[ [0] = 77 ]" and f.get("obj_in_flags") == "[ [0] = 2 ]"
              for f in by_name["invoke_begin"]), "no invoke_begin passing the USER object 77")

    for name, fields in events:
        check(not (name.endswith("_end") and fields.get("err") not in (None, "0") and fields.get("ret") not in (None, "0")),
              f"{name} reports both an errno and a result: {fields}")

    if failures:
        for f in failures:
            print("FAIL:", f, file=sys.stderr)
        print(f"{len(events)} events parsed", file=sys.stderr)
        return 1
    print(f"ok: {len(events)} user-side events checked")
    return 0


if __name__ == "__main__":
    sys.exit(main())
