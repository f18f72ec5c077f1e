// SPDX-License-Identifier: MIT
// TimeMapping: conversions, zoom around an anchor, pan and its clamps, at nanosecond
// timestamps of ~1.8e18 where a double no longer holds every nanosecond.
#include "timeline/time_mapping.h"

#include <QTest>

#include <cmath>
#include <limits>

using teescope::gui::TimeMapping;

class TimeMappingTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void conversions_data();
    void conversions();
    void zoomKeepsAnchor_data();
    void zoomKeepsAnchor();
    void zoomStopsAtMinimumSpan();
    void zoomOutStopsAtTrace();
    void panClamps_data();
    void panClamps();
    void setViewClamps_data();
    void setViewClamps();
    void degenerateInput();
};

static constexpr qint64 kBase = 1795302250049683977; // a real trace start

void TimeMappingTest::conversions_data()
{
    QTest::addColumn<qint64>("begin");
    QTest::addColumn<qint64>("end");
    QTest::addColumn<double>("width");
    QTest::newRow("small") << qint64(0) << qint64(1000) << 100.0;
    QTest::newRow("huge ns, 75 ms") << kBase << kBase + 74898940 << 1600.0;
    QTest::newRow("huge ns, 1 h") << kBase << kBase + 3600LL * 1000000000 << 1234.0;
    QTest::newRow("near int64 max") << std::numeric_limits<qint64>::max() - 1000000 << std::numeric_limits<qint64>::max() - 1 << 500.0;
}

void TimeMappingTest::conversions()
{
    QFETCH(qint64, begin);
    QFETCH(qint64, end);
    QFETCH(double, width);
    TimeMapping m(begin, end, width);
    QCOMPARE(m.viewBegin(), begin);
    QCOMPARE(m.viewEnd(), end);
    QCOMPARE(m.tsToX(begin), 0.0);
    QCOMPARE(m.tsToX(end), width);
    QCOMPARE(m.xToTs(0), begin);
    QCOMPARE(m.xToTs(width), end);
    QCOMPARE(m.nsPerPixel(), double(end - begin) / width);
    // Every pixel maps back to itself, without losing the low digits of the timestamps.
    for (double x = 0; x <= width; x += width / 7) {
        const qint64 ts = m.xToTs(x);
        QVERIFY2(std::abs(m.tsToX(ts) - x) <= 0.5 / m.nsPerPixel() + 1e-6, qPrintable(QString::number(x)));
    }
    // Outside the trace: xToTs clamps, tsToX extrapolates.
    QCOMPARE(m.xToTs(-50), begin);
    QCOMPARE(m.xToTs(width * 3), end);
    QVERIFY(m.tsToX(begin - 1) < 0);
    // A deep zoom still distinguishes single nanoseconds.
    if (end - begin < TimeMapping::kMinSpan + 100)
        return;
    m.setView(begin + 100, begin + 100 + TimeMapping::kMinSpan);
    QCOMPARE(m.viewBegin(), begin + 100);
    QVERIFY(m.tsToX(begin + 101) > m.tsToX(begin + 100));
}

void TimeMappingTest::zoomKeepsAnchor_data()
{
    QTest::addColumn<double>("factor");
    QTest::addColumn<double>("anchorX");
    QTest::newRow("in at left") << 2.0 << 0.0;
    QTest::newRow("in at middle") << 3.5 << 800.0;
    QTest::newRow("in at right") << 10.0 << 1600.0;
    QTest::newRow("in off-centre") << 1.5 << 333.3;
    QTest::newRow("deep in") << 1e5 << 1200.0;
}

void TimeMappingTest::zoomKeepsAnchor()
{
    QFETCH(double, factor);
    QFETCH(double, anchorX);
    TimeMapping m(kBase, kBase + 20000000000LL, 1600);
    m.zoom(4, 900); // not the whole trace, so the anchor is free to stay
    const qint64 before = m.xToTs(anchorX);
    const qint64 spanBefore = m.viewSpan();
    m.zoom(factor, anchorX);
    QVERIFY(m.viewSpan() < spanBefore);
    QCOMPARE(double(m.viewSpan()), std::max(double(TimeMapping::kMinSpan), std::round(double(spanBefore) / factor)));
    // The anchor stays within one nanosecond (rounding of the new offset).
    QVERIFY2(std::llabs(m.xToTs(anchorX) - before) <= 1, qPrintable(QString::number(m.xToTs(anchorX) - before)));
    // Zooming back out by the same factor restores the span.
    m.zoom(1 / factor, anchorX);
    QVERIFY(std::llabs(m.viewSpan() - spanBefore) <= 1 + qint64(factor));
}

void TimeMappingTest::zoomStopsAtMinimumSpan()
{
    TimeMapping m(kBase, kBase + 5000000000LL, 1000);
    for (int i = 0; i < 100; ++i)
        m.zoom(10, 500);
    QCOMPARE(m.viewSpan(), TimeMapping::kMinSpan);
    QVERIFY(m.viewBegin() >= m.traceBegin() && m.viewEnd() <= m.traceEnd());
    // A trace shorter than the minimum span shows the whole trace.
    TimeMapping tiny(kBase, kBase + 10, 1000);
    tiny.zoom(100, 500);
    QCOMPARE(tiny.viewSpan(), qint64(10));
}

