// SPDX-License-Identifier: MIT
#include "tables/column_fit.h"

#include <QAbstractItemView>
#include <QEvent>
#include <QHeaderView>
#include <QTableView>
#include <QTreeView>

#include <algorithm>
#include <numeric>

namespace teescope::gui {

QList<int> fitColumnWidths(const QList<int> &wanted, int available, const QList<int> &key, const QList<int> &flexible)
{
    QList<int> widths = wanted;
    const int keyMost = std::max(120, available / 2);
    for (int c : key)
        if (c >= 0 && c < widths.size())
            widths[c] = std::min(widths[c], keyMost);
    const auto total = [&widths] { return std::accumulate(widths.begin(), widths.end(), 0); };
    // Shrinks the columns of `which` by up to `excess` px, the widest first and the tied ones
    // evenly, none below `floor`.
    const auto shrink = [&widths](const QList<int> &which, int excess, int floor) {
        while (excess > 0) {
            int top = -1;
            for (int c : which)
                if (c >= 0 && c < widths.size() && widths[c] > floor)
                    top = std::max(top, widths[c]);
            if (top < 0)
                return;
            QList<int> tied;
            int next = floor; // down to the next widest column, or the floor
            for (int c : which) {
                if (c < 0 || c >= widths.size())
                    continue;
                if (widths[c] == top)
                    tied << c;
                else if (widths[c] < top)
                    next = std::max(next, widths[c]);
            }
            const int take = std::min(excess, (top - next) * int(tied.size()));
            const int each = take / int(tied.size()), extra = take % int(tied.size());
            for (int i = 0; i < tied.size(); ++i)
                widths[tied[i]] -= each + (i < extra ? 1 : 0);
            excess -= take;
        }
    };
    if (total() > available)
        shrink(flexible, total() - available, ColumnFit::kMinFlexible);
    if (total() > available) {
        QList<int> others;
        for (int c = 0; c < widths.size(); ++c)
            if (!key.contains(c))
                others << c;
        shrink(others, total() - available, ColumnFit::kMinColumn);
    }
    if (total() < available) {
        // The room left goes to the last long-text column (else the last column).
        const int last = !flexible.isEmpty() ? flexible.last() : int(widths.size()) - 1;
        if (last >= 0 && last < widths.size())
            widths[last] += available - total();
    }
    return widths;
}

ColumnFit::ColumnFit(QAbstractItemView *view, QList<int> key, QList<int> flexible)
    : QObject(view), view_(view), key_(std::move(key)), flexible_(std::move(flexible))
{
    view_->setTextElideMode(Qt::ElideRight);
    view_->viewport()->installEventFilter(this);
}

namespace {
QHeaderView *headerOf(QAbstractItemView *view)
{
    if (auto *tree = qobject_cast<QTreeView *>(view))
        return tree->header();
    if (auto *table = qobject_cast<QTableView *>(view))
        return table->horizontalHeader();
    return nullptr;
}
} // namespace

void ColumnFit::fit()
{
    QHeaderView *header = headerOf(view_);
    if (!header || !view_->model())
        return;
    header->setStretchLastSection(false);
    const int columns = header->count();
    QList<int> wanted;
    for (int c = 0; c < columns; ++c)
        wanted << (header->isSectionHidden(c) ? 0
                                              : std::max(header->sectionSizeHint(c), view_->sizeHintForColumn(c)) + 4);
    const QList<int> widths = fitColumnWidths(wanted, view_->viewport()->width(), key_, flexible_);
    for (int c = 0; c < columns; ++c)
        if (!header->isSectionHidden(c))
            header->resizeSection(c, widths[c]);
}

bool ColumnFit::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == view_->viewport() && event->type() == QEvent::Resize)
        fit();
    return QObject::eventFilter(watched, event);
}

} // namespace teescope::gui
