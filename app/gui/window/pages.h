// SPDX-License-Identifier: MIT
#pragma once

#include "core/view_page.h"

#include <QList>

namespace teescope::gui {

// One page per view, in the order of the tabs (summary, graph, timeline, leaks, latency).
QList<ViewPage *> createPages(Selection *selection, QWidget *parent);

} // namespace teescope::gui
