// SPDX-License-Identifier: MIT
// The main window in live mode: a status bar item says how the live import is doing, a banner
// appears the moment events are lost, and the window stops following when the import finishes.
#include "core/format.h"
#include "core/view_page.h"
#include "window/live_follower.h"
#include "window/main_window.h"

#include <QLabel>
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

QString MainWindow::liveStatusText() const
{
    return liveStatus_->text();
}

} // namespace teescope::gui
