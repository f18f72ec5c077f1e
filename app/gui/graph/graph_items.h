// SPDX-License-Identifier: MIT
// The scene items of the capability graph, one class per visual kind. Items keep the node or
// edge index of the CapabilityGraph and what they draw, never pointers into the graph.
#pragma once

#include "graph/capability_graph.h"

#include <QGraphicsItem>

namespace teescope::gui
{

// The ring of search matches and of the members of a group shown: a vivid green that no node
// fill nor highlight (leak, shared, data loss, selection) uses.
QColor matchColor(bool dark);

// What a node shows besides its label; set by the page.
struct NodeState {
    bool faded = false;    // not alive at the scrubbed time
    bool dimmed = false;   // something else is selected and this is not a neighbour
    bool selected = false; // the selected item
    bool match = false;    // matches the search text, or belongs to the group shown
    bool current = false;  // the match stepped to last (Enter in the search box)
    int folded = 0;        // processes: nodes folded into it (collapsed), 0 when expanded
};

class GraphNodeItem : public QGraphicsItem
{
  public:
    GraphNodeItem(int node, const GraphNode &data);

    int node() const { return node_; }
    ItemRef ref() const { return ref_; }
    const NodeState &state() const { return state_; }
    void setState(const NodeState &state);
    QSizeF size() const { return size_; }
    // The point where a line from the centre towards `outside` (scene coordinates) leaves the shape.
    QPointF boundaryPoint(QPointF outside) const;

    QRectF boundingRect() const override;
    void paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *widget) override;

  protected:
    virtual void paintShape(QPainter *painter, const QRectF &r) const = 0;
    virtual QColor fillColor(bool dark) const = 0;
    virtual bool isElliptic() const { return false; }

    int node_;
    ItemRef ref_;
    QString label_;
    QSizeF size_;
    bool leaked_, shared_, dataLoss_;
    NodeState state_;
};

class ProcessItem : public GraphNodeItem
{
  public:
    enum { Type = UserType + 1 };
    using GraphNodeItem::GraphNodeItem;
    int type() const override { return Type; }

  protected:
    void paintShape(QPainter *painter, const QRectF &r) const override;
    QColor fillColor(bool dark) const override;
};

class ContextItem : public GraphNodeItem
{
  public:
    enum { Type = UserType + 2 };
    using GraphNodeItem::GraphNodeItem;
    int type() const override { return Type; }

  protected:
    void paintShape(QPainter *painter, const QRectF &r) const override;
    QColor fillColor(bool dark) const override;
};

class ObjectItem : public GraphNodeItem
{
  public:
    enum { Type = UserType + 3 };
    ObjectItem(int node, const GraphNode &data);
    int type() const override { return Type; }

  protected:
    void paintShape(QPainter *painter, const QRectF &r) const override;
    QColor fillColor(bool dark) const override;
    bool isElliptic() const override { return true; }

  private:
    QString objectKind_;
};

// An OP-TEE session: a hexagon.
class SessionItem : public GraphNodeItem
{
  public:
    enum { Type = UserType + 5 };
    using GraphNodeItem::GraphNodeItem;
    int type() const override { return Type; }

  protected:
    void paintShape(QPainter *painter, const QRectF &r) const override;
    QColor fillColor(bool dark) const override;
};

// A trusted application in the secure world: an octagon with a double outline.
class TaItem : public GraphNodeItem
{
  public:
    enum { Type = UserType + 6 };
    using GraphNodeItem::GraphNodeItem;
    int type() const override { return Type; }

  protected:
    void paintShape(QPainter *painter, const QRectF &r) const override;
    QColor fillColor(bool dark) const override;
};

// Creates the item of the node's kind.
GraphNodeItem *createNodeItem(int node, const GraphNode &data);

// The box of a Xen guest around its processes, contexts, objects and sessions, labelled with the
// guest; drawn below everything. Its rectangle follows the nodes (setRect).
class GuestBoxItem : public QGraphicsItem
{
  public:
    enum { Type = UserType + 7 };
    explicit GuestBoxItem(int guest);
    int type() const override { return Type; }

    int guest() const { return guest_; }
    // The bounds of the guest's nodes (scene coordinates); an empty rectangle hides the box.
    void setNodesRect(const QRectF &nodes);
    QRectF nodesRect() const { return nodes_; }
    // The box's own rectangle: the nodes' bounds with room for the label.
    QRectF boxRect() const;

    QRectF boundingRect() const override;
    void paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *widget) override;

  private:
    int guest_;
    QRectF nodes_;
};

class EdgeItem : public QGraphicsItem
{
  public:
    enum { Type = UserType + 4 };
    EdgeItem(int edge, const GraphEdge &data, const QString &label);
    int type() const override { return Type; }

    int edge() const { return edge_; }
    EdgeKind kind() const { return kind_; }
    void setEnds(QPointF from, QPointF to);
    void setFaded(bool faded);
    void setDimmed(bool dimmed);
    void setHighlighted(bool highlighted);

    QRectF boundingRect() const override;
    QPainterPath shape() const override;
    void paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *widget) override;

  private:
    void updateOpacity();
    int edge_;
    EdgeKind kind_;
    QString label_; // invocations: "N× p50"
    double width_;
    QPointF from_, to_;
    bool faded_ = false, dimmed_ = false, highlighted_ = false;
};

} // namespace teescope::gui
