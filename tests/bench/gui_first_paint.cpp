// SPDX-License-Identifier: MIT
// First paint of teescope-gui on a big database: the time from opening the database until the
// summary page is painted with its counts, until each page is ready and until every page is.
// The reference, in the same process: the first paint of an empty main window of the same size.
// Then the graph and the timeline are shown in turn, and the process's peak RSS is printed
// against the RSS the empty window had.
//   gui_first_paint DB [--rounds N]       (run with QT_QPA_PLATFORM=offscreen)
#include "core/jobs.h"
#include "core/view_page.h"
#include "window/main_window.h"
#include "window/summary_page.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QEvent>
#include <QMainWindow>
#include <QThreadPool>

#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <functional>
#include <vector>

using namespace teescope::gui;

namespace {

constexpr std::array kViews{ViewId::Summary, ViewId::Graph, ViewId::Timeline, ViewId::Leaks, ViewId::Latency};
constexpr qint64 kReadyTimeoutNs = 300'000'000'000LL;
constexpr qint64 kShowTimeoutNs = 30'000'000'000LL;

// Records when `widget` is first painted while `ready()` holds.
class PaintWatch : public QObject {
public:
    PaintWatch(QWidget *widget, std::function<bool()> ready) : ready_(std::move(ready)) { widget->installEventFilter(this); }
    bool eventFilter(QObject *, QEvent *e) override
    {
        if (e->type() == QEvent::Paint && painted_ < 0 && ready_())
            painted_ = timer_.nsecsElapsed();
        return false;
    }
    void start() { timer_.start(); painted_ = -1; }
    qint64 painted() const { return painted_; }
    qint64 now() const { return timer_.nsecsElapsed(); }

private:
    std::function<bool()> ready_;
    QElapsedTimer timer_;
    qint64 painted_ = -1;
};

double ms(qint64 ns) { return double(ns) / 1e6; }

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
}

double peakRssMb()
{
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return double(usage.ru_maxrss) / 1024.0; // kB on Linux
}

// Shows `view` and waits until its page, or a widget in it, has been painted (a page covered by
// its views gets no paint of its own); the time it took (ms), -1 if never.
double showAndPaint(QApplication &app, MainWindow &window, ViewId view)
{
    ViewPage *page = window.page(view);
    PaintWatch watch(page, [] { return true; });
    for (QWidget *child : page->findChildren<QWidget *>())
        child->installEventFilter(&watch);
    watch.start();
    window.showView(view);
    while (watch.painted() < 0 && watch.now() < kShowTimeoutNs)
        app.processEvents(QEventLoop::AllEvents, 5);
    // Let every view inside the page paint too.
    app.processEvents(QEventLoop::AllEvents, 50);
    return watch.painted() < 0 ? -1 : ms(watch.painted());
}

} // namespace

int main(int argc, char **argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.size() < 2) {
        std::fprintf(stderr, "usage: gui_first_paint DB [--rounds N]\n");
        return 2;
    }
    const QString db = args.at(1);
    int rounds = 3;
    if (const qsizetype i = args.indexOf(QStringLiteral("--rounds")); i > 0 && i + 1 < args.size())
        rounds = std::max(1, args.at(i + 1).toInt());

    std::vector<double> reference, firstPaint, allReady;
    std::vector<std::vector<double>> pageReady(kViews.size());
    double emptyRss = 0;
    bool complete = true;
    for (int round = 0; round < rounds; ++round) {
        {
            QMainWindow empty;
            empty.resize(1600, 1000);
            PaintWatch watch(&empty, [] { return true; });
            watch.start();
            empty.show();
            while (watch.painted() < 0)
                app.processEvents(QEventLoop::AllEvents, 5);
            reference.push_back(ms(watch.painted()));
            if (round == 0)
                emptyRss = peakRssMb();
        }
        MainWindow window;
        window.resize(1600, 1000);
        window.showView(ViewId::Summary);
        auto *summary = static_cast<SummaryPage *>(window.page(ViewId::Summary));
        PaintWatch watch(summary, [summary] { return !summary->counts().info.dbPath.isEmpty(); });
        // When each page became ready (its last change to ready), from the moment the database is
        // opened.
        std::vector<qint64> readyAt(kViews.size(), -1);
        QObject readyContext; // goes (and disconnects) before what the slots use
        for (size_t k = 0; k < kViews.size(); ++k)
            QObject::connect(window.page(kViews[k]), &ViewPage::readyChanged, &readyContext,
                             [&, k](bool ready) { readyAt[k] = ready ? watch.now() : -1; });
        watch.start();
        QString error;
        if (!window.openDatabase(db, &error)) {
            std::fprintf(stderr, "gui_first_paint: %s\n", qPrintable(error));
            return 1;
        }
        window.show();
        while (watch.painted() < 0 && watch.now() < 60'000'000'000LL)
            app.processEvents(QEventLoop::AllEvents, 5);
        firstPaint.push_back(ms(watch.painted()));
        auto everyPageReady = [&] {
            for (ViewId v : kViews)
                if (!window.page(v)->isReady())
                    return false;
            return true;
        };
        while (!everyPageReady() && watch.now() < kReadyTimeoutNs)
            app.processEvents(QEventLoop::AllEvents, 5);
        allReady.push_back(ms(watch.now()));
        if (!everyPageReady())
            complete = false;
        std::printf("round %d: first paint %.1f ms, every page ready %.1f ms, empty window %.1f ms\n", round + 1,
                    firstPaint.back(), allReady.back(), reference.back());
        std::printf("round %d: ready", round + 1);
        // Read now: showing a page later may start more work on it.
        for (size_t k = 0; k < kViews.size(); ++k) {
            // A page already ready when its signal was connected counts as ready at once.
            const qint64 at = readyAt[k] >= 0 ? readyAt[k] : (window.page(kViews[k])->isReady() ? 0 : -1);
            pageReady[k].push_back(at < 0 ? -1 : ms(at));
            std::printf(" %s %.1f ms", qPrintable(viewName(kViews[k])), pageReady[k].back());
        }
        std::printf("\n");
        const double graphShown = showAndPaint(app, window, ViewId::Graph);
        const double timelineShown = showAndPaint(app, window, ViewId::Timeline);
        std::printf("round %d: graph shown in %.1f ms, timeline shown in %.1f ms, peak RSS %.0f MB\n", round + 1,
                    graphShown, timelineShown, peakRssMb());
        if (graphShown < 0 || timelineShown < 0)
            complete = false;
        window.close();
        jobPool()->waitForDone();
    }
    const double fp = median(firstPaint), ref = median(reference);
    std::printf("first paint (median of %d): %.1f ms; target < 100 ms: ratio %.3f\n", rounds, fp, fp / 100.0);
    std::printf("RATIO first_paint / empty_window_first_paint = %.2f (%.1f / %.1f ms)\n", fp / std::max(ref, 0.001), fp, ref);
    std::printf("every page ready (median): %.1f ms\n", median(allReady));
    for (size_t k = 0; k < kViews.size(); ++k)
        std::printf("page ready (median): %s %.1f ms\n", qPrintable(viewName(kViews[k])), median(pageReady[k]));
    std::printf("peak RSS with the graph and the timeline shown: %.0f MB (empty window %.0f MB)\n", peakRssMb(),
                emptyRss);
    if (!complete) {
        std::fprintf(stderr, "gui_first_paint: a page was not ready within %lld s or not painted within %lld s\n",
                     kReadyTimeoutNs / 1'000'000'000LL, kShowTimeoutNs / 1'000'000'000LL);
        return 1;
    }
    return 0;
}
