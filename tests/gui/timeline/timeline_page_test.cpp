// SPDX-License-Identifier: MIT
// TimelinePage offscreen: screenshots of sample databases (slices of several classes drawn),
// the selection round trip (select elsewhere -> zoomed to it; click -> selected), ranges,
// keyboard zoom, export, and live refresh of a growing file.
#include "core/selection.h"
#include "core/theme.h"
#include "core/trace_db.h"
#include "timeline/timeline_page.h"
#include "timeline/timeline_view.h"

#include <QDir>
#include <QFile>
#include <QImage>
#include <QPainter>
#include <QSet>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <sqlite3.h>

using namespace teescope;
using namespace teescope::gui;

namespace {

QString dbPath(const QString &name)
{
    return QDir(qEnvironmentVariable("TEESCOPE_TEST_DBS")).filePath(name + QStringLiteral(".db"));
}

TraceInfo infoOf(const QString &path)
{
    auto db = openTraceDb(path);
    return loadTraceInfo(db);
}

qint64 scalar(const QString &path, const char *sql)
{
    auto db = openTraceDb(path);
    store::Statement s(db.handle(), sql, db.path());
    return s.next() ? s.int_at(0) : -1;
}

QImage renderPage(TimelinePage &page)
{
    QImage image(page.size(), QImage::Format_ARGB32_Premultiplied);
    image.fill(Qt::black);
    page.render(&image);
    return image;
}

// Colours of the slice classes found in the image (exact fills of categoryColor).
int classColorsIn(const QImage &image, const TimelineData &data, bool dark)
{
    QSet<QRgb> wanted;
    for (const auto &k : data.kinds())
        wanted.insert(categoryColor(k.objectClass, dark).rgb());
    QSet<QRgb> seen;
    for (int y = 0; y < image.height(); ++y) {
        const auto *line = reinterpret_cast<const QRgb *>(image.constScanLine(y));
        for (int x = 0; x < image.width(); ++x)
            if (wanted.contains(line[x] | 0xff000000))
                seen.insert(line[x] | 0xff000000);
    }
    return int(seen.size());
}

} // namespace

class TimelinePageTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void screenshot_data();
    void screenshot();
    void selectionRoundTrip();
    void revealBeforeLoaded();
    void processHighlight();
    void threadRevealScrolls();
    void clickSelects();
    void rangeRoundTrip();
    void keyboardZoom();
    void exportFormats();
    void liveRefresh();
    void missingDatabase();
};

void TimelinePageTest::screenshot_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<double>("zoom");
    QTest::addColumn<int>("minClasses");
    QTest::addColumn<bool>("dark");
    QTest::newRow("callbacks") << QStringLiteral("callbacks") << 1.0 << 3 << false;
    QTest::newRow("callbacks-zoomed") << QStringLiteral("callbacks") << 6.0 << 2 << false;
    QTest::newRow("callbacks-dark") << QStringLiteral("callbacks") << 6.0 << 2 << true;
    QTest::newRow("lossy") << QStringLiteral("lossy") << 1.0 << 2 << false;
}

void TimelinePageTest::screenshot()
{
    QFETCH(QString, name);
    QFETCH(double, zoom);
    QFETCH(int, minClasses);
    QFETCH(bool, dark);
    Selection selection;
    TimelinePage page(&selection);
    if (dark)
        page.setPalette(makePalette(Palette::Dark));
    page.resize(1400, 700);
    QSignalSpy ready(&page, &ViewPage::readyChanged);
    page.openTrace(infoOf(dbPath(name)));
    QTRY_VERIFY_WITH_TIMEOUT(page.isReady(), 30000);
    QVERIFY(page.loadError().isEmpty());
    QCOMPARE(page.viewId(), ViewId::Timeline);
    if (zoom != 1.0) {
        // Around the busiest moment: the first callback request.
        const qint64 ts = scalar(dbPath(name), "SELECT MIN(queue_ts) FROM callback_requests");
        const qint64 span = page.view()->mapping().traceSpan();
        page.view()->showRange(ts - qint64(span / zoom / 4), ts + qint64(span / zoom * 3 / 4));
    }
    const QImage image = renderPage(page);
    const QString dir = qEnvironmentVariable("TEESCOPE_SCREENSHOTS");
    if (!dir.isEmpty()) {
        QDir().mkpath(dir);
        QVERIFY(image.save(QDir(dir).filePath(QStringLiteral("timeline-%1.png").arg(QString::fromLatin1(QTest::currentDataTag())))));
    }
    // Not blank: many colours, and the slice colours of several object classes.
    QSet<QRgb> colours;
    for (int y = 0; y < image.height(); y += 2)
        for (int x = 0; x < image.width(); x += 2)
            colours.insert(image.pixel(x, y));
    QVERIFY2(colours.size() > 20, qPrintable(QString::number(colours.size())));
    const int classes = classColorsIn(image, page.data(), isDark(page.palette()));
    QVERIFY2(classes >= minClasses, qPrintable(QString::number(classes)));
    if (name == QLatin1String("lossy")) {
        // lossy.db has data loss: the page says it is loaded anyway, with every invocation.
        QCOMPARE(page.data().invocationCount(), scalar(dbPath(name), "SELECT COUNT(*) FROM invocations"));
    }
}

