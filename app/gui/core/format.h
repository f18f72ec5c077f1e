// SPDX-License-Identifier: MIT
// How values are written for people: durations, trace times, processes, operations.
#pragma once

#include <QString>

namespace teescope::gui {

// 1234567 -> "1.23 ms"; negative or unknown (< 0) -> "?".
QString formatDuration(qint64 ns);
// A trace timestamp relative to the start of the trace: "+1.234567 s".
QString formatTraceTime(qint64 ts, qint64 traceStart);
// "name (pid N)", name being processes.display_name (the program's file name, else the
// procname); an empty name gives "? (pid N)".
QString processLabel(const QString &name, qint64 pid);
// What the driver does on its own (invocations.internal, rows of no process): "driver (kernel)".
QString driverLabel();
// Operation number of an invocation: "release" for 65535 (QTEE RELEASE), "open" (-1) and "close"
// (-2) for OP-TEE sessions, else the number.
QString opName(qint64 op);
// An op with its name where it has one, the number kept: "add (0)", "release", "open", "7".
// `name` is the op's name (op_names, a TA command's name), empty if it has none.
QString opWithName(qint64 op, const QString &name);
// A call of an op of a class (or TA), as labels and titles show it: "app.add (0)", "app.release",
// "hello_world.open", "app op 7" (no name).
QString callText(const QString &objectClass, qint64 op, const QString &name);
// An OP-TEE RPC command to tee-supplicant: "LOAD_TA", "RPMB", "FS", "SHM_ALLOC", ..., else "cmd N".
QString rpcCommandName(qint64 cmd);
// A thread as every view names it: by its tid ("thread 14020"), the id people know it by.
QString threadLabel(qint64 tid);
// An enum-like value of the database in words: end kinds of processes, contexts, objects, handle
// bindings, callback requests, shm, sessions and guests, object kinds, leak kinds, severities of
// import statistics, kinds of data loss, request kinds, OP-TEE calls and waits ("alive_at_end" ->
// "alive at the end", "not_released_by_tee" -> "never released by the TEE"). One table for every
// view; an unknown identifier gets its underscores replaced by spaces, anything else is returned
// as it is.
QString valueText(const QString &value);
// GlobalPlatform codes the database keeps as numbers: a login method ("public", "user", ...) and
// the origin of a result ("API", "COMMS", "TEE", "trusted application"); unknown ones as numbers.
QString loginText(qint64 login);
QString originText(qint64 origin);
// A Xen guest by its OP-TEE client id: "guest N"; 0 is "native".
QString guestLabel(qint64 guest);
// 1234567 -> "1,234,567" (locale-independent grouping).
QString formatCount(qint64 n);
// A count and its noun: (1, "process", "processes") -> "1 process", 3 -> "3 processes".
QString countOf(qint64 n, const QString &one, const QString &many);
// A tooltip that shows `text` literally: QToolTip renders anything that looks like markup as
// rich text, so text from a trace is escaped inside an explicit rich-text document.
QString plainToolTip(const QString &text);

} // namespace teescope::gui
