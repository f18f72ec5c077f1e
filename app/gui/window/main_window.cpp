// SPDX-License-Identifier: MIT
#include "window/main_window.h"

#include "core/format.h"
#include "core/theme.h"
#include "core/view_page.h"
#include "graph/graph_page.h"
#include "window/import_runner.h"
#include "window/inspector.h"
#include "window/live_follower.h"
#include "window/live_source.h"
#include "window/pages.h"
#include "window/record_dialog.h"

#include <QAbstractScrollArea>
#include <QAbstractSpinBox>
#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QKeySequence>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProgressDialog>
#include <QPushButton>
#include <QSettings>
#include <QStatusBar>
#include <QTabBar>
#include <QTabWidget>
#include <QTextEdit>
#include <QToolBar>
#include <QVBoxLayout>

#include <utility>

namespace teescope::gui {

namespace {
QSettings settings() { return QSettings(QStringLiteral("teescope"), QStringLiteral("teescope-gui")); }
} // namespace

MainWindow::MainWindow(QWidget *parent, Layout remembered)
    : QMainWindow(parent), selection_(new Selection(this)), layout_(remembered)
{
    setWindowTitle(QStringLiteral("teescope"));
    setObjectName(QStringLiteral("MainWindow"));

    auto *central = new QWidget(this);
    auto *layout = new QVBoxLayout(central);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);

    banner_ = new QFrame(central);
    banner_->setObjectName(QStringLiteral("banner"));
    banner_->setAutoFillBackground(true);
    auto *bannerLayout = new QHBoxLayout(banner_);
    bannerLayout->setContentsMargins(10, 6, 10, 6);
    bannerLabel_ = new QLabel(banner_);
    bannerLabel_->setTextFormat(Qt::PlainText);
    bannerLabel_->setWordWrap(true);
    auto *details = new QPushButton(tr("Details"), banner_);
    connect(details, &QPushButton::clicked, this, [this] { showView(ViewId::Summary); });
    bannerLayout->addWidget(bannerLabel_, 1);
    bannerLayout->addWidget(details);
    banner_->hide();
    layout->addWidget(banner_);

    tabs_ = new QTabWidget(central);
    tabs_->setDocumentMode(true);
    pages_ = createPages(selection_, tabs_);
    for (ViewPage *page : pages_) {
        QString title = viewName(page->viewId());
        title[0] = title[0].toUpper();
        tabs_->addTab(page, title);
        connect(page, &ViewPage::statusMessage, this, [this](const QString &text) { statusBar()->showMessage(text, 8000); });
    }
    layout->addWidget(tabs_, 1);
    setCentralWidget(central);
    connect(tabs_, &QTabWidget::currentChanged, this, &MainWindow::focusPageView);

    inspector_ = new Inspector(selection_, this);
    connect(inspector_, &Inspector::loaded, this, &MainWindow::updateSelectionStatus);
    inspectorDock_ = new QDockWidget(tr("Inspector"), this);
    inspectorDock_->setObjectName(QStringLiteral("InspectorDock"));
    inspectorDock_->setWidget(inspector_);
    addDockWidget(Qt::RightDockWidgetArea, inspectorDock_);

    selectionStatus_ = new QLabel(this);
    selectionStatus_->setTextFormat(Qt::PlainText);
    statusBar()->addPermanentWidget(selectionStatus_);
    setupLiveFollowing();

    // The guest filter: every view shows one Xen guest, or all of them.
    guestBar_ = addToolBar(tr("Guest filter"));
    guestBar_->setObjectName(QStringLiteral("GuestFilterBar"));
    guestBar_->setMovable(false);
    auto *guestLabel = new QLabel(tr("Guest: "), guestBar_);
    guestBox_ = new QComboBox(guestBar_);
    guestBox_->setObjectName(QStringLiteral("guestFilter"));
    guestBox_->setToolTip(tr("Show one Xen guest in every view, or all of them"));
    guestBar_->addWidget(guestLabel);
    guestBar_->addWidget(guestBox_);
    guestBar_->hide();
    connect(guestBox_, &QComboBox::currentIndexChanged, this, [this](int index) {
        if (index >= 0)
            selection_->setGuestFilter(guestBox_->itemData(index).toInt());
    });
    connect(selection_, &Selection::guestFilterChanged, this, [this](int guest) {
        const int index = guestBox_->findData(guest);
        if (index >= 0 && index != guestBox_->currentIndex()) {
            const QSignalBlocker block(guestBox_);
            guestBox_->setCurrentIndex(index);
        }
        updateSelectionStatus();
    });