void TimelinePageTest::selectionRoundTrip()
{
    const QString path = dbPath(QStringLiteral("lossy"));
    Selection selection;
    TimelinePage page(&selection);
    page.resize(1200, 260); // fewer lanes fit than there are
    page.show();
    page.openTrace(infoOf(path));
    QTRY_VERIFY_WITH_TIMEOUT(page.isReady(), 30000);
    // The slowest invocation, as a latency view would ask for it.
    auto db = openTraceDb(path);
    store::Statement s(db.handle(),
                       "SELECT id, COALESCE(user_begin_ts, drv_begin_ts), COALESCE(user_end_ts, drv_end_ts), thread_id"
                       "  FROM invocations WHERE drv_end_ts IS NOT NULL AND thread_id IS NOT NULL"
                       " ORDER BY drv_end_ts - drv_begin_ts DESC LIMIT 1",
                       db.path());
    QVERIFY(s.next());
    const qint64 id = s.int_at(0), begin = s.int_at(1), end = s.int_at(2), thread = s.int_at(3);
    selection.reveal({ItemRef::Kind::Invocation, id}, ViewId::Timeline);
    const TimeMapping &m = page.view()->mapping();
    QVERIFY(m.viewBegin() <= begin && m.viewEnd() >= end);
    QVERIFY(m.viewSpan() < m.traceSpan());
    QVERIFY(m.viewSpan() <= std::max<qint64>(3 * (end - begin), TimeMapping::kMinSpan * 2));
    // Its lane is scrolled into view.
    const int lane = page.data().laneOfThread(thread);
    QVERIFY(lane >= 0);
    const int top = page.view()->laneTop(lane);
    QVERIFY(top >= TimelineView::kRulerHeight);
    QVERIFY(top + page.view()->laneHeight(lane) <= page.view()->height() - TimelineView::kOverviewHeight);
    // And outlined: the selection colour is drawn.
    const QImage image = renderPage(page);
    if (const QString dir = qEnvironmentVariable("TEESCOPE_SCREENSHOTS"); !dir.isEmpty())
        image.save(QDir(dir).filePath(QStringLiteral("timeline-selected.png")));
    const QRgb outline = selectionColor(isDark(page.palette())).rgb();
    bool found = false;
    for (int y = top; y < top + page.view()->laneHeight(lane) && !found; ++y)
        for (int x = TimelineView::kHeaderWidth; x < image.width() && !found; ++x)
            found = (image.pixel(x, y) | 0xff000000) == outline;
    QVERIFY(found);
}

void TimelinePageTest::revealBeforeLoaded()
{
    // "Go to" an invocation of a trace that is still loading: shown once its chunk arrives.
    const QString path = dbPath(QStringLiteral("lossy"));
    Selection selection;
    TimelinePage page(&selection);
    page.resize(1200, 400);
    page.show();
    const qint64 id = scalar(path, "SELECT MAX(id) FROM invocations WHERE thread_id IS NOT NULL AND drv_end_ts IS NOT NULL");
    page.openTrace(infoOf(path));
    selection.reveal({ItemRef::Kind::Invocation, id}, ViewId::Timeline);
    QTRY_VERIFY_WITH_TIMEOUT(page.isReady(), 30000);
    const auto found = page.data().find(false, id);
    QVERIFY(found.ok());
    const TimelineSlice &s = page.data().slice(found);
    const TimeMapping &m = page.view()->mapping();
    QVERIFY(m.viewBegin() <= s.begin && m.viewEnd() >= s.end);
    QVERIFY(m.viewSpan() < m.traceSpan());
}

