// SPDX-License-Identifier: MIT
// The timeline view: layout of lanes, the time ruler, slices, arrows, markers and the overview
// strip. Input and tooltips are in timeline_view_input.cpp, zoom, pan and revealing in
// timeline_view_zoom.cpp.
#include "timeline/timeline_view.h"

#include "core/format.h"
#include "core/theme.h"

#include <QPainter>
#include <QScrollBar>

#include <algorithm>
#include <cmath>
#include <tuple>

namespace teescope::gui {

namespace {

// A tick step of 1, 2 or 5 × 10^k ns, at least `minimum`.
qint64 niceStep(double minimum)
{
    qint64 step = 1;
    while (step < std::numeric_limits<qint64>::max() / 10) {
        for (qint64 m : {1, 2, 5})
            if (double(step * m) >= minimum)
                return step * m;
        step *= 10;
    }
    return step;
}

// Offset from the start of the trace with as many decimals as the tick step needs.
QString tickLabel(qint64 offset, qint64 step)
{
    const int decimals = std::clamp(9 - int(std::floor(std::log10(double(step)))), 0, 9);
    return QLatin1Char('+') + QString::number(double(offset) / 1e9, 'f', decimals) + QStringLiteral(" s");
}

} // namespace

TimelineView::TimelineView(const TimelineData *data, QWidget *parent)
    : QWidget(parent), data_(data), vscroll_(new QScrollBar(Qt::Vertical, this))
{
    setFocusPolicy(Qt::StrongFocus);
    setMouseTracking(true);
    setAttribute(Qt::WA_OpaquePaintEvent);
    setMinimumSize(kHeaderWidth + 200, kRulerHeight + kOverviewHeight + 60);
    setToolTip(tr("wheel or +/-: zoom · drag, Shift+wheel or Shift+arrows: pan · wheel over the lane names: scroll lanes · "
                  "Shift+drag or drag on the ruler: select a time range · click: select · double-click or Z: zoom to it · "
                  "Up/Down: lanes · Left/Right or [ ]: invocations · Home: whole trace"));
    connect(vscroll_, &QScrollBar::valueChanged, this, qOverload<>(&QWidget::update));
    updateColors();
    mapping_.setWidth(plotWidth());
}

double TimelineView::plotWidth() const
{
    return std::max(1, width() - kHeaderWidth - vscroll_->sizeHint().width());
}

QRect TimelineView::lanesRect() const
{
    return QRect(0, kRulerHeight, width() - vscroll_->sizeHint().width(), height() - kRulerHeight - kOverviewHeight);
}

QRect TimelineView::overviewRect() const
{
    return QRect(kHeaderWidth, height() - kOverviewHeight, int(plotWidth()), kOverviewHeight);
}

void TimelineView::setTrace(qint64 begin, qint64 end)
{
    mapping_.setTrace(begin, end);
    mapping_.setWidth(plotWidth());
    overviewDirty_ = true;
    afterViewChange(false);
}

void TimelineView::extendTrace(qint64 begin, qint64 end)
{
    begin = std::min(begin, mapping_.traceBegin());
    end = std::max(end, mapping_.traceEnd());
    if (begin == mapping_.traceBegin() && end == mapping_.traceEnd())
        return;
    const bool all = mapping_.showsAll();
    const qint64 vb = mapping_.viewBegin(), ve = mapping_.viewEnd();
    mapping_.setTrace(begin, end);
    if (!all)
        mapping_.setView(vb, ve);
    overviewDirty_ = true;
    afterViewChange(false);
    if (isFollowing())
        showNow();
}

void TimelineView::dataChanged()
{
    layoutLanes();
    updateColors();
    if (selected_.kind == ItemRef::Kind::Invocation || selected_.kind == ItemRef::Kind::Request)
        selectedSlice_ = data_->find(selected_.kind == ItemRef::Kind::Request, selected_.id);
    if (selectedSlice_.ok())
        cursorLane_ = selectedSlice_.lane;
    overviewDirty_ = true;
    update();
}

bool TimelineView::isLaneHidden(int lane) const
{
    if (guestFilter_ == Selection::kAllGuests || lane < 0 || size_t(lane) >= data_->lanes().size())
        return false;
    return data_->lanes()[size_t(lane)].guest != guestFilter_;
}

void TimelineView::setGuestFilter(int guest)
{
    if (guest == guestFilter_)
        return;
    guestFilter_ = guest;
    layoutLanes();
    overviewDirty_ = true;
    update();
}

void TimelineView::layoutLanes()
{
    const auto &lanes = data_->lanes();
    laneOffsets_.assign(lanes.size() + 1, 0);
    int y = 0;
    for (size_t i = 0; i < lanes.size(); ++i) {
        laneOffsets_[i] = y;
        const auto &lane = lanes[i];
        if (isLaneHidden(int(i)))
            continue; // no height: it takes no room, and no point falls in it
        y += lane.kind == TimelineLane::Kind::Process
                 ? kProcessHeight
                 : 2 * kLanePadding + std::max<int>(1, int(lane.rows.size())) * kRowHeight;
    }
    laneOffsets_[lanes.size()] = y;
    updateScrollBar();
}

void TimelineView::updateScrollBar()
{
    const int content = laneOffsets_.empty() ? 0 : laneOffsets_.back();
    const int visible = std::max(0, lanesRect().height());
    vscroll_->setGeometry(width() - vscroll_->sizeHint().width(), kRulerHeight, vscroll_->sizeHint().width(),
                          std::max(0, height() - kRulerHeight - kOverviewHeight));
    vscroll_->setRange(0, std::max(0, content - visible));
    vscroll_->setPageStep(std::max(1, visible));
    vscroll_->setSingleStep(kRowHeight);
}

void TimelineView::updateColors()
{
    dark_ = isDark(palette());
    const auto &kinds = data_->kinds();
    if (kindColors_.size() == kinds.size())
        return;
    kindColors_.clear();
    kindLight_.clear();
    kindBusy_.clear();
    const QColor base = palette().color(QPalette::Base);
    for (const auto &k : kinds) {
        const QColor c = categoryColor(k.objectClass, dark_);
        kindColors_.push_back(c);
        kindBusy_.push_back(c.darker(115)); // several slices merged in a pixel
        // The user side around the driver side: the same hue, halfway to the background.
        kindLight_.push_back(QColor((c.red() + base.red()) / 2, (c.green() + base.green()) / 2,
                                    (c.blue() + base.blue()) / 2));
    }
}

QColor TimelineView::kindColor(quint16 kind) const
{
    return kind < kindColors_.size() ? kindColors_[kind] : palette().color(QPalette::Mid);
}

int TimelineView::laneTop(int lane) const
{
    if (lane < 0 || size_t(lane) + 1 >= laneOffsets_.size())
        return -1;
    return kRulerHeight + laneOffsets_[size_t(lane)] - vscroll_->value();
}

int TimelineView::laneHeight(int lane) const
{
    if (lane < 0 || size_t(lane) + 1 >= laneOffsets_.size())
        return 0;
    return laneOffsets_[size_t(lane) + 1] - laneOffsets_[size_t(lane)];
}

int TimelineView::rowY(int lane, int row) const
{
    return laneTop(lane) + kLanePadding + row * kRowHeight;
}

int TimelineView::levelY(int lane, int level) const
{
    if (lane < 0 || size_t(lane) >= data_->lanes().size())
        return -1;
    const int row = data_->lanes()[size_t(lane)].rowIndex(level);
    return rowY(lane, std::max(row, 0));
}

int TimelineView::laneAt(QPoint pos) const
{
    if (!lanesRect().contains(pos) || laneOffsets_.size() < 2)
        return -1;
    const int y = pos.y() - kRulerHeight + vscroll_->value();
    auto it = std::upper_bound(laneOffsets_.begin(), laneOffsets_.end(), y);
    const int lane = int(it - laneOffsets_.begin()) - 1;
    return lane >= 0 && size_t(lane) < data_->lanes().size() && laneHeight(lane) > 0 ? lane : -1;
}

TimelineData::Found TimelineView::sliceAt(QPoint pos) const
{
    const int lane = laneAt(pos);
    if (lane < 0 || pos.x() < kHeaderWidth)
        return {};
    const auto &l = data_->lanes()[size_t(lane)];
    const int row = (pos.y() - rowY(lane, 0)) / kRowHeight;
    if (pos.y() < rowY(lane, 0) || row < 0 || size_t(row) >= l.rows.size())
        return {};
    const qint64 ts = mapping_.xToTs(pos.x() - kHeaderWidth);
    const qint64 slack = qint64(std::ceil(2 * mapping_.nsPerPixel()));
    const int index = TimelineData::sliceAt(l.rows[size_t(row)], ts, slack);
    if (index < 0)
        return {};
    return {lane, row, index};
}

// --- painting -------------------------------------------------------------------------------

void TimelineView::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    paintTo(p);
}

