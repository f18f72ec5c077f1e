// SPDX-License-Identifier: MIT
#include "live_source.h"

#include "import_runner.h"

#include "teescope/store/database.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QStandardPaths>
#include <QTimer>

#include <signal.h>

namespace teescope::gui {

namespace {

// A new place in the user's cache folder: live/YYYYmmdd-HHMMSS-zzz/{trace, trace.db}.
QString newLiveDir()
{
    QString base = QStandardPaths::writableLocation(QStandardPaths::CacheLocation);
    if (base.isEmpty())
        base = QDir::tempPath() + QStringLiteral("/teescope");
    const QString dir = base + QStringLiteral("/live/")
                        + QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss-zzz"));
    QDir().mkpath(dir);
    return dir;
}

} // namespace

LiveSource::LiveSource(QObject *parent) : QObject(parent), process_(new QProcess(this)), poll_(new QTimer(this))
{
    process_->setProcessChannelMode(QProcess::SeparateChannels);
    connect(process_, &QProcess::finished, this, &LiveSource::onFinished);
    connect(process_, &QProcess::readyReadStandardError, this, [this] {
        const QString text = QString::fromUtf8(process_->readAllStandardError()).trimmed();
        if (!text.isEmpty())
            message_ = text.section(QLatin1Char('\n'), -1);
    });
    connect(process_, &QProcess::readyReadStandardOutput, this, [this] { process_->readAllStandardOutput(); });
    poll_->setInterval(100);
    connect(poll_, &QTimer::timeout, this, &LiveSource::poll);
}

LiveSource::~LiveSource()
{
    if (process_->state() != QProcess::NotRunning) {
        // Finishing is the child's job even when the window goes: it ends on its own once stopped.
        ::kill(static_cast<pid_t>(process_->processId()), SIGINT);
        process_->waitForFinished(120000);
    }
}

bool LiveSource::startRecording(const LiveRecordOptions &o, QString *error)
{
    if (o.command.isEmpty()) {
        *error = QStringLiteral("no command to record");
        return false;
    }
    const QString dir = newLiveDir();
    trace_ = dir + QStringLiteral("/trace");
    db_ = dir + QStringLiteral("/trace.db");
    QStringList args{QStringLiteral("record"), QStringLiteral("--live"), QStringLiteral("--no-summary"),
                     QStringLiteral("-o"), trace_, QStringLiteral("--db"), db_};
    if (!o.sim.isEmpty())
        args << QStringLiteral("--sim=") + o.sim;
    if (!o.simConfig.isEmpty())
        args << QStringLiteral("--sim-config") << o.simConfig;
    args << QStringLiteral("--") << o.command;
    recording_ = true;
    return start(args, error);
}

bool LiveSource::startImport(const QString &url, QString *error)
{
    const QString dir = newLiveDir();
    trace_.clear();
    recording_ = false;
    db_ = dir + QStringLiteral("/") + url.section(QLatin1Char('/'), -1) + QStringLiteral(".db");
    return start({QStringLiteral("import"), QStringLiteral("--live-url"), url, QStringLiteral("-o"), db_,
                  QStringLiteral("--progress"), QStringLiteral("none")},
                 error);
}

bool LiveSource::start(const QStringList &arguments, QString *error)
{
    ready_ = false;
    message_.clear();
    process_->start(ImportRunner::teescopeProgram(), arguments);
    if (!process_->waitForStarted(10000)) {
        *error = QStringLiteral("cannot run %1: %2").arg(ImportRunner::teescopeProgram(), process_->errorString());
        return false;
    }
    poll_->start();
    return true;
}

void LiveSource::poll()
{
    if (ready_)
        return;
    const QFileInfo file(db_);
    if (!file.exists() || file.size() == 0)
        return;
    // Opened once it holds events: the trace's start (first_ts) is known then.
    try {
        const store::Database db = store::Database::open_read_only(db_.toStdString());
        if (db.metadata("live_events").value_or("0") == "0" && db.metadata("live").value_or("1") == "1")
            return;
    } catch (const std::exception &) {
        return; // not written far enough yet
    }
    ready_ = true;
    poll_->stop();
    Q_EMIT databaseReady(db_);
}

void LiveSource::stop()
{
    if (process_->state() == QProcess::NotRunning)
        return;
    // record: a Ctrl-C ends the command, then the import finishes; import: it finishes at once.
    ::kill(static_cast<pid_t>(process_->processId()), SIGINT);
}

bool LiveSource::isRunning() const { return process_->state() != QProcess::NotRunning; }

void LiveSource::onFinished(int exitCode, QProcess::ExitStatus status)
{
    poll_->stop();
    poll();
    // record exits with the command's code: whether the database was finished is in its words.
    const bool finishedDb = recording_ ? !message_.contains(QLatin1String("is not complete"))
                                       : exitCode == 0 || exitCode == 3;
    const bool ok = status == QProcess::NormalExit && QFileInfo::exists(db_) && finishedDb;
    Q_EMIT finished(ok, db_, ok ? QString() : message_);
}

} // namespace teescope::gui
