// SPDX-License-Identifier: MIT
#include "core/selection.h"

#include <array>

namespace teescope::gui {

namespace {
constexpr std::array<std::pair<ViewId, const char *>, 5> kViews{{{ViewId::Summary, "summary"},
                                                                 {ViewId::Graph, "graph"},
                                                                 {ViewId::Timeline, "timeline"},
                                                                 {ViewId::Leaks, "leaks"},
                                                                 {ViewId::Latency, "latency"}}};
}

QString viewName(ViewId view)
{
    for (const auto &[id, name] : kViews)
        if (id == view)
            return QString::fromLatin1(name);
    return {};
}

bool parseViewName(const QString &name, ViewId *view)
{
    for (const auto &[id, n] : kViews)
        if (name == QLatin1String(n)) {
            *view = id;
            return true;
        }
    return false;
}

QString kindName(ItemRef::Kind kind)
{
    switch (kind) {
    case ItemRef::Kind::None: return QStringLiteral("nothing");
    case ItemRef::Kind::Process: return QStringLiteral("process");
    case ItemRef::Kind::Thread: return QStringLiteral("thread");
    case ItemRef::Kind::Context: return QStringLiteral("context");
    case ItemRef::Kind::Object: return QStringLiteral("object");
    case ItemRef::Kind::Invocation: return QStringLiteral("invocation");
    case ItemRef::Kind::Request: return QStringLiteral("callback request");
    case ItemRef::Kind::Session: return QStringLiteral("session");
    }
    return {};
}

bool parseItemRef(const QString &text, ItemRef *item)
{
    const qsizetype colon = text.indexOf(QLatin1Char(':'));
    if (colon <= 0)
        return false;
    const QString kind = text.left(colon);
    bool ok = false;
    const qint64 id = text.mid(colon + 1).toLongLong(&ok);
    if (!ok || id <= 0)
        return false;
    using Kind = ItemRef::Kind;
    for (Kind k : {Kind::Process, Kind::Thread, Kind::Context, Kind::Object, Kind::Invocation, Kind::Request,
                   Kind::Session})
        if (kind == kindName(k) || (k == Kind::Request && kind == QLatin1String("request"))) {
            *item = {k, id};
            return true;
        }
    return false;
}

void Selection::select(ItemRef item)
{
    if (item == item_)
        return;
    item_ = item;
    Q_EMIT itemChanged(item_);
}

void Selection::setRange(TimeRange range)
{
    if (!range.isValid())
        range = {};
    if (range == range_)
        return;
    range_ = range;
    Q_EMIT rangeChanged(range_);
}

void Selection::setGuestFilter(int guest)
{
    if (guest < 0)
        guest = kAllGuests;
    if (guest == guest_)
        return;
    guest_ = guest;
    Q_EMIT guestFilterChanged(guest_);
}

void Selection::setGroup(const ItemGroup &group)
{
    if (group == group_)
        return;
    group_ = group;
    Q_EMIT groupChanged(group_);
}

void Selection::revealGroup(const ItemGroup &group, ViewId view)
{
    select({});
    // Followed again (the same number clicked twice), the views show the group again.
    if (group == group_)
        Q_EMIT groupChanged(group_);
    setGroup(group);
    Q_EMIT revealRequested(view);
}

void Selection::clear()
{
    select({});
    setRange({});
    setGroup({});
    Q_EMIT cleared();
}

void Selection::reveal(ItemRef item, ViewId view)
{
    select(item);
    Q_EMIT revealRequested(view);
}

void Selection::revealRange(TimeRange range, ViewId view)
{
    setRange(range);
    Q_EMIT revealRequested(view);
}

} // namespace teescope::gui