void TimelineView::paintTo(QPainter &p)
{
    if (mapping_.width() != plotWidth())
        mapping_.setWidth(plotWidth());
    if (laneOffsets_.size() != data_->lanes().size() + 1)
        layoutLanes();
    updateColors();
    const QPalette pal = palette();
    p.fillRect(rect(), pal.color(QPalette::Base));
    paintLanes(p);
    paintRuler(p);
    paintOverview(p);
}

void TimelineView::paintRuler(QPainter &p)
{
    const QPalette pal = palette();
    const QRect ruler(0, 0, width(), kRulerHeight);
    p.fillRect(ruler, pal.color(QPalette::Window));
    p.setPen(pal.color(QPalette::Mid));
    p.drawLine(0, kRulerHeight - 1, width(), kRulerHeight - 1);
    p.setPen(pal.color(QPalette::WindowText));
    p.drawText(QRect(4, 0, kHeaderWidth - 8, kRulerHeight), Qt::AlignVCenter | Qt::AlignLeft,
               liveRulerText(tr("view %1").arg(formatDuration(mapping_.viewSpan()))));
    p.save();
    p.setClipRect(QRect(kHeaderWidth, 0, int(plotWidth()), kRulerHeight));
    const qint64 step = niceStep(mapping_.nsPerPixel() * 110);
    const qint64 viewOffset = mapping_.viewBegin() - mapping_.traceBegin();
    qint64 offset = (viewOffset / step) * step;
    const QColor tick = pal.color(QPalette::WindowText);
    double labelEnd = 0;
    for (int guard = 0; offset <= viewOffset + mapping_.viewSpan() && guard < 1000; offset += step, ++guard) {
        const double x = kHeaderWidth + mapping_.tsToX(mapping_.traceBegin() + offset);
        p.setPen(tick);
        p.drawLine(QPointF(x, kRulerHeight - 7), QPointF(x, kRulerHeight - 1));
        // A label is drawn whole or not at all: right of its tick, or left of it at the right
        // edge; a tick left of the view has none.
        const QString label = tickLabel(offset, step);
        const double w = p.fontMetrics().horizontalAdvance(label) + 2;
        double lx = x + 3;
        if (x < kHeaderWidth)
            continue;
        if (lx + w > kHeaderWidth + plotWidth())
            lx = x - 3 - w;
        if (lx < kHeaderWidth || lx < labelEnd)
            continue;
        p.drawText(QRectF(lx, 0, w, kRulerHeight - 4), Qt::AlignLeft | Qt::AlignVCenter, label);
        labelEnd = lx + w + 4;
    }
    if (range_.isValid()) {
        QColor c = selectionColor(dark_);
        c.setAlpha(90);
        const double x0 = kHeaderWidth + std::max(-1.0, mapping_.tsToX(range_.begin));
        const double x1 = kHeaderWidth + std::min(plotWidth() + 1, mapping_.tsToX(range_.end));
        p.fillRect(QRectF(x0, 0, std::max(1.0, x1 - x0), kRulerHeight), c);
    }
    p.restore();
}

