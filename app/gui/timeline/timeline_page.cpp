// SPDX-License-Identifier: MIT
#include "timeline/timeline_page.h"

#include "core/csv_writer.h"
#include "core/format.h"
#include "core/logging.h"
#include "timeline/timeline_view.h"

#include <QFile>
#include <QImage>
#include <QPainter>
#include <QTextStream>
#include <QTimer>
#include <QVBoxLayout>

namespace teescope::gui {

TimelinePage::TimelinePage(Selection *selection, QWidget *parent)
    : ViewPage(selection, parent), view_(new TimelineView(&data_, this)), detailTimer_(new QTimer(this))
{
    // The detail of a view is read once the view rests a moment (a drag or the wheel moves it
    // many times a second).
    detailTimer_->setSingleShot(true);
    detailTimer_->setInterval(40);
    connect(detailTimer_, &QTimer::timeout, this, &TimelinePage::loadDetail);
    connect(view_, &TimelineView::viewChanged, this, &TimelinePage::scheduleDetail);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(view_);
    setFocusProxy(view_);
    connect(view_, &TimelineView::itemClicked, this, [this](ItemRef item) {
        // Chosen here, so already in view: a click selects, it does not zoom.
        view_->setSelectedItem(item);
        if (!this->selection())
            return;
        ownItem_ = true;
        this->selection()->select(item);
        ownItem_ = false;
    });
    connect(view_, &TimelineView::rangeSelected, this, [this](TimeRange range) {
        view_->setSelectedRange(range);
        if (!this->selection())
            return;
        ownRange_ = true;
        this->selection()->setRange(range);
        ownRange_ = false;
    });
    if (selection) {
        connect(selection, &Selection::itemChanged, this, &TimelinePage::onItemChanged);
        connect(selection, &Selection::rangeChanged, this, &TimelinePage::onRangeChanged);
        connect(selection, &Selection::guestFilterChanged, view_, &TimelineView::setGuestFilter);
        view_->setGuestFilter(selection->guestFilter());
    }
}

void TimelinePage::openTrace(const TraceInfo &trace)
{
    trace_ = trace;
    data_.clear();
    setReady(false);
    setLoadError({});
    view_->setTrace(trace.firstTs, std::max(trace.lastTs, trace.firstTs + 1));
    view_->dataChanged();
    if (selection()) {
        view_->setSelectedItem(selection()->item());
        view_->setSelectedRange(selection()->range());
        pendingReveal_ = selection()->item();
    }
    refreshPending_ = false;
    loading_ = true;
    detailGeneration_.next();
    detailBusy_ = false;
    detailStale_ = false;
    located_ = {};
    loadStructure(generation_.next());
}

void TimelinePage::refresh()
{
    if (trace_.dbPath.isEmpty())
        return;
    if (loading_) {
        refreshPending_ = true;
        return;
    }
    loading_ = true;
    // Not final until what is new is in (live mode waits for it before the next refresh).
    setReady(false);
    if (data_.isWindowed())
        loadStructure(generation_.next());
    else if (data_.openSlices().empty())
        loadStructure(generation_.next());
    else
        loadEnds(generation_.next());
}

void TimelinePage::failLoad(const QString &error)
{
    loading_ = false;
    setLoadError(tr("Timeline: %1").arg(error));
    setReady(true);
}

void TimelinePage::loadStructure(int generation)
{
    const QString path = trace_.dbPath;
    const qint64 afterRequest = data_.lastRequestId(), afterRelease = data_.lastReleaseId();
    runJob<TimelineStructure>(
        this,
        [path, afterRequest, afterRelease] {
            auto db = openTraceDb(path);
            return TimelineData::readStructure(db, afterRequest, afterRelease);
        },
        [this, generation](JobResult<TimelineStructure> result) {
            if (!generation_.isCurrent(generation))
                return;
            if (!result.ok())
                return failLoad(result.error);
            if (data_.lanes().empty() && !data_.isWindowed())
                data_.setWindowed(result.value->invocationTotal > fullLoadLimit());
            data_.apply(std::move(*result.value));
            view_->dataChanged();
            if (data_.isWindowed())
                loadSummary(generation);
            else
                loadChunk(generation);
        });
}

void TimelinePage::loadChunk(int generation)
{
    const QString path = trace_.dbPath;
    const qint64 after = data_.lastInvocationId();
    runJob<TimelineChunk>(
        this,
        [path, after] {
            auto db = openTraceDb(path);
            return TimelineData::readInvocations(db, after, kChunkSize);
        },
        [this, generation](JobResult<TimelineChunk> result) {
            if (!generation_.isCurrent(generation))
                return;
            if (!result.ok())
                return failLoad(result.error);
            const bool more = result.value->more;
            data_.apply(std::move(*result.value));
            if (isLive())
                data_.growOpenSlices(liveNow()); // what is in flight runs to now
            if (data_.firstTs() != 0 || data_.lastTs() != 0)
                view_->extendTrace(data_.firstTs(), data_.lastTs());
            view_->dataChanged();
            revealPending();
            if (more) {
                Q_EMIT statusMessage(tr("Timeline: %1 of %2 invocations loaded")
                                         .arg(formatCount(data_.lastInvocationId()), formatCount(data_.invocationTotal())));
                loadChunk(generation);
                return;
            }
            finishLoading();
        });
}

void TimelinePage::finishLoading()
{
    loading_ = false;
    data_.squeeze();
    qCDebug(lcTimeline) << "timeline loaded" << data_.invocationCount() << "invocations in" << data_.lanes().size()
                        << "lanes";
    Q_EMIT statusMessage(tr("Timeline: %1 invocations, %2 lanes")
                             .arg(formatCount(data_.invocationCount()), formatCount(qint64(data_.lanes().size()))));
    setReady(true);
    if (refreshPending_) {
        refreshPending_ = false;
        refresh();
    }
}

void TimelinePage::onItemChanged(ItemRef item)
{
    view_->setSelectedItem(item);
    if (ownItem_)
        return;
    pendingReveal_ = item;
    revealPending();
}

void TimelinePage::revealPending()
{
    const ItemRef item = pendingReveal_;
    switch (item.kind) {
    case ItemRef::Kind::Invocation:
    case ItemRef::Kind::Request: {
        const auto found = data_.find(item.kind == ItemRef::Kind::Request, item.id);
        if (!found.ok()) {
            if (data_.isWindowed())
                locatePending(); // outside the window: shown where it is, then revealed
            return; // else maybe in a chunk not loaded yet
        }
        view_->setSelectedItem(item);
        view_->revealSlice(found);
        break;
    }
    case ItemRef::Kind::Process: {
        const int lane = data_.laneOfProcess(item.id);
        if (lane < 0)
            return;
        view_->revealLane(lane);
        break;
    }
    case ItemRef::Kind::Thread: {
        const int lane = data_.laneOfThread(item.id);
        if (lane < 0)
            return;
        view_->revealLane(lane);
        break;
    }
    default:
        break;
    }
    pendingReveal_ = {};
}

void TimelinePage::onRangeChanged(TimeRange range)
{
    view_->setSelectedRange(range);
    if (!ownRange_ && range.isValid()) {
        // A range chosen elsewhere: show it with a little room around.
        const qint64 margin = (range.end - range.begin) / 20;
        view_->showRange(range.begin - margin, range.end + margin);
    }
}

QStringList TimelinePage::exportFormats() const
{
    return {QStringLiteral("png"), QStringLiteral("csv")};
}

bool TimelinePage::exportTo(const QString &path, const QString &format, QString *error)
{
    if (format == QLatin1String("png")) {
        QImage image(size().expandedTo(QSize(1, 1)), QImage::Format_ARGB32_Premultiplied);
        image.fill(palette().color(QPalette::Window));
        render(&image);
        if (!image.save(path, "PNG")) {
            if (error)
                *error = tr("cannot write %1").arg(path);
            return false;
        }
        return true;
    }
    if (format == QLatin1String("csv"))
        return exportCsv(path, error);
    return ViewPage::exportTo(path, format, error);
}

bool TimelinePage::exportCsv(const QString &path, QString *error) const
{
    // The invocations in view, as numbers and trace strings.
    QList<QStringList> rows;
    const qint64 b = view_->mapping().viewBegin(), e = view_->mapping().viewEnd();
    for (size_t l = 0; l < data_.lanes().size(); ++l) {
        if (view_->isLaneHidden(int(l)))
            continue;
        const TimelineLane &lane = data_.lanes()[l];
        for (const auto &row : lane.rows)
            for (const auto &s : row.slices) {
                if (s.is(TimelineSlice::Request) || s.end < b || s.begin > e)
                    continue;
                const auto kind = s.kind < data_.kinds().size() ? data_.kinds()[s.kind] : TimelineSliceKind{};
                const bool driver = !s.is(TimelineSlice::UserOnly);
                rows << QStringList{QString::number(s.id), QString::number(lane.pid), lane.processName,
                                    QString::number(lane.tid), QString::number(s.begin), QString::number(s.end),
                                    driver ? QString::number(s.innerBeginTs()) : QString(),
                                    driver ? QString::number(s.innerEndTs()) : QString(), kind.objectClass,
                                    QString::number(kind.op), QString::number(s.depth),
                                    QString::number(int(s.is(TimelineSlice::Error))),
                                    QString::number(int(s.is(TimelineSlice::EndInferred))), kind.opLabel};
            }
    }
    return writeCsvFile(path,
                        QStringLiteral("invocation_id,pid,process,tid,begin_ts,end_ts,driver_begin_ts,driver_end_ts,"
                                       "class,op,depth,error,end_inferred,op_name")
                            .split(QLatin1Char(',')),
                        rows, error);
}

void TimelinePage::zoomIn() { view_->zoomBy(1.5); }
void TimelinePage::zoomOut() { view_->zoomBy(1 / 1.5); }
void TimelinePage::resetZoom() { view_->resetZoom(); }

} // namespace teescope::gui
