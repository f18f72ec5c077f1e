// SPDX-License-Identifier: MIT
// Semantic colours for the light and dark palettes. Models return kinds and ids; views and
// delegates turn them into colours here, so both palettes stay consistent.
#pragma once

#include <QColor>
#include <QPalette>
#include <QString>

class QApplication;

namespace teescope::gui {

enum class Palette { Light, Dark };

// The palette of the application (Fusion style colours), applied to the whole application.
QPalette makePalette(Palette p);
void applyPalette(QApplication &app, Palette p);
// True when `palette`'s window is darker than its text.
bool isDark(const QPalette &palette);

// Fill colour of an object node / slice by objects.kind ("qtee", "callback", "memory", "root",
// "primordial"); processes and contexts have their own.
QColor objectKindColor(const QString &kind, bool dark);
QColor processColor(bool dark);
QColor contextColor(bool dark);
// OP-TEE: sessions, trusted applications (secure world), and the box of a Xen guest (one hue per
// guest, its client id).
QColor sessionColor(bool dark);
QColor taColor(bool dark);
QColor guestColor(qint64 guest, bool dark);
// The time an OP-TEE call waited for a free OP-TEE thread.
QColor waitColor(bool dark);
// A stable colour per category (service class, process): the same key always gives the same hue.
QColor categoryColor(const QString &key, bool dark);
// Highlights: leaked objects, objects shared by several processes, data loss, the selection.
QColor leakColor(bool dark);
QColor sharedColor(bool dark);
QColor dataLossColor(bool dark);
QColor selectionColor(bool dark);

} // namespace teescope::gui
