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
    // It may be narrower than its entries: the last ones are cut rather than widen the window.
    QSize minimumSizeHint() const override { return {120, sizeHint().height()}; }

  protected:
    void paintEvent(QPaintEvent *event) override;

  private:
    struct Entry;
    QList<Entry> entries() const;
};

} // namespace teescope::gui
