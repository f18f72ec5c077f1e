// SPDX-License-Identifier: MIT
#include "tables/latency_sort_proxy.h"

#include "core/format.h"
#include "tables/latency_model.h"

namespace teescope::gui {

LatencySortProxy::LatencySortProxy(QObject *parent) : QSortFilterProxyModel(parent)
{
    setSortRole(LatencyModel::SortRole);
    setSortCaseSensitivity(Qt::CaseInsensitive);
}

void LatencySortProxy::setFilterText(const QString &text)
{
    if (text == filterText_)
        return;
    filterText_ = text;
    invalidateFilter();
}

void LatencySortProxy::setClassFilter(const QString &objectClass)
{
    if (objectClass == classFilter_)
        return;
    classFilter_ = objectClass;
    invalidateFilter();
}

bool LatencySortProxy::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    const QModelIndex i = sourceModel()->index(sourceRow, 0, sourceParent);
    const QString objectClass = i.data(LatencyModel::ClassRole).toString();
    if (!classFilter_.isEmpty() && objectClass != classFilter_)
        return false;
    const QString text = filterText_.trimmed();
    if (text.isEmpty())
        return true;
    const qint64 op = i.data(LatencyModel::OpRole).toLongLong();
    return objectClass.contains(text, Qt::CaseInsensitive) ||
           i.data(LatencyModel::OpNameRole).toString().contains(text, Qt::CaseInsensitive) || QString::number(op) == text;
}

QVariant LatencySortProxy::data(const QModelIndex &index, int role) const
{
    if (role != Qt::DisplayRole || !index.isValid())
        return QSortFilterProxyModel::data(index, role);
    const QVariant v = QSortFilterProxyModel::data(index, role);
    switch (index.column()) {
    case LatencyModel::OpColumn: {
        // An op's name with its number, "add (0)", "increment (0)"; open, close, release and
        // plain numbers as they are.
        return opWithName(v.toLongLong(), index.data(LatencyModel::OpNameRole).toString());
    }
    case LatencyModel::CountColumn:
        return formatCount(v.toLongLong());
    case LatencyModel::ClassColumn:
        return v;
    default:
        return v.isNull() ? QString() : formatDuration(v.toLongLong());
    }
}

} // namespace teescope::gui
