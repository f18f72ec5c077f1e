# SPDX-License-Identifier: MIT
"""What the store's text formats show, for tests that read `teescope` output."""


def duration_text(ns):
    """The store's format_duration: 750ns, 1.42µs, 21.6ms, 1.09s."""
    if ns < 1000:
        return f"{ns}ns"
    unit, v = "µs", ns / 1e3
    if ns >= 1_000_000_000:
        unit, v = "s", ns / 1e9
    elif ns >= 1_000_000:
        unit, v = "ms", ns / 1e6
    return f"{v:.{2 if v < 10 else 1 if v < 100 else 0}f}{unit}"
