// SPDX-License-Identifier: MIT
// Sorting, filtering and formatting of LatencyModel: sorts on the raw numbers (SortRole), shows
// durations with formatDuration, ops with opName and counts grouped. Filters by a text (class
// or op contains it) and optionally by an exact class (the class of the selected object).
#pragma once

#include <QSortFilterProxyModel>

namespace teescope::gui {

class LatencySortProxy : public QSortFilterProxyModel {
    Q_OBJECT
public:
    explicit LatencySortProxy(QObject *parent = nullptr);

    void setFilterText(const QString &text);
    QString filterText() const { return filterText_; }
    // Only rows of this class; empty shows every class.
    void setClassFilter(const QString &objectClass);
    QString classFilter() const { return classFilter_; }

    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    QString filterText_;
    QString classFilter_;
};

} // namespace teescope::gui
