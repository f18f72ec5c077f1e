// SPDX-License-Identifier: MIT
// Following a database that a live import is still writing. A watcher polls the file on a
// thread of its own (its own connection: `PRAGMA data_version` changes when another connection
// commits) and reports each commit as a LiveSample; a LiveMeter turns the samples into what the
// status bar says (lag, events per second, events lost, stalled).
#pragma once

#include <QMetaType>
#include <QObject>
#include <QString>
#include <QThread>

#include <deque>

namespace teescope::store {
class Database;
}

namespace teescope::gui {

// The live part of metadata at one commit.
struct LiveSample {
    bool live = false;      // metadata.live: the import is still writing
    qint64 liveTs = 0;      // metadata.live_ts: trace time of the newest event committed (ns)
    qint64 liveWallMs = 0;  // metadata.live_wall_ms: unix time of the last commit (ms)
    qint64 liveEvents = 0;  // metadata.live_events: events committed so far
    qint64 eventsLost = 0;  // metadata.events_lost, else the events the data_loss rows count
    bool caughtUp = true;   // metadata.live_caught_up: the import had read all the relay daemon had
    qint64 dataVersion = 0; // PRAGMA data_version when read
};

// Reads the live metadata through `db`. Throws store::Error.
LiveSample readLiveSample(const store::Database &db);

// Lag, rate and loss from the samples, against the reader's wall clock. A value type, tested
// without a database.
class LiveMeter {
public:
    // The writer is "stalled" when live_wall_ms has not moved for this long.
    static constexpr qint64 kStallMs = 3000;
    // events/s is measured over this window of samples.
    static constexpr qint64 kRateWindowMs = 2000;

    // A sample read at wall time `nowMs` (unix ms).
    void add(const LiveSample &sample, qint64 nowMs);
    // The wall clock moved without a new sample (stall detection).
    void tick(qint64 nowMs) { nowMs_ = nowMs; }

    bool isLive() const { return last_.live; }
    bool isStalled() const;
    // How far the file is behind: now - live_wall_ms (ms), or, while the import had more to
    // read, the age of its newest event if the trace clock agrees with the wall clock; 0 before
    // the first sample.
    qint64 lagMs() const;
    double eventsPerSecond() const;
    qint64 eventsLost() const { return last_.eventsLost; }
    const LiveSample &last() const { return last_; }
    // "live · lag 120 ms · 84 k events/s · 3 lost", "live · stalled 5 s · …", "finished".
    QString statusText() const;

private:
    struct Point {
        qint64 wallMs;
        qint64 events;
    };
    LiveSample last_;
    qint64 nowMs_ = 0;
    bool seen_ = false;
    bool finished_ = false;
    std::deque<Point> points_;
};

// Polls a database every `intervalMs` on its own thread; emits `changed` on the GUI thread when
// the file was committed to (and once at the start), and `failed` when it cannot be read.
class LiveWatcher : public QObject {
    Q_OBJECT
public:
    explicit LiveWatcher(const QString &path, int intervalMs = 150, QObject *parent = nullptr);
    ~LiveWatcher() override;
    void start();
    void stop();
    QString path() const { return path_; }

Q_SIGNALS:
    void changed(const teescope::gui::LiveSample &sample);
    void failed(const QString &message);

private:
    QString path_;
    int intervalMs_;
    QThread thread_;
};

} // namespace teescope::gui

Q_DECLARE_METATYPE(teescope::gui::LiveSample)
