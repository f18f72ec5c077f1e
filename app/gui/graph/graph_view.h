// SPDX-License-Identifier: MIT
// The view of the capability graph scene: wheel zoom around the cursor, drag to pan, +/-/0/F
// keys, clicks and double clicks reported as node indexes.
//
// Framing (fit, focus on a selection) depends on the view's real size, so it is applied when the
// view is shown and resized, never while its page is hidden: until the user zooms or pans, the
// view keeps framing what it was asked to frame.
#pragma once

#include <QGraphicsView>

namespace teescope::gui
{

class GraphNodeItem;

class GraphView : public QGraphicsView
{
    Q_OBJECT
  public:
    // The zoom below which node labels are hard to read: framing never goes below it, a tall
    // drawing is fitted to the width and scrolled instead.
    static constexpr double kReadableZoom = 0.75;
    // Small drawings are not blown up beyond this.
    static constexpr double kMaxFitZoom = 1.5;

    explicit GraphView(QWidget *parent = nullptr);

    void zoomBy(double factor);
    double zoom() const { return transform().m11(); }
    // Frames the whole drawing: all of it when its labels stay readable, else fitted to the
    // width (at least the readable zoom) from its top. Later layouts and resizes frame again
    // until the user zooms or pans.
    void fitAll();
    // Like fitAll, but centred on `focus` (scene coordinates: a selected node, the items of a
    // group), zoomed out to show all of it if that keeps labels readable.
    void frameFocus(const QRectF &focus);
    // Centres `focus` at the current zoom (raised to the readable zoom if below); used when the
    // user zoomed already, and for stepping through search matches.
    void centreReadable(const QRectF &focus);
    // 100 %: one scene unit a pixel, centred where the view is centred now.
    void showActualSize();
    bool userZoomed() const { return userZoomed_; }
    // Whether a framing waits for the view to be shown with its real size.
    bool framingPending() const { return pending_; }
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
    void showEvent(QShowEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;

  private:
    bool hasRealSize() const;
    void applyFraming();
    void applyCentre();

    QPoint pressPos_;
    bool userZoomed_ = false;
    // What to frame (a null focus: the whole drawing), and whether it waits for a real size.
    QRectF focus_;
    bool pending_ = false;
    bool centreOnly_ = false; // the pending request is centreReadable
};

} // namespace teescope::gui
