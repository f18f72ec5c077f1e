// SPDX-License-Identifier: MIT
// The main window in live mode: a status bar item says how the live import is doing, a banner
// appears the moment events are lost, and the window stops following when the import finishes.
#include "core/format.h"
#include "core/view_page.h"
#include "window/live_follower.h"
#include "window/live_source.h"
#include "window/main_window.h"

#include <QLabel>
#include <QMessageBox>
#include <QStatusBar>

namespace teescope::gui {

void MainWindow::setupLiveFollowing()
{
    follower_ = new LiveFollower(pages_, this);
    liveStatus_ = new QLabel(this);
    liveStatus_->setObjectName(QStringLiteral("liveStatus"));
    liveStatus_->setTextFormat(Qt::PlainText);
    liveStatus_->setToolTip(tr("Live import: lag since its last commit, events committed per second, events lost"));
    liveStatus_->hide();
    statusBar()->addPermanentWidget(liveStatus_);
    connect(follower_, &LiveFollower::statusChanged, this, [this](const QString &text) {
        liveStatus_->setText(text);
        liveStatus_->setVisible(!text.isEmpty());
    });
    connect(follower_, &LiveFollower::lossSeen, this, [this](qint64 lost) {
        trace_.lostEvents = std::max(trace_.lostEvents, lost);
        updateBanner();
    });
    connect(follower_, &LiveFollower::failed, this,
            [this](const QString &message) { statusBar()->showMessage(tr("Live: %1").arg(message), 8000); });
    connect(follower_, &LiveFollower::finished, this, [this] {
        // What the finished import says about the file (complete, last_ts, data loss).
        try {
            const TraceInfo info = loadTraceInfo(openTraceDb(trace_.dbPath));
            trace_.complete = info.complete;
            trace_.live = info.live;
            trace_.lastTs = std::max(trace_.lastTs, info.lastTs);
            trace_.events = info.events;
            trace_.readError = info.readError;
            trace_.lostEvents = std::max(trace_.lostEvents, info.lostEvents);
            trace_.dataLossRecords = info.dataLossRecords;
        } catch (const std::exception &e) {
            statusBar()->showMessage(tr("Live: %1").arg(QString::fromUtf8(e.what())), 8000);
        }
        updateBanner();
        statusBar()->showMessage(tr("The live import finished"), 8000);
    });
}

void MainWindow::followIfLive()
{
    liveStatus_->clear();
    liveStatus_->hide();
    if (trace_.live)
        follower_->follow(trace_.dbPath);
    else
        follower_->stop();
}

bool MainWindow::startLiveRecording(const LiveRecordOptions &options, QString *error)
{
    if (liveSource_ && liveSource_->isRunning()) {
        *error = tr("A live recording is running: stop it first (File > Stop Recording).");
        return false;
    }
    stopLive(); // lets go of the one that ended
    liveSource_ = new LiveSource(this);
    if (!liveSource_->startRecording(options, error)) {
        delete liveSource_;
        liveSource_ = nullptr;
        return false;
    }
    watchLiveSource();
    statusBar()->showMessage(tr("Recording %1 live…").arg(options.command.join(QLatin1Char(' '))), 8000);
    return true;
}

bool MainWindow::startLiveImport(const QString &url, QString *error)
{
    if (liveSource_ && liveSource_->isRunning()) {
        *error = tr("A live recording is running: stop it first (File > Stop Recording).");
        return false;
    }
    stopLive(); // lets go of the one that ended
    liveSource_ = new LiveSource(this);
    if (!liveSource_->startImport(url, error)) {
        delete liveSource_;
        liveSource_ = nullptr;
        return false;
    }
    watchLiveSource();
    statusBar()->showMessage(tr("Reading the live session %1…").arg(url), 8000);
    return true;
}

void MainWindow::watchLiveSource()
{
    stopLiveAction_->setEnabled(true);
    connect(liveSource_, &LiveSource::databaseReady, this, [this](const QString &db) {
        QString why;
        if (!openDatabase(db, &why))
            statusBar()->showMessage(why, 8000);
    });
    connect(liveSource_, &LiveSource::finished, this, [this](bool ok, const QString &db, const QString &message) {
        stopLiveAction_->setEnabled(false);
        if (!ok) {
            QMessageBox::warning(this, tr("Live recording"),
                                 message.isEmpty() ? tr("The live import failed; %1 is not complete.").arg(db) : message);
            return;
        }
        // A database that finished before it was ever opened (a short command) opens now.
        if (trace_.dbPath != db) {
            QString why;
            if (!openDatabase(db, &why))
                statusBar()->showMessage(why, 8000);
        }
    });
}

void MainWindow::stopLive()
{
    if (liveSource_ && liveSource_->isRunning()) {
        liveSource_->stop();
        statusBar()->showMessage(tr("Stopping: the import finishes what was recorded…"), 8000);
        return;
    }
    if (liveSource_ && !liveSource_->isRunning()) {
        liveSource_->deleteLater();
        liveSource_ = nullptr;
    }
}

QString MainWindow::liveStatusText() const
{
    return liveStatus_->text();
}

} // namespace teescope::gui
