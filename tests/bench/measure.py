# SPDX-License-Identifier: MIT
"""What the import and scale benchmarks share: running a child and measuring its wall time and
peak RSS, recording the load scenario, and reading what a trace and a database hold."""
import os
import selectors
import sqlite3
import subprocess
import time


class RunError(RuntimeError):
    """A command could not be run to its end: it names the command and what went wrong."""


def du(path):
    """Size in bytes of the files under `path`."""
    total = 0
    for root, _, files in os.walk(path):
        for f in files:
            total += os.path.getsize(os.path.join(root, f))
    return total


def run(cmd, env=None, capture=False, timeout=None, ok=(0,)):
    """Runs `cmd`: (wall seconds, peak RSS in bytes, its output or "").

    The peak RSS is the child's own (wait4), not this script's. With `capture`, stdout and stderr
    are returned together; otherwise they are discarded. An exit code outside `ok`, or running
    past `timeout` seconds, raises RunError with the end of the output."""
    out = subprocess.PIPE if capture else subprocess.DEVNULL
    start = time.perf_counter()
    child = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT if capture else subprocess.DEVNULL, env=env)
    text = ""
    try:
        if capture:
            # Reading to the end first keeps a chatty child from blocking on a full pipe.
            text = _read_all(child, timeout, start)
        status, usage = _wait(child, timeout, start)
    except _Timeout:
        child.kill()
        _, status, _ = os.wait4(child.pid, 0)
        child.returncode = status
        raise RunError(f"{' '.join(cmd)} ran past {timeout} s{_tail(text)}") from None
    elapsed = time.perf_counter() - start
    run.cpu = usage.ru_utime + usage.ru_stime  # of the child and the processes it waited for
    code = os.waitstatus_to_exitcode(status)
    child.returncode = code  # reaped here: Popen must not wait for it again
    if code not in ok:
        raise RunError(f"{' '.join(cmd)} exited {code}{_tail(text)}")
    return elapsed, usage.ru_maxrss * 1024, text


class _Timeout(Exception):
    pass


def _read_all(child, timeout, start):
    chunks = []
    fd = child.stdout.fileno()
    with selectors.DefaultSelector() as sel:
        sel.register(fd, selectors.EVENT_READ)
        while True:
            left = None if timeout is None else timeout - (time.perf_counter() - start)
            if left is not None and left <= 0:
                raise _Timeout()
            if not sel.select(left):
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                child.stdout.close()
                return b"".join(chunks).decode(errors="replace")
            chunks.append(chunk)


def _wait(child, timeout, start):
    while True:
        pid, status, usage = os.wait4(child.pid, os.WNOHANG if timeout is not None else 0)
        if pid:
            return status, usage
        if time.perf_counter() - start > timeout:
            raise _Timeout()
        time.sleep(0.02)


def _tail(text):
    text = text.strip()
    return f":\n{text[-1500:]}" if text else ""


def timed(cmd):
    """Wall time and peak RSS (bytes) of one child process whose output is discarded."""
    elapsed, rss, _ = run(cmd)
    timed.cpu = run.cpu
    return elapsed, rss


def calls_for(events):
    """Calls per thread of scenario_load (2 processes x 2 threads) for about `events` events:
    each add invocation is 4 events (user and driver, begin and end)."""
    return max(1000, events // (4 * 4))


def record(bindir, events, out):
    """Records the load scenario into `out`, about `events` events."""
    cmd = [os.path.join(bindir, "teescope"), "record", "--sim", "--blocking", "--no-summary", "-o", out, "--",
           os.path.join(bindir, "scenario_load"), "--processes", "2", "--threads", "2",
           "--calls", str(calls_for(events))]
    try:
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    except subprocess.CalledProcessError as e:
        raise RunError(f"{' '.join(cmd)} exited {e.returncode}{_tail(e.stderr or '')}") from None


def metadata(db, key):
    """A value of the database's metadata table, or None."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        row = conn.execute("SELECT value FROM metadata WHERE key = ?", (key,)).fetchone()
    finally:
        conn.close()
    return None if row is None else row[0]


def help_offers(cmd, option):
    """Whether `cmd --help` mentions `option` (to use options a newer binary may have)."""
    try:
        res = subprocess.run(cmd + ["--help"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return option in res.stdout + res.stderr