void TimelineView::paintLanes(QPainter &p)
{
    const QPalette pal = palette();
    const QRect area = lanesRect();
    const auto &lanes = data_->lanes();
    const int left = kHeaderWidth;
    const int right = area.right();
    const QColor highlight = [&] {
        QColor c = selectionColor(dark_);
        c.setAlpha(45);
        return c;
    }();
    p.save();
    p.setClipRect(area);
    const bool summaryOnly = paintsSummary();
    // Lanes from the first visible one.
    auto first = std::upper_bound(laneOffsets_.begin(), laneOffsets_.end(), vscroll_->value());
    for (size_t i = size_t(std::max<qsizetype>(0, first - laneOffsets_.begin() - 1)); i < lanes.size(); ++i) {
        const int top = laneTop(int(i)), h = laneHeight(int(i));
        if (top > area.bottom())
            break;
        if (h == 0)
            continue; // hidden by the guest filter
        const TimelineLane &lane = lanes[i];
        const QRect laneRect(0, top, right, h);
        const bool isProcess = lane.kind == TimelineLane::Kind::Process;
        p.fillRect(laneRect, isProcess ? pal.color(QPalette::AlternateBase) : pal.color(QPalette::Base));
        const bool highlighted =
            (selected_.kind == ItemRef::Kind::Process && lane.processId == selected_.id && lane.kind != TimelineLane::Kind::Driver) ||
            (selected_.kind == ItemRef::Kind::Thread && lane.kind == TimelineLane::Kind::Thread && lane.threadId == selected_.id);
        if (highlighted)
            p.fillRect(laneRect, highlight);
        // Lifetime: a bar for a process, a thin line for a thread.
        const qint64 endTs = lane.endTs >= 0 ? lane.endTs : mapping_.traceEnd();
        const double lx0 = left + std::max(-1.0, mapping_.tsToX(lane.startTs));
        const double lx1 = left + std::min(plotWidth() + 1, mapping_.tsToX(endTs));
        if (lane.kind != TimelineLane::Kind::Driver && lx1 >= left && lx0 <= right) {
            if (isProcess)
                p.fillRect(QRectF(lx0, top + 7, std::max(1.0, lx1 - lx0), kProcessHeight - 14), processColor(dark_));
            else
                p.fillRect(QRectF(lx0, top + h / 2, std::max(1.0, lx1 - lx0), 1), pal.color(QPalette::Mid));
        }
        p.save();
        p.setClipRect(QRect(left, std::max(top, area.top()), right - left, h).intersected(area));
        if (summaryOnly)
            paintLaneSummary(p, int(i), left);
        else
            for (size_t r = 0; r < lane.rows.size(); ++r)
                paintRow(p, lane.rows[r], rowY(int(i), int(r)), left);
        p.restore();
        // Header.
        const QRect header(0, top, left, h);
        p.fillRect(header, pal.color(QPalette::Window));
        if (highlighted)
            p.fillRect(header, highlight);
        p.setPen(pal.color(QPalette::Mid));
        p.drawLine(0, top + h - 1, right, top + h - 1);
        p.drawLine(left - 1, top, left - 1, top + h);
        p.setPen(pal.color(QPalette::WindowText));
        QFont f = font();
        QString label;
        QString pid; // kept whole when the label is elided: it tells processes of one program apart
        if (lane.kind == TimelineLane::Kind::Driver) {
            label = driverLabel();
        } else if (isProcess) {
            f.setBold(true);
            const QString full = processLabel(lane.processName, lane.pid);
            pid = full.mid(full.lastIndexOf(QStringLiteral(" (pid ")));
            label = full.left(full.size() - pid.size());
            if (lane.guest != 0)
                label = guestLabel(lane.guest) + QStringLiteral(" · ") + label;
        } else {
            label = tr("thread %1").arg(lane.tid);
        }
        p.setFont(f);
        const QRect textRect = header.adjusted(isProcess ? 4 : 16, 0, -4, 0);
        const QFontMetrics metrics = p.fontMetrics();
        const int nameWidth = std::max(0, textRect.width() - metrics.horizontalAdvance(pid));
        p.drawText(textRect, Qt::AlignLeft | Qt::AlignVCenter, metrics.elidedText(label, Qt::ElideRight, nameWidth) + pid);
        p.setFont(font());
    }
    paintMarkers(p);
    paintArrows(p);
    paintNow(p);
    // Data loss over every lane, then the selected range.
    QColor loss = dataLossColor(dark_);
    loss.setAlpha(50);
    for (const auto &d : data_->dataLoss()) {
        if (d.end < mapping_.viewBegin() || d.begin > mapping_.viewEnd())
            continue;
        const double x0 = left + std::max(-1.0, mapping_.tsToX(d.begin));
        const double x1 = left + std::min(plotWidth() + 1, mapping_.tsToX(d.end));
        p.fillRect(QRectF(x0, area.top(), std::max(2.0, x1 - x0), area.height()), loss);
    }
    const TimeRange shown = drag_ == Drag::Range && dragRange_.isValid() ? dragRange_ : range_;
    if (shown.isValid()) {
        QColor c = selectionColor(dark_);
        c.setAlpha(40);
        const double x0 = left + std::max(-1.0, mapping_.tsToX(shown.begin));
        const double x1 = left + std::min(plotWidth() + 1, mapping_.tsToX(shown.end));
        p.fillRect(QRectF(x0, area.top(), std::max(1.0, x1 - x0), area.height()), c);
        p.setPen(selectionColor(dark_));
        p.drawLine(QPointF(x0, area.top()), QPointF(x0, area.bottom()));
        p.drawLine(QPointF(x1, area.top()), QPointF(x1, area.bottom()));
    }
    // The selected slice, outlined.
    if (selectedSlice_.ok() && size_t(selectedSlice_.lane) < lanes.size()) {
        const TimelineSlice &s = data_->slice(selectedSlice_);
        const double x0 = left + std::max(-2.0, mapping_.tsToX(s.begin));
        const double x1 = left + std::min(plotWidth() + 2, mapping_.tsToX(s.end));
        const int y = rowY(selectedSlice_.lane, selectedSlice_.row);
        p.setClipRect(QRect(left, area.top(), right - left, area.height()));
        p.setPen(QPen(selectionColor(dark_), 2));
        p.setBrush(Qt::NoBrush);
        p.drawRect(QRectF(x0 - 1, y, std::max(3.0, x1 - x0 + 2), kRowHeight - 1));
    }
    p.restore();
}

