#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""No import outlives the GUI that started it.

  import_ends_with_gui.py --gui teescope-gui --teescope teescope --samples samples/traces

`teescope-gui TRACE_DIR` imports the trace through `teescope import` before it opens a window.
On a trace whose metadata is cut (Babeltrace2 spins in its trace-infos query) the GUI is killed
with SIGKILL: `teescope import` and its importer child must be gone within 2 s.
"""
import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "importer"))
from bounds import alive, children_of, wait_until  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gui", required=True)
    ap.add_argument("--teescope", required=True)
    ap.add_argument("--samples", required=True)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="teescope-gui-dies-") as tmp:
        trace = os.path.join(tmp, "stuck")
        subprocess.run(["cp", "-r", os.path.join(a.samples, "clean"), trace], check=True)
        os.truncate(os.path.join(trace, "ust", "uid", "0", "64-bit", "metadata"), 5698)
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CACHE_HOME=os.path.join(tmp, "cache"),
                   XDG_CONFIG_HOME=os.path.join(tmp, "config"), TEESCOPE_CLI=os.path.abspath(a.teescope))
        gui = subprocess.Popen([a.gui, trace], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
        started = [gui.pid]
        try:
            cli, importer = [], []
            if not wait_until(lambda: cli.extend(children_of(gui.pid)) or cli, 20):
                print("FAIL: the GUI started no `teescope import`")
                return 1
            if not wait_until(lambda: importer.extend(children_of(cli[0])) or importer, 10):
                print("FAIL: `teescope import` started no importer child")
                return 1
            started += cli + importer
            time.sleep(1)
            os.kill(gui.pid, signal.SIGKILL)
            gui.wait()
            t0 = time.monotonic()
            gone = wait_until(lambda: not alive(cli[0]) and not alive(importer[0]), 2)
            took = time.monotonic() - t0
            if not gone:
                print(f"FAIL: 2 s after the GUI was killed: teescope import alive={alive(cli[0])}, "
                      f"importer child alive={alive(importer[0])}")
                return 1
            print(f"ok: teescope import and its importer child ended {took:.2f} s after the GUI was killed")
            return 0
        finally:
            for pid in started:
                if alive(pid):
                    os.kill(pid, signal.SIGKILL)


if __name__ == "__main__":
    sys.exit(main())