    connect(selection_, &Selection::revealRequested, this, &MainWindow::showView);
    connect(selection_, &Selection::itemChanged, this, &MainWindow::updateSelectionStatus);
    connect(selection_, &Selection::rangeChanged, this, &MainWindow::updateSelectionStatus);

    createActions();
    restoreLayout();
    // Sees every key before the focused widget does (see eventFilter).
    QCoreApplication::instance()->installEventFilter(this);
}

MainWindow::~MainWindow() = default;

void MainWindow::createActions()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *open = file->addAction(tr("&Open Database…"), this, [this] {
        const QString dir = settings().value(QStringLiteral("lastDir")).toString();
        const QString path = QFileDialog::getOpenFileName(this, tr("Open a trace database"), dir,
                                                          tr("teescope databases (*.db);;All files (*)"));
        if (!path.isEmpty())
            openPath(path);
    });
    open->setShortcut(QKeySequence::Open);
    QAction *openTrace = file->addAction(tr("Open &Trace Directory…"), this, [this] {
        // The last trace opened (not the cache folder its database went to), else home.
        QString start = settings().value(QStringLiteral("lastTraceDir")).toString();
        if (start.isEmpty() || !QFileInfo(start).isDir())
            start = QDir::homePath();
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Open a CTF trace directory"), start);
        if (!dir.isEmpty())
            openPath(dir);
    });
    openTrace->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O));
    QAction *reload = file->addAction(tr("&Reload"), this, [this] {
        for (ViewPage *p : pages_)
            p->refresh();
    });
    reload->setShortcut(QKeySequence::Refresh);
    file->addSeparator();
    QAction *record = file->addAction(tr("Record &Live…"), this, [this] {
        RecordDialog dialog(this);
        if (dialog.exec() != QDialog::Accepted)
            return;
        QString error;
        if (!startLiveRecording(dialog.options(), &error))
            QMessageBox::warning(this, tr("Record Live"), error);
    });
    record->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
    stopLiveAction_ = file->addAction(tr("&Stop Recording"), this, &MainWindow::stopLive);
    stopLiveAction_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Period));
    stopLiveAction_->setEnabled(false);
    file->addSeparator();
    QAction *exportAction = file->addAction(tr("&Export View…"), this, &MainWindow::exportCurrent);
    exportAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    file->addSeparator();
    QAction *quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);

    QMenu *view = menuBar()->addMenu(tr("&View"));
    for (int i = 0; i < pages_.size(); ++i) {
        QAction *a = view->addAction(tabs_->tabText(i), this, [this, i] { tabs_->setCurrentIndex(i); });
        a->setShortcut(QKeySequence(Qt::CTRL | Qt::Key(Qt::Key_1 + i)));
    }
    view->addSeparator();
    QAction *zoomIn = view->addAction(tr("Zoom &In"), this, [this] { currentPage()->zoomIn(); });
    zoomIn->setShortcuts({QKeySequence::ZoomIn, QKeySequence(Qt::CTRL | Qt::Key_Equal)});
    QAction *zoomOut = view->addAction(tr("Zoom &Out"), this, [this] { currentPage()->zoomOut(); });
    zoomOut->setShortcut(QKeySequence::ZoomOut);
    // Graph: 100 %; timeline: the whole trace.
    QAction *zoomReset = view->addAction(tr("&Reset Zoom (graph 100 %)"), this, [this] { currentPage()->resetZoom(); });
    zoomReset->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_0));
    QAction *fit = view->addAction(tr("&Fit"), this, [this] { currentPage()->fitToView(); });
    fit->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_9));
    // The graph keeps its nodes in place while it changes (live mode); this lays it out afresh.
    QAction *relayout = view->addAction(tr("Re-&layout Graph"), this, [this] {
        if (auto *graph = qobject_cast<GraphPage *>(page(ViewId::Graph))) {
            showView(ViewId::Graph);
            graph->relayout();
        }
    });
    relayout->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_L));
    view->addSeparator();
    QAction *clear = view->addAction(tr("&Clear Selection"), this, [this] { selection_->clear(); });
    clear->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_A));
    view->addAction(inspectorDock_->toggleViewAction());
    inspectorDock_->toggleViewAction()->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_I));
    darkAction_ = view->addAction(tr("&Dark Palette"), this, [this](bool on) { setDarkPalette(on); });
    darkAction_->setCheckable(true);
    darkAction_->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_D));

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&Keyboard and Mouse"), this, [this] {
        QMessageBox box(QMessageBox::Information, tr("Keyboard and mouse"), shortcutsHelp(), QMessageBox::Ok, this);
        box.setObjectName(QStringLiteral("shortcutsHelp"));
        box.setTextFormat(Qt::PlainText);
        box.exec();
    });
    help->addAction(tr("&About teescope"), this, [this] {
        QMessageBox box(QMessageBox::Information, tr("About teescope"),
                        tr("teescope-gui %1\n\nCapability graphs, timelines, leaks and latency of TEE object graphs.")
                            .arg(QStringLiteral(TEESCOPE_VERSION)),
                        QMessageBox::Ok, this);
        box.setTextFormat(Qt::PlainText);
        box.exec();
    });
}

