// SPDX-License-Identifier: MIT
// Follows a database a live import is writing: at each commit the pages learn the new "now"
// (metadata.live_ts) and reload what is new, one load at a time per page (a commit that comes
// while a page is still loading is picked up when it is done). Pages not on screen reload at most
// every kHiddenRefreshMs: their queries (leaks, latency over every invocation) are not free. When the import finishes the pages
// get a last refresh. Also measures how long the GUI thread was kept from its events while
// following (the longest stall).
#pragma once

#include "core/live_watcher.h"

#include <QElapsedTimer>
#include <QHash>
#include <QList>
#include <QObject>
#include <QSet>
#include <QTimer>

namespace teescope::gui {

class ViewPage;

class LiveFollower : public QObject {
    Q_OBJECT
public:
    static constexpr int kHiddenRefreshMs = 2000;

    LiveFollower(const QList<ViewPage *> &pages, QObject *parent = nullptr);
    ~LiveFollower() override;

    // Starts following `path` (stops following what was followed before).
    void follow(const QString &path);
    void stop();
    bool isFollowing() const { return watcher_ != nullptr; }
    const LiveMeter &meter() const { return meter_; }
    // "live · lag 120 ms · 84 k events/s · 3 lost", "finished", "" when nothing was followed.
    QString statusText() const { return meter_.statusText(); }
    // The longest time the GUI thread did not get to its events while following (ms).
    qint64 longestStallMs() const { return longestStallMs_; }
    void resetLongestStall() { longestStallMs_ = 0; }

Q_SIGNALS:
    // The status text changed.
    void statusChanged(const QString &text);
    // More events were lost (the total so far).
    void lossSeen(qint64 eventsLost);
    // The import finished: the file is complete now.
    void finished();
    void failed(const QString &message);

private:
    void onSample(const LiveSample &sample);
    void refreshPage(ViewPage *page);
    // Refreshes a page now if it is on screen (or `always`), else marks it stale for later.
    void offerRefresh(ViewPage *page, bool always);
    void refreshStaleHidden();
    void probeStall();

    QList<ViewPage *> pages_;
    LiveWatcher *watcher_ = nullptr;
    LiveMeter meter_;
    QSet<ViewPage *> pending_; // a commit came while the page was loading
    QSet<ViewPage *> stale_;   // hidden pages with commits not loaded yet
    QHash<ViewPage *, qint64> lastRefreshMs_;
    QTimer clock_;             // stall detection when no commit comes
    QTimer probe_;             // the GUI thread's responsiveness
    QElapsedTimer sinceProbe_;
    qint64 longestStallMs_ = 0;
    qint64 lostSeen_ = 0;
};

} // namespace teescope::gui
