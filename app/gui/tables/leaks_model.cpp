// SPDX-License-Identifier: MIT
#include "tables/leaks_model.h"

#include "core/format.h"

#include <algorithm>
#include <numeric>

namespace teescope::gui {

LeaksModel::LeaksModel(QObject *parent) : QAbstractItemModel(parent) {}

void LeaksModel::setRecords(QList<LeakRecord> records)
{
    beginResetModel();
    records_ = std::move(records);
    rebuild();
    endResetModel();
}

void LeaksModel::setSuppressions(const Suppressions &suppressions)
{
    beginResetModel();
    suppressions_ = suppressions;
    rebuild();
    endResetModel();
}

void LeaksModel::setShowSuppressed(bool show)
{
    if (show == showSuppressed_)
        return;
    beginResetModel();
    showSuppressed_ = show;
    rebuild();
    endResetModel();
}

void LeaksModel::setGuestFilter(int guest)
{
    if (guest == guestFilter_)
        return;
    beginResetModel();
    guestFilter_ = guest;
    rebuild();
    endResetModel();
}

int LeaksModel::childOf(int parentNode, NodeType type, const QString &key)
{
    std::vector<int> &siblings = parentNode < 0 ? top_ : nodes_[size_t(parentNode)].children;
    for (int c : siblings)
        if (nodes_[size_t(c)].key == key)
            return c;
    Node n;
    n.type = type;
    n.parent = parentNode;
    n.key = key;
    nodes_.push_back(std::move(n));
    const int id = int(nodes_.size()) - 1;
    // `siblings` may dangle after push_back when it is a node's vector: look it up again.
    (parentNode < 0 ? top_ : nodes_[size_t(parentNode)].children).push_back(id);
    return id;
}

void LeaksModel::rebuild()
{
    nodes_.clear();
    top_.clear();
    suppressed_.assign(size_t(records_.size()), false);
    leakCount_ = suppressedCount_ = 0;

    // Leaves in report order: kind (domain order), class, creator, then oldest first.
    std::vector<int> order(size_t(records_.size()));
    std::iota(order.begin(), order.end(), 0);
    const QStringList &kinds = leakKindOrder();
    auto kindRank = [&](const QString &k) {
        const qsizetype i = kinds.indexOf(k);
        return i < 0 ? kinds.size() : i;
    };
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
        const LeakRecord &ra = records_.at(a), &rb = records_.at(b);
        if (kindRank(ra.kind) != kindRank(rb.kind))
            return kindRank(ra.kind) < kindRank(rb.kind);
        if (ra.kind != rb.kind)
            return ra.kind < rb.kind;
        if (ra.objectClass != rb.objectClass)
            return ra.objectClass < rb.objectClass;
        const QString ca = ra.creatorLabel(), cb = rb.creatorLabel();
        if (ca != cb)
            return ca < cb;
        return ra.createdTs.value_or(0) < rb.createdTs.value_or(0);
    });

    for (int r : order) {
        const LeakRecord &rec = records_.at(r);
        if (guestFilter_ >= 0 && rec.guest != guestFilter_)
            continue;
        const bool suppressed = suppressions_.matches(rec.objectClass, rec.creatorName);
        suppressed_[size_t(r)] = suppressed;
        if (suppressed)
            ++suppressedCount_;
        else
            ++leakCount_;
        if (suppressed && !showSuppressed_)
            continue;
        const int kindNode = childOf(-1, NodeType::Kind, rec.kind);
        const int classNode = childOf(kindNode, NodeType::Class, rec.objectClass);
        // Under Xen a creator is named with its guest.
        const QString creator =
            rec.guest != 0 ? guestLabel(rec.guest) + QStringLiteral(" · ") + rec.creatorLabel() : rec.creatorLabel();
        const int creatorNode = childOf(classNode, NodeType::Creator, creator);
        nodes_[size_t(creatorNode)].creatorName = rec.creatorName;
        Node leaf;
        leaf.type = NodeType::Leak;
        leaf.parent = creatorNode;
        leaf.record = r;
        leaf.key = QString::number(rec.objectId);
        nodes_.push_back(std::move(leaf));
        nodes_[size_t(creatorNode)].children.push_back(int(nodes_.size()) - 1);
        for (int n = creatorNode; n >= 0; n = nodes_[size_t(n)].parent)
            ++nodes_[size_t(n)].count;
    }
    for (size_t i = 0; i < top_.size(); ++i)
        nodes_[size_t(top_[i])].row = int(i);
    for (Node &n : nodes_)
        for (size_t i = 0; i < n.children.size(); ++i)
            nodes_[size_t(n.children[i])].row = int(i);
}

QList<LeakRecord> LeaksModel::visibleRecords() const
{
    QList<LeakRecord> out;
    // Depth-first in row order: the order of the tree.
    std::vector<int> stack(top_.rbegin(), top_.rend());
    while (!stack.empty()) {
        const int n = stack.back();
        stack.pop_back();
        const Node &node = nodes_[size_t(n)];
        if (node.type == NodeType::Leak)
            out.append(records_.at(node.record));
        stack.insert(stack.end(), node.children.rbegin(), node.children.rend());
    }
    return out;
}

