// SPDX-License-Identifier: MIT
#include "window/pages.h"

#include "window/summary_page.h"

#if __has_include("graph/graph_page.h")
#include "graph/graph_page.h"
#define HAVE_GRAPH_PAGE 1
#endif
#if __has_include("timeline/timeline_page.h")
#include "timeline/timeline_page.h"
#define HAVE_TIMELINE_PAGE 1
#endif
#if __has_include("tables/leaks_page.h")
#include "tables/latency_page.h"
#include "tables/leaks_page.h"
#define HAVE_TABLE_PAGES 1
#endif

namespace teescope::gui {

QList<ViewPage *> createPages(Selection *selection, QWidget *parent)
{
    QList<ViewPage *> pages{new SummaryPage(selection, parent)};
#ifdef HAVE_GRAPH_PAGE
    pages << new GraphPage(selection, parent);
#endif
#ifdef HAVE_TIMELINE_PAGE
    pages << new TimelinePage(selection, parent);
#endif
#ifdef HAVE_TABLE_PAGES
    pages << new LeaksPage(selection, parent) << new LatencyPage(selection, parent);
#endif
    return pages;
}

} // namespace teescope::gui
