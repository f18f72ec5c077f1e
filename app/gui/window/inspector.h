// SPDX-License-Identifier: MIT
// The inspector: what is known of the selected item (or time range), loaded in a job whenever
// the selection changes. A row that names another item is a link: a single click selects it.
#pragma once

#include "core/jobs.h"
#include "core/selection.h"
#include "window/inspector_data.h"

#include <QWidget>

class QLabel;
class QModelIndex;
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
    // The width the text of `index` has in `tree`'s cell (its column less indentation and
    // margins): keys and values wrap within it.
    static int textWidth(const QTreeWidget *tree, const QModelIndex &index);

Q_SIGNALS:
    // Emitted when a load finished and its result is shown.
    void loaded();

protected:
    void resizeEvent(QResizeEvent *event) override;
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void reload();
    void show(const InspectorData &data);
    void fitKeyColumn();

    Selection *selection_;
    TraceInfo trace_;
    JobGeneration generation_;
    InspectorData shown_;
    QLabel *title_;
    QTreeWidget *tree_;
    bool relayoutPending_ = false;
};

} // namespace teescope::gui
