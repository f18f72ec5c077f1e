#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Cost of the tracer, as ratios of the invoke round trip against teesim: QTEE's OBJECT_INVOKE
(app add), or with --tee optee OP-TEE's INVOKE (hello_world INC on a session; the TA is loaded by
teescope-optee-supplicant).

Modes, all against one teesim daemon, interleaved over several rounds in a rotating order:
  direct   no preload: the client calls the teesim transport itself        (the reference)
  notrace  libteescope-preload-notrace.so: routing only, tracing compiled out
  off      libteescope-preload.so loaded, no LTTng session enabled
  on       libteescope-preload.so with an LTTng session recording teescope_* (client and teesim),
           filtered on the recording token as `teescope record` does
  live     (with --live) the same session as a live session streamed to an lttng-relayd with
           the 50 ms live timer of `teescope record --live`

Two measures per mode, each divided by the reference:
  wall  the round trip as the client sees it (median over rounds);
  cpu   CPU time per call of the client's threads plus teesim's threads (scheduler statistics),
        which is what tracing adds to the work; steadier than wall time on a shared virtual
        machine, where the wake-up latency of each round trip varies by several percent.
Client and teesim are pinned to different CPUs (when there are two) so that every round trip
wakes across the same pair. Targets: tracing on <= 1.05, tracing off <= 1.005.

On a noisy machine neither measure resolves fractions of a percent, so the script also measures
the tracer's own hot path in the same run: the events one invoke emits (counted in a recorded
trace), the cost of a tracepoint while disabled and of an event while recorded
(bench_event_cost), and their share of the measured round trip.

  tracer_overhead.py --bindir BUILD/bin [--tee qtee|optee] [--calls N] [--rounds R] [--live] [--enforce]
