// SPDX-License-Identifier: MIT
// The Timeline page: every thread's invocations and served callback requests over time.
// Loads in stages in background jobs (lanes, callback requests and markers first, then
// invocations in chunks by id), painting what is loaded; refresh() loads rows with larger ids.
#pragma once

#include "core/jobs.h"
#include "core/view_page.h"
#include "timeline/timeline_data.h"

class QTimer;

namespace teescope::gui {

class TimelineView;

class TimelinePage : public ViewPage {
    Q_OBJECT
public:
    // Invocations read per background job; merging one on the GUI thread takes a few tens of ms.
    static constexpr qint64 kChunkSize = 100000;
    // A trace with more invocations than this is windowed (timeline_page_window.cpp): held as a
    // summary, with the invocations of the range in view read when it holds at most
    // detailLimit() of them. Settable for tests.
    static qint64 fullLoadLimit();
    static void setFullLoadLimit(qint64 invocations);
    static qint64 detailLimit();
    static void setDetailLimit(qint64 invocations);

    explicit TimelinePage(Selection *selection, QWidget *parent = nullptr);

    ViewId viewId() const override { return ViewId::Timeline; }
    void openTrace(const TraceInfo &trace) override;
    void refresh() override;
    // Live mode (timeline_page_live.cpp): the view follows now, in-flight invocations grow.
    void setLive(bool live, qint64 now) override;

    QStringList exportFormats() const override;
    bool exportTo(const QString &path, const QString &format, QString *error) override;

    void zoomIn() override;
    void zoomOut() override;
    void resetZoom() override;

    const TimelineData &data() const { return data_; }
    TimelineView *view() const { return view_; }

private:
    void loadStructure(int generation);
    // Reads the ends of the invocations loaded in flight, then loads what is new.
    void loadEnds(int generation);
    // A load failed: what is shown stays, the error is reported, the page is final.
    void failLoad(const QString &error);
    void loadChunk(int generation);
    void finishLoading();
    // Windowed (timeline_page_window.cpp): the summary, then the detail of the view.
    void loadSummary(int generation);
    void scheduleDetail();
    void loadDetail();
    // Finds where an invocation or request not in the window is, and shows it (then revealPending).
    bool locatePending();
    void onItemChanged(ItemRef item);
    void onRangeChanged(TimeRange range);
    void revealPending();
    bool exportCsv(const QString &path, QString *error) const;

    TimelineData data_;
    TimelineView *view_;
    TraceInfo trace_;
    JobGeneration generation_;
    bool loading_ = false;
    bool refreshPending_ = false;
    bool ownRange_ = false;    // the range being set came from this page
    bool ownItem_ = false;     // the item being selected came from this page
    ItemRef pendingReveal_;    // selected before its slice was loaded
    JobGeneration detailGeneration_;
    bool detailBusy_ = false;  // a detail job runs
    bool detailStale_ = false; // the window must be read again (a live file grew)
    ItemRef located_;          // the pending item already looked up
    QTimer *detailTimer_;
};

} // namespace teescope::gui
