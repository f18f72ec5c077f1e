// SPDX-License-Identifier: MIT
// What the summary page shows, loaded in two stages: counts first (fast, for the first paint),
// then the per-process, leak and latency breakdowns.
#pragma once

#include "core/trace_db.h"

#include <QList>
#include <QString>

namespace teescope::gui {

struct SummaryCounts {
    TraceInfo info;
    qint64 processes = 0, threads = 0, contexts = 0, objects = 0, handles = 0, invocations = 0,
           callbackRequests = 0, asyncReleases = 0, shm = 0, sessions = 0;
};

struct ProcessSummary {
    qint64 id = 0, pid = 0, guest = 0;
    QString name;
    qint64 startTs = 0;
    qint64 endTs = -1; // -1: unknown
    QString endKind;
    qint64 threads = 0, contexts = 0, invocations = 0;
};

struct ImportStat {
    QString name, severity, example; // example is text from the trace: plain text
    qint64 count = 0;
};

struct LeakCount {
    QString kind;
    qint64 count = 0;
};

struct ServiceLatency {
    QString serviceClass;
    qint64 op = 0, count = 0, p99 = 0, max = 0;
};

struct SummaryDetails {
    QList<ProcessSummary> processes;
    QList<ImportStat> stats;
    QList<LeakCount> leaks;      // per leak kind
    qint64 sharedObjects = 0;    // rows of sharing_objects
    QList<ServiceLatency> slowest; // by p99, at most 8
};

// Both throw store::Error.
SummaryCounts loadSummaryCounts(const store::Database &db);
SummaryDetails loadSummaryDetails(const store::Database &db);

} // namespace teescope::gui
