// SPDX-License-Identifier: MIT
#include "core/view_page.h"

namespace teescope::gui {

ViewPage::ViewPage(Selection *selection, QWidget *parent) : QWidget(parent), selection_(selection) {}

bool ViewPage::exportTo(const QString &, const QString &format, QString *error)
{
    if (error)
        *error = tr("this view cannot be exported as %1").arg(format);
    return false;
}

void ViewPage::setReady(bool ready)
{
    if (ready == ready_)
        return;
    ready_ = ready;
    Q_EMIT readyChanged(ready_);
}

void ViewPage::setLoadError(const QString &error)
{
    loadError_ = error;
    if (!error.isEmpty())
        Q_EMIT statusMessage(error);
}

} // namespace teescope::gui
