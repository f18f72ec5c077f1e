// SPDX-License-Identifier: MIT
#include "tables/suppressions_dialog.h"

#include <QDialogButtonBox>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QVBoxLayout>

namespace teescope::gui {

SuppressionsDialog::SuppressionsDialog(const Suppressions &suppressions, const QString &path, QWidget *parent)
    : QDialog(parent), suppressions_(suppressions), list_(new QListWidget(this)),
      remove_(new QPushButton(tr("Remove"), this))
{
    setWindowTitle(tr("Leak suppressions"));
    auto *layout = new QVBoxLayout(this);
    auto *where = new QLabel(tr("Saved in %1").arg(path), this);
    where->setTextFormat(Qt::PlainText);
    where->setWordWrap(true);
    layout->addWidget(where);
    list_->setSelectionMode(QAbstractItemView::ExtendedSelection);
    layout->addWidget(list_);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->addButton(remove_, QDialogButtonBox::ActionRole);
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(remove_, &QPushButton::clicked, this, &SuppressionsDialog::removeSelected);
    connect(list_, &QListWidget::itemSelectionChanged, this,
            [this] { remove_->setEnabled(!list_->selectedItems().isEmpty()); });
    fill();
}

void SuppressionsDialog::fill()
{
    list_->clear();
    // QListWidgetItem text is plain text: names from the trace are never interpreted.
    for (const SuppressionRule &r : suppressions_.rules()) {
        const QString text = r.kind == SuppressionRule::Kind::Class ? tr("Class %1").arg(r.name)
                                                                     : tr("Creator %1").arg(r.name);
        auto *item = new QListWidgetItem(text, list_);
        item->setData(Qt::UserRole, r.toLine());
    }
    remove_->setEnabled(false);
}

void SuppressionsDialog::removeSelected()
{
    const QList<QListWidgetItem *> selected = list_->selectedItems();
    QList<SuppressionRule> gone;
    for (QListWidgetItem *item : selected)
        gone.append(suppressions_.rules().at(list_->row(item)));
    for (const SuppressionRule &r : std::as_const(gone))
        suppressions_.remove(r);
    fill();
}

} // namespace teescope::gui
