#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The demo: records two realistic multi-process scenarios against teesim under LTTng — one on
# QTEE, one on OP-TEE under Xen with two guests — imports the traces into databases, writes the
# reports and a screenshot of every view of teescope-gui for each, then opens teescope-gui on the
# QTEE one when there is a display.
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
rm -rf "$out/trace" "$out/trace.db" "$out/xen" "$out/xen.db" "$out/reports" "$out/screenshots" \
  "$out/trace.pftrace" "$out/trace.json" "$out/graph.svg"
mkdir -p "$out/reports" "$out/screenshots"

# QTEE: a multi-process scenario against teesim's QTEE.
"$teescope" record --sim --sim-config "$root/samples/scenarios/demo.conf" \
  -o "$out/trace" -- "$root/build/bin/scenario_demo"
echo
# OP-TEE under Xen: two guests sharing one OP-TEE, each with its own tee-supplicant; one of them
# goes over its limit of calls in flight and is destroyed while it still holds a session.
"$teescope" record --sim=optee --guests 2 -o "$out/xen" -- "$root/build/bin/scenario_xen"
echo
"$teescope" import "$out/trace" -o "$out/trace.db"
"$teescope" import "$out/xen" -o "$out/xen.db"
for report in leaks sharing latency stats objects; do
  "$teescope" report "$report" "$out/trace.db" > "$out/reports/$report.txt"
  "$teescope" report "$report" "$out/xen.db" > "$out/reports/xen-$report.txt"
done
echo
echo "== leaks (QTEE)"
cat "$out/reports/leaks.txt"
echo
echo "== latency (QTEE)"
cat "$out/reports/latency.txt"
echo
echo "== leaks (OP-TEE under Xen)"
cat "$out/reports/xen-leaks.txt"
echo
echo "== latency (OP-TEE under Xen)"
cat "$out/reports/xen-latency.txt"

# Every view, rendered offscreen (no display needed), each with something worth inspecting
# selected: the oldest leak, the invocation that caused the most callback requests, the slowest one.
shots() { # DB PREFIX
  local db=$1 prefix=$2
  local leak busiest slowest
  # The oldest leak of an object or session (a leaked shm has no node of its own to select).
  leak=$(sqlite3 "$db" "SELECT CASE WHEN kind LIKE 'session%' THEN 'session:' ELSE 'object:' END || object_id
                          FROM leaks WHERE object_id IS NOT NULL AND kind NOT LIKE 'shm%'
                         ORDER BY age_ns DESC LIMIT 1")
  busiest=$(sqlite3 "$db" "SELECT invocation_id FROM callback_requests WHERE invocation_id IS NOT NULL
                           GROUP BY invocation_id ORDER BY count(*) DESC LIMIT 1")
  slowest=$(sqlite3 "$db" "SELECT id FROM invocations WHERE drv_end_ts IS NOT NULL
                           ORDER BY drv_end_ts - drv_begin_ts DESC LIMIT 1")
  shot() { # VIEW [KIND:ID]
    "$gui" "$db" --screenshot "$out/screenshots/$prefix$1.png" --view "$1" ${2:+--select "$2"}
  }
  shot summary
  shot graph "$leak"
  shot timeline "${busiest:+invocation:$busiest}"
  shot leaks "$leak"
  shot latency "${slowest:+invocation:$slowest}"
}
shots "$out/trace.db" ""
shots "$out/xen.db" "xen-"
echo
# For other tools: a Perfetto trace (ui.perfetto.dev), Chrome JSON, and the capability graph
# halfway through the recording.
"$teescope" export "$out/trace.db" --format perfetto -o "$out/trace.pftrace"
"$teescope" export "$out/trace.db" --format chrome-json -o "$out/trace.json"
half=$(sqlite3 "$out/trace.db" "SELECT ((SELECT value FROM metadata WHERE key = 'last_ts')
                                      - (SELECT value FROM metadata WHERE key = 'first_ts')) / 2")
"$teescope" export "$out/trace.db" --format svg --at "${half}ns" -o "$out/graph.svg"
echo
echo "traces:      $out/trace (QTEE), $out/xen (OP-TEE under Xen)   (babeltrace2 DIR | less)"
echo "databases:   $out/trace.db, $out/xen.db   (teescope report leaks|sharing|latency|stats|objects, or sqlite3)"
echo "reports:     $out/reports/"
echo "screenshots: $out/screenshots/"
echo "exports:     $out/trace.pftrace (ui.perfetto.dev), $out/trace.json (Chrome JSON), $out/graph.svg"
if [ "$open_gui" = 1 ] && { [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; }; then
  echo "opening teescope-gui $out/trace.db"
  exec "$gui" "$out/trace.db" --view graph
fi
echo "no display: open it later with  $gui $out/trace.db"
