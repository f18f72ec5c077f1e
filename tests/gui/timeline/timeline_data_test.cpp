// SPDX-License-Identifier: MIT
// TimelineData on the sample databases: lanes are the database's threads, every invocation and
// callback request lands on its thread's lane, arrows join an invocation to the request it
// caused, loading in chunks equals loading at once, and the aggregation stays within the width.
// Expectations are computed with SQL in the test.
#include "core/trace_db.h"
#include "timeline/time_mapping.h"
#include "timeline/timeline_data.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <sqlite3.h>

#include <map>

using namespace teescope;
using namespace teescope::gui;

namespace {

QString dbPath(const QString &name)
{
    return QDir(qEnvironmentVariable("TEESCOPE_TEST_DBS")).filePath(name + QStringLiteral(".db"));
}

TimelineData loadAll(const store::Database &db, qint64 chunk)
{
    TimelineData data;
    data.apply(TimelineData::readStructure(db, 0, 0));
    for (;;) {
        auto c = TimelineData::readInvocations(db, data.lastInvocationId(), chunk);
        const bool more = c.more;
        data.apply(std::move(c));
        if (!more)
            break;
    }
    return data;
}

qint64 scalar(const store::Database &db, const char *sql, qint64 bind = 0)
{
    store::Statement s(db.handle(), sql, db.path());
    if (std::string_view(sql).find('?') != std::string_view::npos)
        s.bind(1, int64_t(bind));
    return s.next() ? s.int_at(0) : -1;
}

// Every row sorted by begin and non-overlapping: what the binary searches rely on.
void checkRows(const TimelineData &data)
{
    for (const auto &lane : data.lanes())
        for (const auto &row : lane.rows)
            for (size_t i = 1; i < row.slices.size(); ++i) {
                QVERIFY(row.slices[i - 1].begin <= row.slices[i].begin);
                QVERIFY(row.slices[i - 1].end <= row.slices[i].begin);
            }
}

constexpr const char *kHasTime =
    "COALESCE(user_begin_ts, user_end_ts, drv_begin_ts, drv_end_ts) IS NOT NULL";

} // namespace

class TimelineDataTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void lanesAndCounts_data();
    void lanesAndCounts();
    void chunkedEqualsWhole_data() { lanesAndCounts_data(); }
    void chunkedEqualsWhole();
    void callbackRequestsOnSupplicantLanes();
    void aggregationBounded_data();
    void aggregationBounded();
    void dataLossTable();
    void badInput();
    void coarseIndex();
    void opsByName();
};

void TimelineDataTest::lanesAndCounts_data()
{
    QTest::addColumn<QString>("name");
    for (const char *n : {"clean", "leaky", "sharing", "callbacks", "killed", "lossy"})
        QTest::newRow(n) << QString::fromLatin1(n);
}

