// SPDX-License-Identifier: MIT
// The leak report as a tree: leak kind -> class -> creator process -> leak. Group rows carry the
// number of leaks below them. Suppressed leaks are left out, or kept and flagged when
// "show suppressed" is on. The model returns semantic values (raw ids, ns, kind keys);
// LeaksDisplayProxy turns them into text for people.
#pragma once

#include "tables/leak_record.h"
#include "tables/suppressions.h"

#include <QAbstractItemModel>

#include <vector>

namespace teescope::gui {

class LeaksModel : public QAbstractItemModel {
    Q_OBJECT
public:
    enum Columns { NameColumn, ClassColumn, SwIdColumn, ProvenanceColumn, AgeColumn, CreatedColumn, HoldersColumn, ColumnCount };
    enum Roles {
        NodeTypeRole = Qt::UserRole + 1, // NodeType as int
        LeakKindRole,                    // kind key of the row or of its group
        ObjectIdRole,                    // leaf: leaks.object_id
        IsObjectRole,                    // leaf: the id is an objects.id (not shm / session)
        CountRole,                       // group: leaks below it (those shown)
        SuppressedRole,                  // leaf: matched by a suppression
        ClassRole,                       // class of the leaf or the class group it is under
        CreatorNameRole,                 // creator process name of the leaf or creator group
        CreatorLabelRole,                // "name (pid N)"; under Xen "guest N · name (pid N)"
        SortRole,                        // a value to sort by (numbers as numbers)
    };
    enum class NodeType { Kind, Class, Creator, Leak };

    explicit LeaksModel(QObject *parent = nullptr);

    // Replaces every leak (one reset): the leaks of a trace are recomputed as a whole, since a
    // leak of a growing trace can also go away.
    void setRecords(QList<LeakRecord> records);
    void setSuppressions(const Suppressions &suppressions);
    void setShowSuppressed(bool show);
    bool showSuppressed() const { return showSuppressed_; }
    // Only the leaks of one guest (Selection::kAllGuests: all); the others are left out.
    void setGuestFilter(int guest);
    int guestFilter() const { return guestFilter_; }
    const Suppressions &suppressions() const { return suppressions_; }

    const QList<LeakRecord> &records() const { return records_; }
    // Leaks not suppressed, and those suppressed (whether shown or not), of the guest shown.
    int leakCount() const { return leakCount_; }
    int suppressedCount() const { return suppressedCount_; }
    // The leaks shown, in tree order.
    QList<LeakRecord> visibleRecords() const;
    // The record of a leaf, nullptr for a group.
    const LeakRecord *record(const QModelIndex &index) const;
    // The first leaf of objects.id `objectId` (shm and session leaves are not objects).
    QModelIndex indexOfObject(qint64 objectId) const;
    // The first leaf naming `item` (an object or an OP-TEE session).
    QModelIndex indexOf(ItemRef item) const;

    QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    struct Node {
        NodeType type = NodeType::Kind;
        int parent = -1;  // node index, -1 at the top
        int row = 0;      // row under its parent
        QString key;      // kind key, class or creator label
        QString creatorName;
        int record = -1;  // leaf: index into records_
        int count = 0;    // group: leaves below
        std::vector<int> children;
    };
    void rebuild();
    int nodeOf(const QModelIndex &index) const;
    int childOf(int parentNode, NodeType type, const QString &key);
    const std::vector<int> &childrenOf(int node) const;

    QList<LeakRecord> records_;
    std::vector<bool> suppressed_; // per record
    Suppressions suppressions_;
    bool showSuppressed_ = false;
    int guestFilter_ = -1;
    std::vector<Node> nodes_;
    std::vector<int> top_;
    int leakCount_ = 0;
    int suppressedCount_ = 0;
};

} // namespace teescope::gui
