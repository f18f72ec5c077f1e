// SPDX-License-Identifier: MIT
// The timeline view's input: mouse, wheel and keys (zoom, pan, selection by click and drag,
// stepping between lanes and invocations) and its tooltips. Painting and layout are in
// timeline_view.cpp.
#include "timeline/timeline_view.h"

#include "core/format.h"
#include "core/theme.h"
#include "timeline/timeline_navigation.h"

#include <QEvent>
#include <QHelpEvent>
#include <QKeyEvent>
#include <QLabel>
#include <QMouseEvent>
#include <QScrollBar>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>

namespace teescope::gui {

namespace {

constexpr double kZoomStep = 1.5;
constexpr int kDragThreshold = 3;

} // namespace

void TimelineView::resizeEvent(QResizeEvent *)
{
    mapping_.setWidth(plotWidth());
    updateScrollBar();
    overviewDirty_ = true;
}

void TimelineView::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::PaletteChange) {
        kindColors_.clear();
        updateColors();
        overviewDirty_ = true;
    }
    QWidget::changeEvent(event);
}

void TimelineView::wheelEvent(QWheelEvent *event)
{
    // As in the graph: the wheel zooms around the pointer (with or without Ctrl). Shift+wheel and
    // a horizontal wheel pan; over the lane names the wheel scrolls the lanes.
    const QPoint delta = event->angleDelta();
    const QPointF pos = event->position();
    if ((event->modifiers() & Qt::ShiftModifier) || (delta.x() != 0 && delta.y() == 0)) {
        const int d = delta.x() != 0 ? delta.x() : delta.y();
        panBy(-d / 120.0 * plotWidth() / 8);
    } else if (pos.x() < kHeaderWidth && !(event->modifiers() & Qt::ControlModifier)) {
        vscroll_->setValue(vscroll_->value() - delta.y() * 3 * kRowHeight / 120);
    } else if (delta.y() != 0) {
        const double anchor = std::clamp(pos.x() - kHeaderWidth, 0.0, plotWidth());
        mapping_.zoom(std::pow(kZoomStep, delta.y() / 120.0), anchor);
        afterViewChange();
    }
    event->accept();
}

void TimelineView::mousePressEvent(QMouseEvent *event)
{
    hideTip();
    setFocus();
    if (event->button() != Qt::LeftButton)
        return;
    pressPos_ = event->position().toPoint();
    lastDrag_ = pressPos_;
    moved_ = false;
    if (overviewRect().contains(pressPos_)) {
        drag_ = Drag::Overview;
        mouseMoveEvent(event);
        return;
    }
    const bool onRuler = pressPos_.y() < kRulerHeight && pressPos_.x() >= kHeaderWidth;
    if (onRuler || (event->modifiers() & Qt::ShiftModifier)) {
        drag_ = Drag::Range;
        dragStartTs_ = mapping_.xToTs(pressPos_.x() - kHeaderWidth);
        dragRange_ = {};
    } else {
        drag_ = Drag::Pan;
    }
}

void TimelineView::mouseMoveEvent(QMouseEvent *event)
{
    const QPoint pos = event->position().toPoint();
    if ((pos - pressPos_).manhattanLength() > kDragThreshold)
        moved_ = true;
    switch (drag_) {
    case Drag::None:
        break;
    case Drag::Overview: {
        const double frac = double(pos.x() - kHeaderWidth) / plotWidth();
        const qint64 center = mapping_.traceBegin() + qint64(std::clamp(frac, 0.0, 1.0) * double(mapping_.traceSpan()));
        mapping_.setView(center - mapping_.viewSpan() / 2, center - mapping_.viewSpan() / 2 + mapping_.viewSpan());
        afterViewChange();
        break;
    }
    case Drag::Pan:
        if (moved_) {
            mapping_.pan(lastDrag_.x() - pos.x());
            vscroll_->setValue(vscroll_->value() + lastDrag_.y() - pos.y());
            lastDrag_ = pos;
            afterViewChange();
        }
        break;
    case Drag::Range: {
        const qint64 ts = mapping_.xToTs(pos.x() - kHeaderWidth);
        dragRange_ = {std::min(ts, dragStartTs_), std::max(ts, dragStartTs_)};
        update();
        break;
    }
    }
}

void TimelineView::mouseReleaseEvent(QMouseEvent *event)
{
    const Drag drag = drag_;
    drag_ = Drag::None;
    if (event->button() != Qt::LeftButton)
        return;
    const QPoint pos = event->position().toPoint();
    if (drag == Drag::Range) {
        if (moved_ && dragRange_.isValid())
            Q_EMIT rangeSelected(dragRange_);
        dragRange_ = {};
        update();
        return;
    }
    if (drag != Drag::Pan || moved_)
        return;
    // A click: a slice, or a lane header.
    const auto found = sliceAt(pos);
    if (found.ok()) {
        const TimelineSlice &s = data_->slice(found);
        Q_EMIT itemClicked({s.is(TimelineSlice::Request) ? ItemRef::Kind::Request : ItemRef::Kind::Invocation, s.id});
        return;
    }
    const int lane = laneAt(pos);
    if (lane >= 0 && pos.x() < kHeaderWidth) {
        const auto &l = data_->lanes()[size_t(lane)];
        if (l.kind == TimelineLane::Kind::Process)
            Q_EMIT itemClicked({ItemRef::Kind::Process, l.processId});
        else if (l.kind == TimelineLane::Kind::Thread)
            Q_EMIT itemClicked({ItemRef::Kind::Thread, l.threadId});
    }
}

