// SPDX-License-Identifier: MIT
// The timeline of an OP-TEE trace under Xen: OP-TEE calls named by their TA and command, RPCs
// served on the supplicant threads with flows from the invoking thread, waits for an OP-TEE
// thread as a segment of their own, lanes per guest and the guest filter, in data and in pixels.
#include "optee_db.h"

#include "core/selection.h"
#include "core/theme.h"
#include "timeline/timeline_data.h"
#include "timeline/timeline_page.h"
#include "timeline/timeline_view.h"

#include <QDir>
#include <QImage>
#include <QTemporaryDir>
#include <QTest>

using namespace teescope;
using namespace teescope::gui;
using namespace teescope::gui::test;

namespace {

TimelineData loadAll(const QString &path, qint64 chunk = 1000)
{
    auto db = openTraceDb(path);
    TimelineData data;
    data.apply(TimelineData::readStructure(db, 0, 0));
    for (;;) {
        TimelineChunk c = TimelineData::readInvocations(db, data.lastInvocationId(), chunk);
        const bool more = c.more;
        data.apply(std::move(c));
        if (!more)
            break;
    }
    return data;
}

int pixelsNear(const QImage &image, const QColor &color, const QRect &area, int distance = 30)
{
    int n = 0;
    const QImage img = image.convertToFormat(QImage::Format_RGB32);
    const QRect r = area.intersected(img.rect());
    for (int y = r.top(); y <= r.bottom(); ++y)
        for (int x = r.left(); x <= r.right(); ++x) {
            const QRgb p = img.pixel(x, y);
            if (std::abs(qRed(p) - color.red()) + std::abs(qGreen(p) - color.green()) + std::abs(qBlue(p) - color.blue()) <
                distance)
                ++n;
        }
    return n;
}

} // namespace