void MainWindow::restoreLayout()
{
    if (layout_ == Layout::Fresh) {
        resize(1500, 950);
        resizeDocks({inspectorDock_}, {340}, Qt::Horizontal);
        setDarkPalette(false);
        return;
    }
    QSettings s = settings();
    if (!restoreGeometry(s.value(QStringLiteral("geometry")).toByteArray()))
        resize(1500, 950);
    if (!restoreState(s.value(QStringLiteral("windowState")).toByteArray()))
        resizeDocks({inspectorDock_}, {340}, Qt::Horizontal);
    const bool dark = s.value(QStringLiteral("darkPalette"), false).toBool();
    setDarkPalette(dark);
    ViewId view = ViewId::Summary;
    if (parseViewName(s.value(QStringLiteral("view")).toString(), &view))
        showView(view);
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    if (layout_ == Layout::Fresh)
        return QMainWindow::closeEvent(event);
    QSettings s = settings();
    s.setValue(QStringLiteral("geometry"), saveGeometry());
    s.setValue(QStringLiteral("windowState"), saveState());
    s.setValue(QStringLiteral("darkPalette"), dark_);
    s.setValue(QStringLiteral("view"), viewName(currentView()));
    QMainWindow::closeEvent(event);
}

void MainWindow::setDarkPalette(bool dark)
{
    dark_ = dark;
    if (auto *app = qobject_cast<QApplication *>(QCoreApplication::instance()))
        applyPalette(*app, dark ? Palette::Dark : Palette::Light);
    if (darkAction_)
        darkAction_->setChecked(dark);
    updateBanner();
    update();
}

bool MainWindow::openDatabase(const QString &path, QString *error)
{
    QString traceDir = std::exchange(openingTraceDir_, QString());
    TraceInfo info;
    try {
        info = loadTraceInfo(openTraceDb(path));
    } catch (const std::exception &e) {
        if (error)
            *error = QString::fromUtf8(e.what());
        return false;
    }
    trace_ = info;
    // A database imported from a trace directory is named after the trace, not after its file
    // in the cache folder (which is no place to look for databases either).
    if (traceDir.isEmpty() && !info.tracePath.isEmpty() &&
        QFileInfo(path).absoluteFilePath() == QFileInfo(ImportRunner::databaseFor(info.tracePath)).absoluteFilePath())
        traceDir = info.tracePath;
    if (layout_ == Layout::Remembered && traceDir.isEmpty())
        settings().setValue(QStringLiteral("lastDir"), QFileInfo(path).absolutePath());
    const QString name = traceDir.isEmpty() ? QFileInfo(path).fileName() : QDir(traceDir).dirName();
    setWindowTitle(name + QStringLiteral(" — teescope"));
    setWindowFilePath(traceDir.isEmpty() ? QFileInfo(path).absoluteFilePath() : QFileInfo(traceDir).absoluteFilePath());
    selection_->clear();
    selection_->setGuestFilter(Selection::kAllGuests);
    updateGuestFilterBox();
    inspector_->setTrace(info);
    for (ViewPage *p : pages_) {
        p->setLive(info.live, info.lastTs);
        p->openTrace(info);
    }
    followIfLive();
    updateBanner();
    Q_EMIT traceOpened(path);
    return true;
}

void MainWindow::openPath(const QString &path)
{
    if (QFileInfo(path).isDir()) {
        openTraceDirectory(path);
        return;
    }
    QString error;
    if (!openDatabase(path, &error)) {
        QMessageBox box(QMessageBox::Warning, tr("Cannot open"), error, QMessageBox::Ok, this);
        box.setTextFormat(Qt::PlainText);
        box.exec();
        Q_EMIT openFailed(error);
    }
}

