// SPDX-License-Identifier: MIT
// Column widths of a table or tree that follow its width: every column as wide as its content
// while they all fit; in a narrow window the long-text columns (provenance, holders) give up room
// first, then the other columns, and the key columns (what a row is) keep theirs, so a small
// window elides text instead of pushing the key columns out of view.
#pragma once

#include <QList>
#include <QObject>

class QAbstractItemView;

namespace teescope::gui {

class ColumnFit : public QObject {
    Q_OBJECT
public:
    static constexpr int kMinFlexible = 80; // a long-text column keeps this much
    static constexpr int kMinColumn = 56;   // any other column keeps this much

    // Fits the columns of `view` now and whenever its viewport is resized. `key`: columns that
    // keep their content width (up to half the width); `flexible`: the long-text ones, which also
    // take what is left over.
    ColumnFit(QAbstractItemView *view, QList<int> key, QList<int> flexible);

    // Fits again (after the rows changed).
    void fit();

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    QAbstractItemView *view_;
    QList<int> key_;
    QList<int> flexible_;
};

// The widths for `wanted` (each column's content width) in `available` px, as ColumnFit sets
// them. A pure function, tested on its own.
QList<int> fitColumnWidths(const QList<int> &wanted, int available, const QList<int> &key, const QList<int> &flexible);

} // namespace teescope::gui
