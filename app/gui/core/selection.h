// SPDX-License-Identifier: MIT
// The one selection of the window: an item (process, thread, context, object, OP-TEE session,
// invocation or callback request, by its database id), a time range, and the guest filter (all
// guests, or one Xen guest). Every view reads it and may set it; views filter or highlight what
// they show accordingly.
#pragma once

#include <QMetaType>
#include <QObject>
#include <QString>

namespace teescope::gui {

enum class ViewId { Summary, Graph, Timeline, Leaks, Latency };
// "summary", "graph", ... (the --view names); nullopt-like: returns false if unknown.
QString viewName(ViewId view);
bool parseViewName(const QString &name, ViewId *view);

struct ItemRef {
    enum class Kind { None, Process, Thread, Context, Object, Invocation, Request, Session };
    Kind kind = Kind::None;
    qint64 id = 0; // the row id in the table of that kind (processes.id, objects.id, ...)

    bool isValid() const { return kind != Kind::None; }
    friend bool operator==(const ItemRef &a, const ItemRef &b) { return a.kind == b.kind && a.id == b.id; }
    friend bool operator!=(const ItemRef &a, const ItemRef &b) { return !(a == b); }
};
QString kindName(ItemRef::Kind kind); // "process", "object", ...
// "object:12", "invocation:7", "request:3" (also process, thread, context, session) -> the item;
// false if malformed.
bool parseItemRef(const QString &text, ItemRef *item);

// A set of items that a number of the summary counts: the view revealed for it shows exactly
// those (the graph marks them, the leaks select the kind, the latency table the service's row).
struct ItemGroup {
    enum class Kind {
        None,
        Processes,
        Contexts,
        Objects,
        HandleBindings,
        SharedObjects,
        Sessions,
        Leaks,   // key: a leak kind ("" every kind)
        Service, // key: the class or TA, op: the op
        DataLoss,
    };
    Kind kind = Kind::None;
    QString key;
    qint64 op = 0;

    bool isValid() const { return kind != Kind::None; }
    friend bool operator==(const ItemGroup &a, const ItemGroup &b)
    {
        return a.kind == b.kind && a.key == b.key && a.op == b.op;
    }
};

// Trace timestamps (ns), half-open [begin, end).
struct TimeRange {
    qint64 begin = 0;
    qint64 end = 0;
    bool isValid() const { return end > begin; }
    bool contains(qint64 ts) const { return ts >= begin && ts < end; }
    bool overlaps(qint64 b, qint64 e) const { return b < end && e > begin; }
    friend bool operator==(const TimeRange &a, const TimeRange &b) { return a.begin == b.begin && a.end == b.end; }
};

class Selection : public QObject {
    Q_OBJECT
public:
    // The guest filter's value that shows every guest.
    static constexpr int kAllGuests = -1;

    explicit Selection(QObject *parent = nullptr) : QObject(parent) {}

    ItemRef item() const { return item_; }
    TimeRange range() const { return range_; }
    // kAllGuests, or the OP-TEE client id of the one guest shown (0: native processes).
    int guestFilter() const { return guest_; }
    // Whether something of guest `guest` is shown under the filter.
    bool showsGuest(qint64 guest) const { return guest_ == kAllGuests || guest == guest_; }

    // Sets the selected item; emits itemChanged if it differs.
    void select(ItemRef item);
    // Sets the selected time range (an invalid range clears it); emits rangeChanged if it differs.
    void setRange(TimeRange range);
    // Selects `item` and asks the window to show `view` (e.g. "go to slowest" -> timeline).
    void reveal(ItemRef item, ViewId view);
    // Asks the window to show `view` with `range` selected.
    void revealRange(TimeRange range, ViewId view);
    // Shows only guest `guest` (kAllGuests: every guest); emits guestFilterChanged if it differs.
    void setGuestFilter(int guest);

    // The group of items shown (a summary number followed), none by default.
    ItemGroup group() const { return group_; }
    // Sets the group (emits groupChanged if it differs); selecting an item keeps it.
    void setGroup(const ItemGroup &group);
    // Sets the group and asks the window to show `view`; the selected item is cleared so that
    // the view shows the group and nothing else.
    void revealGroup(const ItemGroup &group, ViewId view);
    // Clears the item, the range and the group, then emits cleared (even if nothing was
    // selected): every view shows nothing selected, rows the user only highlighted included.
    void clear();

Q_SIGNALS:
    void itemChanged(teescope::gui::ItemRef item);
    void rangeChanged(teescope::gui::TimeRange range);
    void guestFilterChanged(int guest);
    void groupChanged(const teescope::gui::ItemGroup &group);
    void cleared();
    void revealRequested(teescope::gui::ViewId view);

private:
    ItemRef item_;
    TimeRange range_;
    int guest_ = kAllGuests;
    ItemGroup group_;
};

} // namespace teescope::gui

Q_DECLARE_METATYPE(teescope::gui::ItemRef)
Q_DECLARE_METATYPE(teescope::gui::TimeRange)
Q_DECLARE_METATYPE(teescope::gui::ItemGroup)