void MainWindow::openTraceDirectory(const QString &traceDir)
{
    const QString db = ImportRunner::databaseFor(traceDir);
    if (layout_ == Layout::Remembered)
        settings().setValue(QStringLiteral("lastTraceDir"), QFileInfo(traceDir).absoluteFilePath());
    if (ImportRunner::isUpToDate(db, traceDir)) {
        openingTraceDir_ = traceDir;
        openPath(db);
        return;
    }
    if (!importer_) {
        importer_ = new ImportRunner(this);
        connect(importer_, &ImportRunner::progress, this, [this](double fraction, qint64 events) {
            if (!importProgress_)
                return;
            importProgress_->setValue(int(fraction * 1000));
            importProgress_->setLabelText(tr("Importing… %1 events").arg(formatCount(events)));
        });
        connect(importer_, &ImportRunner::waiting, this, [this](qint64 pid) {
            if (importProgress_)
                importProgress_->setLabelText(pid > 0 ? tr("Waiting for another import of this trace (process %1)…").arg(pid)
                                                      : tr("Waiting for another import of this trace…"));
        });
        connect(importer_, &ImportRunner::finished, this,
                [this](bool ok, bool cancelled, const QString &dbPath, const QString &message) {
                    if (importProgress_) {
                        importProgress_->reset();
                        importProgress_->deleteLater();
                        importProgress_ = nullptr;
                    }
                    if (ok) {
                        if (!message.isEmpty())
                            statusBar()->showMessage(message, 15000);
                        openingTraceDir_ = importingTraceDir_;
                        openPath(dbPath);
                        return;
                    }
                    if (cancelled) {
                        statusBar()->showMessage(message, 8000);
                        return;
                    }
                    QMessageBox box(QMessageBox::Warning, tr("Import failed"), message, QMessageBox::Ok, this);
                    box.setTextFormat(Qt::PlainText);
                    box.exec();
                    Q_EMIT openFailed(message);
                });
    }
    if (importer_->isRunning())
        return;
    importProgress_ = new QProgressDialog(tr("Importing %1…").arg(traceDir), tr("Cancel"), 0, 1000, this);
    importProgress_->setWindowTitle(tr("Import"));
    importProgress_->setMinimumDuration(0);
    importProgress_->setAutoClose(false);
    importProgress_->setAutoReset(false);
    connect(importProgress_, &QProgressDialog::canceled, importer_, &ImportRunner::cancel);
    importingTraceDir_ = traceDir;
    importer_->start(traceDir, db);
}

void MainWindow::showView(ViewId view)
{
    if (ViewPage *p = page(view))
        tabs_->setCurrentWidget(p);
}

ViewId MainWindow::currentView() const { return currentPage()->viewId(); }

ViewPage *MainWindow::page(ViewId view) const
{
    for (ViewPage *p : pages_)
        if (p->viewId() == view)
            return p;
    return nullptr;
}

ViewPage *MainWindow::currentPage() const { return static_cast<ViewPage *>(tabs_->currentWidget()); }

QString MainWindow::bannerText() const { return banner_->isHidden() ? QString() : bannerLabel_->text(); }

void MainWindow::updateBanner()
{
    QStringList problems;
    if (!trace_.dbPath.isEmpty()) {
        if (trace_.lostEvents > 0)
            problems << tr("%1 events were lost while tracing").arg(formatCount(trace_.lostEvents));
        else if (trace_.dataLossRecords > 0)
            problems << tr("the trace lost data (%1 records affected)").arg(formatCount(trace_.dataLossRecords));
        if (trace_.readError)
            problems << tr("the trace could not be read to its end");
        if (!trace_.complete && !trace_.live)
            problems << tr("the import did not finish: the database is incomplete");
    }
    if (problems.isEmpty()) {
        banner_->hide();
        bannerLabel_->clear();
        return;
    }
    bannerLabel_->setText(tr("Data loss: %1. Lifetimes and leaks near the loss are inferred (marked).")
                              .arg(problems.join(QStringLiteral("; "))));
    QPalette p = banner_->palette();
    const QColor c = dataLossColor(dark_);
    p.setColor(QPalette::Window, QColor::fromHsl(c.hslHue(), dark_ ? 90 : 160, dark_ ? 55 : 228));
    p.setColor(QPalette::WindowText, dark_ ? Qt::white : Qt::black);
    banner_->setPalette(p);
    banner_->show();
}