"""
import argparse
import glob
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

WARMUP = 2000  # calls bench_invoke makes before timing (they cost teesim CPU too)
# Client and teesim belong to one recording, and the session keeps that recording's events only,
# as `teescope record` sets it up: the filter runs on every event.
RECORDING = "00000000b0b0cafe"
MODES = ["direct", "notrace", "off", "on"]


def cpu_ns(pid):
    """CPU time of all threads of a process so far, in ns."""
    total = 0
    for path in glob.glob(f"/proc/{pid}/task/*/schedstat"):
        try:
            with open(path) as f:
                total += int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            pass  # a thread that just ended
    return total


def pin(cpu):
    return (lambda: os.sched_setaffinity(0, {cpu})) if cpu is not None else None


def run_bench(a, mode, sock, sim_pid, client_cpu):
    env = {k: v for k, v in os.environ.items() if k not in ("LD_PRELOAD", "TEESCOPE_TRACE")}
    env["TEESCOPE_RECORDING"] = RECORDING
    bench = "bench_optee_invoke" if a.tee == "optee" else "bench_invoke"
    cmd = [os.path.join(a.bindir, bench), "--calls", str(a.calls)]
    if mode == "direct":
        cmd += ["--direct", sock]
    else:
        lib = "libteescope-preload-notrace.so" if mode == "notrace" else "libteescope-preload.so"
        env["LD_PRELOAD"] = os.path.join(a.libdir, lib)
        env["TEESCOPE_SIM"] = sock
    sim_before = cpu_ns(sim_pid)
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600, check=False,
                       preexec_fn=pin(client_cpu))
    sim_cpu = (cpu_ns(sim_pid) - sim_before) / (a.calls + WARMUP)
    m = re.search(r"ns_per_call=([0-9.]+) cpu_ns_per_call=([0-9.]+)", r.stdout)
    if r.returncode != 0 or not m:
        raise RuntimeError(f"{mode}: bench_invoke failed ({r.returncode}): {r.stdout[-500:]} {r.stderr[-1500:]}")
    return float(m.group(1)), float(m.group(2)) + sim_cpu


def count_events(trace):
    """Events in a trace (babeltrace2 prints one line per event)."""
    r = subprocess.run(["babeltrace2", trace], capture_output=True, text=True, check=False)
    return sum(1 for line in r.stdout.splitlines() if line.startswith("["))


def event_cost(a, cpu):
    env = {k: v for k, v in os.environ.items() if k != "TEESCOPE_TRACE"}
    env["TEESCOPE_RECORDING"] = RECORDING
    r = subprocess.run([os.path.join(a.bindir, "bench_event_cost")], env=env, capture_output=True, text=True,
                       timeout=120, check=False, preexec_fn=pin(cpu))
    m = re.search(r"ns_per_event=([0-9.]+)", r.stdout)
    if r.returncode != 0 or not m:
        raise RuntimeError(f"bench_event_cost failed: {r.stdout} {r.stderr}")
    return float(m.group(1))


def lttng(*args):
    r = subprocess.run(["lttng", *args], capture_output=True, text=True, check=False)
    if r.returncode != 0:
        raise RuntimeError(f"lttng {' '.join(args)}: {r.stdout} {r.stderr}")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_relayd(work):
    ports = [free_port() for _ in range(3)]
    relayd = subprocess.Popen(["lttng-relayd", "-C", f"tcp://127.0.0.1:{ports[0]}", "-D", f"tcp://127.0.0.1:{ports[1]}",
                               "-L", f"tcp://127.0.0.1:{ports[2]}", "-o", os.path.join(work, "relay")],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", ports[0]), timeout=1):
                return relayd, f"net://127.0.0.1:{ports[0]}:{ports[1]}"
        except OSError:
            time.sleep(0.05)
    relayd.kill()
    raise RuntimeError("lttng-relayd did not start")


def start_session(session, output, live_url=None):
    if live_url:
        lttng("create", session, "--live=50000", f"--set-url={live_url}")
    else:
        lttng("create", session, f"--output={output}")
    lttng("enable-channel", "-u", "-s", session, "--subbuf-size=4M", "--num-subbuf=8", "bench")
    lttng("enable-event", "-u", "-s", session, "-c", "bench", "teescope_*", f"--filter=recording == 0x{RECORDING}")
    lttng("add-context", "-u", "-s", session, "-c", "bench", "-t", "vpid", "-t", "vtid", "-t", "procname")
    lttng("start", session)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bindir", required=True)
    ap.add_argument("--calls", type=int, default=5000)
    ap.add_argument("--rounds", type=int, default=12)
    ap.add_argument("--tee", choices=["qtee", "optee"], default="qtee")
    ap.add_argument("--live", action="store_true", help="also measure a live session (mode `live`)")
    ap.add_argument("--enforce", action="store_true", help="exit 1 when a target is missed")
    a = ap.parse_args()
    modes = MODES + (["live"] if a.live else [])
    a.bindir = os.path.abspath(a.bindir)
    a.libdir = os.path.join(os.path.dirname(a.bindir), "lib")
    cpus = sorted(os.sched_getaffinity(0))
    client_cpu, sim_cpu = (cpus[0], cpus[-1]) if len(cpus) >= 2 else (None, None)
    work = tempfile.mkdtemp(prefix="teescope-bench-")
    sock = os.path.join(work, "teesim.sock")
    session = f"teescope-bench-{os.getpid()}"

    if subprocess.run(["lttng", "list"], capture_output=True, check=False).returncode != 0:
        subprocess.run(["lttng-sessiond", "--daemonize"], capture_output=True, check=False)
    log = open(os.path.join(work, "teesim.log"), "w")
    sim_env = {k: v for k, v in os.environ.items() if k != "TEESCOPE_TRACE"}
    sim_env["TEESCOPE_RECORDING"] = RECORDING
    sim = subprocess.Popen([os.path.join(a.bindir, "teescope"), "sim", "--socket", sock, "--tee", a.tee],
                           stderr=log, stdout=log, env=sim_env, preexec_fn=pin(sim_cpu))
    supplicant = None
    events_per_invoke = 0.0
    wall = {m: [] for m in modes}
    cpu = {m: [] for m in modes}
    relayd, live_url = (None, None)
    try:
        if a.live:
            relayd, live_url = start_relayd(work)
        for _ in range(200):
            if os.path.exists(sock):
                break
            time.sleep(0.05)
        if a.tee == "optee":
            # The supplicant loads the TA at each run's OPEN_SESSION; it is routed, not traced.
            tas = os.path.join(work, "tas")
            subprocess.run([os.path.join(a.bindir, "teescope"), "sim", "--write-tas", tas], check=True,
                           capture_output=True)
            supp_env = dict(sim_env, LD_PRELOAD=os.path.join(a.libdir, "libteescope-preload-notrace.so"),
                            TEESCOPE_SIM=sock)
            supplicant = subprocess.Popen([os.path.join(a.bindir, "teescope-optee-supplicant"), "--ta-dir", tas,
                                           "--fs-dir", os.path.join(work, "fs")], stderr=log, stdout=log,
                                          env=supp_env, preexec_fn=pin(sim_cpu))
        for r in range(a.rounds):
            order = modes[r % len(modes):] + modes[:r % len(modes)]
            for m in order:
                # Only the "on" and "live" runs see a session: an inactive session with enabled
                # events would already switch the tracepoints on.
                if m in ("on", "live"):
                    start_session(session, f"{work}/trace{r}", live_url if m == "live" else None)
                try:
                    w, c = run_bench(a, "on" if m == "live" else m, sock, sim.pid, client_cpu)
                finally:
                    if m == "live":
                        lttng("destroy", session)
                    if m == "on":
                        lttng("destroy", session)
                        if r == 0:
                            events_per_invoke = count_events(f"{work}/trace0") / (a.calls + WARMUP)
                        shutil.rmtree(f"{work}/trace{r}", ignore_errors=True)
                wall[m].append(w)
                cpu[m].append(c)
            print(f"round {r + 1:2}: " + "  ".join(f"{m} {wall[m][-1]:.0f}/{cpu[m][-1]:.0f}ns" for m in modes),
                  flush=True)
        disabled_ns = event_cost(a, None)
        start_session(session, f"{work}/cost")
        try:
            enabled_ns = event_cost(a, client_cpu)
        finally:
            lttng("destroy", session)
    finally:
        if relayd:
            relayd.terminate()
            relayd.wait(timeout=10)
        if supplicant:
            supplicant.terminate()
            supplicant.wait(timeout=10)
        sim.terminate()
        sim.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)

    def ratios(samples):
        med = {m: statistics.median(v) for m, v in samples.items()}
        return med, {m: med[m] / med["direct"] for m in med}

    wall_med, wall_ratio = ratios(wall)
    cpu_med, cpu_ratio = ratios(cpu)
    print(f"{a.calls} calls x {a.rounds} rounds, medians (wall / cpu ns per invoke): "
          + ", ".join(f"{m} {wall_med[m]:.0f} / {cpu_med[m]:.0f}" for m in modes))
    for what, ratio in (("wall", wall_ratio), ("cpu", cpu_ratio)):
        print(f"RATIO {what}: tracing_on={ratio['on']:.4f} tracing_off={ratio['off']:.4f} "
              f"compiled_out={ratio['notrace']:.4f} (reference: no preload)")
    if a.live:
        print(f"RATIO live session: wall={wall_med['live'] / wall_med['on']:.4f} cpu={cpu_med['live'] / cpu_med['on']:.4f} "
              f"(tracing to a live session ÷ tracing to disk; to no preload: wall={wall_ratio['live']:.4f} "
              f"cpu={cpu_ratio['live']:.4f})")
    rt = wall_med["direct"]
    print(f"HOT PATH per invoke: {events_per_invoke:.2f} events; a tracepoint costs {disabled_ns:.2f} ns "
          f"disabled, {enabled_ns:.0f} ns recorded; tracing off adds {events_per_invoke * disabled_ns:.1f} ns "
          f"= {100 * events_per_invoke * disabled_ns / rt:.3f}%, tracing on {events_per_invoke * enabled_ns:.0f} ns "
          f"= {100 * events_per_invoke * enabled_ns / rt:.1f}% of the {rt:.0f} ns round trip")
    missed = []
    for what, ratio in (("wall", wall_ratio), ("cpu", cpu_ratio)):
        if ratio["on"] > 1.05:
            missed.append(f"{what}: tracing on costs {100 * (ratio['on'] - 1):.1f}% (target 5%)")
        if ratio["off"] > 1.005:
            missed.append(f"{what}: tracing off costs {100 * (ratio['off'] - 1):.2f}% (target 0.5%)")
    for m in missed:
        print("TARGET MISSED:", m)
    return 1 if (missed and a.enforce) else 0


if __name__ == "__main__":
    sys.exit(main())