void TimelineView::mouseDoubleClickEvent(QMouseEvent *event)
{
    // The first click selected; the second zooms to what it selected.
    drag_ = Drag::None;
    if (event->button() != Qt::LeftButton)
        return;
    const auto found = sliceAt(event->position().toPoint());
    if (!found.ok()) {
        if (event->position().x() >= kHeaderWidth && lanesRect().contains(event->position().toPoint()))
            zoomToSelection();
        return;
    }
    const TimelineSlice &s = data_->slice(found);
    Q_EMIT itemClicked({s.is(TimelineSlice::Request) ? ItemRef::Kind::Request : ItemRef::Kind::Invocation, s.id});
    zoomToSlice(found);
}

void TimelineView::keyPressEvent(QKeyEvent *event)
{
    const bool shift = event->modifiers() & Qt::ShiftModifier;
    switch (event->key()) {
    case Qt::Key_Plus:
    case Qt::Key_Equal:
        zoomBy(kZoomStep);
        break;
    case Qt::Key_Minus:
        zoomBy(1 / kZoomStep);
        break;
    case Qt::Key_Z:
        zoomToSelection();
        break;
    case Qt::Key_BracketLeft:
        stepInvocation(-1);
        break;
    case Qt::Key_BracketRight:
        stepInvocation(1);
        break;
    case Qt::Key_Left:
        // Steps between invocations once a lane is chosen; pans otherwise, or with Shift.
        if (shift || !stepInvocation(-1))
            panBy(-plotWidth() / 10);
        break;
    case Qt::Key_Right:
        if (shift || !stepInvocation(1))
            panBy(plotWidth() / 10);
        break;
    case Qt::Key_Up:
        stepLane(-1);
        break;
    case Qt::Key_Down:
        stepLane(1);
        break;
    case Qt::Key_PageUp:
        vscroll_->setValue(vscroll_->value() - vscroll_->pageStep());
        break;
    case Qt::Key_PageDown:
        vscroll_->setValue(vscroll_->value() + vscroll_->pageStep());
        break;
    case Qt::Key_Home:
        resetZoom();
        break;
    case Qt::Key_End:
        followNow();
        break;
    default:
        QWidget::keyPressEvent(event);
    }
}

// --- keyboard navigation ---------------------------------------------------------------------

int TimelineView::cursorLane() const
{
    if (selectedSlice_.ok())
        return selectedSlice_.lane;
    return cursorLane_ >= 0 && size_t(cursorLane_) < data_->lanes().size() && !isLaneHidden(cursorLane_) ? cursorLane_ : -1;
}

void TimelineView::chooseSlice(const TimelineData::Found &found)
{
    if (!found.ok())
        return;
    const TimelineSlice &s = data_->slice(found);
    Q_EMIT itemClicked({s.is(TimelineSlice::Request) ? ItemRef::Kind::Request : ItemRef::Kind::Invocation, s.id});
    cursorLane_ = found.lane;
    anchorTs_ = s.begin;
    scrollToSlice(found);
}

void TimelineView::chooseLane(int lane)
{
    if (lane < 0)
        return;
    const qint64 anchor = anchorTs_;
    const TimelineLane &l = data_->lanes()[size_t(lane)];
    if (l.kind == TimelineLane::Kind::Thread)
        Q_EMIT itemClicked({ItemRef::Kind::Thread, l.threadId});
    else if (l.kind == TimelineLane::Kind::Process)
        Q_EMIT itemClicked({ItemRef::Kind::Process, l.processId});
    else
        Q_EMIT itemClicked({}); // the driver's lane is no item of its own
    // The selection changed the cursor (or cleared it, for the driver's lane): the keys go on
    // from this lane, at the time they came from.
    cursorLane_ = lane;
    anchorTs_ = anchor;
    revealLane(lane);
    update();
}

void TimelineView::stepLane(int direction)
{
    const int lane = adjacentLane(*data_, cursorLane(), direction, [this](int l) { return laneHeight(l) > 0; });
    if (lane < 0)
        return;
    if (anchorTs_ < mapping_.viewBegin() || anchorTs_ > mapping_.viewEnd())
        anchorTs_ = mapping_.viewBegin() + mapping_.viewSpan() / 2;
    chooseLane(lane);
}

bool TimelineView::stepInvocation(int direction)
{
    if (selectedSlice_.ok()) {
        const auto next = stepSlice(*data_, selectedSlice_, direction);
        if (next.ok())
            chooseSlice(next);
        return true; // at the row's end: stay
    }
    const int lane = cursorLane();
    if (lane < 0)
        return false;
    // A lane chosen with Up / Down: its first call after (or last before) where the keys came
    // from, else from the edge of the view.
    qint64 from = anchorTs_;
    if (from < mapping_.viewBegin() || from > mapping_.viewEnd())
        from = direction > 0 ? mapping_.viewBegin() : mapping_.viewEnd();
    chooseSlice(sliceFrom(*data_, lane, from, direction));
    return true;
}

