// SPDX-License-Identifier: MIT
#include "window/summary_loss_dialog.h"

#include "core/format.h"

#include <QDialogButtonBox>
#include <QHeaderView>
#include <QLabel>
#include <QTableWidget>
#include <QVBoxLayout>

namespace teescope::gui {

namespace {
constexpr int kBeginRole = Qt::UserRole + 1;
constexpr int kEndRole = Qt::UserRole + 2;
} // namespace

DataLossDialog::DataLossDialog(const QList<DataLossRecord> &losses, qint64 traceStart, Selection *selection,
                               QWidget *parent)
    : QDialog(parent), headline_(new QLabel(this)), table_(new QTableWidget(this))
{
    setWindowTitle(tr("Data loss"));
    setObjectName(QStringLiteral("dataLossDialog"));
    headline_->setTextFormat(Qt::PlainText);
    headline_->setWordWrap(true);
    qint64 events = 0;
    for (const DataLossRecord &l : losses)
        if (l.what == QLatin1String("events"))
            events += l.count;
    if (losses.isEmpty())
        headline_->setText(tr("No data was lost: the tracer discarded no event or packet, and every packet was read."));
    else
        headline_->setText(tr("%1 in the trace, %2 events in all. Lifetimes and leaks near a loss are inferred "
                              "(marked). Double-click a row to see its time in the timeline.")
                               .arg(countOf(losses.size(), tr("data loss"), tr("data losses")), formatCount(events)));

    table_->setColumnCount(5);
    table_->setHorizontalHeaderLabels({tr("What was lost"), tr("Count"), tr("After"), tr("Before"), tr("Stream")});
    table_->setRowCount(int(losses.size()));
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->verticalHeader()->hide();
    table_->horizontalHeader()->setStretchLastSection(true);
    for (int r = 0; r < losses.size(); ++r) {
        const DataLossRecord &l = losses[r];
        const auto time = [traceStart](qint64 ts) { return ts < 0 ? tr("unknown") : formatTraceTime(ts, traceStart); };
        // QTableWidgetItem text is plain text: the stream name comes from the trace.
        auto *what = new QTableWidgetItem(valueText(l.what));
        what->setData(kBeginRole, l.beginTs);
        what->setData(kEndRole, l.endTs);
        table_->setItem(r, 0, what);
        auto *count = new QTableWidgetItem(formatCount(l.count));
        count->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        table_->setItem(r, 1, count);
        table_->setItem(r, 2, new QTableWidgetItem(time(l.beginTs)));
        table_->setItem(r, 3, new QTableWidgetItem(time(l.endTs)));
        auto *stream = new QTableWidgetItem(l.stream);
        stream->setToolTip(plainToolTip(l.stream));
        table_->setItem(r, 4, stream);
    }
    table_->resizeColumnsToContents();
    table_->setVisible(!losses.isEmpty());
    connect(table_, &QTableWidget::itemActivated, this, [this, selection](QTableWidgetItem *item) {
        const QTableWidgetItem *first = table_->item(item->row(), 0);
        const qint64 begin = first->data(kBeginRole).toLongLong(), end = first->data(kEndRole).toLongLong();
        if (!selection || begin < 0 || end <= begin)
            return;
        selection->revealRange({begin, end}, ViewId::Timeline);
        accept();
    });

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(headline_);
    layout->addWidget(table_, 1);
    layout->addWidget(buttons);
    resize(720, losses.isEmpty() ? 140 : 360);
}

QString DataLossDialog::headline() const
{
    return headline_->text();
}

} // namespace teescope::gui