void TimelineView::paintRow(QPainter &p, const TimelineRow &row, int y, int left)
{
    TimelineData::runs(row, mapping_, runs_);
    const double top = y + 1, h = kRowHeight - 2;
    const QColor error = leakColor(dark_);
    const QColor open = dataLossColor(dark_);
    const QColor text = dark_ ? QColor(Qt::white) : QColor(Qt::black);
    for (const TimelineRun &run : runs_) {
        const TimelineSlice &s = row.slices[run.first];
        const double x0 = left + run.x0;
        const double w = std::max(1.0, run.x1 - run.x0);
        const quint16 kind = s.kind;
        if (run.count > 1 || w < 3) {
            // Busy: several slices (or one) narrower than a few pixels.
            p.fillRect(QRectF(x0, top, w, h), run.count > 1 && kind < kindBusy_.size() ? kindBusy_[kind] : kindColor(kind));
            if (run.count == 1 && s.is(TimelineSlice::Error))
                p.fillRect(QRectF(x0, top + h - 3, w, 3), error);
            continue;
        }
        const QRectF outer(x0, top, w, h);
        const QColor full = kindColor(kind);
        const QColor light = kind < kindLight_.size() ? kindLight_[kind] : full.lighter(130);
        const bool nested = !s.is(TimelineSlice::UserOnly) && !s.is(TimelineSlice::DriverOnly);
        if (s.is(TimelineSlice::Request)) {
            // Queued (hatched), then processing.
            p.fillRect(outer, QBrush(full, Qt::BDiagPattern));
        } else {
            p.fillRect(outer, nested ? light : full);
        }
        if (nested || s.is(TimelineSlice::Request)) {
            const double ix0 = left + std::max(-1.0, mapping_.tsToX(s.innerBeginTs()));
            const double ix1 = left + std::min(mapping_.width() + 1, mapping_.tsToX(s.innerEndTs()));
            const double inset = s.is(TimelineSlice::Request) ? 0 : 3;
            p.fillRect(QRectF(ix0, top + inset, std::max(1.0, ix1 - ix0), h - 2 * inset), full);
        }
        double textLeft = x0;
        // A request's arrow ends where it was picked: its label starts past the arrow head.
        if (s.is(TimelineSlice::Request))
            textLeft = std::max(textLeft, left + mapping_.tsToX(s.innerBeginTs()) + 8);
        if (const auto *waits = data_->waitsOf(s)) {
            // The call waited for an OP-TEE thread before it ran: a segment of its own, which the
            // label leaves free.
            const QColor wait = waitColor(dark_);
            for (const TimelineWait &wt : *waits) {
                const double wx0 = left + std::max(-1.0, mapping_.tsToX(std::max(wt.begin, s.begin)));
                const double wx1 = left + std::min(mapping_.width() + 1, mapping_.tsToX(std::min(wt.end, s.end)));
                const QRectF r(wx0, top + 2, std::max(1.0, wx1 - wx0), h - 4);
                p.fillRect(r, palette().color(QPalette::Base));
                p.fillRect(r, QBrush(wait, wt.guestLimit ? Qt::Dense4Pattern : Qt::BDiagPattern));
                p.fillRect(QRectF(r.left(), r.bottom() - 2, r.width(), 2), wait);
                textLeft = std::max(textLeft, r.right());
            }
        }
        if (s.is(TimelineSlice::Error))
            p.fillRect(QRectF(x0, top + h - 3, w, 3), error);
        if (s.is(TimelineSlice::EndInferred)) {
            // An open end: a dashed edge where the end should be.
            p.setPen(QPen(open, 2, Qt::DashLine));
            p.drawLine(QPointF(x0 + w - 1, top), QPointF(x0 + w - 1, top + h));
        }
        if (x0 + w - textLeft > 60 && kind < data_->kinds().size()) {
            const auto &k = data_->kinds()[kind];
            p.setPen(text);
            const QRectF textRect = QRectF(textLeft, top, x0 + w - textLeft, h)
                                        .adjusted(3, 0, -3, 0)
                                        .intersected(QRectF(left, top, mapping_.width(), h));
            // "app.add (0)" where it fits, else "app.add" elided; RPCs as "rpc LOAD_TA".
            QString label = k.objectClass == QLatin1String("rpc") ? k.objectClass + QLatin1Char(' ') + k.opLabel
                                                                  : callText(k.objectClass, k.op, k.opLabel);
            if (p.fontMetrics().horizontalAdvance(label) > textRect.width() && k.opLabel != QString::number(k.op))
                label = k.objectClass + QLatin1Char('.') + k.opLabel;
            p.drawText(textRect, Qt::AlignVCenter | Qt::AlignLeft,
                       p.fontMetrics().elidedText(label, Qt::ElideRight, int(textRect.width())));
        }
    }
}

