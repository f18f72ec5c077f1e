// SPDX-License-Identifier: MIT
// First paint of teescope-gui on a big database: the time from opening the database until the
// summary page is painted with its counts, and until every page is ready. The reference, in the
// same process: the first paint of an empty main window of the same size.
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

#include <algorithm>
#include <cstdio>
#include <vector>

using namespace teescope::gui;

namespace {

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
        }
        MainWindow window;
        window.resize(1600, 1000);
        window.showView(ViewId::Summary);
        auto *summary = static_cast<SummaryPage *>(window.page(ViewId::Summary));
        PaintWatch watch(summary, [summary] { return !summary->counts().info.dbPath.isEmpty(); });
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
        // When each page got ready (its background loads done), from the open.
        const std::vector<std::pair<ViewId, const char *>> pages{{ViewId::Summary, "summary"},
                                                                 {ViewId::Graph, "graph"},
                                                                 {ViewId::Timeline, "timeline"},
                                                                 {ViewId::Leaks, "leaks"},
                                                                 {ViewId::Latency, "latency"}};
        std::vector<double> readyAt(pages.size(), -1);
        auto everyPageReady = [&] {
            bool all = true;
            for (size_t i = 0; i < pages.size(); ++i) {
                if (readyAt[i] < 0 && window.page(pages[i].first)->isReady())
                    readyAt[i] = ms(watch.now());
                all = all && readyAt[i] >= 0;
            }
            return all;
        };
        while (!everyPageReady() && watch.now() < 300'000'000'000LL)
            app.processEvents(QEventLoop::AllEvents, 5);
        allReady.push_back(ms(watch.now()));
        std::printf("round %d: first paint %.1f ms, every page ready %.1f ms, empty window %.1f ms\n", round + 1,
                    firstPaint.back(), allReady.back(), reference.back());
        std::printf("round %d: ready", round + 1);
        for (size_t i = 0; i < pages.size(); ++i)
            std::printf(" %s %.1f ms%s", pages[i].second, readyAt[i], i + 1 < pages.size() ? "," : "\n");
        window.close();
        jobPool()->waitForDone();
    }
    const double fp = median(firstPaint), ref = median(reference);
    std::printf("first paint (median of %d): %.1f ms; target 1000 ms: ratio %.3f\n", rounds, fp, fp / 1000.0);
    std::printf("RATIO first_paint / empty_window_first_paint = %.2f (%.1f / %.1f ms)\n", fp / std::max(ref, 0.001), fp, ref);
    std::printf("every page ready (median): %.1f ms\n", median(allReady));
    return fp < 1000.0 ? 0 : 1;
}