void TimelinePageTest::processHighlight()
{
    // A process selected elsewhere: its header and thread lanes are tinted.
    const QString path = dbPath(QStringLiteral("callbacks"));
    Selection selection;
    TimelinePage page(&selection);
    page.resize(900, 400);
    page.show();
    page.openTrace(infoOf(path));
    QTRY_VERIFY_WITH_TIMEOUT(page.isReady(), 30000);
    const qint64 process = scalar(path, "SELECT MAX(id) FROM processes");
    const int lane = page.data().laneOfProcess(process);
    QVERIFY(lane >= 0);
    const QPoint header(5, page.view()->laneTop(lane) + 2);
    const QRgb before = renderPage(page).pixel(header);
    selection.select({ItemRef::Kind::Process, process});
    const QRgb after = renderPage(page).pixel(header);
    QVERIFY(before != after);
    // Another process' header is not.
    const int other = page.data().laneOfProcess(scalar(path, "SELECT MIN(id) FROM processes"));
    QVERIFY(other >= 0 && other != lane);
    QCOMPARE(renderPage(page).pixel(5, page.view()->laneTop(other) + 2), before);
}

void TimelinePageTest::threadRevealScrolls()
{
    // More lanes than fit: selecting the last thread scrolls down to it, the first one back up.
    const QString path = dbPath(QStringLiteral("callbacks"));
    Selection selection;
    TimelinePage page(&selection);
    page.resize(900, TimelineView::kRulerHeight + TimelineView::kOverviewHeight + 70);
    page.show();
    page.openTrace(infoOf(path));
    QTRY_VERIFY_WITH_TIMEOUT(page.isReady(), 30000);
    TimelineView *view = page.view();
    const int bottom = view->height() - TimelineView::kOverviewHeight;
    auto visible = [&](int lane) {
        return view->laneTop(lane) >= TimelineView::kRulerHeight && view->laneTop(lane) + view->laneHeight(lane) <= bottom;
    };
    const qint64 last = scalar(path, "SELECT id FROM threads ORDER BY process_id DESC, start_ts DESC LIMIT 1");
    const qint64 first = scalar(path, "SELECT t.id FROM threads t JOIN processes p ON p.id = t.process_id"
                                      " ORDER BY p.start_ts, p.id, t.start_ts, t.id LIMIT 1");
    const int lastLane = page.data().laneOfThread(last), firstLane = page.data().laneOfThread(first);
    QVERIFY(lastLane > firstLane);
    QVERIFY(visible(firstLane));
    QVERIFY(!visible(lastLane));
    selection.select({ItemRef::Kind::Thread, last});
    QVERIFY(visible(lastLane));
    QVERIFY(!visible(firstLane));
    selection.select({ItemRef::Kind::Thread, first});
    QVERIFY(visible(firstLane));
}

void TimelinePageTest::clickSelects()
{
    const QString path = dbPath(QStringLiteral("callbacks"));
    Selection selection;
    TimelinePage page(&selection);
    page.resize(1200, 500);
    page.show();
    page.openTrace(infoOf(path));
    QTRY_VERIFY_WITH_TIMEOUT(page.isReady(), 30000);
    // Zoom to an invocation, then click its middle.
    const qint64 id = scalar(path, "SELECT id FROM invocations WHERE thread_id IS NOT NULL AND user_begin_ts IS NOT NULL"
                                   " ORDER BY user_end_ts - user_begin_ts DESC LIMIT 1");
    selection.select({ItemRef::Kind::Invocation, id});
    const auto found = page.data().find(false, id);
    QVERIFY(found.ok());
    selection.select({});
    TimelineView *view = page.view();
    const TimelineSlice &slice = page.data().slice(found);
    const double x = TimelineView::kHeaderWidth + view->mapping().tsToX((slice.begin + slice.end) / 2);
    const int y = view->laneTop(found.lane) + TimelineView::kLanePadding + found.row * TimelineView::kRowHeight +
                  TimelineView::kRowHeight / 2;
    QCOMPARE(view->sliceAt(QPoint(int(x), y)).index, found.index);
    QTest::mouseClick(view, Qt::LeftButton, {}, QPoint(int(x), y));
    QCOMPARE(selection.item(), (ItemRef{ItemRef::Kind::Invocation, id}));
    // A callback request is selected as such.
    const qint64 rid = scalar(path, "SELECT id FROM callback_requests WHERE supplicant_thread_id IS NOT NULL"
                                    " ORDER BY answer_ts - queue_ts DESC LIMIT 1");
    selection.select({ItemRef::Kind::Request, rid});
    const auto req = page.data().find(true, rid);
    QVERIFY(req.ok());
    selection.select({});
    const TimelineSlice &rs = page.data().slice(req);
    const double rx = TimelineView::kHeaderWidth + view->mapping().tsToX((rs.innerBeginTs() + rs.end) / 2);
    const int ry = view->laneTop(req.lane) + TimelineView::kLanePadding + req.row * TimelineView::kRowHeight + 5;
    QTest::mouseClick(view, Qt::LeftButton, {}, QPoint(int(rx), ry));
    QCOMPARE(selection.item(), (ItemRef{ItemRef::Kind::Request, rid}));
    // A thread header selects the thread.
    QTest::mouseClick(view, Qt::LeftButton, {}, QPoint(40, ry));
    QCOMPARE(selection.item().kind, ItemRef::Kind::Thread);
    QCOMPARE(selection.item().id, page.data().lanes()[size_t(req.lane)].threadId);
}

