#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""`teescope diff` of two real recordings: scenario_slow against teesim's default latencies, then
with samples/scenarios/slow_service.conf (app add ~150 us with 40x outliers, Diagnostics ~2 ms).

  diff_slow.py --bindir BUILD/bin --config slow_service.conf

The p99 regression of app add (op 0, 300 calls in each run) is named and `--fail-on p99+20%`
exits 1; the runs have the same leaks (none new); slow against itself breaks no rule. Records with
LTTng: run it under the machine's recording lock.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--bindir", required=True)
    p.add_argument("--config", required=True)
    a = p.parse_args()
    teescope = os.path.join(a.bindir, "teescope")
    scenario = os.path.join(a.bindir, "scenario_slow")
    failures = []

    def expect(ok, what):
        print(f"{'ok  ' if ok else 'FAIL'} {what}")
        if not ok:
            failures.append(what)

    def run(*args):
        return subprocess.run([teescope, *args], capture_output=True, text=True, timeout=300, check=False)

    with tempfile.TemporaryDirectory(prefix="teescope-diff-e2e-") as tmp:
        dbs = {}
        for name, config in (("default", []), ("slow", ["--sim-config", a.config])):
            trace = os.path.join(tmp, name)
            r = run("record", "--sim", *config, "--no-summary", "-o", trace, "--", scenario, "--calls=300")
            if r.returncode != 0:
                sys.exit(f"record {name} failed ({r.returncode}): {r.stderr}")
            dbs[name] = trace + ".db"
            r = run("import", trace, "-o", dbs[name], "--progress=none")
            if r.returncode != 0:
                sys.exit(f"import {name} failed ({r.returncode}): {r.stderr}")

        r = run("diff", dbs["default"], dbs["slow"], "--fail-on", "p99+20%", "--fail-on", "new-leaks",
                "--format", "json")
        expect(r.returncode == 1, f"default -> slow with p99+20%: exit {r.returncode} {r.stderr!r}")
        doc = json.loads(r.stdout)
        add = next((x for x in doc["latency"] if x["class"] == "app" and x["op"] == 0), None)
        expect(add is not None and add["count_base"] == add["count_new"] == 300,
               f"app add called 300 times in each run: {add}")
        if add:
            expect(add["p99_new_ns"] > 1.2 * add["p99_base_ns"],
                   f"app add p99 grew: {add['p99_base_ns']} -> {add['p99_new_ns']} ns")
        lines = [x["broken"] for x in doc["broken_rules"]]
        expect(any(line.startswith("p99+20%: p99 of app:add (op 0) ") for line in lines), f"app add is named: {lines}")
        expect(not any(line.startswith("new-leaks") for line in lines), f"no new leak: {lines}")
        r = run("diff", dbs["slow"], dbs["slow"], "--fail-on", "p99+0%", "--fail-on", "new-leaks")
        expect(r.returncode == 0, f"slow against itself: exit {r.returncode} {r.stderr!r}")

    print(f"{'FAILED' if failures else 'passed'}: {len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
