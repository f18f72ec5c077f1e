// SPDX-License-Identifier: MIT
// Importing a trace directory through `teescope import` as a separate process: progress,
// success, failure and Cancel.
#include "test_dbs.h"
#include "window/import_runner.h"

#include <QDir>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <sys/file.h>

using namespace teescope::gui;
using namespace teescope::gui::test;

namespace {

// "S", "R", "Z"... of `pid`, or empty when there is no such process.
QByteArray processState(qint64 pid)
{
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return {};
    const QByteArray text = stat.readAll();
    return text.mid(text.lastIndexOf(')') + 2, 1);
}

bool isAlive(qint64 pid)
{
    const QByteArray state = processState(pid);
    return !state.isEmpty() && state != "Z";
}

// The processes whose parent is `pid`.
QList<qint64> childrenOf(qint64 pid)
{
    QList<qint64> found;
    const QStringList entries = QDir(QStringLiteral("/proc")).entryList(QDir::Dirs);
    for (const QString &e : entries) {
        bool number = false;
        const qint64 candidate = e.toLongLong(&number);
        if (!number)
            continue;
        QFile stat(QStringLiteral("/proc/%1/stat").arg(candidate));
        if (!stat.open(QIODevice::ReadOnly))
            continue;
        const QByteArray text = stat.readAll();
        const QList<QByteArray> fields = text.mid(text.lastIndexOf(')') + 2).split(' ');
        if (fields.size() > 1 && fields.at(1).toLongLong() == pid)
            found.append(candidate);
    }
    return found;
}

// A copy of `from` in `to` (QDir has no recursive copy).
bool copyTree(const QString &from, const QString &to)
{
    QDirIterator it(from, QDir::Files | QDir::Dirs | QDir::NoDotAndDotDot, QDirIterator::Subdirectories);
    if (!QDir().mkpath(to))
        return false;
    while (it.hasNext()) {
        it.next();
        const QString target = to + QLatin1Char('/') + QDir(from).relativeFilePath(it.filePath());
        if (it.fileInfo().isDir() ? !QDir().mkpath(target) : !QFile::copy(it.filePath(), target))
            return false;
    }
    return true;
}

} // namespace

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

    void explainsATraceOfOtherTracersOnly()
    {
        // The clean sample with every event renamed to another provider (same length, so the
        // packetized metadata stays valid).
        QTemporaryDir dir;
        const QString trace = dir.filePath(QStringLiteral("foreign"));
        QVERIFY(copyTree(qEnvironmentVariable("TEESCOPE_SAMPLES") + QStringLiteral("/clean"), trace));
        QFile metadata(trace + QStringLiteral("/ust/uid/0/64-bit/metadata"));
        QVERIFY(metadata.open(QIODevice::ReadOnly));
        QByteArray text = metadata.readAll();
        metadata.close();
        QVERIFY(text.contains("name = \"teescope_"));
        text.replace("name = \"teescope_", "name = \"Teescope_");
        QVERIFY(metadata.open(QIODevice::WriteOnly | QIODevice::Truncate));
        QCOMPARE(metadata.write(text), text.size());
        metadata.close();

        const QString db = dir.filePath(QStringLiteral("foreign.db"));
        ImportRunner runner;
        QSignalSpy finished(&runner, &ImportRunner::finished);
        runner.start(trace, db);
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 60000);
        QVERIFY(!finished.at(0).at(0).toBool());
        QVERIFY(!finished.at(0).at(1).toBool());
        const QString message = finished.at(0).at(3).toString();
        QVERIFY2(message.startsWith(trace + QStringLiteral(" holds no teescope events: ")), qPrintable(message));
        QVERIFY2(message.contains(QStringLiteral("events of other providers (Teescope_drv, Teescope_user)")),
                 qPrintable(message));
        QVERIFY2(!message.contains(QStringLiteral("--allow-empty")), qPrintable(message));
        // Written and complete, but never taken for an up-to-date import of the trace.
        QVERIFY(openTraceDb(db).complete());
        QVERIFY(!ImportRunner::isUpToDate(db, trace));
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

    void cancelKillsAnImporterThatIgnoresSigterm()
    {
        // A stand-in importer that reports progress and ignores SIGTERM: Cancel must still end it.
        QTemporaryDir dir;
        const QString fake = dir.filePath(QStringLiteral("teescope"));
        QFile script(fake);
        QVERIFY(script.open(QIODevice::WriteOnly));
        script.write("#!/usr/bin/env python3\n"
                     "import signal, time\n"
                     "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
                     "print('{\"fraction\":0.5000,\"events\":10,\"rate\":5}', flush=True)\n"
                     "time.sleep(60)\n");
        script.close();
        script.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
        qputenv("TEESCOPE_CLI", fake.toUtf8());
        ImportRunner runner;
        QSignalSpy progress(&runner, &ImportRunner::progress);
        QSignalSpy finished(&runner, &ImportRunner::finished);
        runner.start(dir.path(), dir.filePath(QStringLiteral("x.db")));
        QTRY_COMPARE_WITH_TIMEOUT(progress.size(), 1, 10000); // SIGTERM is ignored from here on
        QElapsedTimer clock;
        clock.start();
        runner.cancel();
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, ImportRunner::kCancelGraceMs + 3000);
        QVERIFY2(clock.elapsed() >= ImportRunner::kCancelGraceMs - 100, "ended before the grace: was SIGTERM ignored?");
        QVERIFY(finished.at(0).at(1).toBool()); // cancelled
        QVERIFY(!runner.isRunning());
        qunsetenv("TEESCOPE_CLI");
    }

    void cancelEndsAStuckImport()
    {
        // The real importer on a trace whose metadata is cut: Babeltrace2 spins in its trace-infos
        // query. Cancel ends `teescope import` and its importer child.
        QTemporaryDir dir;
        const QString trace = dir.filePath(QStringLiteral("stuck"));
        QVERIFY(copyTree(qEnvironmentVariable("TEESCOPE_SAMPLES") + QStringLiteral("/clean"), trace));
        QFile metadata(trace + QStringLiteral("/ust/uid/0/64-bit/metadata"));
        QVERIFY(metadata.resize(5698));
        ImportRunner runner;
        QSignalSpy finished(&runner, &ImportRunner::finished);
        runner.start(trace, dir.filePath(QStringLiteral("stuck.db")));
        QTRY_VERIFY_WITH_TIMEOUT(runner.processId() > 0, 10000);
        const qint64 cli = runner.processId();
        QList<qint64> importer;
        QTRY_VERIFY_WITH_TIMEOUT(!(importer = childrenOf(cli)).isEmpty(), 10000);
        QTest::qWait(1000);
        QVERIFY2(finished.isEmpty(), "the import of a stuck trace ended by itself");
        QElapsedTimer clock;
        clock.start();
        runner.cancel();
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 5000);
        QVERIFY(finished.at(0).at(1).toBool());
        QTRY_VERIFY_WITH_TIMEOUT(!isAlive(importer.first()), 2000);
        QVERIFY(!isAlive(cli));
        qInfo("cancel of a stuck import: ended in %lld ms", static_cast<long long>(clock.elapsed()));
        QVERIFY(!QFile::exists(dir.filePath(QStringLiteral("stuck.db"))));
    }

    void reportsWaitingForAnotherImport()
    {
        // Another import (this test, holding the database's lock) writes the database: the
        // runner says that it waits, and the import goes on once the lock is released.
        QTemporaryDir dir;
        const QString db = dir.filePath(QStringLiteral("busy.db"));
        QFile lock(db + QStringLiteral(".lock"));
        QVERIFY(lock.open(QIODevice::ReadWrite));
        QCOMPARE(::flock(lock.handle(), LOCK_EX), 0);
        ImportRunner runner;
        QSignalSpy waiting(&runner, &ImportRunner::waiting);
        QSignalSpy finished(&runner, &ImportRunner::finished);
        runner.start(qEnvironmentVariable("TEESCOPE_SAMPLES") + QStringLiteral("/clean"), db);
        QTRY_COMPARE_WITH_TIMEOUT(waiting.size(), 1, 10000);
        QVERIFY(finished.isEmpty());
        ::flock(lock.handle(), LOCK_UN); // the other import ends: this one goes on
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 60000);
        QVERIFY2(finished.at(0).at(0).toBool(), qPrintable(finished.at(0).at(3).toString()));
        QVERIFY(openTraceDb(db).complete());
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
