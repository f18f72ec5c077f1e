// SPDX-License-Identifier: MIT
// The timeline's store: one lane per process (a header) and per thread, each a few rows of
// time-sorted, non-overlapping slices (invocations and the callback requests or OP-TEE RPCs a
// supplicant thread served), plus the arrows from an invocation to the request it caused, the
// waits of OP-TEE calls for a thread, markers and data-loss ranges. Read by background jobs in
// stages (lanes first, then invocations in chunks by id), so the page paints what is loaded, and a
// growing file (live mode) only adds rows with larger ids. A large trace is held as a summary and
// the invocations of one time range only (windowed).
#pragma once

#include "core/trace_db.h"
#include "timeline/timeline_summary.h"

#include <QString>

#include <cstdint>
#include <unordered_map>
#include <vector>

namespace teescope::gui {

class TimeMapping;

// One invocation (user side ⊃ driver side) or callback request (queued ⊃ processing).
// 32 bytes: 1.28 M invocations take 40 MB.
struct TimelineSlice {
    enum Flag : quint8 {
        Request = 1,     // a callback request, not an invocation
        UserOnly = 2,    // no driver side (the ioctl never reached the driver)
        DriverOnly = 4,  // no user side (not traced in user space, or the driver's own call)
        Error = 8,       // err != 0 or ret != 0
        EndInferred = 16,// its end is missing (data loss, the caller died): drawn open
        Internal = 32,   // the driver's own invocation
        Waited = 64,     // an OP-TEE call that waited for a thread before running (TimelineData::waitsOf)
        InFlight = 128,  // no end yet and none inferred: in flight in a live file, drawn up to "now"
    };
    qint64 begin = 0;       // user_begin_ts (else drv_begin_ts); request: queue_ts (else pick_ts)
    qint64 end = 0;         // user_end_ts (else drv_end_ts); request: answer_ts; missing: last known time
    quint32 id = 0;         // invocations.id or callback_requests.id
    quint32 innerBegin = 0; // inner span (driver side, processing) starts begin + innerBegin ...
    quint32 innerEnd = 0;   // ... and ends at end - innerEnd (ns, saturated at 4.29 s)
    quint16 kind = 0;       // TimelineData::kinds() index: (object class, op)
    quint8 depth = 0;       // invocations.depth
    quint8 flags = 0;

    bool is(Flag f) const { return flags & f; }
    qint64 innerBeginTs() const { return begin + innerBegin; }
    qint64 innerEndTs() const { return end - innerEnd; }
};
static_assert(sizeof(TimelineSlice) == 32, "keep slices compact");

struct TimelineSliceKind {
    QString objectClass; // objects.class of the invoked (or callback) object, the TA of an OP-TEE call, "rpc"; "?" if unknown
    qint64 op = 0;
    QString opLabel;     // the op in words: its name (op_names, a TA command's name), an RPC command, else opName(op)
};

// A wait of an OP-TEE call for a thread (optee_waits), drawn inside the call's driver side.
struct TimelineWait {
    qint64 begin = 0;
    qint64 end = 0;
    bool guestLimit = false; // the guest's limit of calls in flight, not a busy TEE
};

// Slices of one row: sorted by begin and non-overlapping, so ends are sorted too.
struct TimelineRow {
    int level = 0;    // 2 × depth for invocations, 1 for callback requests
    int overflow = 0; // > 0: slices that overlapped others of the same level (inconsistent data)
    std::vector<TimelineSlice> slices;

    // Zoomed out, a pixel column holds thousands of slices; finding where the next column starts
    // by binary search over the whole row reads a cache line per step. A coarse index (the first
    // slice starting in each of kBuckets equal time buckets) narrows it to a few slices. Built
    // lazily when the row grew; 64 KB per large row.
    static constexpr qint64 kBuckets = 16384;
    static constexpr size_t kIndexFrom = 8192; // smaller rows are searched directly
    // The first slice in [from, size) that begins at or after `ts`.
    size_t firstBeginningAtOrAfter(qint64 ts, size_t from) const;

private:
    void buildIndex() const;
    mutable std::vector<quint32> bucketFirst_;
    mutable size_t indexedSize_ = 0;
    mutable qint64 indexBegin_ = 0;
    mutable qint64 bucketNs_ = 1;
};

struct TimelineLane {
    enum class Kind { Driver, Process, Thread };
    Kind kind = Kind::Thread;
    qint64 guest = 0;     // Xen client id of its process (0 native)
    qint64 processId = 0; // processes.id (0 for the driver lane)
    qint64 threadId = 0;  // threads.id (thread lanes)
    qint64 pid = 0;
    qint64 tid = 0;
    QString processName;
    qint64 startTs = 0;
    qint64 endTs = -1;    // -1: no end within the trace
    QString endKind;      // processes.end_kind (process lanes)
    std::vector<TimelineRow> rows; // sorted by (level, overflow)
    qint64 invocations = 0;
    qint64 requests = 0;

