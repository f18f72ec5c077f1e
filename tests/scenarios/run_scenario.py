#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Runs one scenario workload against a private teesim daemon.

Starts `teescope sim --socket TMP/teesim.sock [--config FILE]`, runs the scenario under the
LD_PRELOAD tracer routed to it (TEESCOPE_SIM, tracing off with TEESCOPE_TRACE=0) in its own
process group, kills whatever the scenario left behind in that group, stops the daemon with
SIGTERM and checks that both exited 0. Exit status 77 (skipped) when the daemon or the preload
library has not been built.
"""
import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time

SKIP = 77


def fail(message):
    print(f"run_scenario: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def wait_for_socket(daemon, path, log_path, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.path.exists(path):
            return
        if daemon.poll() is not None:
            fail(f"teesim exited with status {daemon.returncode} before listening:\n{open(log_path).read()}")
        time.sleep(0.02)
    fail(f"teesim did not create {path} within {timeout} s")


def kill_group(pgid):
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teescope", required=True, help="the teescope executable")
    parser.add_argument("--preload", required=True, help="libteescope-preload.so")
    parser.add_argument("--config", help="teesim configuration file")
    parser.add_argument("--timeout", type=float, default=120, help="seconds the scenario may take")
    parser.add_argument("scenario", nargs=argparse.REMAINDER, help="scenario executable and its arguments")
    args = parser.parse_args()
    command = [a for a in args.scenario if a != "--"]
    if not command:
        fail("no scenario given")
    for path, what in ((args.teescope, "teescope"), (args.preload, "preload library")):
        if not os.path.exists(path):
            print(f"run_scenario: SKIP: {what} {path} not built", file=sys.stderr)
            sys.exit(SKIP)
    if args.config and not os.path.exists(args.config):
        fail(f"configuration file {args.config} does not exist")

    with tempfile.TemporaryDirectory(prefix="teescope-scenario-") as tmp:
        socket_path = os.path.join(tmp, "teesim.sock")
        log_path = os.path.join(tmp, "teesim.log")
        env = dict(os.environ, TEESCOPE_TRACE="0")
        daemon_cmd = [args.teescope, "sim", "--socket", socket_path]
        if args.config:
            daemon_cmd += ["--config", args.config]
        with open(log_path, "w") as log:
            daemon = subprocess.Popen(daemon_cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
        try:
            wait_for_socket(daemon, socket_path, log_path, 10)
            run_env = dict(env, TEESCOPE_SIM=socket_path, LD_PRELOAD=args.preload)
            started = time.monotonic()
            proc = subprocess.Popen(command, env=run_env, start_new_session=True)
            try:
                status = proc.wait(timeout=args.timeout)
            except subprocess.TimeoutExpired:
                kill_group(proc.pid)
                proc.wait()
                fail(f"{os.path.basename(command[0])} did not finish within {args.timeout} s")
            finally:
                # Children the scenario leaves running on purpose (leaky's service).
                kill_group(proc.pid)
            elapsed = time.monotonic() - started
            if status != 0:
                fail(f"{os.path.basename(command[0])} exited with status {status} after {elapsed:.1f} s")
            print(f"run_scenario: {os.path.basename(command[0])} exited 0 after {elapsed:.1f} s")
        finally:
            if daemon.poll() is None:
                daemon.send_signal(signal.SIGTERM)
                try:
                    daemon.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    daemon.kill()
                    daemon.wait()
                    print(f"run_scenario: teesim ignored SIGTERM:\n{open(log_path).read()}", file=sys.stderr)
                    sys.exit(1)
        if daemon.returncode != 0:
            fail(f"teesim exited with status {daemon.returncode}:\n{open(log_path).read()}")


if __name__ == "__main__":
    main()
