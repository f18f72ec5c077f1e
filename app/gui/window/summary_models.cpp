// SPDX-License-Identifier: MIT
#include "window/summary_models.h"

#include "core/format.h"

namespace teescope::gui {

void ProcessesModel::setProcesses(const QList<ProcessSummary> &processes, qint64 traceStart)
{
    beginResetModel();
    processes_ = processes;
    traceStart_ = traceStart;
    endResetModel();
}

int ProcessesModel::rowCount(const QModelIndex &parent) const { return parent.isValid() ? 0 : int(processes_.size()); }
int ProcessesModel::columnCount(const QModelIndex &parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant ProcessesModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const ProcessSummary &p = processes_.at(index.row());
    if (role == IdRole)
        return p.id;
    if (role == NameRole)
        return p.name;
    if (role == SortRole) {
        switch (index.column()) {
        case Process: return p.pid;
        case Guest: return p.guest;
        case Start: return p.startTs;
        case End: return p.endTs;
        case EndKind: return valueText(p.endKind);
        case Threads: return p.threads;
        case Contexts: return p.contexts;
        case Invocations: return p.invocations;
        }
        return {};
    }
    if (role == Qt::TextAlignmentRole && index.column() != Process && index.column() != EndKind)
        return int(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::ToolTipRole)
        return index.column() == Process ? plainToolTip(processLabel(p.name, p.pid)) : QVariant();
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case Process: return processLabel(p.name, p.pid);
    case Guest: return guestLabel(p.guest);
    case Start: return formatTraceTime(p.startTs, traceStart_);
    case End:
        if (p.endTs < 0)
            return p.endKind == QLatin1String("alive_at_end") ? tr("alive at the end") : QStringLiteral("?");
        return formatTraceTime(p.endTs, traceStart_);
    case EndKind: return valueText(p.endKind);
    case Threads: return formatCount(p.threads);
    case Contexts: return formatCount(p.contexts);
    case Invocations: return formatCount(p.invocations);
    }
    return {};
}

QVariant ProcessesModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Process: return tr("Process");
    case Guest: return tr("Guest");
    case Start: return tr("Start");
    case End: return tr("End");
    case EndKind: return tr("How it ended");
    case Threads: return tr("Threads");
    case Contexts: return tr("Contexts");
    case Invocations: return tr("Invocations");
    }
    return {};
}

void ImportStatsModel::setStats(const QList<ImportStat> &stats)
{
    beginResetModel();
    stats_ = stats;
    endResetModel();
}

int ImportStatsModel::rowCount(const QModelIndex &parent) const { return parent.isValid() ? 0 : int(stats_.size()); }
int ImportStatsModel::columnCount(const QModelIndex &parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant ImportStatsModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const ImportStat &s = stats_.at(index.row());
    if (role == Qt::TextAlignmentRole && index.column() == Count)
        return int(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::ToolTipRole)
        return index.column() == Example ? plainToolTip(s.example) : QVariant();
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case Name: return valueText(s.name);
    case Severity: return valueText(s.severity);
    case Count: return formatCount(s.count);
    case Example: return s.example;
    }
    return {};
}

QVariant ImportStatsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Name: return tr("Statistic");
    case Severity: return tr("Severity");
    case Count: return tr("Count");
    case Example: return tr("Example");
    }
    return {};
}

} // namespace teescope::gui
