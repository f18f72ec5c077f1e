// SPDX-License-Identifier: MIT
// What the summary page shows, loaded in two stages: counts first (fast, for the first paint),
// then the per-process, leak and latency breakdowns.
#pragma once

#include "core/trace_db.h"

#include <QList>
#include <QString>

namespace teescope::gui {

// Counts of one guest under the guest filter (guest >= 0), of the whole trace otherwise.
struct SummaryCounts {
    TraceInfo info;
    int guest = -1;
    qint64 processes = 0, threads = 0, contexts = 0, objects = 0, handles = 0, invocations = 0,
           callbackRequests = 0, asyncReleases = 0, shm = 0, sessions = 0, rpcs = 0, guests = 0;
};

struct GuestSummary {
    qint64 guest = 0;
    qint64 threads = -1; // -1: unknown
    qint64 createdTs = -1, destroyedTs = -1;
    qint64 contextsDropped = 0, sessionsDropped = 0, shmDropped = 0;
    QString endKind;
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

// Leaks of one kind, class and creator: what suppressions match.
struct LeakGroupCount {
    QString kind, objectClass, creatorName;
    qint64 count = 0;
};

// A row of data_loss: what the tracer discarded or the importer could not read, and when.
struct DataLossRecord {
    QString what;   // events | packets | unreadable_packets
    qint64 count = 0;
    qint64 beginTs = -1, endTs = -1; // -1: unknown
    QString stream; // text from the trace
};

struct ServiceLatency {
    QString serviceClass; // a class of objects, or an OP-TEE TA
    qint64 op = 0, count = 0, p99 = 0, max = 0;
    QString opName;       // the op in words
};

struct SummaryDetails {
    QList<ProcessSummary> processes;
    QList<GuestSummary> guests;
    QList<ImportStat> stats;
    QList<LeakCount> leaks;      // per leak kind
    QList<LeakGroupCount> leakGroups; // per kind, class and creator name
    QList<DataLossRecord> dataLoss;
    qint64 sharedObjects = 0;    // rows of sharing_objects
    QList<ServiceLatency> slowest; // by p99, at most 8
};

// Both throw store::Error. guest >= 0: what belongs to that guest only.
SummaryCounts loadSummaryCounts(const store::Database &db, int guest = -1);
SummaryDetails loadSummaryDetails(const store::Database &db, int guest = -1);

} // namespace teescope::gui
