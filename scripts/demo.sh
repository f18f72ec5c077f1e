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

# Every view, rendered offscreen (no display needed).
for view in summary graph timeline leaks latency; do
  "$gui" "$out/trace.db" --screenshot "$out/screenshots/$view.png" --view "$view"
done
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