void TimelinePageTest::rangeRoundTrip()
{
    const QString path = dbPath(QStringLiteral("callbacks"));
    Selection selection;
    TimelinePage page(&selection);
    page.resize(1000, 400);
    page.show();
    page.openTrace(infoOf(path));
    QTRY_VERIFY_WITH_TIMEOUT(page.isReady(), 30000);
    const TimeMapping &m = page.view()->mapping();
    const TimeRange range{m.traceBegin() + m.traceSpan() / 3, m.traceBegin() + m.traceSpan() / 2};
    selection.setRange(range);
    QVERIFY(m.viewBegin() <= range.begin && m.viewEnd() >= range.end);
    QVERIFY(m.viewSpan() < (range.end - range.begin) * 12 / 10);
    // Dragging on the ruler selects a range, without moving the view.
    const qint64 viewBegin = m.viewBegin();
    QTest::mousePress(page.view(), Qt::LeftButton, {}, QPoint(TimelineView::kHeaderWidth + 100, 10));
    QMouseEvent move(QEvent::MouseMove, QPointF(TimelineView::kHeaderWidth + 300, 10), page.view()->mapToGlobal(QPointF(TimelineView::kHeaderWidth + 300, 10)),
                     Qt::NoButton, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(page.view(), &move);
    QTest::mouseRelease(page.view(), Qt::LeftButton, {}, QPoint(TimelineView::kHeaderWidth + 300, 10));
    const TimeRange selected = selection.range();
    QVERIFY(selected.isValid());
    QVERIFY(std::llabs(selected.begin - m.xToTs(100)) <= qint64(m.nsPerPixel()) + 1);
    QVERIFY(std::llabs(selected.end - m.xToTs(300)) <= qint64(m.nsPerPixel()) + 1);
    QCOMPARE(m.viewBegin(), viewBegin);
}

void TimelinePageTest::keyboardZoom()
{
    Selection selection;
    TimelinePage page(&selection);
    page.resize(1000, 400);
    page.show();
    page.openTrace(infoOf(dbPath(QStringLiteral("clean"))));
    QTRY_VERIFY_WITH_TIMEOUT(page.isReady(), 30000);
    const TimeMapping &m = page.view()->mapping();
    QVERIFY(m.showsAll());
    const qint64 span = m.viewSpan();
    QTest::keyClick(page.view(), Qt::Key_Plus);
    QVERIFY(m.viewSpan() < span);
    const qint64 begin = m.viewBegin();
    QTest::keyClick(page.view(), Qt::Key_Right);
    QVERIFY(m.viewBegin() > begin);
    page.zoomIn();
    QTest::keyClick(page.view(), Qt::Key_Minus);
    QTest::keyClick(page.view(), Qt::Key_Home);
    QVERIFY(m.showsAll());
    // Ctrl+wheel zooms around the cursor.
    const QPoint at(TimelineView::kHeaderWidth + 200, 100);
    const qint64 under = m.xToTs(200);
    QWheelEvent wheel(at, page.view()->mapToGlobal(at), QPoint(), QPoint(0, 240), Qt::NoButton, Qt::ControlModifier,
                      Qt::NoScrollPhase, false);
    QCoreApplication::sendEvent(page.view(), &wheel);
    QVERIFY(m.viewSpan() < span);
    QVERIFY(std::llabs(m.xToTs(200) - under) <= qint64(m.nsPerPixel()) + 1);
}

void TimelinePageTest::exportFormats()
{
    QTemporaryDir dir;
    const QString path = dbPath(QStringLiteral("callbacks"));
    Selection selection;
    TimelinePage page(&selection);
    page.resize(900, 400);
    page.openTrace(infoOf(path));
    QTRY_VERIFY_WITH_TIMEOUT(page.isReady(), 30000);
    QVERIFY(page.exportFormats().contains(QStringLiteral("png")));
    QString error;
    const QString png = dir.filePath(QStringLiteral("t.png"));
    QVERIFY2(page.exportTo(png, QStringLiteral("png"), &error), qPrintable(error));
    QCOMPARE(QImage(png).size(), page.size());
    const QString csv = dir.filePath(QStringLiteral("t.csv"));
    QVERIFY2(page.exportTo(csv, QStringLiteral("csv"), &error), qPrintable(error));
    QFile f(csv);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const auto lines = f.readAll().split('\n');
    // Header + every drawable invocation (the whole trace is in view) + the empty last line.
    QCOMPARE(qint64(lines.size()) - 2, page.data().invocationCount());
    QVERIFY(!page.exportTo(csv, QStringLiteral("svg"), &error));
    QVERIFY(!page.exportTo(dir.filePath(QStringLiteral("no/such/dir/t.png")), QStringLiteral("png"), &error));
}

void TimelinePageTest::liveRefresh()
{
    // A file that grows: first a prefix of the invocations, then all of them.
    QTemporaryDir dir;
    const QString original = dbPath(QStringLiteral("callbacks"));
    const QString copy = dir.filePath(QStringLiteral("live.db"));
    QVERIFY(QFile::copy(original, copy));
    QFile::setPermissions(copy, QFile::ReadOwner | QFile::WriteOwner);
    const qint64 total = scalar(original, "SELECT COUNT(*) FROM invocations");
    sqlite3 *raw = nullptr;
    QCOMPARE(sqlite3_open(copy.toUtf8().constData(), &raw), SQLITE_OK);
    QCOMPARE(sqlite3_exec(raw, "DELETE FROM invocations WHERE id > 20; DELETE FROM callback_requests WHERE id > 3;", nullptr,
                          nullptr, nullptr),
             SQLITE_OK);
    Selection selection;
    TimelinePage page(&selection);
    page.resize(900, 400);
    page.openTrace(infoOf(copy));
    QTRY_VERIFY_WITH_TIMEOUT(page.isReady(), 30000);
    QCOMPARE(page.data().invocationCount(), qint64(20));
    const size_t arrowsBefore = page.data().arrows().size();
    const std::string attach = "ATTACH '" + original.toStdString() + "' AS o;"
                               "INSERT INTO invocations SELECT * FROM o.invocations WHERE id > 20;"
                               "INSERT INTO callback_requests SELECT * FROM o.callback_requests WHERE id > 3;";
    QCOMPARE(sqlite3_exec(raw, attach.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(raw);
    QSignalSpy readySpy(&page, &ViewPage::readyChanged);
    page.refresh();
    QTRY_COMPARE_WITH_TIMEOUT(page.data().invocationCount(), total, 30000);
    QVERIFY(page.data().arrows().size() > arrowsBefore);
    QCOMPARE(page.data().lastRequestId(), scalar(original, "SELECT MAX(id) FROM callback_requests"));
}

void TimelinePageTest::missingDatabase()
{
    Selection selection;
    TimelinePage page(&selection);
    TraceInfo info;
    info.dbPath = QStringLiteral("/nonexistent/x.db");
    QSignalSpy status(&page, &ViewPage::statusMessage);
    page.openTrace(info);
    QTRY_VERIFY_WITH_TIMEOUT(page.isReady(), 10000);
    QVERIFY(page.loadError().contains(QStringLiteral("x.db")));
    QVERIFY(!renderPage(page).isNull()); // still paints
}

QTEST_MAIN(TimelinePageTest)
#include "timeline_page_test.moc"
