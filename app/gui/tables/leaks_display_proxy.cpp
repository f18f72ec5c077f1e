// SPDX-License-Identifier: MIT
#include "tables/leaks_display_proxy.h"

#include "core/format.h"
#include "core/theme.h"
#include "tables/leak_record.h"
#include "tables/leaks_model.h"

#include <QFont>
#include <QGuiApplication>
#include <QPalette>

namespace teescope::gui {

LeaksDisplayProxy::LeaksDisplayProxy(QObject *parent) : QIdentityProxyModel(parent) {}

void LeaksDisplayProxy::setTraceStart(qint64 ts)
{
    if (ts == traceStart_)
        return;
    traceStart_ = ts;
    if (rowCount() > 0)
        Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, columnCount() - 1));
}

QVariant LeaksDisplayProxy::data(const QModelIndex &index, int role) const
{
    if (!index.isValid())
        return {};
    const QModelIndex src = mapToSource(index);
    const auto type = LeaksModel::NodeType(src.data(LeaksModel::NodeTypeRole).toInt());
    const bool isLeaf = type == LeaksModel::NodeType::Leak;
    const QString kind = src.data(LeaksModel::LeakKindRole).toString();

    switch (role) {
    case Qt::DisplayRole: {
        const QVariant v = src.data(Qt::DisplayRole);
        if (!isLeaf) {
            if (index.column() != LeaksModel::NameColumn)
                return {};
            const QString title = type == LeaksModel::NodeType::Kind ? leakKindTitle(kind) : v.toString();
            return tr("%1 (%2)").arg(title, formatCount(src.data(LeaksModel::CountRole).toLongLong()));
        }
        switch (index.column()) {
        case LeaksModel::NameColumn: {
            const QString id = QString::number(v.toLongLong());
            if (kind.startsWith(QLatin1String("shm_")))
                return tr("shm #%1").arg(id);
            if (kind.startsWith(QLatin1String("session_")))
                return tr("session #%1").arg(id);
            return tr("object #%1").arg(id);
        }
        case LeaksModel::AgeColumn:
            return v.isNull() ? QString() : formatDuration(v.toLongLong());
        case LeaksModel::CreatedColumn:
            return v.isNull() ? QString() : formatTraceTime(v.toLongLong(), traceStart_);
        case LeaksModel::SwIdColumn:
            return v.isNull() ? QString() : QString::number(v.toLongLong());
        default:
            return v;
        }
    }
    case Qt::ToolTipRole:
        if (type == LeaksModel::NodeType::Kind || (isLeaf && index.column() == LeaksModel::NameColumn))
            return leakKindExplanation(kind);
        if (isLeaf && (index.column() == LeaksModel::ProvenanceColumn || index.column() == LeaksModel::HoldersColumn))
            return plainToolTip(src.data(Qt::DisplayRole).toString()); // long text: the full value
        return {};
    case Qt::ForegroundRole:
        if (isLeaf && src.data(LeaksModel::SuppressedRole).toBool())
            return QGuiApplication::palette().brush(QPalette::Disabled, QPalette::Text);
        if (type == LeaksModel::NodeType::Kind)
            return leakColor(isDark(QGuiApplication::palette()));
        return {};
    case Qt::DecorationRole:
        // A swatch of the leak colour marks each kind, whatever the style draws for text.
        if (type == LeaksModel::NodeType::Kind && index.column() == LeaksModel::NameColumn)
            return leakColor(isDark(QGuiApplication::palette()));
        return {};
    case Qt::FontRole:
        if (!isLeaf) {
            QFont f;
            f.setBold(type == LeaksModel::NodeType::Kind);
            return f;
        }
        if (src.data(LeaksModel::SuppressedRole).toBool()) {
            QFont f;
            f.setItalic(true);
            return f;
        }
        return {};
    default:
        return QIdentityProxyModel::data(index, role);
    }
}

void LeaksDisplayProxy::setLive(bool live)
{
    if (live == live_)
        return;
    live_ = live;
    Q_EMIT headerDataChanged(Qt::Horizontal, LeaksModel::HoldersColumn, LeaksModel::HoldersColumn);
}

QVariant LeaksDisplayProxy::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (live_ && orientation == Qt::Horizontal && section == LeaksModel::HoldersColumn && role == Qt::DisplayRole)
        return tr("Holders now");
    return QIdentityProxyModel::headerData(section, orientation, role);
}

} // namespace teescope::gui
