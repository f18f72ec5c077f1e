// SPDX-License-Identifier: MIT
// What the summary's "lost events" number stands for: every data loss of the trace (events or
// packets the tracer discarded, packets the importer could not read), when it happened and in
// which stream. A row with a time range shows that range in the timeline.
#pragma once

#include "core/selection.h"
#include "window/summary_data.h"

#include <QDialog>

class QLabel;
class QTableWidget;

namespace teescope::gui {

class DataLossDialog : public QDialog {
    Q_OBJECT
public:
    DataLossDialog(const QList<DataLossRecord> &losses, qint64 traceStart, Selection *selection,
                   QWidget *parent = nullptr);

    QTableWidget *table() const { return table_; }
    QString headline() const;

private:
    QLabel *headline_;
    QTableWidget *table_;
};

} // namespace teescope::gui
