// SPDX-License-Identifier: MIT
#include "core/jobs.h"

#include <QThread>

namespace teescope::gui {

QThreadPool *jobPool()
{
    static QThreadPool *pool = [] {
        auto *p = new QThreadPool;
        // At least four: each page starts a load at once, and a long one (the timeline of a huge
        // trace) must not hold the short ones of the other pages back, even on two cores.
        p->setMaxThreadCount(qMax(4, QThread::idealThreadCount()));
        return p;
    }();
    return pool;
}

} // namespace teescope::gui
