#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The demo: records a realistic multi-process scenario against teesim (a simulated QTEE) under
# LTTng, imports the trace into a database, and writes the reports.
#   scripts/demo.sh [OUTPUT_DIR]      (default: out/demo)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/out/demo}
teescope="$root/build/bin/teescope"
"$root/scripts/setup.sh"
rm -rf "$out/trace" "$out/trace.db" "$out/reports"
mkdir -p "$out/reports"

"$teescope" record --sim --sim-config "$root/samples/scenarios/demo.conf" \
  -o "$out/trace" -- "$root/build/bin/scenario_demo"
echo
"$teescope" import "$out/trace" -o "$out/trace.db"
for report in leaks sharing latency stats objects; do
  "$teescope" report "$report" "$out/trace.db" > "$out/reports/$report.txt"
done
echo
echo "== leaks"
cat "$out/reports/leaks.txt"
echo
echo "== latency"
cat "$out/reports/latency.txt"
echo
echo "trace:    $out/trace      (babeltrace2 $out/trace | less)"
echo "database: $out/trace.db   (teescope report leaks|sharing|latency|stats|objects, or sqlite3)"
echo "reports:  $out/reports/"
