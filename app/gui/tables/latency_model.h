// SPDX-License-Identifier: MIT
// The `latency` table: per (class, op), the count and the driver-side duration percentiles.
// Semantic values only (ns as numbers); LatencySortProxy formats and sorts them.
#pragma once

#include "core/trace_db.h"

#include <QAbstractTableModel>
#include <QList>

#include <optional>

namespace teescope::gui {

struct LatencyRow {
    QString objectClass; // a class of objects, or an OP-TEE TA
    qint64 op = 0;
    QString opName;      // latency.op_name: the op in words (a TA command's name, open, close, release)
    qint64 count = 0;
    // NULL in the table (no invocation with both driver times) is kept as nullopt.
    std::optional<qint64> minNs, p50Ns, p90Ns, p99Ns, p999Ns, maxNs;

    friend bool operator==(const LatencyRow &a, const LatencyRow &b)
    {
        return a.objectClass == b.objectClass && a.op == b.op && a.opName == b.opName && a.count == b.count && a.minNs == b.minNs &&
               a.p50Ns == b.p50Ns && a.p90Ns == b.p90Ns && a.p99Ns == b.p99Ns && a.p999Ns == b.p999Ns &&
               a.maxNs == b.maxNs;
    }
};

// Reads the latency table, or computes it for the invocations of one guest (guest >= 0); throws
// store::Error.
QList<LatencyRow> loadLatency(const store::Database &db, int guest = -1);

class LatencyModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Columns { ClassColumn, OpColumn, CountColumn, P50Column, P90Column, P99Column, P999Column, MaxColumn, ColumnCount };
    enum Roles {
        SortRole = Qt::UserRole + 1, // numbers as qint64 (NULL sorts first as -1), class as text
        ClassRole,                   // latency.class of the row
        OpRole,                      // latency.op of the row
        OpNameRole,                  // latency.op_name of the row
        DurationColumnRole,          // true for the columns holding nanoseconds
    };

    explicit LatencyModel(QObject *parent = nullptr);

    // Replaces all rows (one reset).
    void setRows(QList<LatencyRow> rows);
    // Merges a newer load of the table (live mode): rows of known (class, op) are updated in
    // place, new ones appended in one batch; a row that vanished makes it a reset.
    void update(const QList<LatencyRow> &rows);

    const QList<LatencyRow> &rows() const { return rows_; }
    const LatencyRow *row(int r) const { return r >= 0 && r < rows_.size() ? &rows_.at(r) : nullptr; }
    int rowOf(const QString &objectClass, qint64 op) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QList<LatencyRow> rows_;
};

} // namespace teescope::gui