void TimelineView::paintArrows(QPainter &p)
{
    const double left = kHeaderWidth;
    const double width = plotWidth();
    // Zoomed out, arrows pile up: one per pixel column pair and lane pair is enough, and
    // antialiasing only pays for a few.
    struct Arrow {
        int x1, x2, fromLane, toLane, y1, y2;
        double fx1, fx2;
        bool rpc;
    };
    std::vector<Arrow> visible;
    for (const auto &a : data_->arrows()) {
        const qint64 lo = std::min(a.fromTs, a.toTs), hi = std::max(a.fromTs, a.toTs);
        if (hi < mapping_.viewBegin() || lo > mapping_.viewEnd())
            continue;
        const int fromLane = data_->laneOfThread(a.fromThreadId), toLane = data_->laneOfThread(a.toThreadId);
        if (fromLane < 0 || toLane < 0 || isLaneHidden(fromLane) || isLaneHidden(toLane))
            continue;
        const double x1 = left + std::clamp(mapping_.tsToX(a.fromTs), -10.0, width + 10);
        const double x2 = left + std::clamp(mapping_.tsToX(a.toTs), -10.0, width + 10);
        visible.push_back({int(x1), int(x2), fromLane, toLane, levelY(fromLane, a.fromLevel) + kRowHeight / 2,
                           levelY(toLane, 1) + kRowHeight / 2, x1, x2, a.rpc});
    }
    std::sort(visible.begin(), visible.end(), [](const Arrow &a, const Arrow &b) {
        return std::tie(a.x1, a.x2, a.y1, a.y2) < std::tie(b.x1, b.x2, b.y1, b.y2);
    });
    visible.erase(std::unique(visible.begin(), visible.end(),
                              [](const Arrow &a, const Arrow &b) {
                                  return a.x1 == b.x1 && a.x2 == b.x2 && a.y1 == b.y1 && a.y2 == b.y2;
                              }),
                  visible.end());
    const bool many = visible.size() > 200;
    QColor callback = palette().color(QPalette::WindowText);
    callback.setAlpha(many ? 90 : 170);
    // OP-TEE RPCs to tee-supplicant in the TAs' colour.
    QColor rpc = taColor(dark_).darker(dark_ ? 100 : 160);
    rpc.setAlpha(many ? 110 : 220);
    p.setRenderHint(QPainter::Antialiasing, !many);
    for (const Arrow &a : visible) {
        const QColor &c = a.rpc ? rpc : callback;
        // A cosmetic one-pixel pen: wider pens go through the stroker, ten times slower.
        p.setPen(QPen(c, 0));
        p.setBrush(c);
        const QPointF from(a.fx1, a.y1), to(a.fx2, a.y2);
        p.drawLine(from, to);
        if (many) {
            // A square head: polygons cost more than the line itself.
            p.fillRect(QRectF(to.x() - 2, to.y() - 2, 5, 5), c);
            continue;
        }
        // The head at the request.
        const double angle = std::atan2(to.y() - from.y(), to.x() - from.x());
        const QPointF head[3] = {to, to - QPointF(7 * std::cos(angle - 0.4), 7 * std::sin(angle - 0.4)),
                                 to - QPointF(7 * std::cos(angle + 0.4), 7 * std::sin(angle + 0.4))};
        p.drawPolygon(head, 3);
    }
    p.setRenderHint(QPainter::Antialiasing, false);
    p.setBrush(Qt::NoBrush);
}

