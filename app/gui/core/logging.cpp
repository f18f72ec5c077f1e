// SPDX-License-Identifier: MIT
#include "core/logging.h"

Q_LOGGING_CATEGORY(lcGui, "teescope.gui", QtWarningMsg)
Q_LOGGING_CATEGORY(lcTimeline, "teescope.gui.timeline", QtWarningMsg)
Q_LOGGING_CATEGORY(lcGraph, "teescope.gui.graph", QtWarningMsg)
Q_LOGGING_CATEGORY(lcTables, "teescope.gui.tables", QtWarningMsg)
