// SPDX-License-Identifier: MIT
#include "window/screenshot.h"

#include "core/jobs.h"
#include "core/view_page.h"
#include "window/main_window.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QEventLoop>
#include <QImageWriter>
#include <QPixmap>
#include <QThread>
#include <QThreadPool>

namespace teescope::gui {

QString saveScreenshot(MainWindow &window, ViewId view, const QString &out, int timeoutMs)
{
    window.showView(view);
    ViewPage *page = window.page(view);
    if (!page)
        return QStringLiteral("no %1 view").arg(viewName(view));
    QDeadlineTimer deadline(timeoutMs);
    while (!page->isReady() && !deadline.hasExpired()) {
        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
        QThread::msleep(5);
    }
    if (!page->isReady())
        return QStringLiteral("the %1 view was not ready after %2 s").arg(viewName(view)).arg(timeoutMs / 1000);
    // Let the inspector and queued results settle, and the last layout pass be painted.
    jobPool()->waitForDone(qMax<qint64>(0, deadline.remainingTime()));
    for (int i = 0; i < 5; ++i)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
    if (!page->loadError().isEmpty())
        return page->loadError();
    const QPixmap shot = window.grab();
    QImageWriter writer(out, "png");
    if (!writer.write(shot.toImage()))
        return QStringLiteral("%1: cannot write: %2").arg(out, writer.errorString());
    return {};
}

} // namespace teescope::gui
