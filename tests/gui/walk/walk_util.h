// SPDX-License-Identifier: MIT
// Helpers of the GUI walks: a real MainWindow shown in an X11 window, clicks and keys sent to the
// widgets the user would use (tab bar, buttons, rows), screenshots, and pixel measures.
#pragma once

#include "test_dbs.h"
#include "core/view_page.h"
#include "window/main_window.h"

#include <QAbstractButton>
#include <QAbstractItemView>
#include <QDir>
#include <QHeaderView>
#include <QImage>
#include <QTabBar>
#include <QTabWidget>
#include <QTreeWidget>
#include <QtTest>

#include <memory>

namespace teescope::gui::walk {

constexpr int kLoadTimeoutMs = 30000;

// A fresh-layout main window, shown and exposed, with `db` open and every page loaded.
inline std::unique_ptr<MainWindow> openWindow(const QString &db, QSize size = QSize(1500, 950))
{
    auto w = std::make_unique<MainWindow>(nullptr, MainWindow::Layout::Fresh);
    w->resize(size);
    w->show();
    if (!QTest::qWaitForWindowExposed(w.get()))
        return nullptr;
    // Keys go to the active window, as they do for the user.
    w->activateWindow();
    if (!QTest::qWaitForWindowActive(w.get()))
        qWarning() << "the window did not become active";
    QString error;
    if (!w->openDatabase(db, &error)) {
        qWarning() << "cannot open" << db << error;
        return nullptr;
    }
    for (ViewId v : {ViewId::Summary, ViewId::Graph, ViewId::Timeline, ViewId::Leaks, ViewId::Latency})
        if (!QTest::qWaitFor([&] { return w->page(v)->isReady(); }, kLoadTimeoutMs)) {
            qWarning() << viewName(v) << "did not load";
            return nullptr;
        }
    return w;
}

// A left click in the middle of `rect` of `widget` (a rectangle in its coordinates).
inline void clickAt(QWidget *widget, const QRect &rect, Qt::KeyboardModifiers modifiers = {})
{
    QTest::mouseClick(widget, Qt::LeftButton, modifiers, rect.center());
}

inline void click(QAbstractButton *button)
{
    QVERIFY(button && button->isVisible());
    clickAt(button, button->rect());
}

// Clicks the tab of `view` in the window's tab bar.
inline void clickTab(MainWindow &w, ViewId view)
{
    auto *tabs = w.findChild<QTabWidget *>();
    QVERIFY(tabs);
    const int index = tabs->indexOf(w.page(view));
    QVERIFY(index >= 0);
    clickAt(tabs->tabBar(), tabs->tabBar()->tabRect(index));
    QTRY_COMPARE(w.currentView(), view);
}

// A click (or double click) on the row of `index` in `view`, on its first column's text.
inline void clickRow(QAbstractItemView *view, const QModelIndex &index)
{
    view->scrollTo(index);
    const QRect r = view->visualRect(index);
    QVERIFY2(r.isValid(), "the row is not shown");
    QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, QPoint(r.left() + 12, r.center().y()));
}
inline void doubleClickRow(QAbstractItemView *view, const QModelIndex &index)
{
    view->scrollTo(index);
    const QRect r = view->visualRect(index);
    QVERIFY2(r.isValid(), "the row is not shown");
    const QPoint at(r.left() + 12, r.center().y());
    // A real double click: press, release, then the second press the window system reports as a
    // double click, and its release.
    QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, at);
    QTest::mouseDClick(view->viewport(), Qt::LeftButton, {}, at);
}
inline void clickItem(QTreeWidget *tree, QTreeWidgetItem *item, int column = 0)
{
    QVERIFY(item);
    tree->scrollToItem(item);
    const QRect r = tree->visualItemRect(item);
    QVERIFY2(r.isValid(), "the item is not shown");
    const int x = tree->header()->sectionViewportPosition(column) + 12 +
                  (column == 0 ? tree->indentation() * 2 : 0); // past the expander
    QTest::mouseClick(tree->viewport(), Qt::LeftButton, {}, QPoint(std::min(x, r.right() - 2), r.center().y()));
}

// Saves `widget` as it is on screen to the screenshots folder; returns the file's path.
inline QString screenshot(QWidget *widget, const QString &name)
{
    const QString dir = qEnvironmentVariable("TEESCOPE_SCREENSHOTS", QDir::tempPath());
    QDir().mkpath(dir);
    const QString path = dir + QLatin1Char('/') + name + QStringLiteral(".png");
    widget->grab().save(path);
    return path;
}

inline bool near(QRgb a, const QColor &b, int tolerance)
{
    return std::abs(qRed(a) - b.red()) <= tolerance && std::abs(qGreen(a) - b.green()) <= tolerance &&
           std::abs(qBlue(a) - b.blue()) <= tolerance;
}

// The bounding box of the pixels that differ from `background` (what is drawn).
inline QRect drawnBounds(const QImage &image, const QColor &background, int tolerance = 12)
{
    const QImage img = image.convertToFormat(QImage::Format_RGB32);
    int left = img.width(), top = img.height(), right = -1, bottom = -1;
    for (int y = 0; y < img.height(); ++y) {
        const auto *line = reinterpret_cast<const QRgb *>(img.constScanLine(y));
        for (int x = 0; x < img.width(); ++x)
            if (!near(line[x], background, tolerance)) {
                left = std::min(left, x);
                right = std::max(right, x);
                top = std::min(top, y);
                bottom = std::max(bottom, y);
            }
    }
    return right < 0 ? QRect() : QRect(QPoint(left, top), QPoint(right, bottom));
}

// Pixels of `image` within `rect` (all of it if null) close to `color`.
inline int pixelsNear(const QImage &image, const QColor &color, QRect rect = {}, int tolerance = 40)
{
    const QImage img = image.convertToFormat(QImage::Format_RGB32);
    rect = rect.isNull() ? img.rect() : rect.intersected(img.rect());
    int n = 0;
    for (int y = rect.top(); y <= rect.bottom(); ++y) {
        const auto *line = reinterpret_cast<const QRgb *>(img.constScanLine(y));
        for (int x = rect.left(); x <= rect.right(); ++x)
            n += near(line[x], color, tolerance);
    }
    return n;
}

} // namespace teescope::gui::walk
