// SPDX-License-Identifier: MIT
// Importing a trace directory through `teescope import` as a separate process: progress,
// success, failure and Cancel.
#include "test_dbs.h"
#include "window/import_runner.h"

#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

using namespace teescope::gui;
using namespace teescope::gui::test;

class ImportRunnerTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void importsASampleTrace()
    {
        QTemporaryDir dir;
        const QString db = dir.filePath(QStringLiteral("clean.db"));
        const QString trace = qEnvironmentVariable("TEESCOPE_SAMPLES") + QStringLiteral("/clean");
        ImportRunner runner;
        QSignalSpy progress(&runner, &ImportRunner::progress);
        QSignalSpy finished(&runner, &ImportRunner::finished);
        runner.start(trace, db);
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 60000);
        QVERIFY2(finished.at(0).at(0).toBool(), qPrintable(finished.at(0).at(3).toString()));
        QCOMPARE(finished.at(0).at(2).toString(), db);
        QVERIFY(progress.size() >= 1);
        QCOMPARE(progress.last().at(0).toDouble(), 1.0);
        QVERIFY(openTraceDb(db).complete());
        QVERIFY(ImportRunner::isUpToDate(db, trace));
        QVERIFY(!ImportRunner::isUpToDate(dir.filePath(QStringLiteral("other.db")), trace));
    }

    void reportsWhyAnImportFailed()
    {
        QTemporaryDir dir;
        ImportRunner runner;
        QSignalSpy finished(&runner, &ImportRunner::finished);
        runner.start(dir.path(), dir.filePath(QStringLiteral("x.db"))); // an empty folder: no trace
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 60000);
        QVERIFY(!finished.at(0).at(0).toBool());
        QVERIFY(!finished.at(0).at(1).toBool());
        QVERIFY2(finished.at(0).at(3).toString().contains(dir.path()), qPrintable(finished.at(0).at(3).toString()));
        QVERIFY(!QFile::exists(dir.filePath(QStringLiteral("x.db"))));
    }

    void cancelStopsTheImporter()
    {
        // A stand-in importer that reports progress, then would run for a minute.
        QTemporaryDir dir;
        const QString fake = dir.filePath(QStringLiteral("teescope"));
        QFile script(fake);
        QVERIFY(script.open(QIODevice::WriteOnly));
        script.write("#!/bin/sh\necho '{\"fraction\":0.2500,\"events\":1000,\"rate\":5}'\nexec sleep 60\n");
        script.close();
        script.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
        qputenv("TEESCOPE_CLI", fake.toUtf8());
        QCOMPARE(ImportRunner::teescopeProgram(), fake);
        ImportRunner runner;
        QSignalSpy progress(&runner, &ImportRunner::progress);
        QSignalSpy finished(&runner, &ImportRunner::finished);
        runner.start(dir.path(), dir.filePath(QStringLiteral("x.db")));
        QTRY_COMPARE_WITH_TIMEOUT(progress.size(), 1, 10000);
        QCOMPARE(progress.at(0).at(0).toDouble(), 0.25);
        QCOMPARE(progress.at(0).at(1).toLongLong(), 1000);
        QVERIFY(runner.isRunning());
        runner.cancel();
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 10000);
        QVERIFY(!finished.at(0).at(0).toBool());
        QVERIFY(finished.at(0).at(1).toBool()); // cancelled
        QVERIFY(!runner.isRunning());
        qunsetenv("TEESCOPE_CLI");
    }

    void databasePathIsStablePerTrace()
    {
        const QString a = ImportRunner::databaseFor(QStringLiteral("/some/trace"));
        QCOMPARE(ImportRunner::databaseFor(QStringLiteral("/some/trace")), a);
        QVERIFY(ImportRunner::databaseFor(QStringLiteral("/other/trace")) != a);
        QVERIFY(a.endsWith(QStringLiteral(".db")));
        QVERIFY(QFileInfo(a).fileName().startsWith(QStringLiteral("trace-")));
    }
};

QTEST_MAIN(ImportRunnerTest)
#include "import_runner_test.moc"
