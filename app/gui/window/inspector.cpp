// SPDX-License-Identifier: MIT
#include "window/inspector.h"

#include "core/format.h"

#include <QHeaderView>
#include <QMouseEvent>
#include <QStyle>
#include <QStyledItemDelegate>
#include <QLabel>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <algorithm>

namespace teescope::gui {

namespace {
constexpr int kLinkKindRole = Qt::UserRole + 1;
constexpr int kLinkIdRole = Qt::UserRole + 2;

// The share of the tree's width the key column may take when its keys are long.
constexpr double kKeyShare = 0.5;

// Rows as tall as their wrapped key and value: the tree's own size hint does not know the
// columns' widths, so long text would be cut instead of wrapped.
class WrappingDelegate : public QStyledItemDelegate {
public:
    explicit WrappingDelegate(QTreeWidget *tree) : QStyledItemDelegate(tree), tree_(tree) {}

    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override
    {
        QSize size = QStyledItemDelegate::sizeHint(option, index);
        const int width = Inspector::textWidth(tree_, index);
        const QString text = index.data(Qt::DisplayRole).toString();
        if (width <= 0 || text.isEmpty())
            return size;
        const QVariant font = index.data(Qt::FontRole);
        const QFontMetrics fm(font.isValid() ? font.value<QFont>() : option.font);
        const QRect wrapped = fm.boundingRect(QRect(0, 0, width, 1 << 20), Qt::TextWordWrap | Qt::TextWrapAnywhere, text);
        size.setHeight(std::max(size.height(), wrapped.height() + 4));
        return size;
    }

private:
    QTreeWidget *tree_;
};

void addNode(QTreeWidgetItem *parent, QTreeWidget *tree, const InspectorNode &node)
{
    // QTreeWidgetItem text is always plain text.
    auto *item = parent ? new QTreeWidgetItem(parent, {node.key, node.value})
                        : new QTreeWidgetItem(tree, {node.key, node.value});
    // Whatever the width, the whole text is a hover away.
    item->setToolTip(0, plainToolTip(node.key));
    item->setToolTip(1, plainToolTip(node.value));
    if (node.link.isValid()) {
        // Looks like a link, and follows on a single click like one.
        item->setData(0, kLinkKindRole, int(node.link.kind));
        item->setData(0, kLinkIdRole, node.link.id);
        for (int c = 0; c < 2; ++c) {
            QFont f = item->font(c);
            f.setUnderline(true);
            item->setFont(c, f);
            item->setForeground(c, tree->palette().brush(QPalette::Link));
        }
    }
    for (const InspectorNode &child : node.children)
        addNode(item, tree, child);
}
} // namespace

int Inspector::textWidth(const QTreeWidget *tree, const QModelIndex &index)
{
    // The column less the indentation of the row (first column) and the text margins.
    int width = tree->header()->sectionSize(index.column());
    if (index.column() == 0) {
        int depth = 1; // the root is decorated
        for (QModelIndex p = index.parent(); p.isValid(); p = p.parent())
            ++depth;
        width -= depth * tree->indentation();
    }
    const int margin = tree->style()->pixelMetric(QStyle::PM_FocusFrameHMargin, nullptr, tree) + 1;
    return width - 2 * margin;
}

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
    // Keys get what they need (up to a share of the width), values the rest, wrapped.
    tree_->header()->setSectionResizeMode(0, QHeaderView::Interactive);
    tree_->header()->setStretchLastSection(true);
    tree_->header()->resizeSection(0, 120);
    tree_->setIndentation(14);
    tree_->setItemDelegate(new WrappingDelegate(tree_));
    tree_->setWordWrap(true);
    tree_->setTextElideMode(Qt::ElideRight);
    tree_->setUniformRowHeights(false);
    tree_->setMouseTracking(true);
    tree_->viewport()->installEventFilter(this);
    setMinimumWidth(220);
    tree_->setAlternatingRowColors(true);
    layout->addWidget(title_);
    layout->addWidget(tree_, 1);
    title_->setText(tr("Select a process, object, session, invocation or a time range."));

    const auto follow = [this](QTreeWidgetItem *item) {
        const QVariant kind = item->data(0, kLinkKindRole);
        if (kind.isValid())
            selection_->select({ItemRef::Kind(kind.toInt()), item->data(0, kLinkIdRole).toLongLong()});
    };
    // A click on a link follows it (a click on a row's expander does not reach here); Enter too.
    connect(tree_, &QTreeWidget::itemClicked, this, follow);
    connect(tree_, &QTreeWidget::itemActivated, this, follow);
    connect(tree_->header(), &QHeaderView::sectionResized, this, [this](int section) {
        // Wrapped rows take their height from the new width.
        if (section == 1 && !relayoutPending_) {
            relayoutPending_ = true;
            QMetaObject::invokeMethod(this, [this] {
                relayoutPending_ = false;
                tree_->doItemsLayout();
            }, Qt::QueuedConnection);
        }
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
    fitKeyColumn();
    Q_EMIT loaded();
}

void Inspector::fitKeyColumn()
{
    // The keys shown whole when they fit in their share; the value column takes the rest.
    // (sizeHintForColumn is public in QAbstractItemView: the tree's own override answers.)
    const int wanted = static_cast<QAbstractItemView *>(tree_)->sizeHintForColumn(0) + tree_->indentation();
    const int share = int(tree_->viewport()->width() * kKeyShare);
    tree_->header()->resizeSection(0, std::clamp(wanted, 60, std::max(60, share)));
}

void Inspector::resizeEvent(QResizeEvent *event)
{
    QWidget::resizeEvent(event);
    fitKeyColumn();
}

bool Inspector::eventFilter(QObject *watched, QEvent *event)
{
    // The hand over a link, as over any link.
    if (watched == tree_->viewport() && event->type() == QEvent::MouseMove) {
        const QTreeWidgetItem *item = tree_->itemAt(static_cast<QMouseEvent *>(event)->position().toPoint());
        const bool link = item && item->data(0, kLinkKindRole).isValid();
        tree_->viewport()->setCursor(link ? Qt::PointingHandCursor : Qt::ArrowCursor);
    }
    return QWidget::eventFilter(watched, event);
}

} // namespace teescope::gui
