// SPDX-License-Identifier: MIT
// The legend of the capability graph: node shapes and colours, highlights and edge styles,
// painted with the same theme colours as the scene.
#pragma once

#include <QWidget>

namespace teescope::gui
{

class GraphLegend : public QWidget
{
    Q_OBJECT
  public:
    explicit GraphLegend(QWidget *parent = nullptr);
    QSize sizeHint() const override;
    // Narrower than its entries, it wraps them onto more rows rather than cut them or widen the
    // window.
    QSize minimumSizeHint() const override { return {120, sizeHint().height()}; }
    bool hasHeightForWidth() const override { return true; }
    int heightForWidth(int width) const override;
    // What the graph holds: QTEE objects, OP-TEE sessions and TAs, Xen guests (their entries show).
    void setContents(bool objects, bool sessions, bool guests);

  protected:
    void paintEvent(QPaintEvent *event) override;

  private:
    struct Entry;
    QList<Entry> entries() const;
    int entryWidth(const Entry &entry) const;
    bool objects_ = true, sessions_ = false, guests_ = false;
};

} // namespace teescope::gui
