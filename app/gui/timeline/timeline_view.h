// SPDX-License-Identifier: MIT
// The timeline's drawing and interaction: a time ruler at the top, lane headers at the left
// (process "name (pid N)", thread tid), the lanes' slices aggregated per pixel column, arrows from
// invocations to the callback requests they caused, markers, data-loss bands, the selected
// range and slice, and an overview of the whole trace at the bottom (click or drag to move).
#pragma once

#include "core/selection.h"
#include "timeline/time_mapping.h"
#include "timeline/timeline_data.h"

#include <QColor>
#include <QImage>
#include <QPointer>
#include <QWidget>

#include <optional>
#include <vector>

class QLabel;
class QScrollBar;

namespace teescope::gui {

class TimelineView : public QWidget {
    Q_OBJECT
public:
    static constexpr int kHeaderWidth = 190;
    static constexpr int kRulerHeight = 24;
    static constexpr int kOverviewHeight = 30;
    static constexpr int kRowHeight = 16;
    static constexpr int kProcessHeight = 20;
    static constexpr int kLanePadding = 3;

    explicit TimelineView(const TimelineData *data, QWidget *parent = nullptr);

    // Sets the trace interval (shows all of it).
    void setTrace(qint64 begin, qint64 end);
    // Extends the trace interval (live mode), keeping the view.
    void extendTrace(qint64 begin, qint64 end);
    // The data changed (lanes or slices added): lays the lanes out again and repaints.
    void dataChanged();

    const TimeMapping &mapping() const { return mapping_; }
    // Shows [begin, end) (clamped to the trace).
    void showRange(qint64 begin, qint64 end);
    void zoomBy(double factor);
    void panBy(double pixels);
    void resetZoom();

    // Live mode (timeline_view_follow.cpp): the trace grows up to `now`; while following, the
    // view's right edge is now (its span kept). Panning or zooming stops following; End (or
    // followNow()) resumes it.
    void setLive(bool live);
    bool isLive() const { return live_; }
    void setNow(qint64 now);
    qint64 now() const { return now_; }
    void followNow();
    bool isFollowing() const { return live_ && following_; }

    // Shows only the lanes of one guest's processes (Selection::kAllGuests: every lane; the
    // driver's own lane belongs to the native host, guest 0).
    void setGuestFilter(int guest);
    int guestFilter() const { return guestFilter_; }
    // A lane the guest filter hides.
    bool isLaneHidden(int lane) const;

    // What the selection says: outlined slice, highlighted lanes, shaded range.
    void setSelectedItem(ItemRef item);
    void setSelectedRange(TimeRange range);
    // Shows a slice chosen elsewhere: scrolls its lane into view and keeps the zoom when the
    // slice is visible at it, else zooms to the slice (zoomToSlice).
    void revealSlice(const TimelineData::Found &found);
    // Zooms so the slice takes the middle half of the view, and scrolls its lane into view.
    void zoomToSlice(const TimelineData::Found &found);
    // Keeps the zoom: pans just enough to show the slice (centred if it was out of view) and
    // scrolls its lane into view.
    void scrollToSlice(const TimelineData::Found &found);
    // Zooms to the selected slice, else to the selected range (Z, double-click); false if neither.
    bool zoomToSelection();
    // Scrolls a lane into view.
    void revealLane(int lane);

    // Paints the whole widget into `painter` (a QImage for screenshots and the benchmark).
    void paintTo(QPainter &painter);
    // Width of the time axis in pixels (the widget's width minus the lane headers).
    double plotWidth() const;
    // Top of lane `i` in widget coordinates (scrolled), and its height.
    int laneTop(int lane) const;
    int laneHeight(int lane) const;
    // The slice under a point (widget coordinates), if any.
    TimelineData::Found sliceAt(QPoint pos) const;
    // The lane under a point, -1 if none.
    int laneAt(QPoint pos) const;
    QScrollBar *verticalScrollBar() const { return vscroll_; }

Q_SIGNALS:
    // The user chose an invocation, callback request, process or thread (a click, or a key that
    // steps between lanes and invocations; an invalid item when the keys reach the driver's lane).
    // The view keeps its zoom: the item is already in view.
    void itemClicked(teescope::gui::ItemRef item);
    // The user selected a time range (shift-drag, or drag on the ruler).
    void rangeSelected(teescope::gui::TimeRange range);
    // The view interval changed (zoom, pan).
    void viewChanged();
    // Live mode: the view started or stopped following now.
    void followingChanged(bool following);

protected:
    void paintEvent(QPaintEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;
    void wheelEvent(QWheelEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void mouseReleaseEvent(QMouseEvent *event) override;
    void mouseDoubleClickEvent(QMouseEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;
    void leaveEvent(QEvent *event) override;
    bool event(QEvent *event) override;
    void changeEvent(QEvent *event) override;

private:
    enum class Drag { None, Pan, Range, Overview };
    void layoutLanes();
    void updateScrollBar();
    void updateColors();
    // `byUser`: a pan or zoom, which stops following now in live mode.
    void afterViewChange(bool byUser = true);
    void showNow();
    void showRangeKeepingFollow(qint64 begin, qint64 end);
    void paintNow(QPainter &p);
    // The ruler's corner text, with "· now" while following and "· End: now" when not.
    QString liveRulerText(const QString &text) const;
    QRect lanesRect() const;
    QRect overviewRect() const;
    int rowY(int lane, int row) const; // top of a row in widget coordinates
    int levelY(int lane, int level) const;
    QColor kindColor(quint16 kind) const;
    // Keyboard navigation (timeline_view_input.cpp): the lane the keys move from, choosing a
    // lane or a slice, and the steps.
    int cursorLane() const;
    void chooseSlice(const TimelineData::Found &found);
    void chooseLane(int lane);
    void stepLane(int direction);
    bool stepInvocation(int direction);

    void paintRuler(QPainter &p);
    void paintLanes(QPainter &p);
    void paintRow(QPainter &p, const TimelineRow &row, int y, int clipLeft);
    // A large trace zoomed out past its window (timeline_view_summary.cpp).
    bool paintsSummary() const;
    void paintLaneSummary(QPainter &p, int lane, int left);
    void summaryOverview(std::vector<int> &busy, const TimeMapping &all) const;
    void paintArrows(QPainter &p);
    void paintMarkers(QPainter &p);
    void paintOverview(QPainter &p);
    void rebuildOverview();
    QString tooltipText(QPoint pos) const;
    void showTip(QPoint globalPos, const QString &text);
    void hideTip();

    const TimelineData *data_;
    TimeMapping mapping_;
    QScrollBar *vscroll_;
    std::vector<int> laneOffsets_; // lane tops in content coordinates, one more at the end
    std::vector<TimelineRun> runs_; // reused by every row
    std::vector<QColor> kindColors_;
    std::vector<QColor> kindLight_;
    std::vector<QColor> kindBusy_;
    bool dark_ = false;
    QImage overview_;
    bool overviewDirty_ = true;

    ItemRef selected_;
    TimelineData::Found selectedSlice_;
    TimeRange range_;
    int cursorLane_ = -1;   // the lane of the selection, or the lane the keys reached
    qint64 anchorTs_ = -1;  // where the keys step from in a lane chosen with Up / Down
    Drag drag_ = Drag::None;
    QPoint pressPos_;
    QPoint lastDrag_;
    bool moved_ = false;
    qint64 dragStartTs_ = 0;
    TimeRange dragRange_;
    QPointer<QLabel> tip_;
    int guestFilter_ = Selection::kAllGuests;
    bool live_ = false;
    bool following_ = true;
    qint64 now_ = 0;
};

} // namespace teescope::gui