void TimelineView::paintMarkers(QPainter &p)
{
    const double left = kHeaderWidth;
    const QColor release = sharedColor(dark_);
    const QColor end = palette().color(QPalette::WindowText);
    const QColor vanished = leakColor(dark_);
    for (const auto &m : data_->markers()) {
        if (m.ts < mapping_.viewBegin() || m.ts > mapping_.viewEnd())
            continue;
        const double x = left + mapping_.tsToX(m.ts);
        switch (m.kind) {
        case TimelineMarker::Kind::AsyncRelease: {
            const int lane = data_->laneOfThread(m.threadId);
            if (lane < 0 || isLaneHidden(lane))
                break;
            const double y = laneTop(lane);
            QPolygonF tri;
            tri << QPointF(x - 4, y) << QPointF(x + 4, y) << QPointF(x, y + 6);
            p.setPen(Qt::NoPen);
            p.setBrush(release);
            p.drawPolygon(tri);
            break;
        }
        case TimelineMarker::Kind::ProcessEnd: {
            const int lane = data_->laneOfProcess(m.processId);
            if (lane < 0 || isLaneHidden(lane))
                break;
            const int y = laneTop(lane);
            p.setPen(QPen(m.what == QLatin1String("vanished") ? vanished : end, 2));
            p.drawLine(QPointF(x, y + 2), QPointF(x, y + kProcessHeight - 2));
            break;
        }
        case TimelineMarker::Kind::ThreadEnd: {
            const int lane = data_->laneOfThread(m.threadId);
            if (lane < 0 || isLaneHidden(lane))
                break;
            const int y = laneTop(lane), h = laneHeight(lane);
            p.setPen(QPen(end, 1));
            p.drawLine(QPointF(x, y + h / 2 - 4), QPointF(x, y + h / 2 + 4));
            break;
        }
        }
    }
    p.setBrush(Qt::NoBrush);
}