void TimeMappingTest::zoomOutStopsAtTrace()
{
    TimeMapping m(kBase, kBase + 5000000000LL, 1000);
    m.zoom(8, 100);
    m.zoom(1e-9, 700);
    QVERIFY(m.showsAll());
    QCOMPARE(m.viewBegin(), kBase);
    QCOMPARE(m.viewEnd(), kBase + 5000000000LL);
}

void TimeMappingTest::panClamps_data()
{
    QTest::addColumn<double>("dx");
    QTest::addColumn<qint64>("expectedBegin"); // offset from the trace begin; -1: unclamped
    QTest::newRow("small right") << 100.0 << qint64(-1);
    QTest::newRow("small left") << -100.0 << qint64(-1);
    QTest::newRow("far left") << -1e9 << qint64(0);
    QTest::newRow("far right") << 1e9 << qint64(9000000000LL);
    QTest::newRow("infinite") << std::numeric_limits<double>::infinity() << qint64(-2);
}

void TimeMappingTest::panClamps()
{
    QFETCH(double, dx);
    QFETCH(qint64, expectedBegin);
    TimeMapping m(kBase, kBase + 10000000000LL, 1000);
    m.setView(kBase + 4000000000LL, kBase + 5000000000LL); // 1 ms per pixel
    const qint64 before = m.viewBegin();
    m.pan(dx);
    QCOMPARE(m.viewSpan(), 1000000000LL);
    if (expectedBegin == -1)
        QCOMPARE(m.viewBegin(), before + qint64(dx * 1000000));
    else if (expectedBegin == -2)
        QCOMPARE(m.viewBegin(), before); // ignored
    else
        QCOMPARE(m.viewBegin() - kBase, expectedBegin);
    QVERIFY(m.viewBegin() >= m.traceBegin() && m.viewEnd() <= m.traceEnd());
}

void TimeMappingTest::setViewClamps_data()
{
    QTest::addColumn<qint64>("begin"); // offsets from kBase
    QTest::addColumn<qint64>("end");
    QTest::addColumn<qint64>("wantBegin");
    QTest::addColumn<qint64>("wantEnd");
    QTest::newRow("inside") << qint64(100) << qint64(5000) << qint64(100) << qint64(5000);
    QTest::newRow("before the trace") << qint64(-5000) << qint64(2000) << qint64(0) << qint64(7000);
    QTest::newRow("after the trace") << qint64(9000) << qint64(12000) << qint64(7000) << qint64(10000);
    QTest::newRow("wider than the trace") << qint64(-1) << qint64(20000) << qint64(0) << qint64(10000);
    QTest::newRow("narrow: widened around its middle") << qint64(5000) << qint64(5010) << qint64(4505) << qint64(5505);
    QTest::newRow("inverted") << qint64(6000) << qint64(3000) << qint64(5500) << qint64(6500);
}

void TimeMappingTest::setViewClamps()
{
    QFETCH(qint64, begin);
    QFETCH(qint64, end);
    QFETCH(qint64, wantBegin);
    QFETCH(qint64, wantEnd);
    TimeMapping m(kBase, kBase + 10000, 100);
    m.setView(kBase + begin, kBase + end);
    QCOMPARE(m.viewBegin() - kBase, wantBegin);
    QCOMPARE(m.viewEnd() - kBase, wantEnd);
}

void TimeMappingTest::degenerateInput()
{
    // Empty, inverted and extreme traces, silly widths: no crash, finite numbers, a valid view.
    TimeMapping empty(kBase, kBase, 0);
    QCOMPARE(empty.traceSpan(), qint64(1));
    QCOMPARE(empty.width(), 1.0);
    TimeMapping inverted(kBase, kBase - 100, std::nan(""));
    QVERIFY(inverted.traceSpan() > 0);
    TimeMapping extreme(std::numeric_limits<qint64>::min(), std::numeric_limits<qint64>::max(), 800);
    QVERIFY(extreme.traceSpan() > 0);
    QVERIFY(std::isfinite(extreme.tsToX(0)));
    extreme.zoom(1e6, 400);
    extreme.pan(-1e300);
    QCOMPARE(extreme.viewBegin(), extreme.traceBegin());
    QVERIFY(std::isfinite(extreme.tsToX(std::numeric_limits<qint64>::max())));
    TimeMapping top(std::numeric_limits<qint64>::max(), std::numeric_limits<qint64>::max(), 10);
    QVERIFY(top.traceSpan() > 0);
    QVERIFY(std::isfinite(top.tsToX(std::numeric_limits<qint64>::min())));
}

QTEST_APPLESS_MAIN(TimeMappingTest)
#include "time_mapping_test.moc"
