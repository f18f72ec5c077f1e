// SPDX-License-Identifier: MIT
#include "timeline/timeline_data.h"

#include "core/format.h"
#include "teescope/store/op_names.h"
#include "timeline/time_mapping.h"

#include <QHash>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <tuple>

namespace teescope::gui {

namespace {

constexpr int kMaxDepth = 100;

std::optional<qint64> optInt(const store::Statement &s, int col)
{
    if (s.null_at(col))
        return std::nullopt;
    return qint64(s.int_at(col));
}

quint32 saturate32(qint64 v)
{
    return quint32(std::clamp<qint64>(v, 0, std::numeric_limits<quint32>::max()));
}

quint32 id32(qint64 id)
{
    return quint32(std::clamp<qint64>(id, 0, std::numeric_limits<quint32>::max()));
}

// Interns (class, op, label) triples within one job's result (callback objects of one class
// name an op differently: credentials and listeners).
class LocalKinds {
public:
    explicit LocalKinds(std::vector<TimelineSliceKind> *out) : out_(out) {}
    quint16 get(const QString &objectClass, qint64 op, const QString &opLabel = QString())
    {
        const QString label = opLabel.isEmpty() ? opName(op) : opLabel;
        const auto key = std::make_tuple(objectClass, op, label);
        auto it = index_.find(key);
        if (it != index_.end())
            return it->second;
        const auto idx = quint16(std::min<size_t>(out_->size(), std::numeric_limits<quint16>::max()));
        if (out_->size() < std::numeric_limits<quint16>::max())
            out_->push_back({objectClass, op, label});
        index_.emplace(key, idx);
        return idx;
    }

private:
    std::vector<TimelineSliceKind> *out_;
    std::map<std::tuple<QString, qint64, QString>, quint16> index_;
};

// The name of a QTEE op (op_names), empty if it has none.
QString qteeOpName(const store::OpNames &names, qint64 object, const QString &objectClass, qint64 op)
{
    return traceText(names.name(object, objectClass.toStdString(), op));
}

std::unordered_map<qint64, QString> readObjectClasses(const store::Database &db)
{
    std::unordered_map<qint64, QString> classes;
    store::Statement s(db.handle(), "SELECT id, class FROM objects", db.path());
    QHash<QString, QString> shared; // one QString per distinct class
    while (s.next()) {
        QString c = traceText(s.text_at(1));
        auto it = shared.find(c);
        if (it == shared.end())
            it = shared.insert(c, c);
        classes.emplace(s.int_at(0), it.value());
    }
    return classes;
}

bool tableExists(const store::Database &db, const char *name)
{
    store::Statement s(db.handle(), "SELECT 1 FROM sqlite_master WHERE type IN ('table', 'view') AND name = ?", db.path());
    const std::string n(name);
    s.bind(1, n);
    return s.next();
}

} // namespace

void TimelineRow::buildIndex() const
{
    const auto &v = slices;
    indexBegin_ = v.front().begin;
    const qint64 span = std::max<qint64>(1, v.back().begin - indexBegin_ + 1);
    bucketNs_ = std::max<qint64>(1, span / kBuckets + 1);
    bucketFirst_.assign(size_t(kBuckets) + 1, quint32(v.size()));
    size_t i = 0;
    for (qint64 b = 0; b <= kBuckets; ++b) {
        const qint64 bucketBegin = indexBegin_ + b * bucketNs_;
        while (i < v.size() && v[i].begin < bucketBegin)
            ++i;
        bucketFirst_[size_t(b)] = quint32(i);
    }
    indexedSize_ = v.size();
}

size_t TimelineRow::firstBeginningAtOrAfter(qint64 ts, size_t from) const
{
    const auto &v = slices;
    const size_t n = v.size();
    if (from >= n)
        return n;
    size_t lo = from, hi = n;
    if (n >= kIndexFrom && n <= std::numeric_limits<quint32>::max()) {
        if (indexedSize_ != n)
            buildIndex();
        // Slices before bucketFirst_[b] begin before the bucket, those from bucketFirst_[b + 1] after it.
        if (ts <= indexBegin_)
            return from;
        const qint64 b = std::min((ts - indexBegin_) / bucketNs_, kBuckets - 1);
        lo = std::max<size_t>(lo, bucketFirst_[size_t(b)]);
        hi = std::max<size_t>(lo, std::min<size_t>(hi, bucketFirst_[size_t(b) + 1]));
    }
    // Gallop from lo (the answer is usually near), then a binary search in what is left.
    size_t inside = lo, probe = lo, step = 1;
    if (probe < hi && v[probe].begin >= ts)
        return probe;
    while (probe < hi && v[probe].begin < ts) {
        inside = probe;
        probe = inside + step;
        step *= 2;
    }
    const auto it = std::partition_point(v.begin() + qsizetype(inside), v.begin() + qsizetype(std::min(probe, hi)),
                                         [&](const TimelineSlice &x) { return x.begin < ts; });
    return size_t(it - v.begin());
}

int TimelineLane::rowIndex(int level) const
{
    for (size_t i = 0; i < rows.size(); ++i)
        if (rows[i].level == level)
            return int(i);
    return -1;
}

TimelineStructure TimelineData::readStructure(const store::Database &db, qint64 afterRequestId, qint64 afterReleaseId)
{
    TimelineStructure out;
    {
        store::Statement s(db.handle(),
                           "SELECT id, pid, display_name, start_ts, end_ts, end_kind, guest FROM processes ORDER BY start_ts, id",
                           db.path());
        while (s.next())
            out.processes.push_back({s.int_at(0), s.int_at(1), s.int_at(3), s.null_at(4) ? -1 : s.int_at(4),
                                     traceText(s.text_at(2)), traceText(s.text_at(5)), s.int_at(6)});
    }
    {
        store::Statement s(db.handle(),
                           "SELECT id, process_id, tid, start_ts, end_ts FROM threads ORDER BY process_id, start_ts, id",
                           db.path());
        while (s.next())
            out.threads.push_back({s.int_at(0), s.int_at(1), s.int_at(2), s.int_at(3), s.null_at(4) ? -1 : s.int_at(4)});
    }
    LocalKinds kinds(&out.kinds);
    const store::OpNames opNames = store::OpNames::read(db.handle(), db.path());
    {
        store::Statement s(db.handle(),
                           "SELECT r.id, o.class, r.op, r.queue_ts, r.pick_ts, r.answer_ts, r.supplicant_thread_id,"
                           "       r.ret, r.err, r.end_kind, r.end_inferred, r.invocation_id, i.thread_id, i.depth, r.kind,"
                           "       r.object_id"
                           "  FROM callback_requests r"
                           "  LEFT JOIN objects o ON o.id = r.object_id"
                           "  LEFT JOIN invocations i ON i.id = r.invocation_id"
                           " WHERE r.id > ? ORDER BY r.id",
                           db.path());
        s.bind(1, int64_t(afterRequestId));
        while (s.next()) {
            const qint64 id = s.int_at(0);
            out.lastRequestId = std::max(out.lastRequestId, id);
            const auto queue = optInt(s, 3), pick = optInt(s, 4), answer = optInt(s, 5);
            if (!queue && !pick && !answer)
                continue;
            TimelineSlice slice;
            slice.id = id32(id);
            slice.flags = TimelineSlice::Request;
            slice.begin = queue.value_or(pick.value_or(*answer));
            const qint64 inner = std::max(slice.begin, pick.value_or(slice.begin));
            slice.end = std::max(inner, answer.value_or(std::max(slice.begin, pick.value_or(slice.begin))));
            slice.innerBegin = saturate32(inner - slice.begin);
            const QString endKind = traceText(s.text_at(9));
            if (!answer || s.int_at(10) != 0)
                slice.flags |= TimelineSlice::EndInferred;
            if ((!s.null_at(7) && s.int_at(7) != 0) || (!s.null_at(8) && s.int_at(8) != 0) ||
                (endKind != QLatin1String("answered") && endKind != QLatin1String("delivered") &&
                 endKind != QLatin1String("live"))) // live: still queued or being served
                slice.flags |= TimelineSlice::Error;
            const bool rpc = s.text_at(14) == "rpc";
            slice.kind = rpc ? kinds.get(QStringLiteral("rpc"), s.int_at(2), rpcCommandName(s.int_at(2)))
                             : s.null_at(1) ? kinds.get(QStringLiteral("?"), s.int_at(2))
                                            : kinds.get(traceText(s.text_at(1)), s.int_at(2),
                                                        qteeOpName(opNames, s.null_at(15) ? -1 : s.int_at(15),
                                                                   traceText(s.text_at(1)), s.int_at(2)));
            const qint64 supplicant = s.null_at(6) ? 0 : s.int_at(6);
            out.requests.push_back({supplicant, slice, s.null_at(8) ? 0 : s.int_at(8), s.null_at(7) ? 0 : s.int_at(7)});
            if (!s.null_at(11) && !s.null_at(12) && supplicant != 0) {
                TimelineArrow a;
                a.requestId = id;
                a.invocationId = s.int_at(11);
                a.fromThreadId = s.int_at(12);
                a.fromLevel = 2 * int(std::clamp<qint64>(s.int_at(13), 0, kMaxDepth));
                a.fromTs = slice.begin;
                a.toThreadId = supplicant;
                a.toTs = slice.innerBeginTs();
                a.rpc = rpc;
                out.arrows.push_back(a);
            }
        }
    }
    {
        store::Statement s(db.handle(),
                           "SELECT a.id, a.object_id, a.ts, i.thread_id FROM async_releases a"
                           "  LEFT JOIN invocations i ON i.id = a.carrier_invocation_id"
                           " WHERE a.id > ? ORDER BY a.id",
                           db.path());
        s.bind(1, int64_t(afterReleaseId));
        while (s.next()) {
            out.lastReleaseId = std::max<qint64>(out.lastReleaseId, s.int_at(0));
            TimelineMarker m;
            m.kind = TimelineMarker::Kind::AsyncRelease;
            m.id = s.null_at(1) ? 0 : s.int_at(1);
            m.ts = s.int_at(2);
            m.threadId = s.null_at(3) ? 0 : s.int_at(3);
            out.releases.push_back(m);
        }
    }
    // The data_loss table is newer than schema 1: read it where it exists.
    if (tableExists(db, "data_loss")) {
        try {
            store::Statement s(db.handle(), "SELECT begin_ts, end_ts, count, stream FROM data_loss ORDER BY begin_ts",
                               db.path());
            while (s.next()) {
                if (s.null_at(0))
                    continue;
                const qint64 b = s.int_at(0);
                out.dataLoss.push_back({b, s.null_at(1) ? b : std::max(b, qint64(s.int_at(1))), s.int_at(2),
                                        traceText(s.text_at(3))});
            }
        } catch (const std::exception &) {
            out.dataLoss.clear(); // another layout than expected: no band rather than no timeline
        }
    }
    {
        store::Statement s(db.handle(), "SELECT COALESCE(MAX(id), 0) FROM invocations", db.path());
        if (s.next())
            out.invocationTotal = s.int_at(0);
    }
    return out;
}

namespace {

// Turns invocation rows (the columns of kSliceColumns) into placed slices, their kinds interned
// in `out`; `keep` filters the rows (a range's overlap). Reads the waits of the slices flagged
// Waited, then sorts by thread and time so placing them appends.
constexpr const char *kSliceColumns =
    "SELECT id, thread_id, object_id, op, user_begin_ts, user_end_ts, drv_begin_ts, drv_end_ts,"
    "       err, ret, depth, internal, end_inferred, session_id, wait_ns FROM invocations";

class SliceReader {
public:
    SliceReader(const store::Database &db, TimelineChunk &out)
        : db_(db), out_(out), classes_(readObjectClasses(db)), opNames_(store::OpNames::read(db.handle(), db.path())),
          kinds_(&out.kinds),
          sessionQuery_(db.handle(),
                        "SELECT COALESCE(t.name, s.uuid, '?'), COALESCE(s.uuid, '') FROM sessions s"
                        " LEFT JOIN ta_names t ON t.uuid = s.uuid WHERE s.id = ?",
                        db.path()),
          commandQuery_(db.handle(), "SELECT name FROM ta_commands WHERE uuid = ? AND func = ?", db.path())
    {
    }

