#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The demo: records a realistic multi-process scenario against teesim (a simulated QTEE) under
# LTTng, imports the trace into a database, writes the reports and a screenshot of every view of
# teescope-gui, then opens teescope-gui on it when there is a display.
#   scripts/demo.sh [--no-gui] [OUTPUT_DIR]      (default: out/demo)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
open_gui=1
if [ "${1:-}" = "--no-gui" ]; then
  open_gui=0
  shift
fi
out=${1:-$root/out/demo}
teescope="$root/build/bin/teescope"
gui="$root/build/bin/teescope-gui"
"$root/scripts/setup.sh"
rm -rf "$out/trace" "$out/trace.db" "$out/reports" "$out/screenshots"
mkdir -p "$out/reports" "$out/screenshots"

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

# Every view, rendered offscreen (no display needed), each with something worth inspecting
# selected: the oldest leak, the invocation that caused the most callback requests, the slowest one.
db="$out/trace.db"
leak=$(sqlite3 "$db" "SELECT object_id FROM leaks WHERE kind NOT IN ('shm_not_freed', 'session_not_closed')
                      ORDER BY age_ns DESC LIMIT 1")
busiest=$(sqlite3 "$db" "SELECT invocation_id FROM callback_requests WHERE invocation_id IS NOT NULL
                         GROUP BY invocation_id ORDER BY count(*) DESC LIMIT 1")
slowest=$(sqlite3 "$db" "SELECT id FROM invocations WHERE drv_end_ts IS NOT NULL
                         ORDER BY drv_end_ts - drv_begin_ts DESC LIMIT 1")
shot() { # VIEW [KIND:ID]
  "$gui" "$db" --screenshot "$out/screenshots/$1.png" --view "$1" ${2:+--select "$2"}
}
shot summary
shot graph "${leak:+object:$leak}"
shot timeline "${busiest:+invocation:$busiest}"
shot leaks "${leak:+object:$leak}"
shot latency "${slowest:+invocation:$slowest}"
echo
echo "trace:       $out/trace      (babeltrace2 $out/trace | less)"
echo "database:    $out/trace.db   (teescope report leaks|sharing|latency|stats|objects, or sqlite3)"
echo "reports:     $out/reports/"
echo "screenshots: $out/screenshots/"
if [ "$open_gui" = 1 ] && { [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; }; then
  echo "opening teescope-gui $out/trace.db"
  exec "$gui" "$out/trace.db" --view graph
fi
echo "no display: open it later with  $gui $out/trace.db"