void MainWindow::updateGuestFilterBox()
{
    const QSignalBlocker block(guestBox_);
    guestBox_->clear();
    guestBox_->addItem(tr("All guests"), Selection::kAllGuests);
    if (trace_.hasNative && !trace_.guests.isEmpty())
        guestBox_->addItem(guestLabel(0), 0);
    for (int guest : trace_.guests)
        guestBox_->addItem(guestLabel(guest), guest);
    guestBox_->setCurrentIndex(std::max(0, guestBox_->findData(selection_->guestFilter())));
    // Restoring the window state may have shown it; only a trace with guests needs it.
    guestBar_->setVisible(!trace_.guests.isEmpty());
}

void MainWindow::updateSelectionStatus()
{
    QStringList parts;
    if (selection_->guestFilter() != Selection::kAllGuests)
        parts << tr("showing %1").arg(guestLabel(selection_->guestFilter()));
    const ItemRef item = selection_->item();
    if (item.isValid())
        // Named as the inspector names it (a thread by its tid) once it has loaded it.
        parts << tr("selected: %1")
                     .arg(inspector_->shown().item == item && !inspector_->shown().title.isEmpty()
                              ? inspector_->shown().title
                              : tr("%1 (id %2)").arg(kindName(item.kind)).arg(item.id));
    const TimeRange r = selection_->range();
    if (r.isValid())
        parts << tr("range %1 → %2 (%3)")
                     .arg(formatTraceTime(r.begin, trace_.firstTs), formatTraceTime(r.end, trace_.firstTs),
                          formatDuration(r.end - r.begin));
    selectionStatus_->setText(parts.join(QStringLiteral("  ·  ")));
}

void MainWindow::exportCurrent()
{
    ViewPage *page = currentPage();
    const QStringList formats = page->exportFormats();
    if (formats.isEmpty()) {
        statusBar()->showMessage(tr("This view has nothing to export"), 5000);
        return;
    }
    QStringList filters;
    for (const QString &f : formats)
        filters << f.toUpper() + QStringLiteral(" (*.") + f + QLatin1Char(')');
    QString chosen;
    const QString base = QFileInfo(trace_.dbPath).completeBaseName() + QLatin1Char('-') + viewName(page->viewId());
    QString path = QFileDialog::getSaveFileName(this, tr("Export %1").arg(viewName(page->viewId())),
                                                base + QLatin1Char('.') + formats.first(), filters.join(QStringLiteral(";;")),
                                                &chosen);
    if (path.isEmpty())
        return;
    QString format = QFileInfo(path).suffix().toLower();
    if (!formats.contains(format))
        format = chosen.section(QLatin1Char(' '), 0, 0).toLower();
    QString error;
    if (!page->exportTo(path, format, &error)) {
        QMessageBox box(QMessageBox::Warning, tr("Export failed"), error, QMessageBox::Ok, this);
        box.setTextFormat(Qt::PlainText);
        box.exec();
        return;
    }
    statusBar()->showMessage(tr("Exported %1").arg(path), 8000);
}

void MainWindow::resizeEvent(QResizeEvent *event)
{
    QMainWindow::resizeEvent(event);
    // The docks keep their width when the window shrinks: in a small window the inspector
    // yields to the view. Once the layout has placed the dock at the new size.
    if (!inspectorCapPending_) {
        inspectorCapPending_ = true;
        QMetaObject::invokeMethod(this, &MainWindow::capInspectorWidth, Qt::QueuedConnection);
    }
}

void MainWindow::capInspectorWidth()
{
    inspectorCapPending_ = false;
    const int most = int(width() * kInspectorMaxShare);
    if (inspectorDock_->isVisibleTo(this) && !inspectorDock_->isFloating() && inspectorDock_->width() > most)
        resizeDocks({inspectorDock_}, {most}, Qt::Horizontal);
}

bool MainWindow::isApplicationShortcut(const QKeyEvent *event) const
{
    const Qt::KeyboardModifiers mods = event->modifiers() & ~Qt::KeypadModifier;
    // Plain and shifted keys are typing: only Ctrl / Alt / Meta chords and function keys count.
    const bool fkey = event->key() >= Qt::Key_F1 && event->key() <= Qt::Key_F35;
    if (!fkey && !(mods & (Qt::ControlModifier | Qt::AltModifier | Qt::MetaModifier)))
        return false;
    // Ctrl++ arrives as Ctrl+Shift++ on most layouts: try it without Shift too.
    const QKeySequence typed(QKeyCombination(mods, Qt::Key(event->key())));
    const QKeySequence unshifted(QKeyCombination(mods & ~Qt::ShiftModifier, Qt::Key(event->key())));
    for (const QAction *action : findChildren<QAction *>()) {
        if (!action->isEnabled())
            continue;
        for (const QKeySequence &shortcut : action->shortcuts())
            if (shortcut == typed || shortcut == unshifted)
                return true;
    }
    return false;
}

