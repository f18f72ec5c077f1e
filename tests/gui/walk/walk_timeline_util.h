// SPDX-License-Identifier: MIT
// What the timeline walk needs to act as a user: find a slice to click on screen, turn the wheel,
// press a key that opens a modal dialog and close it, check that a table column is in view, and
// save what the screen shows.
#pragma once

#include "../window/test_dbs.h"
#include "core/selection.h"
#include "timeline/timeline_data.h"
#include "timeline/timeline_view.h"
#include "window/main_window.h"

#include <QApplication>
#include <QDialog>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QHeaderView>
#include <QLineEdit>
#include <QMessageBox>
#include <QPixmap>
#include <QScreen>
#include <QTabBar>
#include <QTimer>
#include <QWheelEvent>
#include <QtTest>

#include <functional>
#include <memory>

namespace teescope::gui::test {

struct VisibleSlice {
    TimelineData::Found found;
    QPoint pos;   // the middle of the slice on screen, in the view's coordinates
    ItemRef item; // what a click on it selects
};

// A slice at least 6 px wide, wholly in view, in a lane on screen (with `withNext`: one that has
// a successor in its row).
inline VisibleSlice findVisibleSlice(const TimelineView &view, const TimelineData &data, bool withNext = false)
{
    const TimeMapping &m = view.mapping();
    const int bottom = view.height() - TimelineView::kOverviewHeight;
    for (size_t l = 0; l < data.lanes().size(); ++l) {
        const int top = view.laneTop(int(l)), h = view.laneHeight(int(l));
        if (h == 0 || top < TimelineView::kRulerHeight || top + h > bottom)
            continue;
        const auto &rows = data.lanes()[l].rows;
        for (size_t r = 0; r < rows.size(); ++r)
            for (size_t i = 0; i < rows[r].slices.size(); ++i) {
                const TimelineSlice &s = rows[r].slices[i];
                const double x0 = m.tsToX(s.begin), x1 = m.tsToX(s.end);
                if (x1 - x0 < 6 || x0 < 0 || x1 > m.width() || (withNext && i + 1 >= rows[r].slices.size()))
                    continue;
                const QPoint pos(TimelineView::kHeaderWidth + int((x0 + x1) / 2),
                                 top + TimelineView::kLanePadding + int(r) * TimelineView::kRowHeight +
                                     TimelineView::kRowHeight / 2);
                const TimelineData::Found found{int(l), int(r), int(i)};
                const auto under = view.sliceAt(pos);
                if (under.lane != found.lane || under.row != found.row || under.index != found.index)
                    continue;
                return {found, pos,
                        {s.is(TimelineSlice::Request) ? ItemRef::Kind::Request : ItemRef::Kind::Invocation, s.id}};
            }
    }
    return {};
}

// What choosing a lane selects: its thread or process (nothing for the driver's lane).
inline ItemRef laneItem(const TimelineLane &lane)
{
    if (lane.kind == TimelineLane::Kind::Thread)
        return {ItemRef::Kind::Thread, lane.threadId};
    if (lane.kind == TimelineLane::Kind::Process)
        return {ItemRef::Kind::Process, lane.processId};
    return {};
}

// One wheel step is 120: positive turns away from the user (zoom in, scroll up).
inline void wheel(QWidget *widget, QPoint pos, int delta, Qt::KeyboardModifiers modifiers = {})
{
    QWheelEvent event(QPointF(pos), QPointF(widget->mapToGlobal(pos)), QPoint(), QPoint(0, delta), Qt::NoButton,
                      modifiers, Qt::NoScrollPhase, false);
    QApplication::sendEvent(widget, &event);
}

// Does `act`; a modal dialog it opens is closed at once. Returns the dialog's title, and on the
// next line a message box's text or a file dialog's folder ("" if no dialog opened).
inline QString closingDialog(const std::function<void()> &act)
{
    QString seen;
    QTimer poll;
    poll.setInterval(50);
    QObject::connect(&poll, &QTimer::timeout, [&seen] {
        if (QWidget *modal = QApplication::activeModalWidget()) {
            seen = modal->windowTitle();
            if (auto *box = qobject_cast<QMessageBox *>(modal))
                seen += QLatin1Char('\n') + box->text();
            if (auto *files = qobject_cast<QFileDialog *>(modal))
                seen += QLatin1Char('\n') + QFileInfo(files->directory().absolutePath()).canonicalFilePath();
            if (auto *dialog = qobject_cast<QDialog *>(modal))
                dialog->reject();
            else
                modal->close();
        }
    });
    QWidget *window = QApplication::activeWindow();
    poll.start();
    act();
    QTest::qWait(300); // a dialog that opens a little later
    poll.stop();
    // Window shortcuts need their window active again, as after a user closed the dialog.
    if (window) {
        window->activateWindow();
        if (!QTest::qWaitForWindowActive(window))
            qWarning("the window did not become active again after the dialog");
    }
    return seen;
}

// Presses a key on `target` (see closingDialog).
inline QString pressClosingDialog(QWidget *target, Qt::Key key, Qt::KeyboardModifiers modifiers)
{
    return closingDialog([&] { QTest::keyClick(target, key, modifiers); });
}

inline QLineEdit *firstLineEdit(QWidget *page)
{
    for (QLineEdit *edit : page->findChildren<QLineEdit *>())
        if (edit->isVisible())
            return edit;
    return nullptr;
}

// A header section shown, at least `minWidth` px wide and wholly inside the header's viewport.
inline bool sectionInView(const QHeaderView *header, int section, int minWidth)
{
    const int x = header->sectionViewportPosition(section), w = header->sectionSize(section);
    return !header->isSectionHidden(section) && w >= minWidth && x >= 0 && x + w <= header->viewport()->width();
}

inline QString describeSection(const QHeaderView *header, int section)
{
    return QStringLiteral("hidden %1, at %2, %3 px wide, viewport %4 px")
        .arg(header->isSectionHidden(section))
        .arg(header->sectionViewportPosition(section))
        .arg(header->sectionSize(section))
        .arg(header->viewport()->width());
}

// What the X server shows of `window`, to $TEESCOPE_SCREENSHOTS/walk-timeline-NAME.png.
inline void saveScreen(QWidget *window, const QString &name)
{
    QTest::qWait(50);
    QCoreApplication::processEvents();
    const QString dir = qEnvironmentVariable("TEESCOPE_SCREENSHOTS", QDir::currentPath());
    QDir().mkpath(dir);
    const QPixmap pixels = window->screen()->grabWindow(window->winId());
    const QString path = dir + QStringLiteral("/walk-timeline-") + name + QStringLiteral(".png");
    if (!pixels.save(path))
        qWarning("could not write %s", qPrintable(path));
}

} // namespace teescope::gui::test
