// SPDX-License-Identifier: MIT
#include "window/import_runner.h"

#include "core/logging.h"
#include "core/trace_db.h"

#include <QCoreApplication>
#include <QCryptographicHash>
#include <QDateTime>
#include <QDir>
#include <QDirIterator>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QStandardPaths>

#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

namespace teescope::gui {

ImportRunner::ImportRunner(QObject *parent)
    : QObject(parent), process_(new QProcess(this)), killTimer_(new QTimer(this))
{
    killTimer_->setSingleShot(true);
    killTimer_->setInterval(kCancelGraceMs);
    // `teescope import` stops its importer within a second of SIGTERM; if it has not ended by
    // then, nothing will end it but SIGKILL (its importer child dies with it).
    connect(killTimer_, &QTimer::timeout, this, [this] {
        if (isRunning())
            process_->kill();
    });
    // The importer ends with this process, whatever ends it: a GUI that crashes or is killed
    // must not leave an import running. The GUI may already be gone when the child runs this.
    const pid_t gui = ::getpid();
    process_->setChildProcessModifier([gui] {
        ::prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (::getppid() != gui)
            ::_exit(143);
    });
    process_->setProcessChannelMode(QProcess::SeparateChannels);
    connect(process_, &QProcess::readyReadStandardOutput, this, &ImportRunner::readProgress);
    connect(process_, &QProcess::finished, this, &ImportRunner::onFinished);
    connect(process_, &QProcess::errorOccurred, this, [this](QProcess::ProcessError e) {
        if (e == QProcess::FailedToStart)
            Q_EMIT finished(false, false, db_,
                            tr("cannot run %1: %2").arg(process_->program(), process_->errorString()));
    });
}

ImportRunner::~ImportRunner()
{
    if (isRunning()) {
        process_->terminate();
        if (!process_->waitForFinished(3000))
            process_->kill();
        process_->waitForFinished(1000);
    }
}

QString ImportRunner::teescopeProgram()
{
    const QString fromEnv = qEnvironmentVariable("TEESCOPE_CLI");
    if (!fromEnv.isEmpty())
        return fromEnv;
    const QString beside = QCoreApplication::applicationDirPath() + QStringLiteral("/teescope");
    if (QFileInfo(beside).isExecutable())
        return beside;
    const QString onPath = QStandardPaths::findExecutable(QStringLiteral("teescope"));
    return onPath.isEmpty() ? QStringLiteral("teescope") : onPath;
}

QString ImportRunner::databaseFor(const QString &traceDir)
{
    const QString absolute = QFileInfo(traceDir).absoluteFilePath();
    QString base = QFileInfo(absolute).fileName();
    base.replace(QRegularExpression(QStringLiteral("[^A-Za-z0-9._-]")), QStringLiteral("_"));
    const QByteArray hash = QCryptographicHash::hash(absolute.toUtf8(), QCryptographicHash::Sha1).toHex().left(12);
    QString dir = QStandardPaths::writableLocation(QStandardPaths::CacheLocation);
    if (dir.isEmpty())
        dir = QDir::tempPath() + QStringLiteral("/teescope");
    QDir().mkpath(dir + QStringLiteral("/imports"));
    return dir + QStringLiteral("/imports/") + base + QLatin1Char('-') + QString::fromLatin1(hash) + QStringLiteral(".db");
}

bool ImportRunner::isUpToDate(const QString &db, const QString &traceDir)
{
    const QFileInfo dbInfo(db);
    if (!dbInfo.exists())
        return false;
    try {
        const store::Database opened = openTraceDb(db);
        // A trace without teescope events is imported again, so that its message is shown again.
        if (!opened.complete() || opened.metadata("teescope_events").value_or(std::string()) == "0")
            return false;
    } catch (const std::exception &) {
        return false; // unreadable or of another version: import again
    }
    QDirIterator it(traceDir, QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        it.next();
        if (it.fileInfo().lastModified() > dbInfo.lastModified())
            return false;
    }
    return true;
}

void ImportRunner::start(const QString &traceDir, const QString &db)
{
    trace_ = traceDir;
    db_ = db;
    pending_.clear();
    cancelled_ = false;
    const QStringList args{QStringLiteral("import"), traceDir, QStringLiteral("-o"), db,
                           QStringLiteral("--progress=json")};
    qCDebug(lcGui) << "import:" << teescopeProgram() << args;
    process_->start(teescopeProgram(), args);
}

void ImportRunner::cancel()
{
    if (!isRunning())
        return;
    cancelled_ = true;
    // SIGTERM: the importer stops and removes what it wrote.
    process_->terminate();
    killTimer_->start();
}

bool ImportRunner::isRunning() const { return process_->state() != QProcess::NotRunning; }

void ImportRunner::readProgress()
{
    pending_ += process_->readAllStandardOutput();
    qsizetype newline;
    while ((newline = pending_.indexOf('\n')) >= 0) {
        const QByteArray line = pending_.left(newline).trimmed();
        pending_.remove(0, newline + 1);
        const QJsonObject o = QJsonDocument::fromJson(line).object();
        if (o.contains(QLatin1String("waiting_for")))
            Q_EMIT waiting(qint64(o.value(QLatin1String("waiting_for")).toDouble()));
        if (o.contains(QLatin1String("fraction")))
            Q_EMIT progress(o.value(QLatin1String("fraction")).toDouble(),
                            qint64(o.value(QLatin1String("events")).toDouble()));
    }
}

void ImportRunner::onFinished(int exitCode, QProcess::ExitStatus status)
{
    killTimer_->stop();
    readProgress();
    const QString stderrText = QString::fromLocal8Bit(process_->readAllStandardError()).trimmed();
    if (cancelled_) {
        Q_EMIT finished(false, true, db_, tr("import of %1 cancelled").arg(trace_));
        return;
    }
    if (status == QProcess::CrashExit) {
        Q_EMIT finished(false, false, db_, tr("the importer crashed on %1. %2").arg(trace_, stderrText));
        return;
    }
    if (exitCode == 0) {
        Q_EMIT finished(true, false, db_, QString());
    } else if (exitCode == 3 && QFileInfo::exists(db_)) {
        Q_EMIT finished(true, false, db_, stderrText.isEmpty() ? tr("the trace could not be read to its end") : stderrText);
    } else if (const qsizetype at = stderrText.indexOf(QLatin1String("no teescope events")); at >= 0) {
        // A trace of other tracers only: say so in words, without the command line's advice.
        const QString why = stderrText.mid(at).section(QLatin1Char('\n'), 0, 0).section(QLatin1Char(';'), 0, 0);
        Q_EMIT finished(false, false, db_, tr("%1 holds %2").arg(trace_, why));
    } else {
        Q_EMIT finished(false, false, db_,
                        stderrText.isEmpty() ? tr("teescope import exited with %1").arg(exitCode) : stderrText);
    }
}

} // namespace teescope::gui
