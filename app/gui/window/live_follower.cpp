// SPDX-License-Identifier: MIT
#include "window/live_follower.h"

#include "core/logging.h"
#include "core/view_page.h"

#include <QDateTime>

namespace teescope::gui {

namespace {
constexpr int kPollMs = 150;
constexpr int kProbeMs = 10;
} // namespace

LiveFollower::LiveFollower(const QList<ViewPage *> &pages, QObject *parent) : QObject(parent), pages_(pages)
{
    for (ViewPage *page : pages_)
        connect(page, &ViewPage::readyChanged, this, [this, page](bool ready) {
            if (ready && pending_.remove(page))
                refreshPage(page);
        });
    clock_.setInterval(500);
    connect(&clock_, &QTimer::timeout, this, [this] {
        meter_.tick(QDateTime::currentMSecsSinceEpoch());
        Q_EMIT statusChanged(meter_.statusText());
        refreshStaleHidden();
    });
    probe_.setInterval(kProbeMs);
    probe_.setTimerType(Qt::PreciseTimer);
    connect(&probe_, &QTimer::timeout, this, &LiveFollower::probeStall);
}

LiveFollower::~LiveFollower()
{
    stop();
}

void LiveFollower::follow(const QString &path)
{
    stop();
    meter_ = LiveMeter();
    lostSeen_ = 0;
    longestStallMs_ = 0;
    watcher_ = new LiveWatcher(path, kPollMs, this);
    connect(watcher_, &LiveWatcher::changed, this, &LiveFollower::onSample);
    connect(watcher_, &LiveWatcher::failed, this, &LiveFollower::failed);
    watcher_->start();
    clock_.start();
    sinceProbe_.start();
    probe_.start();
}

void LiveFollower::stop()
{
    clock_.stop();
    probe_.stop();
    pending_.clear();
    stale_.clear();
    lastRefreshMs_.clear();
    if (!watcher_)
        return;
    watcher_->stop();
    watcher_->deleteLater();
    watcher_ = nullptr;
}

void LiveFollower::probeStall()
{
    // The probe fires every kProbeMs when the GUI thread is free: anything longer between two
    // firings is time the event loop was held up (a load merged, a scene rebuilt, a paint).
    const qint64 elapsed = sinceProbe_.restart();
    if (elapsed - kProbeMs > 30)
        qCDebug(lcGui) << "GUI thread held up for" << elapsed - kProbeMs << "ms";
    longestStallMs_ = std::max(longestStallMs_, elapsed - kProbeMs);
}

void LiveFollower::onSample(const LiveSample &sample)
{
    meter_.add(sample, QDateTime::currentMSecsSinceEpoch());
    if (sample.eventsLost > lostSeen_) {
        lostSeen_ = sample.eventsLost;
        Q_EMIT lossSeen(lostSeen_);
    }
    for (ViewPage *page : std::as_const(pages_)) {
        page->setLive(sample.live, sample.liveTs);
        // The last commit reaches every page.
        offerRefresh(page, !sample.live);
    }
    Q_EMIT statusChanged(meter_.statusText());
    if (!sample.live) {
        qCInfo(lcGui) << "live import finished; longest GUI stall while following:" << longestStallMs_ << "ms";
        // The pages' last refresh is under way (or pending); nothing more will come.
        clock_.stop();
        probe_.stop();
        if (watcher_) {
            watcher_->stop();
            watcher_->deleteLater();
            watcher_ = nullptr;
        }
        Q_EMIT finished();
    }
}

void LiveFollower::offerRefresh(ViewPage *page, bool always)
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    if (!always && !page->isVisible() && now - lastRefreshMs_.value(page, 0) < kHiddenRefreshMs) {
        stale_.insert(page);
        return;
    }
    stale_.remove(page);
    lastRefreshMs_.insert(page, now);
    refreshPage(page);
}

void LiveFollower::refreshStaleHidden()
{
    // A page shown since (a tab switch) or hidden long enough gets the commits it missed.
    const QList<ViewPage *> stale(stale_.begin(), stale_.end());
    for (ViewPage *page : stale)
        offerRefresh(page, false);
}

void LiveFollower::refreshPage(ViewPage *page)
{
    if (!page->isReady()) {
        pending_.insert(page);
        return;
    }
    page->refresh();
}

} // namespace teescope::gui
