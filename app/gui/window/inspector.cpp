// SPDX-License-Identifier: MIT
#include "window/inspector.h"

#include "core/format.h"

#include <QHeaderView>
#include <QLabel>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace teescope::gui {

namespace {
constexpr int kLinkKindRole = Qt::UserRole + 1;
constexpr int kLinkIdRole = Qt::UserRole + 2;

void addNode(QTreeWidgetItem *parent, QTreeWidget *tree, const InspectorNode &node)
{
    // QTreeWidgetItem text is always plain text.
    auto *item = parent ? new QTreeWidgetItem(parent, {node.key, node.value})
                        : new QTreeWidgetItem(tree, {node.key, node.value});
    item->setToolTip(1, plainToolTip(node.value));
    if (node.link.isValid()) {
        item->setData(0, kLinkKindRole, int(node.link.kind));
        item->setData(0, kLinkIdRole, node.link.id);
        QFont f = item->font(0);
        f.setUnderline(true);
        item->setFont(0, f);
    }
    for (const InspectorNode &child : node.children)
        addNode(item, tree, child);
}
} // namespace

Inspector::Inspector(Selection *selection, QWidget *parent) : QWidget(parent), selection_(selection)
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    title_ = new QLabel(this);
    title_->setTextFormat(Qt::PlainText);
    title_->setWordWrap(true);
    title_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QFont bold = title_->font();
    bold.setBold(true);
    title_->setFont(bold);
    tree_ = new QTreeWidget(this);
    tree_->setColumnCount(2);
    tree_->setHeaderLabels({tr("What"), tr("Value")});
    // Keys get a fixed share, values the rest (long values show whole in their tooltip).
    tree_->header()->setSectionResizeMode(0, QHeaderView::Interactive);
    tree_->header()->resizeSection(0, 170);
    setMinimumWidth(260);
    tree_->setAlternatingRowColors(true);
    tree_->setUniformRowHeights(true);
    layout->addWidget(title_);
    layout->addWidget(tree_, 1);
    title_->setText(tr("Select a process, object, session, invocation or a time range."));

    connect(tree_, &QTreeWidget::itemActivated, this, [this](QTreeWidgetItem *item) {
        const QVariant kind = item->data(0, kLinkKindRole);
        if (kind.isValid())
            selection_->select({ItemRef::Kind(kind.toInt()), item->data(0, kLinkIdRole).toLongLong()});
    });
    connect(selection_, &Selection::itemChanged, this, &Inspector::reload);
    connect(selection_, &Selection::rangeChanged, this, [this] {
        if (!selection_->item().isValid())
            reload();
    });
}

void Inspector::setTrace(const TraceInfo &trace)
{
    trace_ = trace;
    shown_ = {};
    tree_->clear();
    reload();
}

void Inspector::reload()
{
    const int generation = generation_.next();
    const ItemRef item = selection_->item();
    const TimeRange range = selection_->range();
    if (trace_.dbPath.isEmpty() || (!item.isValid() && !range.isValid())) {
        show({});
        return;
    }
    const QString path = trace_.dbPath;
    const qint64 start = trace_.firstTs;
    runJob<InspectorData>(
        this, [path, item, range, start] { return loadInspector(openTraceDb(path), item, range, start); },
        [this, generation](JobResult<InspectorData> r) {
            if (!generation_.isCurrent(generation))
                return;
            if (r.ok()) {
                show(*r.value);
            } else {
                InspectorData error;
                error.title = r.error;
                show(error);
            }
        });
}

void Inspector::show(const InspectorData &data)
{
    shown_ = data;
    tree_->clear();
    title_->setText(data.title.isEmpty() ? tr("Select a process, object, session, invocation or a time range.") : data.title);
    for (const InspectorNode &node : data.rows)
        addNode(nullptr, tree_, node);
    // Sections open, their long lists closed.
    for (int i = 0; i < tree_->topLevelItemCount(); ++i) {
        QTreeWidgetItem *top = tree_->topLevelItem(i);
        top->setExpanded(top->childCount() > 0 && top->childCount() <= 12);
    }
    Q_EMIT loaded();
}

} // namespace teescope::gui