class OpteeTimelineTest : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(dir_.isValid());
        db_ = dir_.filePath(QStringLiteral("optee.db"));
        writeOpteeDb(db_);
    }

    void callsNamedByTaAndCommand()
    {
        for (qint64 chunk : {1000, 3}) {
            const TimelineData data = loadAll(db_, chunk);
            const auto found = data.find(false, OpteeDb::kWaitingInvocation);
            QVERIFY(found.ok());
            const TimelineSlice &s = data.slice(found);
            const TimelineSliceKind &k = data.kinds()[s.kind];
            QCOMPARE(k.objectClass, QStringLiteral("hello_world"));
            QCOMPARE(k.opLabel, QStringLiteral("increment"));
            const TimelineSliceKind &open = data.kinds()[data.slice(data.find(false, 1)).kind];
            QCOMPARE(open.opLabel, QStringLiteral("open"));
            const TimelineSliceKind &write = data.kinds()[data.slice(data.find(false, 11)).kind];
            QCOMPARE(write.objectClass, QStringLiteral("secure_storage"));
            QCOMPARE(write.opLabel, QStringLiteral("write_raw"));
            QCOMPARE(data.lanes()[size_t(found.lane)].threadId, OpteeDb::kClientThread);
            QCOMPARE(data.lanes()[size_t(found.lane)].guest, 1);
        }
    }

    void rpcsServedOnSupplicantThreads()
    {
        const TimelineData data = loadAll(db_);
        const auto rpc = data.find(true, OpteeDb::kLoadTaRpc);
        QVERIFY(rpc.ok());
        QCOMPARE(data.lanes()[size_t(rpc.lane)].threadId, OpteeDb::kSupplicantThread1);
        const TimelineSliceKind &k = data.kinds()[data.slice(rpc).kind];
        QCOMPARE(k.objectClass, QStringLiteral("rpc"));
        QCOMPARE(k.opLabel, QStringLiteral("LOAD_TA"));
        int rpcArrows = 0;
        for (const TimelineArrow &a : data.arrows()) {
            QVERIFY(a.rpc);
            ++rpcArrows;
            if (a.requestId == OpteeDb::kLoadTaRpc) {
                QCOMPARE(a.invocationId, 1);
                QCOMPARE(a.fromThreadId, OpteeDb::kClientThread);
                QCOMPARE(a.toThreadId, OpteeDb::kSupplicantThread1);
                QVERIFY(a.toTs > a.fromTs);
            }
        }
        QCOMPARE(rpcArrows, 3);
    }

    void waitsBeforeTheCallRuns()
    {
        for (qint64 chunk : {1000, 2}) {
            const TimelineData data = loadAll(db_, chunk);
            const TimelineSlice &s = data.slice(data.find(false, OpteeDb::kWaitingInvocation));
            QVERIFY(s.is(TimelineSlice::Waited));
            const auto *waits = data.waitsOf(s);
            QVERIFY(waits);
            QCOMPARE(waits->size(), size_t(1));
            QCOMPARE(waits->front().begin, OpteeDb::kWaitBegin);
            QCOMPARE(waits->front().end, OpteeDb::kWaitEnd);
            QVERIFY(!waits->front().guestLimit);
            QVERIFY(data.waitsOf(data.slice(data.find(false, 11)))->front().guestLimit);
            QVERIFY(!data.slice(data.find(false, 2)).is(TimelineSlice::Waited));
            QVERIFY(!data.waitsOf(data.slice(data.find(false, 2))));
        }
    }

    // The page: the wait drawn in its colour where the call waited, the RPC flow in the TAs'
    // colour; the guest filter hides guest 1's lanes (and their pixels).
    void pagePixelsAndGuestFilter()
    {
        Selection selection;
        TimelinePage page(&selection);
        page.resize(1400, 500);
        page.show();
        page.openTrace(loadTraceInfo(openTraceDb(db_)));
        QTRY_VERIFY_WITH_TIMEOUT(page.isReady(), 30000);
        TimelineView *view = page.view();
        // Zoom on the waiting call.
        view->showRange(OpteeDb::kT0 + 19'000'000, OpteeDb::kT0 + 27'000'000);
        QTest::qWait(20);
        QImage image = view->grab().toImage();
        const QString shots = qEnvironmentVariable("TEESCOPE_SCREENSHOTS");
        if (!shots.isEmpty()) {
            QDir().mkpath(shots);
            image.save(shots + QStringLiteral("/timeline-optee-wait.png"));
        }
        const auto found = page.data().find(false, OpteeDb::kWaitingInvocation);
        const int y = view->laneTop(found.lane);
        const double x0 = TimelineView::kHeaderWidth + view->mapping().tsToX(OpteeDb::kWaitBegin);
        const double x1 = TimelineView::kHeaderWidth + view->mapping().tsToX(OpteeDb::kWaitEnd);
        const bool dark = isDark(view->palette());
        const QRect waitArea(int(x0), y, int(x1 - x0), view->laneHeight(found.lane));
        QVERIFY2(pixelsNear(image, waitColor(dark), waitArea) > 100, "no wait segment where the call waited");
        const QRect afterWait(int(x1) + 5, y, 60, view->laneHeight(found.lane));
        QVERIFY2(pixelsNear(image, waitColor(dark), afterWait) < 10, "wait colour where the call ran");

        // The whole trace: RPC flows to the supplicants.
        view->resetZoom();
        QTest::qWait(20);
        image = view->grab().toImage();
        QColor rpc = taColor(dark).darker(dark ? 100 : 160);
        QVERIFY2(pixelsNear(image, rpc, image.rect(), 60) > 20, "no RPC flow");

        // Guest 2 only: the lanes of guest 1 take no room, the storage app's lane is on top.
        selection.setGuestFilter(2);
        QCOMPARE(view->guestFilter(), 2);
        const auto &lanes = page.data().lanes();
        int firstShown = -1;
        for (size_t l = 0; l < lanes.size(); ++l) {
            QCOMPARE(view->isLaneHidden(int(l)), lanes[l].guest != 2);
            if (view->isLaneHidden(int(l)))
                QCOMPARE(view->laneHeight(int(l)), 0);
            else if (firstShown < 0)
                firstShown = int(l);
        }
        QVERIFY(firstShown >= 0);
        QCOMPARE(lanes[size_t(firstShown)].processId, OpteeDb::kStorageApp);
        QCOMPARE(lanes[size_t(firstShown)].processName, QStringLiteral("secure_storage_client"));
        QCOMPARE(view->laneTop(firstShown), TimelineView::kRulerHeight);
        QCOMPARE(view->laneAt(QPoint(10, TimelineView::kRulerHeight + 5)), firstShown);
        // Only guest 2's RPCs still flow.
        image = view->grab().toImage();
        QVERIFY(pixelsNear(image, rpc, image.rect(), 60) > 10);
        QCOMPARE(view->sliceAt(QPoint(int(x0) + 3, y + 8)).ok(), false); // guest 1's slice is gone
    }

private:
    QTemporaryDir dir_;
    QString db_;
};

QTEST_MAIN(OpteeTimelineTest)
#include "optee_timeline_test.moc"
