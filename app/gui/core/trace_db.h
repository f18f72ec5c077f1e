// SPDX-License-Identifier: MIT
// Access to a trace database from the GUI. Every background job opens its own read-only
// connection (a connection is used by one thread only); nothing is cached across jobs, so a
// file that grows while it is open (live mode) is seen as it is now by each new job.
#pragma once

#include "teescope/store/database.h"
#include "teescope/store/statement.h"

#include <QList>
#include <QMetaType>
#include <QString>

namespace teescope::gui {

// What is known of a trace database once it is open; small and loaded on the GUI thread.
struct TraceInfo {
    QString dbPath;
    QString tracePath;      // metadata.trace_path: the CTF trace it was imported from
    qint64 firstTs = 0;     // metadata.first_ts (ns)
    qint64 lastTs = 0;      // metadata.last_ts (ns)
    qint64 events = 0;      // metadata.events
    bool complete = false;  // metadata.complete: the import finished
    bool live = false;      // metadata.live: a live import is still writing it (lastTs is live_ts)
    bool readError = false; // metadata.read_error: the trace could not be read to its end
    qint64 lostEvents = 0;  // import_stats discarded_events
    qint64 dataLossRecords = 0; // sum of import_stats counts of severity data_loss
    int schemaVersion = 0;
    // The TEE stacks the trace holds, in words ("QTEE", "OP-TEE under Xen, 2 guests"; both joined
    // by " + "), and what that means for the views.
    QString stacks;
    bool hasQtee = false;
    bool hasOptee = false;
    // Xen guests (OP-TEE client ids) of the trace, sorted; and whether native processes exist
    // besides them.
    QList<int> guests;
    bool hasNative = false;

    bool hasDataLoss() const { return dataLossRecords > 0 || readError; }
    qint64 duration() const { return lastTs > firstTs ? lastTs - firstTs : 0; }
};

// Opens `path` read-only. Throws store::Error whose message names the file and says what is
// wrong (missing, not a teescope database, written by a newer teescope).
store::Database openTraceDb(const QString &path);

// Reads metadata and data-loss counts. Throws store::Error.
TraceInfo loadTraceInfo(const store::Database &db);

// Text stored from a trace, for display as plain text (invalid UTF-8 is replaced).
inline QString traceText(const std::string &s) { return QString::fromUtf8(s.data(), qsizetype(s.size())); }

} // namespace teescope::gui

Q_DECLARE_METATYPE(teescope::gui::TraceInfo)
