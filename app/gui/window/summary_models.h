// SPDX-License-Identifier: MIT
// The tables of the summary page. Semantic data only (numbers, ids, trace text); the page's
// delegates and proxies format them.
#pragma once

#include "window/summary_data.h"

#include <QAbstractTableModel>

namespace teescope::gui {

class ProcessesModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Columns { Process, Guest, Start, End, EndKind, Threads, Contexts, Invocations, ColumnCount };
    enum Roles { IdRole = Qt::UserRole + 1, SortRole, NameRole };

    using QAbstractTableModel::QAbstractTableModel;
    // Replaces the rows (one reset); `traceStart` is the origin of displayed times.
    void setProcesses(const QList<ProcessSummary> &processes, qint64 traceStart);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QList<ProcessSummary> processes_;
    qint64 traceStart_ = 0;
};

class ImportStatsModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Columns { Name, Severity, Count, Example, ColumnCount };
    using QAbstractTableModel::QAbstractTableModel;
    void setStats(const QList<ImportStat> &stats);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QList<ImportStat> stats_;
};

} // namespace teescope::gui
