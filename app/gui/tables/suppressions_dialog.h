// SPDX-License-Identifier: MIT
// "Suppressions…": lists the leak suppressions and removes the chosen ones.
#pragma once

#include "tables/suppressions.h"

#include <QDialog>

class QListWidget;
class QPushButton;

namespace teescope::gui {

class SuppressionsDialog : public QDialog {
    Q_OBJECT
public:
    SuppressionsDialog(const Suppressions &suppressions, const QString &path, QWidget *parent = nullptr);

    // The rules as edited (what the dialog was accepted with).
    const Suppressions &suppressions() const { return suppressions_; }

private:
    void fill();
    void removeSelected();

    Suppressions suppressions_;
    QListWidget *list_;
    QPushButton *remove_;
};

} // namespace teescope::gui
