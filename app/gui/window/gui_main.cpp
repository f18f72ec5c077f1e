// SPDX-License-Identifier: MIT
#include "window/gui_main.h"

#include "core/selection.h"
#include "window/graph_export.h"
#include "window/import_runner.h"
#include "window/live_source.h"
#include "window/main_window.h"
#include "window/screenshot.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QEventLoop>
#include <QFileInfo>
#include <QTextStream>

#include <cstdio>
#include <cstring>
#include <optional>

namespace teescope::gui {

namespace {

void say(const QString &text)
{
    QTextStream err(stderr);
    err << "teescope-gui: " << text << Qt::endl;
}

// Imports a trace directory without a window, progress on stderr; returns the database or "".
QString importHeadless(const QString &traceDir)
{
    const QString db = ImportRunner::databaseFor(traceDir);
    if (ImportRunner::isUpToDate(db, traceDir))
        return db;
    ImportRunner runner;
    QEventLoop loop;
    QString result;
    QObject::connect(&runner, &ImportRunner::finished, &loop,
                     [&](bool ok, bool, const QString &path, const QString &message) {
                         if (!message.isEmpty())
                             say(message);
                         if (ok)
                             result = path;
                         loop.quit();
                     });
    runner.start(traceDir, db);
    loop.exec();
    return result;
}

// Headless runs print only what matters: the offscreen platform's notices are dropped.
QtMessageHandler defaultHandler = nullptr;
void quietOffscreen(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    if (message.contains(QLatin1String("propagateSizeHints")) || message.contains(QLatin1String("XDG_RUNTIME_DIR")))
        return;
    defaultHandler(type, context, message);
}

// A run that only writes a file (a screenshot, an exported graph) needs no display.
bool writesFileOnly(int argc, char **argv)
{
    for (int i = 1; i < argc; ++i)
        for (const char *option : {"--screenshot", "--export-graph"}) {
            const size_t n = std::strlen(option);
            if (std::strncmp(argv[i], option, n) == 0 && (argv[i][n] == '\0' || argv[i][n] == '='))
                return true;
        }
    return false;
}

} // namespace

int guiMain(int argc, char **argv)
{
    // Screenshots render offscreen unless a platform was chosen: no display needed.
    if (writesFileOnly(argc, argv)) {
        if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
            qputenv("QT_QPA_PLATFORM", "offscreen");
        defaultHandler = qInstallMessageHandler(quietOffscreen);
    }
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("teescope-gui"));
    QApplication::setOrganizationName(QStringLiteral("teescope"));
    QApplication::setApplicationVersion(QStringLiteral(TEESCOPE_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Shows a teescope trace database (or imports a trace directory first): summary, capability graph, "
        "timeline, leaks and latency."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("path"), QStringLiteral("a trace database (FILE.db) or a CTF trace directory"));
    QCommandLineOption screenshot(QStringLiteral("screenshot"), QStringLiteral("render a view offscreen into OUT.png and exit"),
                                  QStringLiteral("OUT.png"));
    QCommandLineOption view(QStringLiteral("view"), QStringLiteral("the view: summary, graph, timeline, leaks or latency"),
                            QStringLiteral("NAME"), QStringLiteral("summary"));
    QCommandLineOption palette(QStringLiteral("palette"), QStringLiteral("light or dark"), QStringLiteral("NAME"));
    QCommandLineOption size(QStringLiteral("size"), QStringLiteral("window size for --screenshot"), QStringLiteral("WxH"),
                            QStringLiteral("1600x1000"));
    QCommandLineOption select(QStringLiteral("select"),
                              QStringLiteral("select an item once open: process:ID, thread:ID, context:ID, object:ID, "
                                             "session:ID, invocation:ID or request:ID (database ids)"),
                              QStringLiteral("KIND:ID"));
    QCommandLineOption guest(QStringLiteral("guest"),
                             QStringLiteral("show one Xen guest in every view: its OP-TEE client id (0: native)"),
                             QStringLiteral("N"));
    QCommandLineOption timeout(QStringLiteral("timeout"), QStringLiteral("seconds to wait for the view (--screenshot)"),
                               QStringLiteral("SECONDS"), QStringLiteral("120"));
    // For `teescope export --format dot|svg|png`, which documents them.
    QCommandLineOption exportGraphOption(QStringLiteral("export-graph"),
                                         QStringLiteral("write the capability graph into OUT and exit"),
                                         QStringLiteral("OUT"));
    QCommandLineOption graphFormat(QStringLiteral("graph-format"), QStringLiteral("svg, png or dot"),
                                   QStringLiteral("NAME"), QStringLiteral("svg"));
    QCommandLineOption at(QStringLiteral("at"), QStringLiteral("trace time (ns) of the exported graph"),
                          QStringLiteral("NS"));
    for (QCommandLineOption *o : {&exportGraphOption, &graphFormat, &at})
        o->setFlags(QCommandLineOption::HiddenFromHelp);
    QCommandLineOption live(QStringLiteral("live"),
                            QStringLiteral("record CMD (after --) live and follow it as it runs"));
    QCommandLineOption sim(QStringLiteral("sim"), QStringLiteral("with --live: run CMD against teesim (qtee or optee)"),
                           QStringLiteral("TEE"));
    QCommandLineOption simConfig(QStringLiteral("sim-config"), QStringLiteral("with --live: teesim's configuration"),
                                 QStringLiteral("FILE"));
    QCommandLineOption liveUrl(QStringLiteral("live-url"),
                               QStringLiteral("follow the live session net://HOST[:PORT]/host/HOSTNAME/SESSION of "
                                              "a relay daemon"),
                               QStringLiteral("URL"));
    parser.addOptions({screenshot, view, palette, size, select, guest, timeout, exportGraphOption, graphFormat, at, live,
                       sim, simConfig, liveUrl});
    parser.process(app);

    const QStringList args = parser.positionalArguments();
    if (args.size() > 1 && !parser.isSet(live)) {
        say(QStringLiteral("one database or trace directory at a time"));
        return 2;
    }
    ViewId viewId = ViewId::Summary;
    if (!parseViewName(parser.value(view), &viewId)) {
        say(QStringLiteral("unknown view '%1' (summary, graph, timeline, leaks, latency)").arg(parser.value(view)));
        return 2;
    }
    const QString paletteName = parser.value(palette);
    if (!paletteName.isEmpty() && paletteName != QLatin1String("light") && paletteName != QLatin1String("dark")) {
        say(QStringLiteral("unknown palette '%1' (light, dark)").arg(paletteName));
        return 2;
    }

    ItemRef selected;
    if (parser.isSet(select) && !parseItemRef(parser.value(select), &selected)) {
        say(QStringLiteral("bad --select '%1' (KIND:ID, KIND one of process, thread, context, object, session, "
                           "invocation, request)")
                .arg(parser.value(select)));
        return 2;
    }
    int guestFilter = Selection::kAllGuests;
    if (parser.isSet(guest)) {
        bool ok = false;
        guestFilter = parser.value(guest).toInt(&ok);
        if (!ok || guestFilter < 0) {
            say(QStringLiteral("bad --guest '%1' (an OP-TEE client id, 0 for native)").arg(parser.value(guest)));
            return 2;
        }
    }

    if (parser.isSet(live) || parser.isSet(liveUrl)) {
        if (parser.isSet(live) == parser.isSet(liveUrl)) {
            say(QStringLiteral("--live records a command, --live-url follows a session: one of them"));
            return 2;
        }
        if (parser.isSet(live) && args.isEmpty()) {
            say(QStringLiteral("--live needs a command (teescope-gui --live [--sim qtee] -- CMD ARGS...)"));
            return 2;
        }
        if (parser.isSet(liveUrl) && !args.isEmpty()) {
            say(QStringLiteral("--live-url follows one session: no database or trace directory with it"));
            return 2;
        }
        const QString tee = parser.value(sim);
        if (parser.isSet(sim) && tee != QLatin1String("qtee") && tee != QLatin1String("optee")) {
            say(QStringLiteral("--sim takes qtee or optee, not '%1'").arg(tee));
            return 2;
        }
        MainWindow window;
        QString error;
        const bool started = parser.isSet(live)
                                 ? window.startLiveRecording({parser.isSet(sim) ? tee : QString(),
                                                              parser.value(simConfig), args},
                                                             &error)
                                 : window.startLiveImport(parser.value(liveUrl), &error);
        if (!started) {
            say(error);
            return 1;
        }
        QObject::connect(window.liveSource(), &LiveSource::finished, &window,
                         [](bool ok, const QString &db, const QString &message) {
                             say(ok ? QStringLiteral("finished: %1").arg(db)
                                    : (message.isEmpty() ? QStringLiteral("the live import failed") : message));
                         });
        window.show();
        if (parser.isSet(view))
            window.showView(viewId);
        return app.exec();
    }
    if (parser.isSet(exportGraphOption)) {
        if (args.isEmpty()) {
            say(QStringLiteral("--export-graph needs a database"));
            return 2;
        }
        std::optional<qint64> atTs;
        if (parser.isSet(at)) {
            bool ok = false;
            atTs = parser.value(at).toLongLong(&ok);
            if (!ok) {
                say(QStringLiteral("bad --at '%1' (trace time in ns)").arg(parser.value(at)));
                return 2;
            }
        }
        const QString error = exportGraph(args.first(), parser.value(exportGraphOption), parser.value(graphFormat),
                                          atTs, parser.value(timeout).toInt() * 1000);
        if (!error.isEmpty()) {
            say(error);
            return 1;
        }
        return 0;
    }

    MainWindow window(nullptr, parser.isSet(screenshot) ? MainWindow::Layout::Fresh : MainWindow::Layout::Remembered);
    if (!paletteName.isEmpty())
        window.setDarkPalette(paletteName == QLatin1String("dark"));

    if (parser.isSet(screenshot)) {
        if (args.isEmpty()) {
            say(QStringLiteral("--screenshot needs a database or a trace directory"));
            return 2;
        }
        const QStringList wh = parser.value(size).split(QLatin1Char('x'));
        bool okW = false, okH = false;
        const int w = wh.size() == 2 ? wh[0].toInt(&okW) : 0, h = wh.size() == 2 ? wh[1].toInt(&okH) : 0;
        if (!okW || !okH || w < 200 || h < 150 || w > 10000 || h > 10000) {
            say(QStringLiteral("bad --size '%1' (WxH, e.g. 1600x1000)").arg(parser.value(size)));
            return 2;
        }
        bool okT = false;
        const int seconds = parser.value(timeout).toInt(&okT);
        if (!okT || seconds <= 0) {
            say(QStringLiteral("bad --timeout '%1'").arg(parser.value(timeout)));
            return 2;
        }
        QString db = args.first();
        if (QFileInfo(db).isDir()) {
            db = importHeadless(db);
            if (db.isEmpty())
                return 1;
        }
        QString error;
        if (!window.openDatabase(db, &error)) {
            say(error);
            return 1;
        }
        window.resize(w, h);
        window.show();
        window.selection()->setGuestFilter(guestFilter);
        if (selected.isValid())
            window.selection()->select(selected);
        error = saveScreenshot(window, viewId, parser.value(screenshot), seconds * 1000);
        if (!error.isEmpty()) {
            say(error);
            return 1;
        }
        return 0;
    }

    window.show();
    if (!args.isEmpty()) {
        // The selection applies to the database once it is open (after an import, too).
        QObject::connect(&window, &MainWindow::traceOpened, &window, [&window, selected, guestFilter] {
            window.selection()->setGuestFilter(guestFilter);
            if (selected.isValid())
                window.selection()->select(selected);
        }, Qt::SingleShotConnection);
        window.openPath(args.first());
    }
    // Without --view the remembered view stays.
    if (parser.isSet(view))
        window.showView(viewId);
    return app.exec();
}

} // namespace teescope::gui
