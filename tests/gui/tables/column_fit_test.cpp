// SPDX-License-Identifier: MIT
// Column widths that follow a table's width: all as wanted while they fit (the room left to the
// long-text column); narrower, the long-text columns give up room first, then the others, never
// the key columns, and none below its floor.
#include "tables/column_fit.h"

#include <QTest>

#include <numeric>

using namespace teescope::gui;

namespace {
int sum(const QList<int> &v) { return std::accumulate(v.begin(), v.end(), 0); }
} // namespace

class ColumnFitTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void roomyKeepsWhatEachWants()
    {
        const QList<int> wanted{100, 120, 60, 300, 70};
        const QList<int> w = fitColumnWidths(wanted, 1000, {0, 1}, {3});
        QCOMPARE(sum(w), 1000);
        QCOMPARE(w[0], 100);
        QCOMPARE(w[1], 120);
        QCOMPARE(w[2], 60);
        QCOMPARE(w[4], 70);
        QCOMPARE(w[3], 1000 - 350); // the long-text column takes the rest
    }

    void narrowShrinksLongTextFirst()
    {
        const QList<int> wanted{100, 120, 60, 400, 70, 300};
        // 1050 wanted, 700 available: provenance and holders give 350 between them.
        const QList<int> w = fitColumnWidths(wanted, 700, {0, 1}, {3, 5});
        QCOMPARE(sum(w), 700);
        QCOMPARE(w[0], 100);
        QCOMPARE(w[1], 120);
        QCOMPARE(w[2], 60);
        QCOMPARE(w[4], 70);
        QVERIFY(w[3] >= ColumnFit::kMinFlexible && w[5] >= ColumnFit::kMinFlexible);
        QVERIFY(std::abs(w[3] - w[5]) <= 1); // the widest gave first, until they were even
    }

    void tinyKeepsKeysAndFloors()
    {
        const QList<int> wanted{150, 120, 90, 400, 90, 300};
        const QList<int> w = fitColumnWidths(wanted, 500, {0, 1}, {3, 5});
        QCOMPARE(w[0], 150);
        QCOMPARE(w[1], 120);
        for (int c : {2, 4})
            QVERIFY(w[c] >= ColumnFit::kMinColumn);
        for (int c : {3, 5})
            QVERIFY(w[c] >= ColumnFit::kMinColumn);
        QVERIFY(sum(w) >= 500); // what cannot shrink further scrolls
    }

    void keyColumnAtMostHalf()
    {
        const QList<int> w = fitColumnWidths({900, 80}, 600, {0}, {});
        QCOMPARE(w[0], 300);
        QCOMPARE(w[1], 80 + 220);
    }
};

QTEST_GUILESS_MAIN(ColumnFitTest)
#include "column_fit_test.moc"
