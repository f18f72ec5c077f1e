// SPDX-License-Identifier: MIT
#include "core/jobs.h"

#include <QThread>

namespace teescope::gui {

QThreadPool *jobPool()
{
    static QThreadPool *pool = [] {
        auto *p = new QThreadPool;
        // At least two: one long load (the timeline) must not hold every other page back.
        p->setMaxThreadCount(qMax(2, QThread::idealThreadCount()));
        return p;
    }();
    return pool;
}

} // namespace teescope::gui
