// SPDX-License-Identifier: MIT
// The timeline's store in live mode: an invocation still in flight when it was read has no end;
// it is drawn up to "now" until a later read finds its end (its row is replaced, same id).
#include "timeline/timeline_data.h"

#include "teescope/store/statement.h"

#include <algorithm>
#include <limits>

namespace teescope::gui {

std::vector<TimelineData::SliceEnd> TimelineData::readEnds(const store::Database &db, const std::vector<OpenSlice> &open)
{
    std::vector<SliceEnd> out;
    out.reserve(open.size());
    store::Statement s(db.handle(),
                       "SELECT user_end_ts, drv_begin_ts, drv_end_ts, err, ret FROM invocations WHERE id = ?",
                       db.path());
    for (const OpenSlice &o : open) {
        s.reset();
        s.bind(1, int64_t(o.id));
        if (!s.next())
            continue;
        SliceEnd e;
        e.id = o.id;
        e.threadId = o.threadId;
        const bool userEnd = !s.null_at(0), drvEnd = !s.null_at(2);
        e.ended = userEnd || drvEnd;
        if (!e.ended)
            continue;
        // As a finished row is read (readInvocations): the user side's end, else the driver's.
        e.end = userEnd ? s.int_at(0) : s.int_at(2);
        e.driver = !s.null_at(1) || drvEnd;
        e.innerEnd = drvEnd ? std::max<qint64>(0, e.end - s.int_at(2)) : 0;
        e.err = s.null_at(3) ? 0 : s.int_at(3);
        e.ret = s.null_at(4) ? 0 : s.int_at(4);
        out.push_back(e);
    }
    return out;
}

TimelineSlice *TimelineData::findInLane(qint64 threadId, quint32 id)
{
    const int laneIdx = laneOfThread(threadId);
    if (laneIdx < 0 && (lanes_.empty() || lanes_.front().kind != TimelineLane::Kind::Driver))
        return nullptr;
    TimelineLane &lane = lanes_[size_t(laneIdx >= 0 ? laneIdx : 0)];
    for (TimelineRow &row : lane.rows)
        for (auto it = row.slices.rbegin(); it != row.slices.rend(); ++it) // open ones are recent
            if (!it->is(TimelineSlice::Request) && it->id == id)
                return &*it;
    return nullptr;
}

void TimelineData::applyEnds(const std::vector<SliceEnd> &ends)
{
    for (const SliceEnd &e : ends) {
        TimelineSlice *s = findInLane(e.threadId, e.id);
        if (!s)
            continue;
        s->end = std::max(s->begin, e.end);
        s->flags &= quint8(~(TimelineSlice::InFlight | TimelineSlice::EndInferred));
        if (e.driver) {
            s->innerEnd = quint32(std::clamp<qint64>(e.innerEnd, 0, std::numeric_limits<quint32>::max()));
            // The driver's side ends inside the call.
            if (s->innerEndTs() < s->innerBeginTs())
                s->innerEnd = quint32(s->end - s->innerBeginTs());
        }
        if (e.err != 0 || e.ret != 0) {
            s->flags |= TimelineSlice::Error;
            invocationErrors_[s->id] = {e.err, e.ret};
        }
        extend(s->begin, s->end);
    }
    std::erase_if(open_, [&ends](const OpenSlice &o) {
        return std::any_of(ends.begin(), ends.end(), [&o](const SliceEnd &e) { return e.id == o.id; });
    });
}

void TimelineData::growOpenSlices(qint64 now)
{
    std::erase_if(open_, [this, now](const OpenSlice &o) {
        TimelineSlice *s = findInLane(o.threadId, o.id);
        if (!s || !s->is(TimelineSlice::InFlight))
            return true;
        if (now > s->end) {
            // The driver side (if any) runs on to now as well.
            s->innerEnd = 0;
            s->end = now;
        }
        return false;
    });
    if (!open_.empty())
        extend(firstTs_, now);
}

} // namespace teescope::gui
