// SPDX-License-Identifier: MIT
// Imports a trace directory by running `teescope import TRACE -o DB --progress=json` as a
// separate process (the GUI never links Babeltrace), reporting its progress and allowing Cancel.
#pragma once

#include <QObject>
#include <QProcess>
#include <QString>
#include <QTimer>

namespace teescope::gui {

class ImportRunner : public QObject {
    Q_OBJECT
public:
    explicit ImportRunner(QObject *parent = nullptr);
    ~ImportRunner() override;

    // The teescope executable: $TEESCOPE_CLI, else next to this program, else on PATH.
    static QString teescopeProgram();
    // Where the database of `traceDir` goes: the user's cache folder, one file per trace path.
    static QString databaseFor(const QString &traceDir);
    // True when `db` exists, is complete and newer than every file of `traceDir`.
    static bool isUpToDate(const QString &db, const QString &traceDir);

    // Starts the import; finished() follows (also on failure to start).
    void start(const QString &traceDir, const QString &db);
    // Asks the import to stop (it writes nothing): SIGTERM, then SIGKILL if it has not ended
    // after kCancelGraceMs. finished() follows with cancelled = true.
    void cancel();
    static constexpr int kCancelGraceMs = 2000;
    bool isRunning() const;
    // The pid of `teescope import` while it runs, else 0.
    qint64 processId() const { return process_->processId(); }

Q_SIGNALS:
    void progress(double fraction, qint64 events);
    // Another import (process `pid`, 0 if unknown) is writing the same database: this one waits
    // for it to end.
    void waiting(qint64 pid);
    // ok: the database was written (exit 0, or 3 when the trace could not be read to its end:
    // `message` says so). Otherwise `message` says why, in the importer's own words.
    void finished(bool ok, bool cancelled, const QString &db, const QString &message);

private:
    void readProgress();
    void onFinished(int exitCode, QProcess::ExitStatus status);

    QProcess *process_;
    QTimer *killTimer_;
    QString db_;
    QString trace_;
    QByteArray pending_;
    bool cancelled_ = false;
};

} // namespace teescope::gui