void TimelineDataTest::lanesAndCounts()
{
    QFETCH(QString, name);
    auto db = openTraceDb(dbPath(name));
    const TimelineData data = loadAll(db, 1000);
    checkRows(data);

    // Lanes: per process (by start), a header then its threads (by start).
    std::vector<std::pair<qint64, qint64>> expected; // (process id, thread id or 0)
    {
        store::Statement s(db.handle(),
                           "SELECT p.id, t.id FROM processes p LEFT JOIN threads t ON t.process_id = p.id"
                           " ORDER BY p.start_ts, p.id, t.start_ts IS NULL, t.start_ts, t.id",
                           db.path());
        qint64 lastProcess = -1;
        while (s.next()) {
            if (s.int_at(0) != lastProcess)
                expected.push_back({s.int_at(0), 0});
            lastProcess = s.int_at(0);
            if (!s.null_at(1))
                expected.push_back({s.int_at(0), s.int_at(1)});
        }
    }
    std::vector<std::pair<qint64, qint64>> actual;
    qint64 driverInvocations = 0;
    for (const auto &lane : data.lanes()) {
        if (lane.kind == TimelineLane::Kind::Driver) {
            driverInvocations = lane.invocations;
            continue;
        }
        actual.push_back({lane.processId, lane.kind == TimelineLane::Kind::Thread ? lane.threadId : 0});
    }
    QCOMPARE(actual, expected);

    // Invocations per thread lane equal the SQL count; the rest are on the driver lane.
    qint64 onThreads = 0;
    for (const auto &lane : data.lanes()) {
        if (lane.kind != TimelineLane::Kind::Thread)
            continue;
        const std::string sql = std::string("SELECT COUNT(*) FROM invocations WHERE thread_id = ? AND ") + kHasTime;
        QCOMPARE(lane.invocations, scalar(db, sql.c_str(), lane.threadId));
        qint64 inRows = 0;
        for (const auto &row : lane.rows)
            for (const auto &s : row.slices)
                inRows += !s.is(TimelineSlice::Request);
        QCOMPARE(inRows, lane.invocations);
        onThreads += lane.invocations;
        QCOMPARE(lane.requests, scalar(db,
                                       "SELECT COUNT(*) FROM callback_requests WHERE supplicant_thread_id = ?"
                                       " AND COALESCE(queue_ts, pick_ts, answer_ts) IS NOT NULL",
                                       lane.threadId));
    }
    const std::string all = std::string("SELECT COUNT(*) FROM invocations WHERE ") + kHasTime;
    QCOMPARE(data.invocationCount(), scalar(db, all.c_str()));
    QCOMPARE(onThreads + driverInvocations, data.invocationCount());
    QCOMPARE(data.lastInvocationId(), scalar(db, "SELECT COALESCE(MAX(id), 0) FROM invocations"));

    // Each slice's times are those of its row in the database.
    const auto found = data.find(false, scalar(db, "SELECT MAX(id) FROM invocations WHERE user_begin_ts IS NOT NULL"
                                                   " AND drv_begin_ts IS NOT NULL AND user_end_ts IS NOT NULL"
                                                   " AND drv_end_ts IS NOT NULL"));
    QVERIFY(found.ok());
    const TimelineSlice &s = data.slice(found);
    store::Statement q(db.handle(), "SELECT user_begin_ts, user_end_ts, drv_begin_ts, drv_end_ts FROM invocations WHERE id = ?",
                       db.path());
    q.bind(1, int64_t(s.id));
    QVERIFY(q.next());
    QCOMPARE(s.begin, q.int_at(0));
    QCOMPARE(s.end, q.int_at(1));
    QCOMPARE(s.innerBeginTs(), q.int_at(2));
    QCOMPARE(s.innerEndTs(), q.int_at(3));
}

void TimelineDataTest::chunkedEqualsWhole()
{
    QFETCH(QString, name);
    auto db = openTraceDb(dbPath(name));
    const TimelineData whole = loadAll(db, 1 << 30);
    const TimelineData chunked = loadAll(db, 7); // live mode: a few rows at a time
    QCOMPARE(chunked.lanes().size(), whole.lanes().size());
    for (size_t l = 0; l < whole.lanes().size(); ++l) {
        const auto &a = whole.lanes()[l], &b = chunked.lanes()[l];
        QCOMPARE(b.rows.size(), a.rows.size());
        for (size_t r = 0; r < a.rows.size(); ++r) {
            QCOMPARE(b.rows[r].slices.size(), a.rows[r].slices.size());
            for (size_t i = 0; i < a.rows[r].slices.size(); ++i) {
                QCOMPARE(b.rows[r].slices[i].id, a.rows[r].slices[i].id);
                QCOMPARE(b.rows[r].slices[i].begin, a.rows[r].slices[i].begin);
                QCOMPARE(b.rows[r].slices[i].end, a.rows[r].slices[i].end);
                // Kinds are interned in another order, but name the same class and op.
                const auto &ka = whole.kinds()[a.rows[r].slices[i].kind], &kb = chunked.kinds()[b.rows[r].slices[i].kind];
                QCOMPARE(kb.objectClass, ka.objectClass);
                QCOMPARE(kb.op, ka.op);
            }
        }
    }
}

