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

class QGraphicsItem;
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
    // 100 %.
    void resetZoom() override;
    // The whole drawing, fitted to the width with labels readable (View > Fit, F).
    void fitToView() override;

    // Live mode (graph_page_follow.cpp): the graph shows what is alive now (released nodes fade,
    // then go) and changes in place: known nodes keep their place, new ones are placed next to
    // what they relate to; over a cap of nodes, an aggregate node counts the rest. Graphviz lays
    // the drawing out once, then only when asked (relayout()).
    void setLive(bool live, qint64 now) override;
    bool isInPlace() const { return inPlace_; }
    // Live: the graph shows now at each commit until the user moves the time scrubber or asks
    // for the whole trace; End of trace shows now again.
    bool isFollowingNow() const { return inPlace_ && followingNow_; }
    // Lays the whole drawing out again with Graphviz (View > Re-layout Graph).
    void relayout();
    // The most nodes drawn in live mode, and how long a released node stays (trace ns).
    void setLiveLimits(int cap, qint64 lingerNs);
    // Nodes the cap left out ("+N more objects" on the aggregate node; 0: no aggregate).
    qint64 aggregatedCount() const { return aggregatedObjects_ + aggregatedOther_; }
    QString aggregateText() const;
    QGraphicsItem *aggregateItem() const { return aggregate_; }

    // Shows `graph` (from a database or built by hand) and lays it out in the background.
    void showGraph(CapabilityGraphPtr graph);
    CapabilityGraphPtr graph() const { return graph_; }
    // The Graphviz layout once it is in (engine "grid" before).
    const GraphLayout &layout() const { return layout_; }
    void setLayoutOptions(const LayoutOptions &options) { layoutOptions_ = options; }
    // Animates from the placeholder placement to the layout when the graph is small enough.
    void setAnimated(bool animated) { animated_ = animated; }

    // Search by class, process name, pid, serial or label (case-insensitive); node indexes.
    // Matches are marked; a search replaces the group shown.
    void setSearchText(const QString &text);
    QList<int> searchMatches() const { return matches_; }
    // Steps to the next (previous) match, or member of the group shown: centres it and marks it
    // as the current one ("3 of 7"); returns its node index or -1.
    int centreNextMatch();
    int centrePreviousMatch();
    // The match stepped to last (a node index), -1 before the first step.
    int currentMatch() const { return currentMatch_ >= 0 && currentMatch_ < matches_.size() ? matches_[currentMatch_] : -1; }
    // What the label beside the search box says ("3 of 7", "5 shared objects").
    QString matchText() const;
    QLineEdit *searchEdit() const { return search_; }

    // The group shown (a summary number followed): its nodes are marked like matches, the
    // others dimmed; handle bindings mark the holds edges. Node and edge indexes.
    const ItemGroup &group() const { return group_; }
    QList<int> groupNodes() const { return group_.isValid() ? matches_ : QList<int>(); }
    const QSet<int> &groupEdges() const { return groupEdges_; }

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
    bool eventFilter(QObject *watched, QEvent *event) override;

  private:
    void load(bool keepPositions);
    // Live mode: loads the graph as it is now and shows it in place.
    void loadLive();
    void showInPlace(CapabilityGraph graph);
    void updateAggregate();
    void connectFollowControls();
    void leaveNow();
    void followNow();
    void clearScene(const QString &message = {});
    void buildScene(const QList<QPointF> &start);
    void startLayout();
    // The processes shown collapsed; the graph is laid out again without what folds into them.
    void setCollapsedSet(QSet<int> processes);
    // The graph as drawn with processes collapsed: the nodes folded into them are left out and
    // their edges go to the process. `drawnIndex` gets, per node of graph_, its drawn node.
    CapabilityGraphPtr drawnGraph(QList<int> *drawnIndex) const;
    // A layout of the drawn graph as a layout of every node: folded ones sit on their process.
    static GraphLayout spreadLayout(const GraphLayout &drawn, const QList<int> &drawnIndex);
    void applyPositions(const QList<QPointF> &positions);
    void finishLayout(GraphLayout layout);
    void updateEdges();
    void updateGuestBoxes();
    void applyGuestFilter();
    void applyStates();
    void updateTimeControls();
    void onSelectionItemChanged(ItemRef item);
    void onGroupChanged(const ItemGroup &group);
    void highlightNode(int node, bool centre);
    int stepMatch(int step);
    void updateMatchLabel();
    // What the view frames: the group shown, else the selected node (a null rectangle: neither).
    QRectF focusRect() const;
    // Frames the drawing around focusRect() (only centres it once the user zoomed or panned).
    void frame();
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
    QList<int> matches_; // of the search, or the nodes of the group shown
    int currentMatch_ = -1;
    ItemGroup group_;
    QSet<int> groupEdges_;
    QSet<int> collapsed_;
    int selectedNode_ = -1;
    bool edgesHidden_ = false; // while a big graph waits for its layout
    bool timeMode_ = false;
    qint64 time_ = 0;
    // Live mode.
    bool inPlace_ = false;       // the file was live when opened: reloads change the drawing in place
    bool liveLoading_ = false;
    bool liveLoadPending_ = false;
    bool followingNow_ = true;
    int liveCap_ = 400;
    qint64 liveLinger_ = 5'000'000'000;
    qint64 aggregatedObjects_ = 0;
    qint64 aggregatedOther_ = 0;
    QGraphicsItem *aggregate_ = nullptr;
};

} // namespace teescope::gui
