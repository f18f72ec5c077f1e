// SPDX-License-Identifier: MIT
// The main window: opening databases (and refusing bad ones), every page loading, the data-loss
// banner, one selection across views, palettes, remembered layout and export.
#include "test_dbs.h"
#include "core/format.h"
#include "core/theme.h"
#include "core/view_page.h"
#include "window/main_window.h"
#include "window/record_dialog.h"

#include <QApplication>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <sqlite3.h>

using namespace teescope::gui;
using namespace teescope::gui::test;

namespace {
// A copy of `db` whose PRAGMA user_version is raised: what a newer teescope would write.
QString newerCopy(const QString &db, const QTemporaryDir &dir)
{
    const QString copy = dir.filePath(QStringLiteral("newer.db"));
    QFile::remove(copy);
    if (!QFile::copy(db, copy))
        return {};
    sqlite3 *h = nullptr;
    sqlite3_open(copy.toUtf8().constData(), &h);
    sqlite3_exec(h, "PRAGMA user_version = 99", nullptr, nullptr, nullptr);
    sqlite3_close(h);
    return copy;
}
} // namespace

class MainWindowTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void recordDialogSplitsTheCommandAsAShellWould()
    {
        QStringList words;
        QString error;
        QVERIFY(RecordDialog::splitCommand(QStringLiteral("sh -c 'a b; c' \"d \\\"e\\\"\" f\\ g"), &words, &error));
        QCOMPARE(words, (QStringList{QStringLiteral("sh"), QStringLiteral("-c"), QStringLiteral("a b; c"),
                                     QStringLiteral("d \"e\""), QStringLiteral("f g")}));
        QVERIFY(RecordDialog::splitCommand(QStringLiteral("  x  ''  "), &words, &error));
        QCOMPARE(words, (QStringList{QStringLiteral("x"), QString()}));
        QVERIFY(!RecordDialog::splitCommand(QStringLiteral("echo 'open"), &words, &error));
        QVERIFY2(error.contains(QStringLiteral("unclosed")), qPrintable(error));
        QVERIFY(!RecordDialog::splitCommand(QStringLiteral("   "), &words, &error));
        QVERIFY2(error.contains(QStringLiteral("no command")), qPrintable(error));
    }

    void refusesWhatItCannotRead()
    {
        QTemporaryDir dir;
        MainWindow w;
        QString error;
        QVERIFY(!w.openDatabase(newerCopy(sampleDb("leaky"), dir), &error));
        QVERIFY2(error.contains(QStringLiteral("newer teescope")), qPrintable(error));
        QVERIFY(w.trace().dbPath.isEmpty()); // nothing changed

        QFile text(dir.filePath(QStringLiteral("notes.db")));
        QVERIFY(text.open(QIODevice::WriteOnly));
        text.write("these are not the tables you are looking for\n");
        text.close();
        QVERIFY(!w.openDatabase(text.fileName(), &error));
        QVERIFY2(error.contains(QStringLiteral("not a teescope database")), qPrintable(error));
        QVERIFY(!w.openDatabase(dir.filePath(QStringLiteral("missing.db")), &error));
        QVERIFY2(error.contains(QStringLiteral("no such file")), qPrintable(error));
    }

    void everyPageLoads_data()
    {
        QTest::addColumn<QString>("db");
        for (const char *name : {"clean", "leaky", "sharing", "callbacks", "killed", "lossy"})
            QTest::newRow(name) << sampleDb(name);
    }
    void everyPageLoads()
    {
        QFETCH(QString, db);
        MainWindow w;
        w.resize(1400, 900);
        w.show();
        QString error;
        QVERIFY2(w.openDatabase(db, &error), qPrintable(error));
        for (ViewId v : {ViewId::Summary, ViewId::Graph, ViewId::Timeline, ViewId::Leaks, ViewId::Latency}) {
            ViewPage *p = w.page(v);
            QVERIFY2(p, qPrintable(viewName(v)));
            QTRY_VERIFY_WITH_TIMEOUT(p->isReady(), 30000);
            QVERIFY2(p->loadError().isEmpty(), qPrintable(viewName(v) + QStringLiteral(": ") + p->loadError()));
        }
    }

    void bannerShowsDataLoss()
    {
        MainWindow w;
        QString error;
        QVERIFY(w.openDatabase(sampleDb("lossy"), &error));
        const qint64 lost = sqlInt(sampleDb("lossy"), "SELECT SUM(count) FROM data_loss WHERE what = 'events'");
        QVERIFY(lost > 0);
        QVERIFY2(w.bannerText().contains(formatCount(lost) + QStringLiteral(" events were lost")), qPrintable(w.bannerText()));
        QVERIFY(w.openDatabase(sampleDb("clean"), &error));
        QVERIFY(w.bannerText().isEmpty());
    }

    void revealSwitchesTheView()
    {
        MainWindow w;
        QString error;
        QVERIFY(w.openDatabase(sampleDb("callbacks"), &error));
        const qint64 inv = sqlInt(sampleDb("callbacks"), "SELECT max(id) FROM invocations");
        w.selection()->reveal({ItemRef::Kind::Invocation, inv}, ViewId::Timeline);
        QCOMPARE(w.currentView(), ViewId::Timeline);
        QCOMPARE(w.selection()->item(), (ItemRef{ItemRef::Kind::Invocation, inv}));
        w.selection()->reveal({}, ViewId::Leaks);
        QCOMPARE(w.currentView(), ViewId::Leaks);
        // Opening another database clears the selection.
        QVERIFY(w.openDatabase(sampleDb("clean"), &error));
        QVERIFY(!w.selection()->item().isValid());
    }

    void paletteAndLayoutAreRemembered()
    {
        {
            MainWindow w;
            w.setDarkPalette(true);
            QVERIFY(isDark(QApplication::palette()));
            w.showView(ViewId::Latency);
            w.resize(1517, 913);
            w.show();
            w.close();
        }
        MainWindow again;
        QVERIFY(again.isDarkPalette());
        QCOMPARE(again.currentView(), ViewId::Latency);
        QCOMPARE(again.size(), QSize(1517, 913));
        again.setDarkPalette(false);
        QVERIFY(!isDark(QApplication::palette()));
        again.close();

        // A fresh window (screenshots) ignores what was remembered and saves nothing.
        {
            MainWindow dark;
            dark.setDarkPalette(true);
            dark.showView(ViewId::Graph);
            dark.close();
        }
        MainWindow fresh(nullptr, MainWindow::Layout::Fresh);
        QVERIFY(!fresh.isDarkPalette());
        QCOMPARE(fresh.currentView(), ViewId::Summary);
        fresh.setDarkPalette(false);
        fresh.close();
        MainWindow remembered;
        QVERIFY(remembered.isDarkPalette()); // the fresh window did not overwrite it
        remembered.setDarkPalette(false);
        remembered.close();
    }

    void opensATraceDirectory()
    {
        // Imported by `teescope import` into the cache folder, then opened; a second open of the
        // unchanged trace reuses the database at once.
        QTemporaryDir cache;
        qputenv("XDG_CACHE_HOME", cache.path().toUtf8());
        const QString trace = qEnvironmentVariable("TEESCOPE_SAMPLES") + QStringLiteral("/clean");
        MainWindow w;
        QSignalSpy opened(&w, &MainWindow::traceOpened);
        QSignalSpy failed(&w, &MainWindow::openFailed);
        w.openPath(trace);
        QTRY_COMPARE_WITH_TIMEOUT(opened.size(), 1, 60000);
        QCOMPARE(failed.size(), 0);
        const QString db = opened.at(0).at(0).toString();
        QVERIFY2(db.startsWith(cache.path()), qPrintable(db));
        QCOMPARE(w.trace().dbPath, db);
        QCOMPARE(w.trace().events, sqlInt(db, "SELECT CAST(value AS INTEGER) FROM metadata WHERE key = 'events'"));
        w.openPath(trace);
        QCOMPARE(opened.size(), 2);
        QCOMPARE(opened.at(1).at(0).toString(), db);
        qunsetenv("XDG_CACHE_HOME");
    }

    void summaryExportsCsv()
    {
        QTemporaryDir dir;
        MainWindow w;
        QString error;
        QVERIFY(w.openDatabase(sampleDb("sharing"), &error));
        ViewPage *summary = w.page(ViewId::Summary);
        QTRY_VERIFY_WITH_TIMEOUT(summary->isReady(), 10000);
        const QString out = dir.filePath(QStringLiteral("summary.csv"));
        QVERIFY2(summary->exportTo(out, QStringLiteral("csv"), &error), qPrintable(error));
        QFile f(out);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QList<QByteArray> lines = f.readAll().trimmed().split('\n');
        QCOMPARE(qint64(lines.size()), 1 + sqlInt(sampleDb("sharing"), "SELECT count(*) FROM processes"));
        QVERIFY(lines.first().startsWith("process_id,pid,name"));
        QVERIFY(!summary->exportTo(dir.filePath(QStringLiteral("no/such/dir/x.csv")), QStringLiteral("csv"), &error));
        QVERIFY(error.contains(QStringLiteral("cannot write")));
    }
};

QTEST_MAIN(MainWindowTest)
#include "main_window_test.moc"
