#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The preload only watches: the same TEE ioctls (ioctl_differential), valid and invalid, give
byte-identical results, errnos and write-backs three ways, each against a fresh teesim daemon:

  direct   the program calls the teesim transport itself (no preload)
  loaded   LD_PRELOAD=libteescope-preload.so routes them, no LTTng session records
  traced   `teescope record --sim` runs it: the preload routes and traces them

  differential.py --bindir BUILD/bin --preload LIB [--tee qtee|optee]
"""
import argparse
import difflib
import os
import signal
import subprocess
import sys
import tempfile
import time


def start_sim(bindir, tee, sock):
    sim = subprocess.Popen([os.path.join(bindir, "teescope"), "sim", "--socket", sock, "--tee", tee],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    for _ in range(500):
        if os.path.exists(sock):
            return sim
        if sim.poll() is not None:
            break
        time.sleep(0.01)
    sim.kill()
    raise SystemExit(f"teesim did not start: {sim.stderr.read() if sim.stderr else ''}")


def stop_sim(sim):
    sim.send_signal(signal.SIGTERM)
    try:
        sim.wait(timeout=10)
    except subprocess.TimeoutExpired:
        sim.kill()
        sim.wait()


def run_against_sim(bindir, tee, tmp, name, env_extra, direct):
    sock = os.path.join(tmp, f"{name}.sock")
    sim = start_sim(bindir, tee, sock)
    try:
        cmd = [os.path.join(bindir, "ioctl_differential"), "--tee", tee, "--out", os.path.join(tmp, name + ".txt")]
        if direct:
            cmd += ["--direct", sock]
        env = dict(os.environ, **env_extra, TEESCOPE_SIM=sock)
        r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    finally:
        stop_sim(sim)
    return r, read(os.path.join(tmp, name + ".txt"))


def read(path):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read().splitlines()
    except OSError:
        return []


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bindir", required=True)
    ap.add_argument("--preload", required=True)
    ap.add_argument("--tee", choices=["qtee", "optee"], default="qtee")
    a = ap.parse_args()
    outputs, lines = {}, {}
    with tempfile.TemporaryDirectory(prefix="teescope-diff-") as tmp:
        outputs["direct"], lines["direct"] = run_against_sim(a.bindir, a.tee, tmp, "direct", {}, True)
        outputs["loaded"], lines["loaded"] = run_against_sim(a.bindir, a.tee, tmp, "loaded",
                                                             {"LD_PRELOAD": a.preload}, False)
        trace = os.path.join(tmp, "trace")
        sim = "--sim" if a.tee == "qtee" else f"--sim={a.tee}"
        outputs["traced"] = subprocess.run(
            [os.path.join(a.bindir, "teescope"), "record", sim, "--no-summary", "--blocking", "-o", trace, "--",
             os.path.join(a.bindir, "ioctl_differential"), "--tee", a.tee, "--out", os.path.join(tmp, "traced.txt")],
            capture_output=True, text=True, timeout=300)
        lines["traced"] = read(os.path.join(tmp, "traced.txt"))
        events = subprocess.run(["babeltrace2", trace], capture_output=True, text=True).stdout.count("teescope_user:")
    failed = 0
    for mode, r in outputs.items():
        if r.returncode != 0:
            print(f"FAIL: {mode} exited {r.returncode}: {r.stderr[-800:]}")
            failed += 1
    ref = lines["direct"]
    calls = sum(1 for l in ref if "errno=" in l)
    if calls < 20:
        print(f"FAIL: only {calls} calls ran directly:\n" + "\n".join(ref))
        failed += 1
    for mode in ("loaded", "traced"):
        if lines[mode] != ref:
            print(f"FAIL: {mode} differs from direct:")
            sys.stdout.writelines(difflib.unified_diff([l + "\n" for l in ref], [l + "\n" for l in lines[mode]],
                                                       "direct", mode))
            failed += 1
    if events == 0:
        print("FAIL: the traced run recorded no user-side event")
        failed += 1
    print("\n".join(ref))
    print(f"{a.tee}: {calls} calls, identical direct / loaded / traced: {'no' if failed else 'yes'}; "
          f"{events} user-side events traced")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
