// SPDX-License-Identifier: MIT
// Background jobs: the work runs on the jobs' own thread pool, the result (an immutable value) is
// delivered on the GUI thread. Every request carries a generation: a newer request makes the
// results of older ones stale, and stale results are dropped.
#pragma once

#include <QCoreApplication>
#include <QPointer>
#include <QString>
#include <QThreadPool>

#include <exception>
#include <memory>
#include <optional>
#include <utility>

namespace teescope::gui {

// The pool that runs the jobs. Not Qt's global pool: the raster paint engine splits big fills
// over the global pool and waits for it, so long jobs there would stall painting.
QThreadPool *jobPool();

template <typename T>
struct JobResult {
    std::optional<T> value; // set unless the job threw
    QString error;          // the exception's message otherwise
    bool ok() const { return value.has_value(); }
};

// A counter of requests: `next()` starts a request, `isCurrent(g)` says whether g is the newest.
class JobGeneration {
public:
    int next() { return ++current_; }
    bool isCurrent(int generation) const { return generation == current_; }
    int current() const { return current_; }

private:
    int current_ = 0;
};

// Runs `work()` (returning T, may throw) on the job pool and calls `done(JobResult<T>)` on
// the GUI thread, unless `receiver` was destroyed meanwhile.
template <typename T, typename Work, typename Done>
void runJob(QObject *receiver, Work work, Done done)
{
    QPointer<QObject> guard(receiver);
    jobPool()->start([guard, work = std::move(work), done = std::move(done)]() mutable {
        auto result = std::make_shared<JobResult<T>>();
        try {
            result->value.emplace(work());
        } catch (const std::exception &e) {
            result->error = QString::fromUtf8(e.what());
        } catch (...) {
            result->error = QStringLiteral("unknown error");
        }
        // Posted to the application object, which outlives every receiver; the guard is checked
        // on the GUI thread, where receivers are destroyed.
        QMetaObject::invokeMethod(
            QCoreApplication::instance(),
            [guard, result, done = std::move(done)]() mutable {
                if (guard)
                    done(std::move(*result));
            },
            Qt::QueuedConnection);
    });
}

} // namespace teescope::gui
