// SPDX-License-Identifier: MIT
// What the inspector shows for the selected item: its lifetime, holders, invocations and
// provenance, as a tree of key / value rows. Rows that name another item link to it.
#pragma once

#include "core/selection.h"
#include "core/trace_db.h"

#include <QList>
#include <QString>

namespace teescope::gui {

struct InspectorNode {
    QString key;
    QString value;           // plain text (may come from the trace)
    ItemRef link;            // the item this row names, if any
    QList<InspectorNode> children;
};

struct InspectorData {
    ItemRef item;
    TimeRange range;
    QString title;           // e.g. "object 12: diagnostics"
    QList<InspectorNode> rows;
};

// Loads what is known of `item` (or, with no item, of `range`); times are shown relative to
// `traceStart`. Throws store::Error. An id that is not in the database gives a single row saying so.
InspectorData loadInspector(const store::Database &db, ItemRef item, TimeRange range, qint64 traceStart);

} // namespace teescope::gui