void TimelineDataTest::callbackRequestsOnSupplicantLanes()
{
    auto db = openTraceDb(dbPath(QStringLiteral("callbacks")));
    const TimelineData data = loadAll(db, 1000);
    QVERIFY(scalar(db, "SELECT COUNT(*) FROM callback_requests") > 0);
    store::Statement s(db.handle(),
                       "SELECT r.id, r.supplicant_thread_id, r.invocation_id, i.thread_id, r.queue_ts, r.pick_ts"
                       "  FROM callback_requests r LEFT JOIN invocations i ON i.id = r.invocation_id",
                       db.path());
    int checked = 0, arrows = 0;
    while (s.next()) {
        const auto req = data.find(true, s.int_at(0));
        if (s.null_at(1))
            continue;
        QVERIFY(req.ok());
        // On the lane of the supplicant thread that served it, on the request row.
        const auto &lane = data.lanes()[size_t(req.lane)];
        QCOMPARE(lane.kind, TimelineLane::Kind::Thread);
        QCOMPARE(lane.threadId, s.int_at(1));
        QCOMPARE(lane.rows[size_t(req.row)].level, 1);
        const TimelineSlice &slice = data.slice(req);
        QVERIFY(slice.is(TimelineSlice::Request));
        QCOMPARE(slice.begin, s.null_at(4) ? s.int_at(5) : s.int_at(4));
        ++checked;
        if (s.null_at(2))
            continue;
        // The arrow starts at the invoking invocation, on its thread, while it runs.
        const auto arrow = std::find_if(data.arrows().begin(), data.arrows().end(),
                                        [&](const TimelineArrow &a) { return a.requestId == s.int_at(0); });
        QVERIFY(arrow != data.arrows().end());
        QCOMPARE(arrow->invocationId, s.int_at(2));
        QCOMPARE(arrow->fromThreadId, s.int_at(3));
        QCOMPARE(arrow->toThreadId, s.int_at(1));
        const auto inv = data.find(false, s.int_at(2));
        QVERIFY(inv.ok());
        QCOMPARE(data.lanes()[size_t(inv.lane)].threadId, arrow->fromThreadId);
        QCOMPARE(data.lanes()[size_t(inv.lane)].rows[size_t(inv.row)].level, arrow->fromLevel);
        const TimelineSlice &caller = data.slice(inv);
        QVERIFY(arrow->fromTs >= caller.begin && arrow->fromTs <= caller.end);
        QCOMPARE(arrow->toTs, slice.innerBeginTs());
        ++arrows;
    }
    QCOMPARE(checked, int(scalar(db, "SELECT COUNT(*) FROM callback_requests WHERE supplicant_thread_id IS NOT NULL")));
    QVERIFY(arrows > 0);
    // Some served requests run in another process than their invoker's: arrows across processes.
    QVERIFY(scalar(db, "SELECT COUNT(*) FROM callback_requests r JOIN threads t ON t.id = r.supplicant_thread_id"
                       " WHERE r.invoker_process_id <> t.process_id") > 0);
    // Async releases are markers on the carrier invocation's thread.
    qint64 releases = 0;
    for (const auto &m : data.markers())
        releases += m.kind == TimelineMarker::Kind::AsyncRelease;
    QCOMPARE(releases, scalar(db, "SELECT COUNT(*) FROM async_releases"));
}

void TimelineDataTest::aggregationBounded_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<double>("width");
    QTest::addColumn<double>("zoom");
    QTest::newRow("lossy, 50 px, whole") << QStringLiteral("lossy") << 50.0 << 1.0;
    QTest::newRow("lossy, 7 px, whole") << QStringLiteral("lossy") << 7.0 << 1.0;
    QTest::newRow("lossy, 300 px, x20") << QStringLiteral("lossy") << 300.0 << 20.0;
    QTest::newRow("lossy, 1600 px, x1000") << QStringLiteral("lossy") << 1600.0 << 1000.0;
    QTest::newRow("callbacks, 100 px, whole") << QStringLiteral("callbacks") << 100.0 << 1.0;
}

void TimelineDataTest::aggregationBounded()
{
    QFETCH(QString, name);
    QFETCH(double, width);
    QFETCH(double, zoom);
    auto db = openTraceDb(dbPath(name));
    const TimelineData data = loadAll(db, 1000);
    TimeMapping m(data.firstTs(), data.lastTs(), width);
    m.zoom(zoom, width / 3);
    std::vector<TimelineRun> runs;
    qint64 aggregated = 0;
    for (const auto &lane : data.lanes())
        for (const auto &row : lane.rows) {
            TimelineData::runs(row, m, runs);
            QVERIFY2(runs.size() <= size_t(std::ceil(width)), qPrintable(QString::number(runs.size())));
            // Runs cover exactly the slices in view, in order, without gaps or repeats.
            qint64 inView = 0;
            for (const auto &s : row.slices)
                inView += s.end >= m.viewBegin() && s.begin <= m.viewEnd();
            qint64 covered = 0;
            for (size_t i = 0; i < runs.size(); ++i) {
                if (i > 0)
                    QCOMPARE(runs[i].first, runs[i - 1].first + runs[i - 1].count);
                QVERIFY(runs[i].x1 >= runs[i].x0);
                covered += runs[i].count;
                aggregated += runs[i].count > 1;
            }
            QCOMPARE(covered, inView);
        }
    if (name == QLatin1String("lossy") && zoom == 1.0)
        QVERIFY(aggregated > 0); // thousands of invocations in a few pixels: merged
}