    int rowIndex(int level) const; // first row of `level`, -1 if none
};

// From the invocation that caused a callback request to the supplicant thread that served it.
struct TimelineArrow {
    qint64 requestId = 0;
    qint64 invocationId = 0;
    qint64 fromThreadId = 0; // invoker thread
    int fromLevel = 0;
    qint64 fromTs = 0;       // queue_ts
    qint64 toThreadId = 0;   // supplicant thread
    qint64 toTs = 0;         // pick_ts (queue_ts if never picked)
    bool rpc = false;        // an OP-TEE RPC to tee-supplicant, not a QTEE callback
};

struct TimelineMarker {
    enum class Kind { AsyncRelease, ProcessEnd, ThreadEnd };
    Kind kind = Kind::ThreadEnd;
    qint64 ts = 0;
    qint64 processId = 0; // ProcessEnd
    qint64 threadId = 0;  // AsyncRelease (carrier thread), ThreadEnd
    qint64 id = 0;        // async_releases.object_id for AsyncRelease
    QString what;         // process end_kind
};

struct TimelineDataLoss {
    qint64 begin = 0;
    qint64 end = 0;
    qint64 count = 0;
    QString stream;
};

// A run of the aggregated drawing: one slice, or several slices (`count` > 1) merged because
// they start in the same pixel column.
struct TimelineRun {
    double x0 = 0;
    double x1 = 0;
    quint32 first = 0; // index of the first slice in the row
    quint32 count = 0;
};

// What the first stage reads: processes, threads, objects' classes, callback requests (with
// their arrows), async releases, data loss. Small tables; requests and releases by id.
struct TimelineStructure {
    struct Process { qint64 id, pid, startTs, endTs; QString name, endKind; qint64 guest = 0; };
    struct Thread { qint64 id, processId, tid, startTs, endTs; };
    // A slice and its lane (threadId 0: the driver lane); err and ret travel along for slices
    // flagged Error, which keep them in a side table (few slices fail).
    struct Placed { qint64 threadId; TimelineSlice slice; qint64 err = 0; qint64 ret = 0; };
    std::vector<Process> processes;
    std::vector<Thread> threads;
    std::vector<TimelineSliceKind> kinds; // local to this result
    std::vector<Placed> requests;
    std::vector<TimelineArrow> arrows;
    std::vector<TimelineMarker> releases;
    std::vector<TimelineDataLoss> dataLoss;
    qint64 lastRequestId = 0;
    qint64 lastReleaseId = 0;
    qint64 invocationTotal = 0; // invocations in the file now, for progress
};

// A chunk of invocations (id > after, by id).
struct TimelineChunk {
    std::vector<TimelineSliceKind> kinds; // local to this result
    std::vector<TimelineStructure::Placed> invocations;
    std::vector<std::pair<quint32, TimelineWait>> waits; // by invocation id, of the invocations flagged Waited
    qint64 lastId = 0;
    bool more = false; // the chunk was full: there may be more
};

class TimelineData {
public:
    // Background readers (one connection per job). Throw store::Error.
    static TimelineStructure readStructure(const store::Database &db, qint64 afterRequestId, qint64 afterReleaseId);
    static TimelineChunk readInvocations(const store::Database &db, qint64 afterId, qint64 limit);
    // The invocations overlapping [t0, t1] (those in flight: that begin before t1), read through
    // the ids a summary gives for the range.
    static TimelineChunk readRange(const store::Database &db, qint64 t0, qint64 t1, const TimelineSummary::IdRanges &ids);

    void clear();
    // Merges what a job read, on the GUI thread. Lanes keep their order: processes by start,
    // threads by start within their process; the driver lane (internal invocations) first.
    void apply(TimelineStructure &&structure);
    void apply(TimelineChunk &&chunk);
    // Gives back what growing the rows reserved (after a load; appends grow them again).
    void squeeze();

    // A large trace (timeline_data_window.cpp): the rows hold the invocations of one time range
    // (the window, read with readRange) and the callback requests overlapping it; zoomed out
    // the view paints the summary. Windowed from before the first structure is applied.
    void setWindowed(bool windowed) { windowed_ = windowed; }
    bool isWindowed() const { return windowed_; }
    void setSummary(TimelineSummary &&summary);
    const TimelineSummary *summary() const { return hasSummary_ ? &summary_ : nullptr; }
    // Replaces the rows' slices with those of [t0, t1].
    void setWindow(TimelineChunk &&chunk, qint64 t0, qint64 t1);
    bool hasWindow() const { return windowEnd_ >= windowBegin_; }
    qint64 windowBegin() const { return windowBegin_; }
    qint64 windowEnd() const { return windowEnd_; }
    bool windowCovers(qint64 t0, qint64 t1) const { return hasWindow() && windowBegin_ <= t0 && t1 <= windowEnd_; }

