#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The trace checker parses babeltrace2's syntax and catches traces that break the invariants."""
import sys

import tracecheck as tc

LINES = [
    '[100] vm teescope_drv:context_open: { cpu_id = 0 }, { vpid = 10, vtid = 10, procname = "a b" }, '
    '{ pid = 10, tid = 10, ctx = 1, impl = 4, guest = 0, dev = "tee0" }',
    '[110] vm teescope_drv:invoke_begin: { cpu_id = 1 }, { vpid = 9, vtid = 9, procname = "teesim" }, '
    '{ pid = 10, tid = 10, ctx = 1, invocation = 5, handle = 18446744073709551615, object = 0x55aa, op = 2, '
    'bi = 0, bo = 0, oi = 1, oo = 1, in_bytes = 0, out_bytes = 0, _obj_in_length = 2, obj_in = [ [0] = 1, [1] = 0x10 ] }',
    '[120] vm teescope_drv:object_create: { cpu_id = 1 }, { vpid = 9, vtid = 9, procname = "teesim" }, '
    '{ pid = 10, tid = 10, ctx = 1, object = 0x77, kind = ( "qtee" : container = 0 ), sw_id = 3, uid = 143, ref = 0, invocation = 5 }',
    '[130] vm teescope_drv:handle_bind: { cpu_id = 1 }, { vpid = 9, vtid = 9, procname = "teesim" }, '
    '{ pid = 10, tid = 10, ctx = 1, handle = 0, object = 0x77, invocation = 5, request = 0 }',
    '[140] vm teescope_drv:invoke_end: { cpu_id = 1 }, { vpid = 9, vtid = 9, procname = "teesim" }, '
    '{ pid = 10, tid = 10, ctx = 1, invocation = 5, err = 0, ret = -90, out_bytes = 0, _obj_out_length = 0, obj_out = [ ] }',
]


def main():
    c = tc.Checker()
    ev = [tc.parse_line(l) for l in LINES]
    c.check(ev[0]["procname"] == "a b" and ev[0]["dev"] == "tee0", "strings parse")
    c.check(ev[1]["obj_in"] == [1, 16] and ev[1]["object"] == 0x55AA, "arrays and hex parse")
    c.check(ev[2]["kind"] == "qtee", "enums parse to their label")
    c.check(ev[4]["ret"] == -90 and ev[4]["obj_out"] == [], "negative numbers and empty arrays parse")
    good = tc.check_invariants(ev, tc.Checker())
    c.check(not good.failures, f"a consistent trace passes: {good.failures}")
    # Drop the end of the invocation: the checker must notice.
    bad = tc.check_invariants(ev[:4], tc.Checker())
    c.check(any("never ends" in f for f in bad.failures), "an invocation without end is caught")
    # Bind the same handle twice.
    bad = tc.check_invariants(ev + [ev[3]], tc.Checker())
    c.check(any("bound twice" in f for f in bad.failures), "a double bind is caught")
    return c.report("tracecheck selftest")


if __name__ == "__main__":
    sys.exit(main())
