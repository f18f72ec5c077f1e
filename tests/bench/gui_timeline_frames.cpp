// SPDX-License-Identifier: MIT
// Frame times of the timeline on a large database: loads it (as the page does, in background
// jobs), then paints a scripted sequence of views (whole trace -> deep zoom -> pans -> back out)
// into a 1600x900 image and reports p50 / p95 / max frame time, against 16 ms (60 fps) and
// against a reference measured in the same run: painting the empty lane background of the same
// size as many times.
//
//   gui_timeline_frames [DB (default /tmp/big5m.db)] [FRAMES (default 300)]
// Exits 77 (skipped) when the database cannot be opened. TIMELINE_BENCH_VERBOSE=1 prints every
// frame; TIMELINE_BENCH_PNG=prefix saves a few frames as pictures.
#include "core/selection.h"
#include "core/trace_db.h"
#include "timeline/timeline_page.h"
#include "timeline/timeline_view.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QImage>
#include <QPainter>
#include <QTest>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <vector>

using namespace teescope::gui;

namespace {

struct Stats {
    double p50, p95, max;
};

Stats stats(std::vector<double> ms)
{
    std::sort(ms.begin(), ms.end());
    auto at = [&](double q) { return ms[std::min(ms.size() - 1, size_t(q * double(ms.size() - 1) + 0.5))]; };
    return {at(0.5), at(0.95), ms.back()};
}

} // namespace