void TimelineDataTest::dataLossTable()
{
    // data_loss ranges are loaded as they are in the table; a loss without a time is skipped.
    QTemporaryDir dir;
    const QString copy = dir.filePath(QStringLiteral("lossy.db"));
    QVERIFY(QFile::copy(dbPath(QStringLiteral("lossy")), copy));
    QFile::setPermissions(copy, QFile::ReadOwner | QFile::WriteOwner);
    sqlite3 *raw = nullptr;
    QCOMPARE(sqlite3_open(copy.toUtf8().constData(), &raw), SQLITE_OK);
    QCOMPARE(sqlite3_exec(raw, "INSERT INTO data_loss (what, count, begin_ts, end_ts, stream) VALUES ('packets', 1, NULL, NULL, NULL);",
                          nullptr, nullptr, nullptr),
             SQLITE_OK);
    sqlite3_close(raw);
    auto db = openTraceDb(copy);
    const qint64 timed = scalar(db, "SELECT COUNT(*) FROM data_loss WHERE begin_ts IS NOT NULL");
    QVERIFY(timed > 0); // lossy.db lost events
    const TimelineData data = loadAll(db, 1000);
    QCOMPARE(qint64(data.dataLoss().size()), timed);
    store::Statement s(db.handle(), "SELECT begin_ts, COALESCE(end_ts, begin_ts), count, stream FROM data_loss"
                                    " WHERE begin_ts IS NOT NULL ORDER BY begin_ts", db.path());
    for (const auto &loss : data.dataLoss()) {
        QVERIFY(s.next());
        QCOMPARE(loss.begin, s.int_at(0));
        QCOMPARE(loss.end, s.int_at(1));
        QCOMPARE(loss.count, s.int_at(2));
        QCOMPARE(loss.stream, traceText(s.text_at(3)));
        // Inside the trace as the timeline knows it.
        QVERIFY(loss.begin >= data.firstTs() && loss.end <= data.lastTs());
    }
}

void TimelineDataTest::badInput()
{
    QTemporaryDir dir;
    // Missing file: an error naming it, no crash.
    QVERIFY_THROWS_EXCEPTION(std::exception, openTraceDb(dir.filePath(QStringLiteral("missing.db"))));
    // An empty database: no lanes, nothing to draw.
    const QString empty = dir.filePath(QStringLiteral("empty.db"));
    store::Database::create(empty.toStdString()).close();
    auto db = openTraceDb(empty);
    const TimelineData data = loadAll(db, 10);
    QVERIFY(data.lanes().empty());
    QCOMPARE(data.invocationCount(), qint64(0));
    TimeMapping m(0, 0, 100);
    std::vector<TimelineRun> runs;
    TimelineData::runs(TimelineRow{}, m, runs);
    QVERIFY(runs.empty());
    // NULL columns and an invocation on an unknown thread land on the driver lane.
    sqlite3 *raw = nullptr;
    QCOMPARE(sqlite3_open(empty.toUtf8().constData(), &raw), SQLITE_OK);
    QCOMPARE(sqlite3_exec(raw,
                          "INSERT INTO invocations (id, thread_id, op, user_begin_ts) VALUES (1, 99, 3, 100);"
                          "INSERT INTO invocations (id, op) VALUES (2, 1);"
                          "INSERT INTO invocations (id, op, drv_begin_ts, drv_end_ts, err) VALUES (3, 1, 50, 40, 22);"
                          "INSERT INTO callback_requests (id, context_id, request, op, end_kind) VALUES (1, 1, 1, 0, 'pending_at_end');",
                          nullptr, nullptr, nullptr),
             SQLITE_OK);
    sqlite3_close(raw);
    auto db2 = openTraceDb(empty);
    const TimelineData d2 = loadAll(db2, 10);
    QCOMPARE(d2.invocationCount(), qint64(2)); // the one without any time is not drawable
    QCOMPARE(d2.lanes().size(), size_t(1));
    QCOMPARE(d2.lanes()[0].kind, TimelineLane::Kind::Driver);
    const auto f = d2.find(false, 3);
    QVERIFY(f.ok());
    QVERIFY(d2.slice(f).end >= d2.slice(f).begin);
    QVERIFY(d2.slice(f).is(TimelineSlice::Error));
    QCOMPARE(d2.errorCodes(d2.slice(f)).first, qint64(22));
    QVERIFY(d2.slice(d2.find(false, 1)).is(TimelineSlice::EndInferred));
}