    // The slice of the current row of `s`, if it has any time.
    std::optional<TimelineStructure::Placed> slice(const store::Statement &s);
    void add(const TimelineStructure::Placed &p)
    {
        if (p.slice.is(TimelineSlice::Waited))
            waited_.push_back(p.slice.id);
        out_.invocations.push_back(p);
    }
    void finish(qint64 afterId, qint64 lastId);

private:
    quint16 kindOf(qint64 object, qint64 op, const store::Statement &s);

    const store::Database &db_;
    TimelineChunk &out_;
    std::unordered_map<qint64, QString> classes_;
    store::OpNames opNames_;
    LocalKinds kinds_;
    // Kind per (object, op) without a string lookup per row; OP-TEE calls per (session, op), the
    // session's TA and its command names read once per session.
    std::map<std::pair<qint64, qint64>, quint16> kindOf_;
    std::map<std::pair<qint64, qint64>, quint16> sessionKindOf_;
    std::unordered_map<qint64, std::pair<QString, QString>> sessionTa_; // session -> (TA name, uuid)
    store::Statement sessionQuery_;
    store::Statement commandQuery_;
    std::vector<quint32> waited_;
};

quint16 SliceReader::kindOf(qint64 object, qint64 op, const store::Statement &s)
{
    if (object < 0 && !s.null_at(13)) {
        const qint64 session = s.int_at(13);
        auto k = sessionKindOf_.find({session, op});
        if (k != sessionKindOf_.end())
            return k->second;
        auto ta = sessionTa_.find(session);
        if (ta == sessionTa_.end()) {
            sessionQuery_.reset();
            sessionQuery_.bind(1, int64_t(session));
            std::pair<QString, QString> v{QStringLiteral("?"), QString()};
            if (sessionQuery_.next())
                v = {traceText(sessionQuery_.text_at(0)), traceText(sessionQuery_.text_at(1))};
            ta = sessionTa_.emplace(session, v).first;
        }
        QString label = opName(op);
        if (op >= 0 && !ta->second.second.isEmpty()) {
            const std::string uuid = ta->second.second.toStdString();
            commandQuery_.reset();
            commandQuery_.bind(1, uuid);
            commandQuery_.bind(2, int64_t(op));
            if (commandQuery_.next())
                label = traceText(commandQuery_.text_at(0));
        }
        return sessionKindOf_.emplace(std::make_pair(session, op), kinds_.get(ta->second.first, op, label)).first->second;
    }
    auto k = kindOf_.find({object, op});
    if (k == kindOf_.end()) {
        auto c = classes_.find(object);
        k = kindOf_.emplace(std::make_pair(object, op),
                            c == classes_.end() ? kinds_.get(QStringLiteral("?"), op)
                                                : kinds_.get(c->second, op, qteeOpName(opNames_, object, c->second, op)))
                .first;
    }
    return k->second;
}

std::optional<TimelineStructure::Placed> SliceReader::slice(const store::Statement &s)
{
    const qint64 id = s.int_at(0);
    const auto ub = optInt(s, 4), ue = optInt(s, 5), db_ = optInt(s, 6), de = optInt(s, 7);
    if (!ub && !ue && !db_ && !de)
        return std::nullopt;
    qint64 lo = std::numeric_limits<qint64>::max(), hi = std::numeric_limits<qint64>::min();
    for (const auto &t : {ub, ue, db_, de})
        if (t) {
            lo = std::min(lo, *t);
            hi = std::max(hi, *t);
        }
    TimelineSlice slice;
    slice.id = id32(id);
    slice.begin = ub.value_or(db_.value_or(lo));
    slice.end = std::max(slice.begin, ue.value_or(de.value_or(hi)));
    if (db_ || de) {
        const qint64 ib = std::clamp(db_.value_or(slice.begin), slice.begin, slice.end);
        const qint64 ie = std::clamp(de.value_or(slice.end), ib, slice.end);
        slice.innerBegin = saturate32(ib - slice.begin);
        slice.innerEnd = saturate32(slice.end - ie);
    } else {
        slice.flags |= TimelineSlice::UserOnly;
    }
    if (!ub && !ue)
        slice.flags |= TimelineSlice::DriverOnly;
    if ((!s.null_at(8) && s.int_at(8) != 0) || (!s.null_at(9) && s.int_at(9) != 0))
        slice.flags |= TimelineSlice::Error;
    if (s.int_at(11) != 0)
        slice.flags |= TimelineSlice::Internal;
    if (s.int_at(12) != 0 || (!ue && !de))
        slice.flags |= TimelineSlice::EndInferred;
    if (s.int_at(12) == 0 && !ue && !de)
        slice.flags |= TimelineSlice::InFlight;
    slice.depth = quint8(std::clamp<qint64>(s.int_at(10), 0, kMaxDepth));
    if (!s.null_at(14) && s.int_at(14) > 0)
        slice.flags |= TimelineSlice::Waited;
    slice.kind = kindOf(s.null_at(2) ? -1 : s.int_at(2), s.int_at(3), s);
    return TimelineStructure::Placed{s.null_at(1) ? 0 : s.int_at(1), slice, s.null_at(8) ? 0 : s.int_at(8),
                                     s.null_at(9) ? 0 : s.int_at(9)};
}

void SliceReader::finish(qint64 afterId, qint64 lastId)
{
    if (!waited_.empty()) {
        std::sort(waited_.begin(), waited_.end());
        store::Statement w(db_.handle(),
                           "SELECT invocation_id, begin_ts, end_ts, reason FROM optee_waits"
                           " WHERE invocation_id > ? AND invocation_id <= ? AND begin_ts IS NOT NULL ORDER BY begin_ts",
                           db_.path());
        w.bind(1, int64_t(afterId));
        w.bind(2, int64_t(lastId));
        while (w.next()) {
            const quint32 id = id32(w.int_at(0));
            if (!std::binary_search(waited_.begin(), waited_.end(), id))
                continue;
            const qint64 b = w.int_at(1);
            out_.waits.push_back({id, {b, w.null_at(2) ? b : std::max(b, qint64(w.int_at(2))), w.text_at(3) == "guest_limit"}});
        }
    }
    // Time order per thread makes placing them appends.
    std::stable_sort(out_.invocations.begin(), out_.invocations.end(), [](const auto &a, const auto &b) {
        return a.threadId != b.threadId ? a.threadId < b.threadId : a.slice.begin < b.slice.begin;
    });
}

} // namespace

TimelineChunk TimelineData::readInvocations(const store::Database &db, qint64 afterId, qint64 limit)
{
    TimelineChunk out;
    out.lastId = afterId;
    SliceReader reader(db, out);
    store::Statement s(db.handle(), (std::string(kSliceColumns) + " WHERE id > ? ORDER BY id LIMIT ?").c_str(), db.path());
    s.bind(1, int64_t(afterId));
    s.bind(2, int64_t(limit));
    out.invocations.reserve(size_t(std::clamp<qint64>(limit, 0, 1 << 20)));
    qint64 rows = 0;
    while (s.next()) {
        ++rows;
        out.lastId = s.int_at(0);
        if (auto p = reader.slice(s))
            reader.add(*p);
    }
    out.more = rows >= limit;
    reader.finish(afterId, out.lastId);
    return out;
}

TimelineChunk TimelineData::readRange(const store::Database &db, qint64 t0, qint64 t1,
                                      const TimelineSummary::IdRanges &ids)
{
    TimelineChunk out;
    SliceReader reader(db, out);
    qint64 first = std::numeric_limits<qint64>::max(), last = 0;
    auto keep = [&](const store::Statement &s) {
        auto p = reader.slice(s);
        if (!p || p->slice.begin > t1 || (p->slice.end < t0 && !p->slice.is(TimelineSlice::InFlight)))
            return;
        first = std::min<qint64>(first, p->slice.id);
        last = std::max<qint64>(last, p->slice.id);
        reader.add(*p);
    };
    if (ids.hi >= ids.lo) {
        store::Statement s(db.handle(), (std::string(kSliceColumns) + " WHERE id BETWEEN ? AND ?").c_str(), db.path());
        s.bind(1, int64_t(ids.lo));
        s.bind(2, int64_t(ids.hi));
        while (s.next())
            keep(s);
    }
    if (!ids.ids.empty()) {
        store::Statement s(db.handle(), (std::string(kSliceColumns) + " WHERE id = ?").c_str(), db.path());
        for (qint64 id : ids.ids) {
            if (id >= ids.lo && id <= ids.hi)
                continue;
            s.reset();
            s.bind(1, int64_t(id));
            if (s.next())
                keep(s);
        }
    }
    out.lastId = last;
    reader.finish(first == std::numeric_limits<qint64>::max() ? 0 : first - 1, last);
    return out;
}

void TimelineData::clear()
{
    *this = TimelineData();
}

void TimelineData::extend(qint64 b, qint64 e)
{
    if (firstTs_ == 0 && lastTs_ == 0) {
        firstTs_ = b;
        lastTs_ = e;
        return;
    }
    firstTs_ = std::min(firstTs_, b);
    lastTs_ = std::max(lastTs_, e);
}

quint16 TimelineData::internKind(const TimelineSliceKind &kind)
{
    for (size_t i = 0; i < kinds_.size(); ++i)
        if (kinds_[i].op == kind.op && kinds_[i].objectClass == kind.objectClass && kinds_[i].opLabel == kind.opLabel)
            return quint16(i);
    if (kinds_.size() >= std::numeric_limits<quint16>::max())
        return 0;
    kinds_.push_back(kind);
    return quint16(kinds_.size() - 1);
}

TimelineLane &TimelineData::driverLane()
{
    if (lanes_.empty() || lanes_.front().kind != TimelineLane::Kind::Driver) {
        TimelineLane lane;
        lane.kind = TimelineLane::Kind::Driver;
        lanes_.insert(lanes_.begin(), std::move(lane));
        for (auto &[id, idx] : threadLane_)
            ++idx;
        for (auto &[id, idx] : processLane_)
            ++idx;
    }
    return lanes_.front();
}

void TimelineData::apply(TimelineStructure &&structure)
{
    // Rebuild the lane order, keeping the rows already loaded.
    std::unordered_map<qint64, TimelineLane> oldThreads;
    std::optional<TimelineLane> driver;
    for (auto &lane : lanes_) {
        if (lane.kind == TimelineLane::Kind::Thread)
            oldThreads.emplace(lane.threadId, std::move(lane));
        else if (lane.kind == TimelineLane::Kind::Driver)
            driver = std::move(lane);
    }
    lanes_.clear();
    threadLane_.clear();
    processLane_.clear();
    if (driver)
        lanes_.push_back(std::move(*driver));

    std::unordered_map<qint64, std::vector<const TimelineStructure::Thread *>> threadsOf;
    for (const auto &t : structure.threads)
        threadsOf[t.processId].push_back(&t);
    markers_.clear();
    for (const auto &p : structure.processes) {
        TimelineLane header;
        header.kind = TimelineLane::Kind::Process;
        header.processId = p.id;
        header.pid = p.pid;
        header.processName = p.name;
        header.startTs = p.startTs;
        header.endTs = p.endTs;
        header.endKind = p.endKind;
        header.guest = p.guest;
        extend(p.startTs, std::max(p.startTs, p.endTs));
        processLane_[p.id] = int(lanes_.size());
        lanes_.push_back(std::move(header));
        if (p.endTs >= 0 && p.endKind != QLatin1String("alive_at_end"))
            markers_.push_back({TimelineMarker::Kind::ProcessEnd, p.endTs, p.id, 0, 0, p.endKind});
        for (const auto *t : threadsOf[p.id]) {
            auto old = oldThreads.find(t->id);
            TimelineLane lane = old != oldThreads.end() ? std::move(old->second) : TimelineLane();
            if (old != oldThreads.end())
                oldThreads.erase(old);
            lane.kind = TimelineLane::Kind::Thread;
            lane.guest = p.guest;
            lane.processId = p.id;
            lane.threadId = t->id;
            lane.pid = p.pid;
            lane.tid = t->tid;
            lane.processName = p.name;
            lane.startTs = t->startTs;
            lane.endTs = t->endTs;
            threadLane_[t->id] = int(lanes_.size());
            lanes_.push_back(std::move(lane));
            if (t->endTs >= 0)
                markers_.push_back({TimelineMarker::Kind::ThreadEnd, t->endTs, p.id, t->id, 0, {}});
        }
    }
    // Threads no longer listed (should not happen: ids only grow) keep their slices in the driver lane.
    for (auto &[id, lane] : oldThreads)
        for (auto &row : lane.rows)
            for (const auto &s : row.slices)
                place({0, s, 0, 0});

    std::vector<quint16> kindMap(structure.kinds.size());
    for (size_t i = 0; i < structure.kinds.size(); ++i)
        kindMap[i] = internKind(structure.kinds[i]);
    for (auto &r : structure.requests) {
        if (r.slice.kind < kindMap.size())
            r.slice.kind = kindMap[r.slice.kind];
        if (windowed_) {
            requests_.push_back(r);
            if (hasWindow() && r.slice.begin <= windowEnd_ && r.slice.end >= windowBegin_)
                place(r);
        } else {
            place(r);
        }
    }
    if (windowed_)
        reserveRows();
    arrows_.insert(arrows_.end(), structure.arrows.begin(), structure.arrows.end());
    releases_.insert(releases_.end(), structure.releases.begin(), structure.releases.end());
    markers_.insert(markers_.end(), releases_.begin(), releases_.end());
    dataLoss_ = std::move(structure.dataLoss);
    for (const auto &d : dataLoss_)
        extend(d.begin, d.end);
    lastRequestId_ = std::max(lastRequestId_, structure.lastRequestId);
    lastReleaseId_ = std::max(lastReleaseId_, structure.lastReleaseId);
    invocationTotal_ = std::max(invocationTotal_, structure.invocationTotal);
}

void TimelineData::apply(TimelineChunk &&chunk)
{
    std::vector<quint16> kindMap(chunk.kinds.size());
    for (size_t i = 0; i < chunk.kinds.size(); ++i)
        kindMap[i] = internKind(chunk.kinds[i]);
    for (auto &p : chunk.invocations) {
        if (p.slice.kind < kindMap.size())
            p.slice.kind = kindMap[p.slice.kind];
        place(p);
        if (p.slice.is(TimelineSlice::InFlight))
            open_.push_back({p.slice.id, p.threadId});
        ++invocationCount_;
    }
    for (const auto &[id, wait] : chunk.waits)
        waits_[id].push_back(wait);
    lastInvocationId_ = std::max(lastInvocationId_, chunk.lastId);
    invocationTotal_ = std::max(invocationTotal_, lastInvocationId_);
}

void TimelineData::squeeze()
{
    for (auto &lane : lanes_)
        for (auto &row : lane.rows)
            row.slices.shrink_to_fit();
}

const std::vector<TimelineWait> *TimelineData::waitsOf(const TimelineSlice &slice) const
{
    if (!slice.is(TimelineSlice::Waited) || slice.is(TimelineSlice::Request))
        return nullptr;
    auto it = waits_.find(slice.id);
    return it == waits_.end() ? nullptr : &it->second;
}

std::pair<qint64, qint64> TimelineData::errorCodes(const TimelineSlice &slice) const
{
    const auto &map = slice.is(TimelineSlice::Request) ? requestErrors_ : invocationErrors_;
    auto it = map.find(slice.id);
    return it == map.end() ? std::make_pair(qint64(0), qint64(0)) : it->second;
}

void TimelineData::place(const TimelineStructure::Placed &placed)
{
    const TimelineSlice &slice = placed.slice;
    if (slice.is(TimelineSlice::Error) && (placed.err != 0 || placed.ret != 0))
        (slice.is(TimelineSlice::Request) ? requestErrors_ : invocationErrors_)[slice.id] = {placed.err, placed.ret};
    const int laneIdx = laneOfThread(placed.threadId);
    TimelineLane &lane = laneIdx >= 0 ? lanes_[size_t(laneIdx)] : driverLane();
    if (slice.is(TimelineSlice::Request))
        ++lane.requests;
    else
        ++lane.invocations;
    extend(slice.begin, slice.end);
    const int level = slice.is(TimelineSlice::Request) ? 1 : 2 * slice.depth;
    int overflow = 0;
    size_t i = 0;
    for (; i < lane.rows.size(); ++i) {
        TimelineRow &row = lane.rows[i];
        if (row.level < level)
            continue;
        if (row.level > level)
            break;
        overflow = row.overflow + 1;
        auto &v = row.slices;
        if (v.empty() || slice.begin >= v.back().end) {
            v.push_back(slice);
            return;
        }
        if (slice.begin < v.back().begin) {
            // Out of order: insert where it fits, if it does not overlap its neighbours.
            auto pos = std::upper_bound(v.begin(), v.end(), slice.begin,
                                        [](qint64 b, const TimelineSlice &s) { return b < s.begin; });
            const bool fitsBefore = pos == v.begin() || std::prev(pos)->end <= slice.begin;
            const bool fitsAfter = pos == v.end() || slice.end <= pos->begin;
            if (fitsBefore && fitsAfter) {
                v.insert(pos, slice);
                return;
            }
        }
    }
    // Overlaps what this level holds: a new (overflow) row right after the others of its level.
    TimelineRow row;
    row.level = level;
    row.overflow = overflow;
    row.slices.push_back(slice);
    lane.rows.insert(lane.rows.begin() + qsizetype(i), std::move(row));
}

int TimelineData::laneOfThread(qint64 threadId) const
{
    auto it = threadLane_.find(threadId);
    return it == threadLane_.end() ? -1 : it->second;
}

int TimelineData::laneOfProcess(qint64 processId) const
{
    auto it = processLane_.find(processId);
    return it == processLane_.end() ? -1 : it->second;
}

TimelineData::Found TimelineData::find(bool request, qint64 id) const
{
    if (id <= 0 || id > std::numeric_limits<quint32>::max())
        return {};
    const auto want = quint32(id);
    for (size_t l = 0; l < lanes_.size(); ++l)
        for (size_t r = 0; r < lanes_[l].rows.size(); ++r) {
            const auto &v = lanes_[l].rows[r].slices;
            for (size_t i = 0; i < v.size(); ++i)
                if (v[i].id == want && v[i].is(TimelineSlice::Request) == request)
                    return {int(l), int(r), int(i)};
        }
    return {};
}

int TimelineData::sliceAt(const TimelineRow &row, qint64 ts, qint64 slack)
{
    const auto &v = row.slices;
    auto it = std::partition_point(v.begin(), v.end(), [&](const TimelineSlice &s) { return s.end + slack < ts; });
    int best = -1;
    qint64 bestDistance = std::numeric_limits<qint64>::max();
    // The slice under ts, or the nearest within slack (zero-length slices are hard to hit).
    for (auto c = it; c != v.end() && c->begin - slack <= ts; ++c) {
        const qint64 d = ts < c->begin ? c->begin - ts : (ts > c->end ? ts - c->end : 0);
        if (d < bestDistance) {
            bestDistance = d;
            best = int(c - v.begin());
        }
        if (d == 0)
            break;
    }
    return best;
}

void TimelineData::runs(const TimelineRow &row, const TimeMapping &m, std::vector<TimelineRun> &out)
{
    out.clear();
    const auto &v = row.slices;
    const size_t n = v.size();
    const qint64 t0 = m.viewBegin(), t1 = m.viewEnd();
    const double width = m.width();
    const int lastCol = std::max(0, int(std::ceil(width)) - 1);
    size_t i = size_t(std::partition_point(v.begin(), v.end(), [&](const TimelineSlice &s) { return s.end < t0; }) -
                      v.begin());
    int prevCol = -1;
    while (i < n) {
        const TimelineSlice &s = v[i];
        if (s.begin > t1)
            break;
        const double x0 = std::max(m.tsToX(s.begin), -1.0);
        const double x1 = std::min(m.tsToX(s.end), width + 1);
        const int col = std::clamp(int(std::floor(x0)), 0, lastCol);
        if (col <= prevCol) {
            out.back().count += 1;
            out.back().x1 = std::max(out.back().x1, x1);
        } else {
            out.push_back({x0, x1, quint32(i), 1});
            prevCol = col;
        }
        // Everything else starting in this pixel column joins the run.
        const size_t j = row.firstBeginningAtOrAfter(m.xToTs(prevCol + 1), i + 1);
        if (j > i + 1) {
            out.back().count += quint32(j - i - 1);
            out.back().x1 = std::max(out.back().x1, std::min(m.tsToX(v[j - 1].end), width + 1));
        }
        i = j;
    }
}

} // namespace teescope::gui
