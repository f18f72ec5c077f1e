// SPDX-License-Identifier: MIT
// What every view shares: formatting, plain-text tooltips, the selection and background jobs.
#include "core/format.h"
#include "core/jobs.h"
#include "core/selection.h"

#include <QLabel>
#include <QTextDocument>
#include <QThread>
#include <QtTest>

#include <stdexcept>

using namespace teescope::gui;

class CoreTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void durations_data()
    {
        QTest::addColumn<qint64>("ns");
        QTest::addColumn<QString>("text");
        QTest::newRow("ns") << qint64(750) << QStringLiteral("750 ns");
        QTest::newRow("us") << qint64(12700) << QStringLiteral("12.7 µs");
        QTest::newRow("ms") << qint64(1234567) << QStringLiteral("1.23 ms");
        QTest::newRow("s") << qint64(2500000000) << QStringLiteral("2.5 s");
        QTest::newRow("min") << qint64(900) * 1000000000 << QStringLiteral("15.0 min");
        QTest::newRow("unknown") << qint64(-1) << QStringLiteral("?");
    }
    void durations()
    {
        QFETCH(qint64, ns);
        QFETCH(QString, text);
        QCOMPARE(formatDuration(ns), text);
    }

    void traceTimesAndCounts()
    {
        const qint64 start = 1795302248824958918;
        QCOMPARE(formatTraceTime(start + 1500000001, start), QStringLiteral("+1.500000001 s"));
        QCOMPARE(formatTraceTime(start - 20, start), QStringLiteral("-0.000000020 s"));
        QCOMPARE(formatCount(1281326), QStringLiteral("1,281,326"));
        QCOMPARE(formatCount(-1000), QStringLiteral("-1,000"));
        QCOMPARE(formatCount(999), QStringLiteral("999"));
        QCOMPARE(opName(65535), QStringLiteral("release"));
        QCOMPARE(opName(3), QStringLiteral("3"));
        // An op's name with its number where it has one.
        QCOMPARE(opWithName(0, QStringLiteral("add")), QStringLiteral("add (0)"));
        QCOMPARE(opWithName(65535, QStringLiteral("release")), QStringLiteral("release"));
        QCOMPARE(opWithName(7, QString()), QStringLiteral("7"));
        QCOMPARE(callText(QStringLiteral("app"), 0, QStringLiteral("add")), QStringLiteral("app.add (0)"));
        QCOMPARE(callText(QStringLiteral("app"), 65535, QString()), QStringLiteral("app.release"));
        QCOMPARE(callText(QStringLiteral("hello_world"), -1, QStringLiteral("open")), QStringLiteral("hello_world.open"));
        QCOMPARE(callText(QStringLiteral("app"), 7, QString()), QStringLiteral("app op 7"));
        QCOMPARE(callText(QStringLiteral("hello_world"), 5, QStringLiteral("5")), QStringLiteral("hello_world op 5"));
        QCOMPARE(processLabel(QString(), 42), QStringLiteral("? (pid 42)"));
        QCOMPARE(processLabel(QStringLiteral("scenario_sharing"), 123), QStringLiteral("scenario_sharing (pid 123)"));
        QCOMPARE(driverLabel(), QStringLiteral("driver (kernel)"));
    }

    void toolTipsShowTraceTextLiterally()
    {
        // A process name that looks like markup must show its characters, not bold text.
        const QString name = QStringLiteral("<b>evil</b> & <img src=x>");
        const QString tip = plainToolTip(name);
        QVERIFY(Qt::mightBeRichText(tip));
        QTextDocument doc;
        doc.setHtml(tip);
        QCOMPARE(doc.toPlainText(), name);
        QVERIFY(plainToolTip(QString()).isEmpty());
    }

    void selectionSignalsOnce()
    {
        Selection s;
        QSignalSpy items(&s, &Selection::itemChanged);
        QSignalSpy ranges(&s, &Selection::rangeChanged);
        QSignalSpy reveals(&s, &Selection::revealRequested);
        s.select({ItemRef::Kind::Object, 7});
        s.select({ItemRef::Kind::Object, 7});
        QCOMPARE(items.size(), 1);
        s.setRange({10, 20});
        s.setRange({10, 20});
        QCOMPARE(ranges.size(), 1);
        s.setRange({30, 30}); // empty: clears
        QVERIFY(!s.range().isValid());
        QCOMPARE(ranges.size(), 2);
        s.reveal({ItemRef::Kind::Invocation, 9}, ViewId::Timeline);
        QCOMPARE(reveals.size(), 1);
        QCOMPARE(reveals.at(0).at(0).value<ViewId>(), ViewId::Timeline);
        QCOMPARE(s.item(), (ItemRef{ItemRef::Kind::Invocation, 9}));
        for (ViewId v : {ViewId::Summary, ViewId::Graph, ViewId::Timeline, ViewId::Leaks, ViewId::Latency}) {
            ViewId parsed = ViewId::Summary;
            QVERIFY(parseViewName(viewName(v), &parsed));
            QCOMPARE(parsed, v);
        }
        ViewId unused;
        QVERIFY(!parseViewName(QStringLiteral("flames"), &unused));
    }

    // One vocabulary: every enum-like value of the database in words, threads by their tid.
    void databaseWordsAreReadable_data()
    {
        QTest::addColumn<QString>("value");
        QTest::addColumn<QString>("words");
        QTest::newRow("alive") << QStringLiteral("alive_at_end") << QStringLiteral("alive at the end");
        QTest::newRow("failed") << QStringLiteral("release_failed") << QStringLiteral("release failed");
        QTest::newRow("tee") << QStringLiteral("not_released_by_tee") << QStringLiteral("never released by the TEE");
        QTest::newRow("severity") << QStringLiteral("data_loss") << QStringLiteral("data loss");
        QTest::newRow("leak") << QStringLiteral("held_at_end") << QStringLiteral("held at the end");
        QTest::newRow("kind") << QStringLiteral("qtee") << QStringLiteral("QTEE");
        QTest::newRow("new word") << QStringLiteral("refused_answer") << QStringLiteral("refused answer");
        // Not an identifier (text from a trace, a number): as it is.
        QTest::newRow("class") << QStringLiteral("Client_Env") << QStringLiteral("Client_Env");
        QTest::newRow("plain") << QStringLiteral("exited") << QStringLiteral("exited");
        QTest::newRow("empty") << QString() << QString();
    }
    void databaseWordsAreReadable()
    {
        QFETCH(QString, value);
        QFETCH(QString, words);
        QCOMPARE(valueText(value), words);
    }
    void namesAndCounts()
    {
        QCOMPARE(threadLabel(14020), QStringLiteral("thread 14020"));
        QCOMPARE(loginText(0), QStringLiteral("public"));
        QCOMPARE(loginText(9), QStringLiteral("login 9"));
        QCOMPARE(originText(4), QStringLiteral("trusted application"));
        QCOMPARE(countOf(1, QStringLiteral("process"), QStringLiteral("processes")), QStringLiteral("1 process"));
        QCOMPARE(countOf(1200, QStringLiteral("process"), QStringLiteral("processes")), QStringLiteral("1,200 processes"));
    }

    // Clear empties the item, the range and the group, and says so even when nothing was set.
    void selectionClearsEverything()
    {
        Selection s;
        QSignalSpy groups(&s, &Selection::groupChanged);
        QSignalSpy reveals(&s, &Selection::revealRequested);
        QSignalSpy cleared(&s, &Selection::cleared);
        s.select({ItemRef::Kind::Object, 7});
        s.revealGroup({ItemGroup::Kind::SharedObjects, {}, 0}, ViewId::Graph);
        QVERIFY(!s.item().isValid()); // the view shows the group, nothing else
        QCOMPARE(s.group().kind, ItemGroup::Kind::SharedObjects);
        QCOMPARE(groups.size(), 1);
        QCOMPARE(reveals.size(), 1);
        // Followed again, the views show it again.
        s.revealGroup({ItemGroup::Kind::SharedObjects, {}, 0}, ViewId::Graph);
        QCOMPARE(groups.size(), 2);
        s.setRange({10, 20});
        s.clear();
        QVERIFY(!s.item().isValid() && !s.range().isValid() && !s.group().isValid());
        QCOMPARE(groups.size(), 3);
        QCOMPARE(cleared.size(), 1);
        s.clear();
        QCOMPARE(cleared.size(), 2);
        QCOMPARE(groups.size(), 3);
    }

    void itemRefsParse()
    {
        ItemRef item;
        QVERIFY(parseItemRef(QStringLiteral("object:12"), &item));
        QCOMPARE(item, (ItemRef{ItemRef::Kind::Object, 12}));
        QVERIFY(parseItemRef(QStringLiteral("request:3"), &item));
        QCOMPARE(item.kind, ItemRef::Kind::Request);
        QVERIFY(parseItemRef(QStringLiteral("invocation:1281326"), &item));
        QCOMPARE(item.id, 1281326);
        for (const char *bad : {"object", "object:", "object:x", "object:-1", ":5", "handle:3", ""})
            QVERIFY2(!parseItemRef(QString::fromLatin1(bad), &item), bad);
    }

    void jobsDeliverOnTheGuiThread()
    {
        QObject receiver;
        QThread *workThread = nullptr, *doneThread = nullptr;
        int value = 0;
        runJob<int>(
            &receiver, [&] { workThread = QThread::currentThread(); return 42; },
            [&](JobResult<int> r) {
                doneThread = QThread::currentThread();
                value = r.ok() ? *r.value : -1;
            });
        QTRY_COMPARE(value, 42);
        QVERIFY(workThread != QThread::currentThread());
        QCOMPARE(doneThread, QThread::currentThread());

        QString error;
        runJob<int>(
            &receiver, []() -> int { throw std::runtime_error("x.db: no such file"); },
            [&](JobResult<int> r) { error = r.error; });
        QTRY_COMPARE(error, QStringLiteral("x.db: no such file"));
    }

    void jobsOfADestroyedReceiverAreDropped()
    {
        bool called = false;
        auto *receiver = new QObject;
        runJob<int>(
            receiver, [] { QThread::msleep(50); return 1; }, [&](JobResult<int>) { called = true; });
        delete receiver;
        jobPool()->waitForDone();
        QCoreApplication::processEvents();
        QTest::qWait(20);
        QVERIFY(!called);
    }

    void generations()
    {
        JobGeneration g;
        const int first = g.next();
        QVERIFY(g.isCurrent(first));
        const int second = g.next();
        QVERIFY(!g.isCurrent(first));
        QVERIFY(g.isCurrent(second));
    }
};

QTEST_MAIN(CoreTest)
#include "core_test.moc"
