// SPDX-License-Identifier: MIT
#include "core/live_watcher.h"

#include "core/format.h"
#include "core/logging.h"
#include "core/trace_db.h"

#include <QTimer>

#include <cmath>
#include <memory>
#include <optional>

namespace teescope::gui {

LiveSample readLiveSample(const store::Database &db)
{
    auto number = [&](const char *key) -> qint64 {
        auto v = db.metadata(key);
        return v ? qint64(std::strtoll(v->c_str(), nullptr, 10)) : 0;
    };
    LiveSample s;
    s.live = number("live") != 0;
    s.liveTs = number("live_ts");
    s.liveWallMs = number("live_wall_ms");
    s.liveEvents = number("live_events");
    s.caughtUp = db.metadata("live_caught_up").value_or("1") != "0";
    s.eventsLost = number("events_lost");
    store::Statement loss(db.handle(), "SELECT COALESCE(SUM(count), 0) FROM data_loss WHERE what = 'events'", db.path());
    if (loss.next())
        s.eventsLost = std::max<qint64>(s.eventsLost, loss.int_at(0));
    store::Statement version(db.handle(), "PRAGMA data_version", db.path());
    if (version.next())
        s.dataVersion = version.int_at(0);
    return s;
}

void LiveMeter::add(const LiveSample &sample, qint64 nowMs)
{
    nowMs_ = nowMs;
    last_ = sample;
    seen_ = true;
    finished_ = !sample.live;
    // The rate is measured on the writer's clock (live_wall_ms): what it committed per second.
    if (points_.empty() || points_.back().wallMs != sample.liveWallMs)
        points_.push_back({sample.liveWallMs, sample.liveEvents});
    while (points_.size() > 2 && points_.back().wallMs - points_[1].wallMs >= kRateWindowMs)
        points_.pop_front();
}

bool LiveMeter::isStalled() const
{
    // Stalled: no commit for a while (an import that is behind still commits).
    return seen_ && !finished_ && last_.liveWallMs > 0 && nowMs_ - last_.liveWallMs > kStallMs;
}

qint64 LiveMeter::lagMs() const
{
    if (!seen_ || last_.liveWallMs <= 0)
        return 0;
    const qint64 commitAge = std::max<qint64>(0, nowMs_ - last_.liveWallMs);
    // An import that is behind (it had more to read when it committed) is as far behind as its
    // newest event is old: LTTng's trace clock is offset to the wall clock when the session
    // starts. A clock that disagrees (a board's) gives an age that cannot be: then only the
    // commit's age is known.
    const qint64 eventAge = last_.liveTs > 0 ? nowMs_ - last_.liveTs / 1000000 : -1;
    if (!last_.caughtUp && eventAge >= 0 && eventAge < 24 * 3600 * 1000)
        return std::max(commitAge, eventAge);
    return commitAge;
}

double LiveMeter::eventsPerSecond() const
{
    if (points_.size() < 2 || isStalled())
        return 0;
    const Point &a = points_.front(), &b = points_.back();
    const qint64 ms = b.wallMs - a.wallMs;
    return ms > 0 ? double(b.events - a.events) * 1000.0 / double(ms) : 0;
}

namespace {
QString rateText(double perSecond)
{
    if (perSecond < 1000)
        return QObject::tr("%1 events/s").arg(qRound64(perSecond));
    if (perSecond < 1e6)
        return QObject::tr("%1 k events/s").arg(qRound64(perSecond / 1000));
    return QObject::tr("%1 M events/s").arg(perSecond / 1e6, 0, 'f', 1);
}
} // namespace

QString LiveMeter::statusText() const
{
    if (!seen_)
        return {};
    QString lost;
    if (last_.eventsLost > 0)
        lost = QStringLiteral(" · ") + QObject::tr("%1 lost").arg(formatCount(last_.eventsLost));
    if (finished_)
        return QObject::tr("finished") + lost;
    const QString lag = isStalled() ? QObject::tr("stalled %1 s").arg((nowMs_ - last_.liveWallMs) / 1000)
                                    : QObject::tr("lag %1 ms").arg(lagMs());
    return QObject::tr("live") + QStringLiteral(" · ") + lag + QStringLiteral(" · ") + rateText(eventsPerSecond()) + lost;
}

LiveWatcher::LiveWatcher(const QString &path, int intervalMs, QObject *parent)
    : QObject(parent), path_(path), intervalMs_(intervalMs)
{
    qRegisterMetaType<LiveSample>();
    thread_.setObjectName(QStringLiteral("live watcher"));
}

LiveWatcher::~LiveWatcher()
{
    stop();
}

void LiveWatcher::start()
{
    if (thread_.isRunning())
        return;
    // The timer, the connection and the last data_version live on the watcher's thread: a
    // connection is used by one thread only, and a slow read never holds up the GUI.
    auto *timer = new QTimer;
    timer->setInterval(intervalMs_);
    timer->moveToThread(&thread_);
    struct State {
        std::optional<store::Database> db;
        qint64 version = -1;
        bool failed = false;
    };
    auto state = std::make_shared<State>();
    const QString path = path_;
    auto poll = [this, state, path] {
        try {
            if (!state->db)
                state->db.emplace(openTraceDb(path));
            store::Statement v(state->db->handle(), "PRAGMA data_version", state->db->path());
            const qint64 version = v.next() ? v.int_at(0) : 0;
            if (version == state->version)
                return;
            const LiveSample sample = readLiveSample(*state->db);
            state->version = version;
            state->failed = false;
            Q_EMIT changed(sample);
        } catch (const std::exception &e) {
            // Said once; the next poll tries again with a new connection.
            state->db.reset();
            if (!state->failed)
                Q_EMIT failed(QString::fromUtf8(e.what()));
            state->failed = true;
        }
    };
    connect(timer, &QTimer::timeout, timer, poll);
    connect(&thread_, &QThread::started, timer, [timer, poll] {
        timer->start();
        poll();
    });
    connect(&thread_, &QThread::finished, timer, &QObject::deleteLater);
    thread_.start();
}

void LiveWatcher::stop()
{
    if (!thread_.isRunning())
        return;
    thread_.quit();
    thread_.wait();
}

} // namespace teescope::gui
