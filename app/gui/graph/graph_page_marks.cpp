// SPDX-License-Identifier: MIT
// The graph page's marks and framing: search matches and the members of a group shown (a summary
// number followed), stepping through them, and what the view frames and zooms to.
#include "graph/graph_page.h"

#include "core/format.h"
#include "graph/graph_items.h"
#include "graph/graph_view.h"

#include <QEvent>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>

namespace teescope::gui
{

void GraphPage::setSearchText(const QString &text)
{
    if (search_->text() != text)
        search_->setText(text); // comes back here through textChanged
    matches_.clear();
    groupEdges_.clear();
    currentMatch_ = -1;
    const QString needle = text.trimmed();
    if (!needle.isEmpty())
        group_ = {}; // the user's search replaces the group shown
    if (graph_)
        applyGuestFilter();
    if (graph_ && !needle.isEmpty()) {
        bool isNumber = false;
        const qint64 number = needle.toLongLong(&isNumber);
        for (int i = 0; i < graph_->nodes.size(); ++i) {
            const GraphNode &n = graph_->nodes[i];
            const bool hit = n.label.contains(needle, Qt::CaseInsensitive) ||
                             n.objectClass.contains(needle, Qt::CaseInsensitive) ||
                             n.processName.contains(needle, Qt::CaseInsensitive) ||
                             n.uuid.contains(needle, Qt::CaseInsensitive) ||
                             (isNumber && (n.pid == number || n.serial == number || n.swId == number));
            if (hit && !isFilteredOut(i))
                matches_.append(i);
        }
    } else if (graph_ && group_.isValid()) {
        const CapabilityGraph &g = *graph_;
        for (int i = 0; i < g.nodes.size(); ++i) {
            const GraphNode &n = g.nodes[i];
            bool member = false;
            switch (group_.kind) {
            case ItemGroup::Kind::Processes: member = n.kind == NodeKind::Process; break;
            case ItemGroup::Kind::Contexts: member = n.kind == NodeKind::Context; break;
            case ItemGroup::Kind::Objects: member = n.kind == NodeKind::Object; break;
            case ItemGroup::Kind::Sessions: member = n.kind == NodeKind::Session; break;
            case ItemGroup::Kind::SharedObjects: member = n.shared; break;
            default: break;
            }
            if (member && !isFilteredOut(i))
                matches_.append(i);
        }
        // Handle bindings are the holds edges from a context to an object (one per pair, an
        // interval per binding).
        if (group_.kind == ItemGroup::Kind::HandleBindings)
            for (int e = 0; e < g.edges.size(); ++e)
                if (g.edges[e].kind == EdgeKind::Holds && g.nodes[g.edges[e].to].kind == NodeKind::Object &&
                    !isFilteredOut(g.edges[e].from) && !isFilteredOut(g.edges[e].to))
                    groupEdges_.insert(e);
    }
    updateMatchLabel();
    applyStates();
}

void GraphPage::onGroupChanged(const ItemGroup &group)
{
    switch (group.kind) {
    case ItemGroup::Kind::Processes:
    case ItemGroup::Kind::Contexts:
    case ItemGroup::Kind::Objects:
    case ItemGroup::Kind::HandleBindings:
    case ItemGroup::Kind::SharedObjects:
    case ItemGroup::Kind::Sessions:
        group_ = group;
        break;
    default:
        group_ = {};
        break;
    }
    if (group_.isValid()) {
        const QSignalBlocker block(search_);
        search_->clear();
    }
    setSearchText(search_->text());
    if (group_.isValid())
        frame();
}

QString GraphPage::matchText() const
{
    if (group_.isValid()) {
        const int n = int(matches_.size());
        QString what;
        switch (group_.kind) {
        case ItemGroup::Kind::Processes: what = countOf(n, tr("process"), tr("processes")); break;
        case ItemGroup::Kind::Contexts: what = countOf(n, tr("context"), tr("contexts")); break;
        case ItemGroup::Kind::Objects: what = countOf(n, tr("object"), tr("objects")); break;
        case ItemGroup::Kind::Sessions: what = countOf(n, tr("OP-TEE session"), tr("OP-TEE sessions")); break;
        case ItemGroup::Kind::SharedObjects: {
            QSet<qint64> swIds;
            for (int i : matches_)
                swIds.insert(graph_->nodes[i].swId);
            what = countOf(swIds.size(), tr("shared object"), tr("shared objects")) + QStringLiteral(" (") +
                   countOf(n, tr("instance"), tr("instances")) + QLatin1Char(')');
            break;
        }
        case ItemGroup::Kind::HandleBindings: {
            qint64 bindings = 0;
            for (int e : groupEdges_)
                bindings += graph_->edges[e].life.intervals.size();
            return countOf(bindings, tr("handle binding"), tr("handle bindings")) + tr(" on ") +
                   countOf(groupEdges_.size(), tr("holds edge"), tr("holds edges"));
        }
        default: break;
        }
        return currentMatch_ >= 0 ? tr("%1 of %2").arg(currentMatch_ + 1).arg(what) : what;
    }
    if (search_->text().trimmed().isEmpty())
        return {};
    if (matches_.isEmpty())
        return tr("no match");
    if (currentMatch_ < 0)
        return countOf(matches_.size(), tr("match"), tr("matches"));
    return tr("%1 of %2").arg(currentMatch_ + 1).arg(matches_.size());
}

void GraphPage::updateMatchLabel()
{
    matchLabel_->setText(matchText());
}

int GraphPage::centreNextMatch()
{
    return stepMatch(1);
}

int GraphPage::centrePreviousMatch()
{
    return stepMatch(-1);
}

int GraphPage::stepMatch(int step)
{
    if (matches_.isEmpty())
        return -1;
    const int n = int(matches_.size());
    currentMatch_ = currentMatch_ < 0 ? (step > 0 ? 0 : n - 1) : ((currentMatch_ + step) % n + n) % n;
    const int node = matches_[currentMatch_];
    applyStates();
    updateMatchLabel();
    if (GraphNodeItem *item = nodeItem(representative(node)))
        view_->centreReadable(item->sceneBoundingRect());
    return node;
}

QRectF GraphPage::focusRect() const
{
    QRectF r;
    if (selectedNode_ >= 0) {
        if (GraphNodeItem *item = nodeItem(representative(selectedNode_)))
            r = item->sceneBoundingRect();
        return r;
    }
    if (!group_.isValid() || !graph_)
        return r;
    for (int i : matches_)
        if (GraphNodeItem *item = nodeItem(representative(i)))
            r |= item->sceneBoundingRect();
    for (int e : groupEdges_)
        for (int end : {graph_->edges[e].from, graph_->edges[e].to})
            if (GraphNodeItem *item = nodeItem(representative(end)))
                r |= item->sceneBoundingRect();
    return r;
}

void GraphPage::frame()
{
    const QRectF focus = focusRect();
    if (view_->userZoomed()) {
        if (!focus.isNull())
            view_->centreReadable(focus);
        return;
    }
    if (focus.isNull())
        view_->fitAll();
    else
        view_->frameFocus(focus);
}

void GraphPage::zoomIn()
{
    view_->zoomBy(1.25);
}
void GraphPage::zoomOut()
{
    view_->zoomBy(0.8);
}
void GraphPage::resetZoom()
{
    view_->showActualSize();
}
void GraphPage::fitToView()
{
    view_->fitAll();
}

bool GraphPage::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == search_ && event->type() == QEvent::KeyPress) {
        const auto *key = static_cast<QKeyEvent *>(event);
        if ((key->key() == Qt::Key_Return || key->key() == Qt::Key_Enter) &&
            (key->modifiers() & Qt::ShiftModifier)) {
            centrePreviousMatch();
            return true;
        }
    }
    return ViewPage::eventFilter(watched, event);
}

} // namespace teescope::gui