void TimelineView::rebuildOverview()
{
    const int w = int(plotWidth()), h = kOverviewHeight - 6;
    overview_ = QImage(std::max(1, w), std::max(1, h), QImage::Format_ARGB32_Premultiplied);
    overview_.fill(Qt::transparent);
    // Busy slices per pixel column over the whole trace, in any lane.
    TimeMapping all(mapping_.traceBegin(), mapping_.traceEnd(), w);
    std::vector<int> busy(size_t(std::max(1, w)), 0);
    std::vector<TimelineRun> runs;
    if (data_->isWindowed() && data_->summary()) {
        summaryOverview(busy, all);
    } else {
        for (size_t l = 0; l < data_->lanes().size(); ++l) {
            if (isLaneHidden(int(l)))
                continue;
            for (const auto &row : data_->lanes()[l].rows) {
                TimelineData::runs(row, all, runs);
                for (const auto &r : runs)
                    for (int x = std::max(0, int(r.x0)); x <= std::min(w - 1, int(r.x1)); ++x)
                        ++busy[size_t(x)];
            }
        }
    }
    const int most = std::max(1, *std::max_element(busy.begin(), busy.end()));
    QPainter p(&overview_);
    const QColor c = selectionColor(dark_);
    for (int x = 0; x < w; ++x) {
        if (!busy[size_t(x)])
            continue;
        const int bar = std::max(1, h * busy[size_t(x)] / most);
        p.fillRect(x, h - bar, 1, bar, c);
    }
    QColor loss = dataLossColor(dark_);
    for (const auto &d : data_->dataLoss()) {
        const double x0 = all.tsToX(d.begin), x1 = all.tsToX(d.end);
        p.fillRect(QRectF(x0, 0, std::max(2.0, x1 - x0), h), QColor(loss.red(), loss.green(), loss.blue(), 90));
    }
    overviewDirty_ = false;
}

