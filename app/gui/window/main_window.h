// SPDX-License-Identifier: MIT
// The main window: a page per view (summary, graph, timeline, leaks, latency) sharing one
// selection (and its guest filter, chosen in a tool bar when the trace has Xen guests), the
// inspector dock, a banner for data loss and incomplete imports, menus with the usual shortcuts,
// export, light / dark palettes and a remembered layout.
#pragma once

#include "core/selection.h"
#include "core/trace_db.h"

#include <QMainWindow>

class QComboBox;
class QLabel;
class QFrame;
class QToolBar;
class QTabWidget;
class QDockWidget;
class QProgressDialog;
class QAction;
class QKeyEvent;

namespace teescope::gui {

class ViewPage;
class Inspector;
class ImportRunner;
class LiveFollower;
class LiveSource;
struct LiveRecordOptions;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    // Remembered: the window restores the user's layout and palette and saves them on close.
    // Fresh: the default layout, nothing read or saved (screenshots look the same everywhere).
    enum class Layout { Remembered, Fresh };
    explicit MainWindow(QWidget *parent = nullptr, Layout layout = Layout::Remembered);
    ~MainWindow() override;

    // Opens a trace database (its pages load in the background). On failure `error` names the
    // file and what is wrong (e.g. written by a newer teescope), and nothing changes.
    bool openDatabase(const QString &path, QString *error);
    // Imports a trace directory with a progress dialog (Cancel stops it), then opens it; a
    // database already imported from the same, unchanged trace is opened directly.
    void openTraceDirectory(const QString &traceDir);
    // A database file or a trace directory; errors are shown in a message box.
    void openPath(const QString &path);

    void showView(ViewId view);
    ViewId currentView() const;
    ViewPage *page(ViewId view) const;
    ViewPage *currentPage() const;
    Selection *selection() const { return selection_; }
    Inspector *inspector() const { return inspector_; }
    const TraceInfo &trace() const { return trace_; }
    // The banner's text ("" when hidden).
    QString bannerText() const;
    // Following a live database: the status bar's live item ("live · lag 120 ms · …",
    // "finished"; "" for a file that was never live).
    QString liveStatusText() const;
    LiveFollower *liveFollower() const { return follower_; }
    // Records a command live (teescope record --live) or imports a live session (--live-url) as a
    // child process, opens its database as soon as it exists and follows it; File > Stop
    // Recording ends it. False (and `error`) when it cannot start.
    bool startLiveRecording(const LiveRecordOptions &options, QString *error);
    bool startLiveImport(const QString &url, QString *error);
    // Ends the recording or live import this window started (it finishes the database).
    void stopLive();
    LiveSource *liveSource() const { return liveSource_; }
    // The guest filter's box (shown when the trace has Xen guests): "All guests", then each guest.
    QComboBox *guestFilterBox() const { return guestBox_; }
    void setDarkPalette(bool dark);
    bool isDarkPalette() const { return dark_; }
    // What Help > Keyboard and Mouse shows: the menus' shortcuts, then each view's mouse gestures
    // and keys.
    QString shortcutsHelp() const;
    // The largest share of the window's width the docked inspector keeps when the window shrinks.
    static constexpr double kInspectorMaxShare = 0.25;

Q_SIGNALS:
    // A database was opened (after an import, too).
    void traceOpened(const QString &dbPath);
    // An import or open failed; `message` says why.
    void openFailed(const QString &message);

protected:
    void closeEvent(QCloseEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;
    // Application shortcuts win over a focused text box's own bindings (Ctrl+E is "end of line"
    // in a line edit on X11).
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void createActions();
    // Live mode (main_window_live.cpp): the status item, following the file while it is live.
    void setupLiveFollowing();
    void watchLiveSource();
    void followIfLive();
    void updateBanner();
    void updateSelectionStatus();
    void exportCurrent();
    void restoreLayout();
    void updateGuestFilterBox();
    // After a page switch, focus goes to the page's view, never into its filter or search box.
    void focusPageView(int index);
    bool isApplicationShortcut(const QKeyEvent *event) const;
    void capInspectorWidth();

    Selection *selection_;
    QList<ViewPage *> pages_;
    QTabWidget *tabs_;
    QFrame *banner_;
    QLabel *bannerLabel_;
    Inspector *inspector_;
    QDockWidget *inspectorDock_;
    QLabel *selectionStatus_;
    QToolBar *guestBar_;
    QComboBox *guestBox_;
    ImportRunner *importer_ = nullptr;
    LiveFollower *follower_;
    QLabel *liveStatus_;
    LiveSource *liveSource_ = nullptr;
    QAction *stopLiveAction_ = nullptr;
    QProgressDialog *importProgress_ = nullptr;
    QAction *darkAction_ = nullptr;
    TraceInfo trace_;
    QString openingTraceDir_;   // the trace directory whose database is being opened
    QString importingTraceDir_; // the trace directory being imported
    bool dark_ = false;
    bool inspectorCapPending_ = false;
    Layout layout_;
};

} // namespace teescope::gui
