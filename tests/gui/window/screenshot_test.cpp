// SPDX-License-Identifier: MIT
// teescope-gui as a program: --screenshot of every view of the sample databases (offscreen),
// a trace directory imported on the way, and clear errors for what it cannot open.
#include "test_dbs.h"

#include <QFile>
#include <QImage>
#include <QProcess>
#include <QSet>
#include <QTemporaryDir>
#include <QtTest>

#include <sqlite3.h>

using namespace teescope::gui::test;

namespace {
struct Run {
    int exitCode = -1;
    QString err;
};
Run gui(const QStringList &args, const QProcessEnvironment &env = QProcessEnvironment::systemEnvironment())
{
    QProcess p;
    p.setProcessEnvironment(env);
    p.start(qEnvironmentVariable("TEESCOPE_BIN") + QStringLiteral("/teescope-gui"), args);
    if (!p.waitForFinished(180000))
        p.kill();
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, QString::fromLocal8Bit(p.readAllStandardError())};
}
// Distinct colours in a sample of the image's pixels: a blank or one-colour image has few.
int colours(const QImage &img)
{
    QSet<QRgb> seen;
    for (int y = 0; y < img.height(); y += 3)
        for (int x = 0; x < img.width(); x += 3)
            seen.insert(img.pixel(x, y));
    return int(seen.size());
}
} // namespace

class ScreenshotTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void everyView_data()
    {
        QTest::addColumn<QString>("db");
        QTest::addColumn<QString>("view");
        QTest::addColumn<QString>("palette");
        for (const char *db : {"leaky", "callbacks", "sharing", "lossy"})
            for (const char *view : {"summary", "graph", "timeline", "leaks", "latency"})
                QTest::addRow("%s-%s", db, view) << QString::fromLatin1(db) << QString::fromLatin1(view)
                                                 << QStringLiteral("light");
        QTest::addRow("callbacks-timeline-dark") << QStringLiteral("callbacks") << QStringLiteral("timeline")
                                                 << QStringLiteral("dark");
        QTest::addRow("sharing-graph-dark") << QStringLiteral("sharing") << QStringLiteral("graph") << QStringLiteral("dark");
    }
    void everyView()
    {
        QFETCH(QString, db);
        QFETCH(QString, view);
        QFETCH(QString, palette);
        const QString dir = qEnvironmentVariable("TEESCOPE_SCREENSHOTS");
        QDir().mkpath(dir);
        const QString out = dir + QStringLiteral("/gui-%1-%2-%3.png").arg(db, view, palette);
        QFile::remove(out);
        const Run r = gui({sampleDb(qPrintable(db)), QStringLiteral("--screenshot"), out, QStringLiteral("--view"), view,
                           QStringLiteral("--palette"), palette, QStringLiteral("--size"), QStringLiteral("1400x900")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QImage img(out);
        QVERIFY(!img.isNull());
        QCOMPARE(img.size(), QSize(1400, 900));
        QVERIFY2(colours(img) > 12, qPrintable(QStringLiteral("%1 colours").arg(colours(img))));
        // The dark palette is dark: the top-left corner (menu bar) is darker than mid-grey.
        const int corner = qGray(img.pixel(2, 2));
        QVERIFY(palette == QLatin1String("dark") ? corner < 100 : corner > 150);
    }

    void selectedItemIsShown()
    {
        // A leaked object selected from the command line: the inspector shows it, the graph
        // highlights it. The same window without the selection differs.
        const QString db = sampleDb("leaky");
        const qint64 leaked = sqlInt(db, "SELECT object_id FROM leaks WHERE kind = 'held_at_end' LIMIT 1");
        QVERIFY(leaked > 0);
        const QString dir = qEnvironmentVariable("TEESCOPE_SCREENSHOTS");
        const QString with = dir + QStringLiteral("/gui-leaky-graph-selected.png");
        const QString without = dir + QStringLiteral("/gui-leaky-graph-light.png");
        Run r = gui({db, QStringLiteral("--screenshot"), with, QStringLiteral("--view"), QStringLiteral("graph"),
                     QStringLiteral("--size"), QStringLiteral("1400x900"), QStringLiteral("--select"),
                     QStringLiteral("object:%1").arg(leaked)});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        r = gui({db, QStringLiteral("--screenshot"), without, QStringLiteral("--view"), QStringLiteral("graph"),
                 QStringLiteral("--size"), QStringLiteral("1400x900"), QStringLiteral("--palette"), QStringLiteral("light")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const QImage a(with), b(without);
        QCOMPARE(a.size(), b.size());
        // The inspector (right part of the window) holds text only when something is selected.
        const QRect inspector(a.width() * 83 / 100, a.height() / 10, a.width() * 16 / 100, a.height() * 6 / 10);
        QVERIFY(colours(a.copy(inspector)) > colours(b.copy(inspector)));
    }

    void importsATraceDirectoryFirst()
    {
        QTemporaryDir cache;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("XDG_CACHE_HOME"), cache.path());
        const QString out = cache.filePath(QStringLiteral("shot.png"));
        const Run r = gui({qEnvironmentVariable("TEESCOPE_SAMPLES") + QStringLiteral("/sharing"), QStringLiteral("--screenshot"),
                           out, QStringLiteral("--view"), QStringLiteral("graph")},
                          env);
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QVERIFY(!QImage(out).isNull());
    }

    void errorsAreClear_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QString>("message");
        const QString shot = QStringLiteral("/tmp/teescope-gui-test-never.png");
        QTest::newRow("missing") << QStringList{QStringLiteral("/nonexistent/x.db"), QStringLiteral("--screenshot"), shot} << 1
                                 << QStringLiteral("no such file");
        QTest::newRow("bad view") << QStringList{sampleDb("clean"), QStringLiteral("--screenshot"), shot,
                                                 QStringLiteral("--view"), QStringLiteral("flames")}
                                  << 2 << QStringLiteral("unknown view 'flames'");
        QTest::newRow("bad size") << QStringList{sampleDb("clean"), QStringLiteral("--screenshot"), shot,
                                                 QStringLiteral("--size"), QStringLiteral("big")}
                                  << 2 << QStringLiteral("bad --size");
        QTest::newRow("bad select") << QStringList{sampleDb("clean"), QStringLiteral("--screenshot"), shot,
                                                   QStringLiteral("--select"), QStringLiteral("handle:3")}
                                    << 2 << QStringLiteral("bad --select 'handle:3'");
        QTest::newRow("no input") << QStringList{QStringLiteral("--screenshot"), shot} << 2 << QStringLiteral("needs a database");
        QTest::newRow("not a trace") << QStringList{QStringLiteral("/proc/self"), QStringLiteral("--screenshot"), shot} << 1
                                     << QStringLiteral("/proc/self");
    }
    void errorsAreClear()
    {
        QFETCH(QStringList, args);
        QFETCH(int, exitCode);
        QFETCH(QString, message);
        QTemporaryDir cache;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("XDG_CACHE_HOME"), cache.path());
        const Run r = gui(args, env);
        QCOMPARE(r.exitCode, exitCode);
        QVERIFY2(r.err.contains(message), qPrintable(r.err));
    }

    // A database that lacks a table fails every view the same way: exit 1 naming what is missing.
    void everyViewFailsWithoutInvocations_data()
    {
        QTest::addColumn<QString>("view");
        for (const char *v : {"graph", "timeline", "leaks", "latency", "summary"})
            QTest::newRow(v) << QString::fromLatin1(v);
    }
    void everyViewFailsWithoutInvocations()
    {
        QFETCH(QString, view);
        QTemporaryDir dir;
        const QString copy = dir.filePath(QStringLiteral("broken.db"));
        QVERIFY(QFile::copy(sampleDb("clean"), copy));
        QFile::setPermissions(copy, QFile::ReadOwner | QFile::WriteOwner);
        sqlite3 *h = nullptr;
        QCOMPARE(sqlite3_open(copy.toUtf8().constData(), &h), SQLITE_OK);
        QCOMPARE(sqlite3_exec(h, "DROP TABLE invocations", nullptr, nullptr, nullptr), SQLITE_OK);
        sqlite3_close(h);
        const QString shot = dir.filePath(QStringLiteral("x.png"));
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("XDG_CACHE_HOME"), dir.path());
        const Run r = gui({copy, QStringLiteral("--screenshot"), shot, QStringLiteral("--view"), view}, env);
        QVERIFY2(r.exitCode == 1, qPrintable(QStringLiteral("exit %1: %2").arg(r.exitCode).arg(r.err)));
        QVERIFY2(r.err.contains(QStringLiteral("invocations")), qPrintable(r.err));
        QVERIFY(!QFile::exists(shot));
    }

    void newerDatabaseIsRefused()
    {
        QTemporaryDir dir;
        const QString copy = dir.filePath(QStringLiteral("newer.db"));
        QVERIFY(QFile::copy(sampleDb("clean"), copy));
        sqlite3 *h = nullptr;
        sqlite3_open(copy.toUtf8().constData(), &h);
        sqlite3_exec(h, "PRAGMA user_version = 99", nullptr, nullptr, nullptr);
        sqlite3_close(h);
        const Run r = gui({copy, QStringLiteral("--screenshot"), dir.filePath(QStringLiteral("x.png"))});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(QStringLiteral("written by a newer teescope")), qPrintable(r.err));
        QVERIFY(!QFile::exists(dir.filePath(QStringLiteral("x.png"))));
    }
};

QTEST_MAIN(ScreenshotTest)
#include "screenshot_test.moc"