bool MainWindow::eventFilter(QObject *watched, QEvent *event)
{
    // A focused text box asks to keep the keys it has a binding for (ShortcutOverride); for the
    // window's own shortcuts the answer is no, wherever the focus is in this window or its
    // inspector. Dialogs keep their keys.
    if (event->type() == QEvent::ShortcutOverride && watched->isWidgetType()) {
        const QWidget *window = static_cast<QWidget *>(watched)->window();
        if ((window == this || window == inspectorDock_) && isApplicationShortcut(static_cast<QKeyEvent *>(event))) {
            event->ignore();
            return true;
        }
    }
    return QMainWindow::eventFilter(watched, event);
}

void MainWindow::focusPageView(int index)
{
    auto *page = qobject_cast<ViewPage *>(tabs_->widget(index));
    QWidget *focus = QApplication::focusWidget();
    const bool textBox = qobject_cast<QLineEdit *>(focus) || qobject_cast<QAbstractSpinBox *>(focus) ||
                         qobject_cast<QTextEdit *>(focus) || qobject_cast<QPlainTextEdit *>(focus);
    if (!page || !focus || !textBox || !page->isAncestorOf(focus))
        return;
    // The page's view: its focus proxy, else its first visible scroll area (graph, table, tree).
    QWidget *view = page->focusProxy();
    if (!view)
        for (QAbstractScrollArea *area : page->findChildren<QAbstractScrollArea *>())
            if (area->isVisible() && area->focusPolicy() != Qt::NoFocus) {
                view = area;
                break;
            }
    if (view)
        view->setFocus(Qt::OtherFocusReason);
    else
        tabs_->tabBar()->setFocus(Qt::OtherFocusReason);
}

QString MainWindow::shortcutsHelp() const
{
    QStringList lines;
    lines << tr("Everywhere (also while typing in a filter or search box):");
    for (QMenu *menu : menuBar()->findChildren<QMenu *>())
        for (QAction *a : menu->actions())
            if (!a->shortcut().isEmpty())
                lines << QStringLiteral("  ") + a->shortcut().toString(QKeySequence::NativeText) + QStringLiteral("  ") +
                             a->text().remove(QLatin1Char('&')).remove(QStringLiteral("…"));
    const auto section = [&lines](const QString &title, const QStringList &entries) {
        lines << QString() << title;
        for (const QString &e : entries)
            lines << QStringLiteral("  ") + e;
    };
    section(tr("Summary:"), {tr("Click a number: the view that shows those items")});
    section(tr("Graph:"), {tr("Click: select · Double-click a process: collapse or expand it"),
                           tr("Wheel: zoom at the pointer · Drag: pan · Right-click: menu"),
                           tr("+ / -: zoom · Enter in the search box: next match")});
    section(tr("Timeline:"),
            {tr("Click: select an invocation, callback request or lane (the view stays)"),
             tr("Double-click or Z: zoom to the selection · Home: the whole trace"),
             tr("End: follow now (live), or show the end of the trace"),
             tr("Wheel or Ctrl+wheel: zoom at the pointer · + / -: zoom"),
             tr("Shift+wheel, horizontal wheel, Shift+Left / Right or drag: pan"),
             tr("Wheel over the lane names, Page Up / Down: scroll the lanes"),
             tr("Shift+drag or drag on the ruler: select a time range"),
             tr("Click or drag in the overview strip: move the view"),
             tr("Up / Down: previous / next lane"),
             tr("Left / Right or [ / ]: previous / next invocation in the lane")});
    section(tr("Leaks:"), {tr("Click: select · Right-click: suppress by class or creator")});
    section(tr("Latency:"), {tr("Click a row: its histogram and scatter · Click a point: select that invocation"),
                             tr("Typing in the filter keeps the selected row while it matches")});
    section(tr("Inspector:"), {tr("Activate a link: select that item")});
    return lines.join(QLatin1Char('\n'));
}

} // namespace teescope::gui
