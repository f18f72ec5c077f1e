// SPDX-License-Identifier: MIT
// Where a live database comes from when the GUI starts it: `teescope record --live` of a command
// (teescope-gui --live [--sim...] -- CMD, File > Record...) or `teescope import --live-url` of a
// session on a relay daemon (teescope-gui --live-url URL), run as a child process. The window
// opens the database as soon as it exists and follows it; Stop ends the recording (the command
// gets a Ctrl-C) or the import, which then finishes the database.
#pragma once

#include <QObject>
#include <QProcess>
#include <QString>
#include <QStringList>

class QTimer;

namespace teescope::gui {

struct LiveRecordOptions {
    QString sim;              // empty: no teesim; "qtee" or "optee"
    QString simConfig;        // teesim configuration file
    QStringList command;      // the program and its arguments
};

class LiveSource : public QObject {
    Q_OBJECT
public:
    explicit LiveSource(QObject *parent = nullptr);
    ~LiveSource() override;

    // Records `options.command` live into a new database in the user's cache folder (the trace
    // goes beside it). False (and `error`) when it cannot start.
    bool startRecording(const LiveRecordOptions &options, QString *error);
    // Imports the live session at `url` into a new database in the user's cache folder.
    bool startImport(const QString &url, QString *error);

    // Ends the recording (the command is interrupted) or the import; finished() follows once the
    // database is finished.
    void stop();
    bool isRunning() const;

    QString databasePath() const { return db_; }
    QString traceDirectory() const { return trace_; }
    // What the child printed last on its standard error (why it failed).
    QString lastMessage() const { return message_; }

Q_SIGNALS:
    // The database exists and can be opened (it says live = 1 while it grows).
    void databaseReady(const QString &db);
    // The recording or import ended: `ok` when it finished the database (exit 0, or 3: it holds
    // what could be read), else `message` says why in teescope's own words.
    void finished(bool ok, const QString &db, const QString &message);

private:
    bool start(const QStringList &arguments, QString *error);
    void poll();
    void onFinished(int exitCode, QProcess::ExitStatus status);

    QProcess *process_;
    QTimer *poll_;
    QString db_, trace_, message_;
    bool ready_ = false;
    bool recording_ = false;
};

} // namespace teescope::gui
