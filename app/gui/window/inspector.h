// SPDX-License-Identifier: MIT
// The inspector: what is known of the selected item (or time range), loaded in a job whenever
// the selection changes. Double-clicking a row that names another item selects it.
#pragma once

#include "core/jobs.h"
#include "core/selection.h"
#include "window/inspector_data.h"

#include <QWidget>

class QLabel;
class QTreeWidget;
class QTreeWidgetItem;

namespace teescope::gui {

class Inspector : public QWidget {
    Q_OBJECT
public:
    explicit Inspector(Selection *selection, QWidget *parent = nullptr);

    // The trace to read; clears what is shown.
    void setTrace(const TraceInfo &trace);
    // What is shown (for tests).
    const InspectorData &shown() const { return shown_; }
    QTreeWidget *tree() const { return tree_; }

Q_SIGNALS:
    // Emitted when a load finished and its result is shown.
    void loaded();

private:
    void reload();
    void show(const InspectorData &data);

    Selection *selection_;
    TraceInfo trace_;
    JobGeneration generation_;
    InspectorData shown_;
    QLabel *title_;
    QTreeWidget *tree_;
};

} // namespace teescope::gui