const LeakRecord *LeaksModel::record(const QModelIndex &index) const
{
    const int n = nodeOf(index);
    if (n < 0 || nodes_[size_t(n)].type != NodeType::Leak)
        return nullptr;
    return &records_.at(nodes_[size_t(n)].record);
}

QModelIndex LeaksModel::indexOf(ItemRef item) const
{
    for (size_t i = 0; i < nodes_.size(); ++i) {
        const Node &n = nodes_[i];
        if (n.type == NodeType::Leak && records_.at(n.record).ref() == item)
            return createIndex(n.row, 0, quintptr(i));
    }
    return {};
}

QModelIndex LeaksModel::indexOfObject(qint64 objectId) const
{
    for (size_t i = 0; i < nodes_.size(); ++i) {
        const Node &n = nodes_[i];
        if (n.type == NodeType::Leak && records_.at(n.record).isObject() && records_.at(n.record).objectId == objectId)
            return createIndex(n.row, 0, quintptr(i));
    }
    return {};
}

int LeaksModel::nodeOf(const QModelIndex &index) const
{
    if (!index.isValid() || index.model() != this)
        return -1;
    const auto n = index.internalId();
    return n < nodes_.size() ? int(n) : -1;
}

const std::vector<int> &LeaksModel::childrenOf(int node) const
{
    return node < 0 ? top_ : nodes_[size_t(node)].children;
}

QModelIndex LeaksModel::index(int row, int column, const QModelIndex &parent) const
{
    if (column < 0 || column >= ColumnCount || row < 0)
        return {};
    if (parent.isValid() && parent.column() != 0)
        return {};
    const int p = parent.isValid() ? nodeOf(parent) : -1;
    if (parent.isValid() && p < 0)
        return {};
    const std::vector<int> &children = childrenOf(p);
    if (size_t(row) >= children.size())
        return {};
    return createIndex(row, column, quintptr(children[size_t(row)]));
}

QModelIndex LeaksModel::parent(const QModelIndex &child) const
{
    const int n = nodeOf(child);
    if (n < 0)
        return {};
    const int p = nodes_[size_t(n)].parent;
    if (p < 0)
        return {};
    return createIndex(nodes_[size_t(p)].row, 0, quintptr(p));
}

int LeaksModel::rowCount(const QModelIndex &parent) const
{
    if (!parent.isValid())
        return int(top_.size());
    if (parent.column() != 0)
        return 0;
    const int n = nodeOf(parent);
    return n < 0 ? 0 : int(nodes_[size_t(n)].children.size());
}

int LeaksModel::columnCount(const QModelIndex &) const
{
    return ColumnCount;
}

namespace {
QVariant optionalValue(const std::optional<qint64> &v)
{
    return v ? QVariant(*v) : QVariant();
}
} // namespace

QVariant LeaksModel::data(const QModelIndex &index, int role) const
{
    const int n = nodeOf(index);
    if (n < 0)
        return {};
    const Node &node = nodes_[size_t(n)];
    // The kind and class a row belongs to, whatever its level.
    auto ancestor = [&](NodeType type) -> const Node * {
        for (int i = n; i >= 0; i = nodes_[size_t(i)].parent)
            if (nodes_[size_t(i)].type == type)
                return &nodes_[size_t(i)];
        return nullptr;
    };
    switch (role) {
    case NodeTypeRole:
        return int(node.type);
    case LeakKindRole:
        return ancestor(NodeType::Kind)->key;
    case CountRole:
        return node.type == NodeType::Leak ? QVariant() : QVariant(node.count);
    case ClassRole:
        if (const Node *c = ancestor(NodeType::Class))
            return c->key;
        return {};
    case CreatorNameRole:
        if (node.type == NodeType::Creator)
            return node.creatorName;
        if (node.type == NodeType::Leak)
            return records_.at(node.record).creatorName;
        return {};
    case CreatorLabelRole:
        if (const Node *c = ancestor(NodeType::Creator))
            return c->key;
        return {};
    default:
        break;
    }

    if (node.type != NodeType::Leak) {
        if (index.column() == NameColumn && (role == Qt::DisplayRole || role == SortRole))
            return node.key;
        return {};
    }

    const LeakRecord &rec = records_.at(node.record);
    switch (role) {
    case ObjectIdRole:
        return rec.objectId;
    case IsObjectRole:
        return rec.isObject();
    case SuppressedRole:
        return bool(suppressed_[size_t(node.record)]);
    case Qt::DisplayRole:
    case SortRole:
        switch (index.column()) {
        case NameColumn:
            return rec.objectId;
        case ClassColumn:
            return rec.objectClass;
        case SwIdColumn:
            return optionalValue(rec.swId);
        case ProvenanceColumn:
            return rec.provenance;
        case AgeColumn:
            return optionalValue(rec.ageNs);
        case CreatedColumn:
            return optionalValue(rec.createdTs);
        case HoldersColumn:
            return rec.holders;
        }
        break;
    default:
        break;
    }
    return {};
}

QVariant LeaksModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case NameColumn:
        return tr("Leak");
    case ClassColumn:
        return tr("Class");
    case SwIdColumn:
        return tr("SW id");
    case ProvenanceColumn:
        return tr("Provenance");
    case AgeColumn:
        return tr("Age");
    case CreatedColumn:
        return tr("Created");
    case HoldersColumn:
        return tr("Holders at end");
    }
    return {};
}

} // namespace teescope::gui
