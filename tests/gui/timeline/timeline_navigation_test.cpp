// SPDX-License-Identifier: MIT
// The timeline's keyboard navigation on the sample databases: stepping through a row visits
// its slices in time order and stops at its ends, the first slice after or before a time is the
// one a search of the row finds, and moving between lanes skips the lanes not shown.
#include "core/trace_db.h"
#include "timeline/timeline_data.h"
#include "timeline/timeline_navigation.h"

#include <QDir>
#include <QTest>

using namespace teescope;
using namespace teescope::gui;

namespace {

TimelineData load(const char *name)
{
    const auto db = openTraceDb(QDir(qEnvironmentVariable("TEESCOPE_TEST_DBS")).filePath(QLatin1String(name) + QStringLiteral(".db")));
    TimelineData data;
    data.apply(TimelineData::readStructure(db, 0, 0));
    for (;;) {
        auto chunk = TimelineData::readInvocations(db, data.lastInvocationId(), 100000);
        const bool more = chunk.more;
        data.apply(std::move(chunk));
        if (!more)
            break;
    }
    return data;
}

} // namespace

class TimelineNavigationTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void stepsThroughEveryRow_data()
    {
        QTest::addColumn<QString>("db");
        for (const char *name : {"callbacks", "sharing", "lossy"})
            QTest::newRow(name) << QString::fromLatin1(name);
    }
    void stepsThroughEveryRow()
    {
        QFETCH(QString, db);
        const TimelineData data = load(db.toLatin1().constData());
        int rows = 0;
        for (size_t l = 0; l < data.lanes().size(); ++l)
            for (size_t r = 0; r < data.lanes()[l].rows.size(); ++r) {
                const auto &slices = data.lanes()[l].rows[r].slices;
                if (slices.empty())
                    continue;
                ++rows;
                // Forward from the first to the last, one by one, in time order; then no further.
                TimelineData::Found at{int(l), int(r), 0};
                size_t visited = 1;
                for (auto next = stepSlice(data, at, 1); next.ok(); next = stepSlice(data, at, 1)) {
                    QVERIFY(data.slice(next).begin >= data.slice(at).end);
                    QCOMPARE(next.index, at.index + 1);
                    at = next;
                    ++visited;
                }
                QCOMPARE(visited, slices.size());
                QVERIFY(!stepSlice(data, {int(l), int(r), 0}, -1).ok());
                if (slices.size() > 1)
                    QCOMPARE(stepSlice(data, at, -1).index, at.index - 1);
            }
        QVERIFY(rows > 0);
    }

    void firstSliceAfterOrBefore()
    {
        const TimelineData data = load("callbacks");
        int checked = 0;
        for (size_t l = 0; l < data.lanes().size(); ++l) {
            if (data.lanes()[l].rows.empty())
                continue;
            const auto &slices = data.lanes()[l].rows.front().slices;
            for (size_t i = 0; i < slices.size(); ++i) {
                // From a slice's own begin: itself going forward; going back, the one before it.
                const auto after = sliceFrom(data, int(l), slices[i].begin, 1);
                QCOMPARE(after.index, int(i));
                const auto before = sliceFrom(data, int(l), slices[i].begin, -1);
                if (i == 0)
                    QVERIFY(!before.ok() || slices[0].end <= slices[0].begin);
                else
                    QVERIFY(before.ok() && before.index >= int(i) - 1);
                ++checked;
            }
            QVERIFY(!sliceFrom(data, int(l), slices.empty() ? 0 : slices.back().end + 1, 1).ok());
        }
        QVERIFY(checked > 0);
        QVERIFY(!sliceFrom(data, -1, 0, 1).ok());
        QVERIFY(!sliceFrom(data, int(data.lanes().size()), 0, 1).ok());
    }

    void lanesSkipWhatIsNotShown()
    {
        const TimelineData data = load("callbacks");
        const int count = int(data.lanes().size());
        QVERIFY(count >= 3);
        const auto all = [](int) { return true; };
        QCOMPARE(adjacentLane(data, -1, 1, all), 0);
        QCOMPARE(adjacentLane(data, -1, -1, all), count - 1);
        QCOMPARE(adjacentLane(data, 0, 1, all), 1);
        QCOMPARE(adjacentLane(data, 0, -1, all), -1);
        QCOMPARE(adjacentLane(data, count - 1, 1, all), -1);
        // Odd lanes hidden: from 0 down is 2, from 2 up is 0.
        const auto even = [](int lane) { return lane % 2 == 0; };
        QCOMPARE(adjacentLane(data, 0, 1, even), 2);
        QCOMPARE(adjacentLane(data, 2, -1, even), 0);
        QCOMPARE(adjacentLane(data, 0, 1, [](int) { return false; }), -1);
    }
};

QTEST_GUILESS_MAIN(TimelineNavigationTest)
#include "timeline_navigation_test.moc"