    const std::vector<TimelineLane> &lanes() const { return lanes_; }
    const std::vector<TimelineSliceKind> &kinds() const { return kinds_; }
    const std::vector<TimelineArrow> &arrows() const { return arrows_; }
    const std::vector<TimelineMarker> &markers() const { return markers_; }
    const std::vector<TimelineDataLoss> &dataLoss() const { return dataLoss_; }
    qint64 lastInvocationId() const { return lastInvocationId_; }
    qint64 lastRequestId() const { return lastRequestId_; }
    qint64 lastReleaseId() const { return lastReleaseId_; }
    qint64 invocationCount() const { return invocationCount_; }
    qint64 invocationTotal() const { return invocationTotal_; }
    // Earliest and latest time of anything loaded (0, 0 when empty).
    qint64 firstTs() const { return firstTs_; }
    qint64 lastTs() const { return lastTs_; }

    int laneOfThread(qint64 threadId) const;   // -1 if none
    int laneOfProcess(qint64 processId) const; // the header lane, -1 if none
    struct Found { int lane = -1; int row = -1; int index = -1; bool ok() const { return lane >= 0; } };
    // The slice of an invocation or callback request by its id (a linear scan).
    Found find(bool request, qint64 id) const;
    const TimelineSlice &slice(const Found &f) const { return lanes_[size_t(f.lane)].rows[size_t(f.row)].slices[size_t(f.index)]; }
    // err and ret of a slice flagged Error.
    std::pair<qint64, qint64> errorCodes(const TimelineSlice &slice) const;
    // The waits of an invocation slice flagged Waited (nullptr if none).
    const std::vector<TimelineWait> *waitsOf(const TimelineSlice &slice) const;
    // The slice at `ts` in a row, or -1.
    static int sliceAt(const TimelineRow &row, qint64 ts, qint64 slack);

    // Live mode (timeline_data_live.cpp): the invocations loaded in flight, their ends read again
    // later, and their drawing grown up to "now" meanwhile.
    struct OpenSlice { quint32 id; qint64 threadId; };
    struct SliceEnd { quint32 id = 0; qint64 threadId = 0; qint64 end = 0; qint64 innerEnd = 0; bool ended = false;
                      bool driver = false; qint64 err = 0; qint64 ret = 0; };
    const std::vector<OpenSlice> &openSlices() const { return open_; }
    static std::vector<SliceEnd> readEnds(const store::Database &db, const std::vector<OpenSlice> &open);
    void applyEnds(const std::vector<SliceEnd> &ends);
    void growOpenSlices(qint64 now);

    // The aggregated slices of `row` visible in `mapping`: one run per slice at least
    // `minWidth` px wide, and slices starting in one pixel column merged into one run. Never
    // more runs than pixel columns; the cost is O(runs × log n).
    static void runs(const TimelineRow &row, const TimeMapping &mapping, std::vector<TimelineRun> &out);

private:
    void place(const TimelineStructure::Placed &placed);
    // Windowed: an empty row for every level the summary says a lane has, so lanes keep their
    // height as the window moves.
    void reserveRows();
    TimelineSlice *findInLane(qint64 threadId, quint32 id);
    TimelineLane &driverLane();
    quint16 internKind(const TimelineSliceKind &kind);
    void extend(qint64 b, qint64 e);

    std::vector<TimelineLane> lanes_;
    std::unordered_map<qint64, int> threadLane_;
    std::unordered_map<qint64, int> processLane_;
    std::vector<TimelineSliceKind> kinds_;
    std::vector<TimelineArrow> arrows_;
    std::vector<TimelineMarker> markers_;
    std::vector<TimelineMarker> releases_;
    std::vector<TimelineDataLoss> dataLoss_;
    std::unordered_map<quint32, std::pair<qint64, qint64>> invocationErrors_;
    std::unordered_map<quint32, std::vector<TimelineWait>> waits_;
    std::unordered_map<quint32, std::pair<qint64, qint64>> requestErrors_;
    std::vector<OpenSlice> open_;
    bool windowed_ = false;
    std::vector<TimelineStructure::Placed> requests_; // windowed: every request, placed when in the window
    TimelineSummary summary_;
    bool hasSummary_ = false;
    qint64 windowBegin_ = 0;
    qint64 windowEnd_ = -1;
    qint64 lastInvocationId_ = 0;
    qint64 lastRequestId_ = 0;
    qint64 lastReleaseId_ = 0;
    qint64 invocationCount_ = 0;
    qint64 invocationTotal_ = 0;
    qint64 firstTs_ = 0;
    qint64 lastTs_ = 0;
};

} // namespace teescope::gui