void TimelineView::paintOverview(QPainter &p)
{
    const QPalette pal = palette();
    const QRect area = overviewRect();
    p.fillRect(QRect(0, area.top(), width(), area.height()), pal.color(QPalette::Window));
    p.setPen(pal.color(QPalette::Mid));
    p.drawLine(0, area.top(), width(), area.top());
    p.setPen(pal.color(QPalette::WindowText));
    p.drawText(QRect(4, area.top(), kHeaderWidth - 8, area.height()), Qt::AlignLeft | Qt::AlignVCenter,
               tr("whole trace %1").arg(formatDuration(mapping_.traceSpan())));
    if (overviewDirty_ || overview_.width() != int(plotWidth()))
        rebuildOverview();
    p.drawImage(QPoint(area.left(), area.top() + 3), overview_);
    const double scale = plotWidth() / double(mapping_.traceSpan());
    const double x0 = area.left() + double(mapping_.viewBegin() - mapping_.traceBegin()) * scale;
    const double w = std::max(3.0, double(mapping_.viewSpan()) * scale);
    QColor fill = selectionColor(dark_);
    fill.setAlpha(40);
    p.fillRect(QRectF(x0, area.top() + 1, w, area.height() - 2), fill);
    p.setPen(QPen(selectionColor(dark_), 1));
    p.drawRect(QRectF(x0, area.top() + 1, w - 1, area.height() - 3));
}

} // namespace teescope::gui
