// SPDX-License-Identifier: MIT
#include "tables/latency_model.h"

#include "core/format.h"
#include "teescope/store/latency.h"

#include <QHash>

namespace teescope::gui {

QList<LatencyRow> loadLatency(const store::Database &db, int guest)
{
    // The view is made of invocations (its charts read them): a database without them cannot
    // show it, even though the per-op summary was written apart.
    store::Statement(db.handle(), "SELECT id FROM invocations LIMIT 0", db.path()).next();
    // A live import writes the per-op summary when it finishes: until then it is computed here.
    const bool live = db.metadata("live").value_or(std::string()) == "1";
    if (guest >= 0 || live) {
        QList<LatencyRow> rows;
        const auto groups = guest >= 0 ? store::compute_latency_groups(db.handle(), db.path(), guest)
                                       : store::compute_latency_groups(db.handle(), db.path());
        for (const store::LatencyGroup &g : groups) {
            LatencyRow r;
            r.objectClass = traceText(g.klass);
            r.op = g.op;
            r.opName = traceText(g.op_name);
            r.count = g.count;
            r.minNs = g.min_ns;
            r.p50Ns = g.p50_ns;
            r.p90Ns = g.p90_ns;
            r.p99Ns = g.p99_ns;
            r.p999Ns = g.p999_ns;
            r.maxNs = g.max_ns;
            rows.append(std::move(r));
        }
        return rows;
    }
    store::Statement s(db.handle(),
                       "SELECT class, op, count, min_ns, p50_ns, p90_ns, p99_ns, p999_ns, max_ns, op_name FROM latency_ops "
                       "ORDER BY class, op",
                       db.path());
    const auto opt = [&s](int col) -> std::optional<qint64> {
        if (s.null_at(col))
            return std::nullopt;
        return s.int_at(col);
    };
    QList<LatencyRow> rows;
    while (s.next()) {
        LatencyRow r;
        r.objectClass = traceText(s.text_at(0));
        r.op = s.int_at(1);
        r.count = s.int_at(2);
        r.minNs = opt(3);
        r.p50Ns = opt(4);
        r.p90Ns = opt(5);
        r.p99Ns = opt(6);
        r.p999Ns = opt(7);
        r.maxNs = opt(8);
        r.opName = s.null_at(9) ? opName(r.op) : traceText(s.text_at(9));
        rows.append(std::move(r));
    }
    return rows;
}

LatencyModel::LatencyModel(QObject *parent) : QAbstractTableModel(parent) {}

void LatencyModel::setRows(QList<LatencyRow> rows)
{
    beginResetModel();
    rows_ = std::move(rows);
    endResetModel();
}

int LatencyModel::rowOf(const QString &objectClass, qint64 op) const
{
    for (qsizetype i = 0; i < rows_.size(); ++i)
        if (rows_.at(i).op == op && rows_.at(i).objectClass == objectClass)
            return int(i);
    return -1;
}

void LatencyModel::update(const QList<LatencyRow> &rows)
{
    QHash<QPair<QString, qint64>, qsizetype> known;
    for (qsizetype i = 0; i < rows_.size(); ++i)
        known.insert({rows_.at(i).objectClass, rows_.at(i).op}, i);
    QList<LatencyRow> added;
    qsizetype matched = 0;
    for (const LatencyRow &r : rows) {
        const auto it = known.constFind({r.objectClass, r.op});
        if (it == known.cend()) {
            added.append(r);
            continue;
        }
        ++matched;
        if (!(rows_.at(*it) == r)) {
            rows_[*it] = r;
            Q_EMIT dataChanged(index(int(*it), 0), index(int(*it), ColumnCount - 1));
        }
    }
    if (matched != rows_.size()) {
        setRows(rows);
        return;
    }
    if (added.isEmpty())
        return;
    beginInsertRows({}, int(rows_.size()), int(rows_.size() + added.size() - 1));
    rows_.append(added);
    endInsertRows();
}

int LatencyModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(rows_.size());
}

int LatencyModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant LatencyModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const LatencyRow &r = rows_.at(index.row());
    const auto duration = [](const std::optional<qint64> &v) { return v ? QVariant(*v) : QVariant(); };
    switch (role) {
    case ClassRole:
        return r.objectClass;
    case OpRole:
        return r.op;
    case OpNameRole:
        return r.opName.isEmpty() ? opName(r.op) : r.opName;
    case DurationColumnRole:
        return index.column() >= P50Column;
    case Qt::DisplayRole:
    case SortRole: {
        QVariant v;
        switch (index.column()) {
        case ClassColumn:
            return r.objectClass;
        case OpColumn:
            return r.op;
        case CountColumn:
            return r.count;
        case P50Column:
            v = duration(r.p50Ns);
            break;
        case P90Column:
            v = duration(r.p90Ns);
            break;
        case P99Column:
            v = duration(r.p99Ns);
            break;
        case P999Column:
            v = duration(r.p999Ns);
            break;
        case MaxColumn:
            v = duration(r.maxNs);
            break;
        }
        // Unknown durations sort below every real one.
        if (role == SortRole && v.isNull())
            return qint64(-1);
        return v;
    }
    case Qt::TextAlignmentRole:
        return index.column() == ClassColumn ? QVariant() : QVariant(int(Qt::AlignRight | Qt::AlignVCenter));
    default:
        return {};
    }
}

QVariant LatencyModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case ClassColumn:
        return tr("Class");
    case OpColumn:
        return tr("Op");
    case CountColumn:
        return tr("Count");
    case P50Column:
        return tr("p50");
    case P90Column:
        return tr("p90");
    case P99Column:
        return tr("p99");
    case P999Column:
        return tr("p99.9");
    case MaxColumn:
        return tr("Max");
    }
    return {};
}

} // namespace teescope::gui
