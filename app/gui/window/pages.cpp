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
    auto *summary = new SummaryPage(selection, parent);
    auto *leaks = new LeaksPage(selection, parent);
    // The summary counts apart the leaks that the Leaks page's suppressions hide.
    QObject::connect(leaks, &LeaksPage::suppressionsChanged, summary, &SummaryPage::setSuppressions);
    summary->setSuppressions(leaks->model()->suppressions());
    return {summary, new GraphPage(selection, parent), new TimelinePage(selection, parent), leaks,
            new LatencyPage(selection, parent)};
}

} // namespace teescope::gui
