// SPDX-License-Identifier: MIT
// The capability graph page: processes, their contexts and the objects they hold, host, produced
// and invoke (OP-TEE: the sessions they hold and the TAs those were opened on), laid out once by
// Graphviz for the whole trace, Xen guests boxed; a time scrubber shows the graph as it was at a
// moment, a search box finds nodes, processes fold, leaks and sharing stand out, and the guest
// filter leaves one guest.
#pragma once

#include "core/jobs.h"
#include "core/view_page.h"
#include "graph/capability_graph.h"
#include "graph/graph_layout.h"

#include <QSet>

class QGraphicsScene;
class QGraphicsSimpleTextItem;
class QLabel;
class QLineEdit;
class QPushButton;
class QSlider;
class QVariantAnimation;

namespace teescope::gui
{

class EdgeItem;
class GraphLegend;
class GraphNodeItem;
class GraphView;
class GuestBoxItem;

class GraphPage : public ViewPage
{
    Q_OBJECT
  public:
    explicit GraphPage(Selection *selection, QWidget *parent = nullptr);
    ~GraphPage() override;

    ViewId viewId() const override { return ViewId::Graph; }
    void openTrace(const TraceInfo &trace) override;
    // Reloads the graph (live mode); known nodes keep their place until the new layout is in.
    void refresh() override;

    QStringList exportFormats() const override;
    bool exportTo(const QString &path, const QString &format, QString *error) override;

    void zoomIn() override;
    void zoomOut() override;
    void resetZoom() override;

    // Shows `graph` (from a database or built by hand) and lays it out in the background.
    void showGraph(CapabilityGraphPtr graph);
    CapabilityGraphPtr graph() const { return graph_; }
    // The Graphviz layout once it is in (engine "grid" before).
    const GraphLayout &layout() const { return layout_; }
    void setLayoutOptions(const LayoutOptions &options) { layoutOptions_ = options; }
    // Animates from the placeholder placement to the layout when the graph is small enough.
    void setAnimated(bool animated) { animated_ = animated; }

    // Search by class, process name, pid, serial or label (case-insensitive); node indexes.
    void setSearchText(const QString &text);
    QList<int> searchMatches() const { return matches_; }
    // Centres the next match; returns its node index or -1.
    int centreNextMatch();

    // The graph at `ts` (nodes and edges not alive then are faded), or over the whole trace.
    void setTime(qint64 ts);
    void showWholeTrace();
    bool isTimeMode() const { return timeMode_; }
    qint64 time() const { return time_; }

    // Folds a process's contexts and the objects only it holds into the process node.
    void setCollapsed(int processNode, bool collapsed);
    bool isCollapsed(int processNode) const { return collapsed_.contains(processNode); }
    // The node shown in place of `node` (its process when folded, else itself).
    int representative(int node) const;

    int selectedNode() const { return selectedNode_; }
    GraphView *view() const { return view_; }
    QGraphicsScene *scene() const { return scene_; }
    GraphNodeItem *nodeItem(int node) const;
    EdgeItem *edgeItem(int edge) const;
    // The boxes of the Xen guests (none without guests).
    const QList<GuestBoxItem *> &guestBoxes() const { return guestBoxes_; }
    // Hidden by the guest filter: a node of another guest, or a TA no shown session was opened on.
    bool isFilteredOut(int node) const { return node >= 0 && node < filteredOut_.size() && filteredOut_[node]; }

  Q_SIGNALS:
    // The Graphviz layout was applied (seconds Graphviz took; engine).
    void layoutApplied(double seconds, const QString &engine);

  protected:
    void changeEvent(QEvent *event) override;

  private:
    void load(bool keepPositions);
    void clearScene(const QString &message = {});
    void buildScene(const QList<QPointF> &start);
    void startLayout();
    void applyPositions(const QList<QPointF> &positions);
    void finishLayout(GraphLayout layout);
    void updateEdges();
    void updateGuestBoxes();
    void applyGuestFilter();
    void applyStates();
    void updateTimeControls();
    void onSelectionItemChanged(ItemRef item);
    void highlightNode(int node, bool centre);
    void showContextMenu(int node, QPoint globalPos);
    QString nodeToolTip(const GraphNode &n) const;
    QString edgeLabel(const GraphEdge &e) const;
    QString edgeToolTip(const GraphEdge &e) const;
    bool renderTo(QPaintDevice *device, const QRectF &target);

    TraceInfo trace_;
    CapabilityGraphPtr graph_;
    GraphLayout layout_;
    LayoutOptions layoutOptions_;
    bool animated_ = true;
    JobGeneration loadGeneration_;
    JobGeneration layoutGeneration_;
    JobGeneration lookupGeneration_;

    QGraphicsScene *scene_;
    GraphView *view_;
    QLineEdit *search_;
    QLabel *matchLabel_;
    QSlider *slider_;
    QLabel *timeLabel_;
    QPushButton *wholeTrace_;
    QPushButton *endOfTrace_;
    GraphLegend *legend_;
    QGraphicsSimpleTextItem *message_ = nullptr;
    QVariantAnimation *animation_;

    QList<GraphNodeItem *> nodeItems_;
    QList<EdgeItem *> edgeItems_;
    QList<GuestBoxItem *> guestBoxes_;
    QList<bool> filteredOut_; // by node index
    QList<int> matches_;
    int currentMatch_ = -1;
    QSet<int> collapsed_;
    int selectedNode_ = -1;
    bool edgesHidden_ = false; // while a big graph waits for its layout
    bool timeMode_ = false;
    qint64 time_ = 0;
};

} // namespace teescope::gui