void TimelineView::leaveEvent(QEvent *event)
{
    hideTip();
    QWidget::leaveEvent(event);
}

bool TimelineView::event(QEvent *event)
{
    if (event->type() == QEvent::ToolTip) {
        auto *help = static_cast<QHelpEvent *>(event);
        const QString text = tooltipText(help->pos());
        if (text.isEmpty()) {
            hideTip();
            return QWidget::event(event); // the usage tooltip
        }
        showTip(help->globalPos(), text);
        return true;
    }
    return QWidget::event(event);
}

QString TimelineView::tooltipText(QPoint pos) const
{
    const auto found = sliceAt(pos);
    const QLatin1Char nl('\n');
    if (found.ok()) {
        const TimelineSlice &s = data_->slice(found);
        const auto &lane = data_->lanes()[size_t(found.lane)];
        const bool request = s.is(TimelineSlice::Request);
        const TimelineSliceKind *k = s.kind < data_->kinds().size() ? &data_->kinds()[s.kind] : nullptr;
        const bool rpc = request && k && k->objectClass == QLatin1String("rpc");
        QString text = (rpc ? tr("RPC %1 to tee-supplicant") : request ? tr("callback request %1") : tr("invocation %1"))
                           .arg(s.id);
        if (rpc)
            text += nl + tr("command %1").arg(k->opLabel);
        else if (k)
            text += nl + tr("class %1, op %2").arg(k->objectClass, opWithName(k->op, k->opLabel));
        if (request) {
            text += nl + tr("queued %1, processing %2")
                             .arg(formatDuration(s.innerBeginTs() - s.begin), formatDuration(s.end - s.innerBeginTs()));
        } else {
            if (!s.is(TimelineSlice::DriverOnly))
                text += nl + tr("user side %1").arg(formatDuration(s.end - s.begin));
            if (!s.is(TimelineSlice::UserOnly))
                text += nl + tr("driver side %1").arg(formatDuration(s.innerEndTs() - s.innerBeginTs()));
            if (const auto *waits = data_->waitsOf(s)) {
                qint64 total = 0;
                bool limit = false;
                for (const TimelineWait &w : *waits) {
                    total += w.end - w.begin;
                    limit |= w.guestLimit;
                }
                text += nl + tr("waited %1 for an OP-TEE thread%2")
                                 .arg(formatDuration(total), limit ? tr(" (the guest's limit of calls in flight)") : QString());
            }
        }
        text += nl + tr("starts %1").arg(formatTraceTime(s.begin, mapping_.traceBegin()));
        if (lane.kind == TimelineLane::Kind::Driver)
            text += nl + driverLabel();
        else
            text += nl + tr("%1, thread %2").arg(processLabel(lane.processName, lane.pid)).arg(lane.tid);
        if (s.is(TimelineSlice::Error)) {
            const auto [err, ret] = data_->errorCodes(s);
            text += nl + tr("failed: err %1, ret %2").arg(err).arg(ret);
        }
        if (s.is(TimelineSlice::EndInferred))
            text += nl + tr("end not seen (data loss or the caller died)");
        return text;
    }
    const int lane = laneAt(pos);
    if (lane >= 0 && pos.x() < kHeaderWidth) {
        const auto &l = data_->lanes()[size_t(lane)];
        if (l.kind == TimelineLane::Kind::Driver)
            return tr("the driver's own invocations\n%1 invocations").arg(formatCount(l.invocations));
        QString text = processLabel(l.processName, l.pid);
        if (l.guest != 0)
            text += QStringLiteral(" (") + guestLabel(l.guest) + QLatin1Char(')');
        if (l.kind == TimelineLane::Kind::Thread)
            text += tr(", thread %1\n%2 invocations, %3 callback requests or RPCs served")
                        .arg(l.tid)
                        .arg(formatCount(l.invocations), formatCount(l.requests));
        else
            text += nl + (l.endKind.isEmpty() ? QString() : tr("ended: %1").arg(valueText(l.endKind)));
        return text;
    }
    return {};
}

void TimelineView::showTip(QPoint globalPos, const QString &text)
{
    // A plain-text label: QToolTip would interpret markup that a trace string might hold.
    if (!tip_) {
        tip_ = new QLabel(this, Qt::ToolTip);
        tip_->setTextFormat(Qt::PlainText);
        tip_->setMargin(4);
        tip_->setForegroundRole(QPalette::ToolTipText);
        tip_->setBackgroundRole(QPalette::ToolTipBase);
        tip_->setAutoFillBackground(true);
    }
    tip_->setText(text);
    tip_->adjustSize();
    tip_->move(globalPos + QPoint(12, 16));
    tip_->show();
}

void TimelineView::hideTip()
{
    if (tip_)
        tip_->hide();
}

} // namespace teescope::gui
