// SPDX-License-Identifier: MIT
#include "window/pages.h"

#include "graph/graph_page.h"
#include "tables/latency_page.h"
#include "tables/leaks_page.h"
#include "timeline/timeline_page.h"
#include "window/summary_page.h"

namespace teescope::gui {

QList<ViewPage *> createPages(Selection *selection, QWidget *parent)
{
    return {new SummaryPage(selection, parent), new GraphPage(selection, parent), new TimelinePage(selection, parent),
            new LeaksPage(selection, parent), new LatencyPage(selection, parent)};
}

} // namespace teescope::gui
