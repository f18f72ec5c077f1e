#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The demo: records a realistic multi-process scenario against teesim (a simulated QTEE) under
# LTTng and prints where the trace is and what it holds.
#   scripts/demo.sh [OUTPUT_DIR]      (default: out/demo)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/out/demo}
"$root/scripts/setup.sh"
rm -rf "$out/trace"
mkdir -p "$out"
"$root/build/bin/teescope" record --sim --sim-config "$root/samples/scenarios/demo.conf" \
  -o "$out/trace" -- "$root/build/bin/scenario_demo"
echo
echo "Read it with: babeltrace2 $out/trace | less"
