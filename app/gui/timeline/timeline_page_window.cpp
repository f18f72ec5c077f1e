// SPDX-License-Identifier: MIT
// The timeline page on a large trace: a background job summarizes the invocations (one pass by
// id; a growing file adds what is new), then the page is ready and paints the summary; the
// invocations of the range in view are read when it holds few enough of them, one job at a time,
// and kept (with a view's width of margin on each side) until the view leaves that window.
#include "timeline/timeline_page.h"

#include "core/format.h"
#include "core/logging.h"
#include "timeline/timeline_view.h"

#include <QTimer>

#include <algorithm>
#include <limits>

namespace teescope::gui {

namespace {

qint64 gFullLoadLimit = 500000;
qint64 gDetailLimit = 150000;

struct Located {
    qint64 begin = 0;
    qint64 end = -1;
};

} // namespace

qint64 TimelinePage::fullLoadLimit() { return gFullLoadLimit; }
void TimelinePage::setFullLoadLimit(qint64 invocations) { gFullLoadLimit = invocations; }
qint64 TimelinePage::detailLimit() { return gDetailLimit; }
void TimelinePage::setDetailLimit(qint64 invocations) { gDetailLimit = std::max<qint64>(1, invocations); }

void TimelinePage::loadSummary(int generation)
{
    const QString path = trace_.dbPath;
    // A finished import wrote the summary: read it. Otherwise the first pass sizes its buckets to
    // the trace; later passes (a live file) go on from there.
    const bool first = !data_.summary();
    TimelineSummary summary = data_.summary() ? *data_.summary()
                                              : TimelineSummary(trace_.firstTs, std::max<qint64>(1, trace_.duration()));
    Q_EMIT statusMessage(tr("Timeline: summarizing %1 invocations").arg(formatCount(data_.invocationTotal())));
    runJob<TimelineSummary>(
        this,
        [path, first, summary = std::move(summary)]() mutable {
            auto db = openTraceDb(path);
            if (first)
                if (auto stored = TimelineSummary::readTables(db))
                    return std::move(*stored);
            summary.read(db, summary.lastInvocationId(), summary.lastRequestId(), std::numeric_limits<qint64>::max());
            summary.finish();
            return std::move(summary);
        },
        [this, generation](JobResult<TimelineSummary> result) {
            if (!generation_.isCurrent(generation))
                return;
            if (!result.ok())
                return failLoad(result.error);
            data_.setSummary(std::move(*result.value));
            view_->extendTrace(data_.summary()->origin(), std::max<qint64>(trace_.lastTs, data_.summary()->origin() + 1));
            view_->dataChanged();
            loading_ = false;
            qCDebug(lcTimeline) << "timeline summarized" << data_.summary()->invocations() << "invocations in"
                                << data_.summary()->lanes().size() << "lanes, buckets of"
                                << data_.summary()->bucketNs(0) << "ns";
            Q_EMIT statusMessage(tr("Timeline: %1 invocations, %2 lanes")
                                     .arg(formatCount(data_.summary()->invocations()),
                                          formatCount(qint64(data_.lanes().size()))));
            setReady(true);
            detailStale_ = true; // a live file: what is in view may have changed
            scheduleDetail();
            revealPending();
            if (refreshPending_) {
                refreshPending_ = false;
                refresh();
            }
        });
}

void TimelinePage::scheduleDetail()
{
    if (data_.isWindowed() && data_.summary())
        detailTimer_->start();
}

void TimelinePage::loadDetail()
{
    const TimelineSummary *summary = data_.summary();
    if (!summary)
        return;
    if (detailBusy_) {
        detailTimer_->start(); // again once the running job is done
        return;
    }
    const qint64 vb = view_->mapping().viewBegin(), ve = view_->mapping().viewEnd();
    if (!detailStale_ && data_.windowCovers(vb, ve))
        return;
    if (summary->countIn(vb, ve) > detailLimit())
        return; // painted from the summary
    // A view's width on each side, when that stays within the limit: panning stays in the window.
    const qint64 span = ve - vb;
    qint64 w0 = vb - span, w1 = ve + span;
    if (summary->countIn(w0, w1) > detailLimit()) {
        w0 = vb;
        w1 = ve;
    }
    const TimelineSummary::IdRanges ids = summary->idsFor(w0, w1);
    const QString path = trace_.dbPath;
    const int generation = detailGeneration_.next();
    detailBusy_ = true;
    detailStale_ = false;
    runJob<TimelineChunk>(
        this, [path, w0, w1, ids] { return TimelineData::readRange(openTraceDb(path), w0, w1, ids); },
        [this, generation, w0, w1](JobResult<TimelineChunk> result) {
            if (!detailGeneration_.isCurrent(generation))
                return;
            detailBusy_ = false;
            if (!result.ok()) {
                setLoadError(tr("Timeline: %1").arg(result.error));
                return;
            }
            data_.setWindow(std::move(*result.value), w0, w1);
            if (isLive())
                data_.growOpenSlices(liveNow());
            view_->dataChanged();
            revealPending();
            // The view moved on meanwhile: read its window next.
            if (!data_.windowCovers(view_->mapping().viewBegin(), view_->mapping().viewEnd()))
                scheduleDetail();
        });
}

bool TimelinePage::locatePending()
{
    const ItemRef item = pendingReveal_;
    if (item == located_)
        return false; // looked up already: not in the file (yet)
    located_ = item;
    const QString path = trace_.dbPath;
    const bool request = item.kind == ItemRef::Kind::Request;
    const int generation = generation_.current();
    runJob<Located>(
        this,
        [path, request, id = item.id] {
            auto db = openTraceDb(path);
            store::Statement s(db.handle(),
                               request ? "SELECT MIN(COALESCE(queue_ts, pick_ts, answer_ts)),"
                                         "       MAX(COALESCE(answer_ts, pick_ts, queue_ts)) FROM callback_requests WHERE id = ?"
                                       : "SELECT COALESCE(user_begin_ts, drv_begin_ts, MIN(user_end_ts, drv_end_ts),"
                                         "                user_end_ts, drv_end_ts),"
                                         "       COALESCE(user_end_ts, drv_end_ts, user_begin_ts, drv_begin_ts)"
                                         "  FROM invocations WHERE id = ?",
                               db.path());
            s.bind(1, int64_t(id));
            Located l;
            if (s.next() && !s.null_at(0)) {
                l.begin = s.int_at(0);
                l.end = s.null_at(1) ? l.begin : std::max(l.begin, qint64(s.int_at(1)));
            }
            return l;
        },
        [this, generation, item](JobResult<Located> result) {
            if (!generation_.isCurrent(generation) || !(pendingReveal_ == item) || !result.ok() || result.value->end < 0)
                return;
            // As zoomToSlice does: the slice in the middle half of the view; its window comes next.
            const qint64 span = std::max<qint64>(result.value->end - result.value->begin, TimeMapping::kMinSpan);
            view_->showRange(result.value->begin - span / 2, result.value->end + span / 2);
        });
    return true;
}

} // namespace teescope::gui