int main(int argc, char **argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    const QString path = argc > 1 ? QString::fromLocal8Bit(argv[1]) : QStringLiteral("/tmp/big5m.db");
    const int frames = argc > 2 ? std::max(20, atoi(argv[2])) : 300;

    TraceInfo info;
    try {
        auto db = openTraceDb(path);
        info = loadTraceInfo(db);
    } catch (const std::exception &e) {
        std::fprintf(stderr, "gui_timeline_frames: %s\n", e.what());
        return 77; // skipped: no such database here
    }
    Selection selection;
    TimelinePage page(&selection);
    page.resize(1600, 900);
    page.show();

    // Loading: the GUI thread keeps running; count how long it was ever blocked.
    QElapsedTimer load;
    load.start();
    qint64 longestStall = 0;
    QElapsedTimer tick;
    tick.start();
    QTimer heartbeat;
    QObject::connect(&heartbeat, &QTimer::timeout, [&] {
        longestStall = std::max(longestStall, tick.elapsed());
        tick.restart();
    });
    heartbeat.start(5);
    page.openTrace(info);
    while (!page.isReady())
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 50);
    heartbeat.stop();
    const qint64 loadMs = load.elapsed();
    if (!page.loadError().isEmpty()) {
        std::fprintf(stderr, "gui_timeline_frames: %s\n", qPrintable(page.loadError()));
        return 2;
    }
    const bool windowed = page.data().isWindowed();
    const qint64 invocations = windowed && page.data().summary() ? page.data().summary()->invocations()
                                                                 : page.data().invocationCount();
    std::printf("database %s: %lld invocations, %zu lanes, %s, ready in %lld ms (GUI thread blocked at most %lld ms)\n",
                qPrintable(path), static_cast<long long>(invocations), page.data().lanes().size(),
                windowed ? "windowed (summary + detail of the view)" : "held whole", static_cast<long long>(loadMs),
                static_cast<long long>(longestStall));
    if (invocations < 1000000)
        std::printf("warning: fewer than 1 M invocations; the target is stated for >= 1 M\n");

    TimelineView *view = page.view();
    if (qEnvironmentVariableIsSet("TIMELINE_BENCH_VERBOSE")) {
        // Aggregation alone, whole trace.
        TimeMapping all(view->mapping().traceBegin(), view->mapping().traceEnd(), view->plotWidth());
        std::vector<TimelineRun> runs;
        QElapsedTimer t;
        t.start();
        size_t total = 0, rows = 0;
        for (int k = 0; k < 20; ++k)
            for (const auto &lane : page.data().lanes())
                for (const auto &row : lane.rows) {
                    TimelineData::runs(row, all, runs);
                    total += runs.size();
                    rows += k == 0;
                }
        std::printf("aggregation of the whole trace: %.2f ms per frame, %zu rows, %zu runs\n",
                    double(t.nsecsElapsed()) / 1e6 / 20, rows, total / 20);
        // Merging one chunk, the GUI thread's share of loading.
        auto db = openTraceDb(path);
        TimelineData data;
        data.apply(TimelineData::readStructure(db, 0, 0));
        auto chunk = TimelineData::readInvocations(db, 0, TimelinePage::kChunkSize);
        t.restart();
        data.apply(std::move(chunk));
        std::printf("merging a chunk of %lld invocations: %.2f ms\n", static_cast<long long>(TimelinePage::kChunkSize),
                    double(t.nsecsElapsed()) / 1e6);
    }
    QImage image(1600, 900, QImage::Format_ARGB32_Premultiplied);
    // The script: whole trace, zoom in 1.4x per frame around a point to a deep zoom, pan right
    // and left, zoom back out.
    const int zoomFrames = frames / 3, panFrames = frames / 3;
    const double anchor = view->plotWidth() * 0.37;
    std::vector<double> frameMs;
    frameMs.reserve(size_t(frames));
    view->resetZoom();
    // Windowed: the detail of a view is read in a background job; before each frame the jobs the
    // last view change started are let finish (not timed), so the frames paint what a user sees
    // once the view rests. Frames painted from the detail and from the summary are counted.
    int detailFrames = 0;
    qint64 waitedMs = 0;
    auto settle = [&] {
        if (!windowed)
            return;
        QElapsedTimer w;
        w.start();
        // The script moves the mapping directly: tell the page the view changed.
        view->showRange(view->mapping().viewBegin(), view->mapping().viewEnd());
        QCoreApplication::processEvents();
        QTest::qWait(60); // the page reads a view's detail once it rests 40 ms
        while (!page.data().windowCovers(view->mapping().viewBegin(), view->mapping().viewEnd()) &&
               page.data().summary()->countIn(view->mapping().viewBegin(), view->mapping().viewEnd()) <=
                   TimelinePage::detailLimit() &&
               w.elapsed() < 20000)
            QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 20);
        waitedMs += w.elapsed();
    };
    for (int i = 0; i < frames; ++i) {
        if (i == 0) {
        } else if (i < zoomFrames) {
            if (view->mapping().viewSpan() > 20000)
                const_cast<TimeMapping &>(view->mapping()).zoom(1.4, anchor);
        } else if (i < zoomFrames + panFrames) {
            view->panBy(((i - zoomFrames) / 20) % 2 ? -90 : 90);
        } else {
            const_cast<TimeMapping &>(view->mapping()).zoom(1 / 1.4, anchor);
        }
        settle();
        detailFrames += windowed && page.data().windowCovers(view->mapping().viewBegin(), view->mapping().viewEnd());
        QElapsedTimer t;
        t.start();
        QPainter p(&image);
        view->paintTo(p);
        p.end();
        frameMs.push_back(double(t.nsecsElapsed()) / 1e6);
        // TIMELINE_BENCH_PNG=prefix: a picture of the whole trace, the deepest zoom and a pan.
        if (const QString png = qEnvironmentVariable("TIMELINE_BENCH_PNG");
            !png.isEmpty() && (i == 0 || i == zoomFrames - 1 || i == zoomFrames + panFrames / 2))
            image.save(png + QString::number(i) + QStringLiteral(".png"));
        if (qEnvironmentVariableIsSet("TIMELINE_BENCH_VERBOSE"))
            std::printf("frame %d: %.2f ms, view %lld ns\n", i, frameMs.back(),
                        static_cast<long long>(view->mapping().viewSpan()));
    }

    // Reference: the lane background only, the same number of times.
    std::vector<double> refMs;
    const QPalette pal = view->palette();
    for (int i = 0; i < frames; ++i) {
        QElapsedTimer t;
        t.start();
        QPainter p(&image);
        p.fillRect(image.rect(), pal.color(QPalette::Base));
        for (size_t l = 0; l < page.data().lanes().size(); ++l) {
            const int top = view->laneTop(int(l)), h = view->laneHeight(int(l));
            p.fillRect(QRect(0, top, 1600, h), l % 2 ? pal.color(QPalette::AlternateBase) : pal.color(QPalette::Base));
            p.fillRect(QRect(0, top, TimelineView::kHeaderWidth, h), pal.color(QPalette::Window));
        }
        p.end();
        refMs.push_back(double(t.nsecsElapsed()) / 1e6);
    }
    const Stats f = stats(frameMs), r = stats(refMs);
    std::printf("frames: %d at 1600x900, deepest view %lld ns\n", frames,
                static_cast<long long>(TimeMapping::kMinSpan));
    if (windowed)
        std::printf("windowed: %d frames from the detail, %d from the summary; %lld ms waiting for detail jobs\n",
                    detailFrames, frames - detailFrames, static_cast<long long>(waitedMs));
    std::printf("timeline  frame ms: p50 %.2f  p95 %.2f  max %.2f\n", f.p50, f.p95, f.max);
    std::printf("reference frame ms: p50 %.2f  p95 %.2f  max %.2f (empty lane background)\n", r.p50, r.p95, r.max);
    std::printf("RATIO p95/16ms=%.3f p95/reference=%.2f\n", f.p95 / 16.0, f.p95 / std::max(r.p95, 1e-6));
    std::printf("target p95 <= 16 ms at >= 1 M invocations: %s\n",
                invocations < 1000000 ? "not applicable" : (f.p95 <= 16.0 ? "met" : "missed"));
    return 0;
}
