#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Cost of the tracer, as ratios of the OBJECT_INVOKE round trip against teesim (app add).

Modes, all against one teesim daemon, interleaved over several rounds (the machine is noisy):
  direct   no preload: the client calls the teesim transport itself        (the reference)
  notrace  libteescope-preload-notrace.so: routing only, tracing compiled out
  off      libteescope-preload.so loaded, no LTTng session enabled
  on       libteescope-preload.so with an LTTng session recording teescope_* (client and teesim)
Prints each mode's median ns per call and its ratio to `direct`. Targets: on <= 1.05, off <= 1.005.

  tracer_overhead.py --bindir BUILD/bin [--calls N] [--rounds R] [--enforce]
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def run_bench(bindir, libdir, mode, sock, calls, env_base):
    env = dict(env_base)
    cmd = [os.path.join(bindir, "bench_invoke"), "--calls", str(calls)]
    if mode == "direct":
        cmd += ["--direct", sock]
    else:
        lib = "libteescope-preload-notrace.so" if mode == "notrace" else "libteescope-preload.so"
        env["LD_PRELOAD"] = os.path.join(libdir, lib)
        env["TEESCOPE_SIM"] = sock
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600, check=False)
    m = re.search(r"ns_per_call=([0-9.]+)", r.stdout)
    if r.returncode != 0 or not m:
        raise RuntimeError(f"{mode}: bench_invoke failed ({r.returncode}): {r.stdout[-500:]} {r.stderr[-1500:]}")
    return float(m.group(1))


def lttng(*args):
    r = subprocess.run(["lttng", *args], capture_output=True, text=True, check=False)
    if r.returncode != 0:
        raise RuntimeError(f"lttng {' '.join(args)}: {r.stdout} {r.stderr}")


def start_session(session, output):
    lttng("create", session, f"--output={output}")
    lttng("enable-channel", "-u", "-s", session, "--subbuf-size=4M", "--num-subbuf=8", "bench")
    lttng("enable-event", "-u", "-s", session, "-c", "bench", "teescope_*")
    lttng("add-context", "-u", "-s", session, "-c", "bench", "-t", "vpid", "-t", "vtid", "-t", "procname")
    lttng("start", session)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bindir", required=True)
    ap.add_argument("--calls", type=int, default=20000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--enforce", action="store_true", help="exit 1 when a target is missed")
    a = ap.parse_args()
    bindir = os.path.abspath(a.bindir)
    libdir = os.path.join(os.path.dirname(bindir), "lib")
    work = tempfile.mkdtemp(prefix="teescope-bench-")
    sock = os.path.join(work, "teesim.sock")
    session = f"teescope-bench-{os.getpid()}"
    env = dict(os.environ)
    env.pop("LD_PRELOAD", None)

    if subprocess.run(["lttng", "list"], capture_output=True, check=False).returncode != 0:
        subprocess.run(["lttng-sessiond", "--daemonize"], capture_output=True, check=False)
    log = open(os.path.join(work, "teesim.log"), "w")
    sim = subprocess.Popen([os.path.join(bindir, "teescope"), "sim", "--socket", sock], stderr=log, stdout=log)
    try:
        for _ in range(200):
            if os.path.exists(sock):
                break
            time.sleep(0.05)
        modes = ["direct", "notrace", "off", "on"]
        samples = {m: [] for m in modes}
        for r in range(a.rounds):
            for m in modes:
                # Only the "on" runs see a session: an inactive session with enabled events
                # would already switch the tracepoints on.
                if m == "on":
                    start_session(session, f"{work}/trace{r}")
                try:
                    samples[m].append(run_bench(bindir, libdir, m, sock, a.calls, env))
                finally:
                    if m == "on":
                        lttng("destroy", session)
            print(f"round {r + 1}: " + "  ".join(f"{m}={samples[m][-1]:.0f}ns" for m in modes), flush=True)
    finally:
        sim.terminate()
        sim.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)

    med = {m: statistics.median(v) for m, v in samples.items()}
    ratio = {m: med[m] / med["direct"] for m in med}
    print(f"median ns per invoke round trip ({a.calls} calls x {a.rounds} rounds): "
          + ", ".join(f"{m} {med[m]:.0f}" for m in med))
    print(f"RATIO tracing_on={ratio['on']:.4f} tracing_off={ratio['off']:.4f} "
          f"compiled_out={ratio['notrace']:.4f} (reference: no preload)")
    missed = []
    if ratio["on"] > 1.05:
        missed.append(f"tracing on costs {100 * (ratio['on'] - 1):.1f}% (target 5%)")
    if ratio["off"] > 1.005:
        missed.append(f"tracing off costs {100 * (ratio['off'] - 1):.2f}% (target 0.5%)")
    for m in missed:
        print("TARGET MISSED:", m)
    return 1 if (missed and a.enforce) else 0


if __name__ == "__main__":
    sys.exit(main())
