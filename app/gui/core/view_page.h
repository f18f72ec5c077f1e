// SPDX-License-Identifier: MIT
// The interface of a page of the main window (summary, graph, timeline, leaks, latency).
// A page loads its data in background jobs after openTrace(), and says when what it shows is
// final (isReady), which is when a screenshot may be taken.
#pragma once

#include "core/selection.h"
#include "core/trace_db.h"

#include <QStringList>
#include <QWidget>

namespace teescope::gui {

class ViewPage : public QWidget {
    Q_OBJECT
public:
    ViewPage(Selection *selection, QWidget *parent = nullptr);

    virtual ViewId viewId() const = 0;
    // Starts loading `trace` in the background; what was shown before is dropped.
    virtual void openTrace(const TraceInfo &trace) = 0;
    // The file grew (live mode): loads what is new, keeping what is shown.
    virtual void refresh() {}
    // Live mode: a live import is writing the file and has got to trace time `now`
    // (metadata.live_ts); called before refresh() at each commit, and once with live false when
    // the import finished.
    virtual void setLive(bool live, qint64 now)
    {
        live_ = live;
        liveNow_ = now;
    }
    bool isLive() const { return live_; }
    qint64 liveNow() const { return liveNow_; }

    // Loaded (and laid out): what the page shows is final.
    bool isReady() const { return ready_; }
    // Set when loading failed: the message names what was wrong.
    QString loadError() const { return loadError_; }

    // Export formats of the page ("svg", "png", "dot", "csv"), and the export itself.
    virtual QStringList exportFormats() const { return {}; }
    virtual bool exportTo(const QString &path, const QString &format, QString *error);

    // View > Zoom actions, for pages that zoom.
    virtual void zoomIn() {}
    virtual void zoomOut() {}
    virtual void resetZoom() {}
    // View > Fit: frames what the page shows (by default what resetZoom shows).
    virtual void fitToView() { resetZoom(); }

    Selection *selection() const { return selection_; }

Q_SIGNALS:
    void readyChanged(bool ready);
    // A line for the status bar.
    void statusMessage(const QString &text);

protected:
    void setReady(bool ready);
    void setLoadError(const QString &error);

private:
    Selection *selection_;
    bool ready_ = false;
    bool live_ = false;
    qint64 liveNow_ = 0;
    QString loadError_;
};

} // namespace teescope::gui
