// SPDX-License-Identifier: MIT
#pragma once

#include "core/selection.h"

#include <QString>

namespace teescope::gui {

class MainWindow;

// Waits until the page of `view` is ready (loaded and laid out), then saves the window as a
// PNG. Returns an empty string on success, else what went wrong.
QString saveScreenshot(MainWindow &window, ViewId view, const QString &out, int timeoutMs);

} // namespace teescope::gui