void TimelineDataTest::coarseIndex()
{
    // A large row with clustered slices (dense bursts, long gaps): the indexed search agrees
    // with a plain binary search everywhere, and runs stay bounded and complete.
    TimelineRow row;
    qint64 t = 1795302250049683977;
    for (int i = 0; i < 100000; ++i) {
        t += (i % 1000 == 0) ? 50000000 : 100 + (i * 7919) % 900;
        TimelineSlice s;
        s.begin = t;
        s.end = t + 50 + (i % 13);
        s.id = quint32(i + 1);
        row.slices.push_back(s);
        t = s.end;
    }
    const auto &v = row.slices;
    for (qint64 ts = v.front().begin - 10; ts < v.back().end + 10; ts += (v.back().end - v.front().begin) / 9973) {
        for (size_t from : {size_t(0), size_t(500), size_t(77777)}) {
            const auto expected = size_t(std::partition_point(v.begin() + qsizetype(from), v.end(),
                                                              [&](const TimelineSlice &s) { return s.begin < ts; }) - v.begin());
            QCOMPARE(row.firstBeginningAtOrAfter(ts, from), expected);
        }
    }
    for (double zoom : {1.0, 3.0, 100.0, 1e4}) {
        TimeMapping m(v.front().begin, v.back().end, 1400);
        m.zoom(zoom, 600);
        std::vector<TimelineRun> runs;
        TimelineData::runs(row, m, runs);
        QVERIFY(runs.size() <= 1400);
        qint64 covered = 0, inView = 0;
        for (const auto &r : runs)
            covered += r.count;
        for (const auto &s : v)
            inView += s.end >= m.viewBegin() && s.begin <= m.viewEnd();
        QCOMPARE(covered, inView);
    }
    // Appending rebuilds the index.
    TimelineSlice late;
    late.begin = v.back().end + 1000;
    late.end = late.begin + 5;
    row.slices.push_back(late);
    QCOMPARE(row.firstBeginningAtOrAfter(late.begin, 0), v.size() - 1);
}

QTEST_GUILESS_MAIN(TimelineDataTest)
// Slices are labelled by their op's name: QTEE ops, and in callback requests the credentials'
// IIO ops and a listener's, both op 0 of class callback.
void TimelineDataTest::opsByName()
{
    const auto findKind = [](const TimelineData &data, const QString &cls, qint64 op) {
        QStringList labels;
        for (const TimelineSliceKind &k : data.kinds())
            if (k.objectClass == cls && k.op == op)
                labels << k.opLabel;
        labels.sort();
        return labels;
    };
    const store::Database clean = openTraceDb(dbPath(QStringLiteral("clean")));
    const TimelineData c = loadAll(clean, 1000);
    QCOMPARE(findKind(c, QStringLiteral("app"), 0), QStringList{QStringLiteral("add")});
    QCOMPARE(findKind(c, QStringLiteral("root"), 2), QStringList{QStringLiteral("register_as_client")});
    QCOMPARE(findKind(c, QStringLiteral("app_controller"), 65535), QStringList{QStringLiteral("release")});
    QCOMPARE(findKind(c, QStringLiteral("callback"), 1), QStringList{QStringLiteral("read_at_offset")});

    const store::Database callbacks = openTraceDb(dbPath(QStringLiteral("callbacks")));
    const TimelineData b = loadAll(callbacks, 1000);
    QCOMPARE(findKind(b, QStringLiteral("registry"), 2), QStringList{QStringLiteral("notify")});
    // Op 0 of a callback object: the credentials' get_length, and a listener's on_event.
    QCOMPARE(findKind(b, QStringLiteral("callback"), 0),
             (QStringList{QStringLiteral("get_length"), QStringLiteral("on_event")}));
}

#include "timeline_data_test.moc"
