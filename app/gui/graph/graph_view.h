// SPDX-License-Identifier: MIT
// The view of the capability graph scene: wheel zoom around the cursor, drag to pan, +/-/0 keys,
// clicks and double clicks reported as node indexes.
#pragma once

#include <QGraphicsView>

namespace teescope::gui
{

class GraphNodeItem;

class GraphView : public QGraphicsView
{
    Q_OBJECT
  public:
    explicit GraphView(QWidget *parent = nullptr);

    void zoomBy(double factor);
    // Fits the whole scene; later layouts fit again until the user zooms or pans.
    void fitAll();
    bool userZoomed() const { return userZoomed_; }
    GraphNodeItem *nodeAt(QPoint viewPos) const;

  Q_SIGNALS:
    void nodeClicked(int node); // -1: the background
    void nodeDoubleClicked(int node);
    void nodeContextMenu(int node, QPoint globalPos);

  protected:
    void wheelEvent(QWheelEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    void mouseReleaseEvent(QMouseEvent *event) override;
    void mouseDoubleClickEvent(QMouseEvent *event) override;
    void contextMenuEvent(QContextMenuEvent *event) override;

  private:
    QPoint pressPos_;
    bool userZoomed_ = false;
};

} // namespace teescope::gui
