// SPDX-License-Identifier: MIT
// The timeline page in live mode: "now" goes to the view (which follows it) and to the slices
// still in flight (which grow to it); a refresh first reads the ends of those slices again.
#include "timeline/timeline_page.h"
#include "timeline/timeline_view.h"

namespace teescope::gui {

void TimelinePage::setLive(bool live, qint64 now)
{
    ViewPage::setLive(live, now);
    view_->setLive(live);
    if (!live)
        return;
    data_.growOpenSlices(now);
    view_->setNow(now);
}

void TimelinePage::loadEnds(int generation)
{
    const QString path = trace_.dbPath;
    const std::vector<TimelineData::OpenSlice> open = data_.openSlices();
    runJob<std::vector<TimelineData::SliceEnd>>(
        this, [path, open] { return TimelineData::readEnds(openTraceDb(path), open); },
        [this, generation](JobResult<std::vector<TimelineData::SliceEnd>> result) {
            if (!generation_.isCurrent(generation))
                return;
            if (!result.ok())
                return failLoad(result.error);
            data_.applyEnds(*result.value);
            if (isLive())
                data_.growOpenSlices(liveNow());
            view_->dataChanged();
            loadStructure(generation);
        });
}

} // namespace teescope::gui
