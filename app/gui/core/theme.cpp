// SPDX-License-Identifier: MIT
#include "core/theme.h"

#include <QApplication>
#include <QStyleFactory>

namespace teescope::gui {

QPalette makePalette(Palette p)
{
    if (p == Palette::Light) {
        QPalette l(QColor(0xef, 0xef, 0xef));
        l.setColor(QPalette::Base, Qt::white);
        l.setColor(QPalette::AlternateBase, QColor(0xf5, 0xf5, 0xf7));
        l.setColor(QPalette::Highlight, QColor(0x30, 0x8c, 0xc6));
        l.setColor(QPalette::HighlightedText, Qt::white);
        l.setColor(QPalette::ToolTipBase, QColor(0xff, 0xff, 0xdc));
        l.setColor(QPalette::ToolTipText, Qt::black);
        return l;
    }
    QPalette d;
    const QColor window(0x2b, 0x2d, 0x30), base(0x1e, 0x1f, 0x22), text(0xdf, 0xe1, 0xe5);
    d.setColor(QPalette::Window, window);
    d.setColor(QPalette::WindowText, text);
    d.setColor(QPalette::Base, base);
    d.setColor(QPalette::AlternateBase, QColor(0x27, 0x29, 0x2c));
    d.setColor(QPalette::ToolTipBase, window);
    d.setColor(QPalette::ToolTipText, text);
    d.setColor(QPalette::PlaceholderText, QColor(0x8c, 0x8f, 0x94));
    d.setColor(QPalette::Text, text);
    d.setColor(QPalette::Button, window);
    d.setColor(QPalette::ButtonText, text);
    d.setColor(QPalette::BrightText, QColor(0xff, 0x6b, 0x6b));
    d.setColor(QPalette::Link, QColor(0x5a, 0xb0, 0xf0));
    d.setColor(QPalette::Highlight, QColor(0x2f, 0x65, 0xca));
    d.setColor(QPalette::HighlightedText, Qt::white);
    d.setColor(QPalette::Light, QColor(0x3c, 0x3f, 0x41));
    d.setColor(QPalette::Midlight, QColor(0x35, 0x37, 0x3a));
    d.setColor(QPalette::Mid, QColor(0x25, 0x27, 0x29));
    d.setColor(QPalette::Dark, QColor(0x19, 0x1a, 0x1c));
    d.setColor(QPalette::Shadow, Qt::black);
    for (auto role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText})
        d.setColor(QPalette::Disabled, role, QColor(0x7f, 0x82, 0x88));
    return d;
}

void applyPalette(QApplication &app, Palette p)
{
    if (QStyle *fusion = QStyleFactory::create(QStringLiteral("Fusion")))
        app.setStyle(fusion);
    app.setPalette(makePalette(p));
}

bool isDark(const QPalette &palette)
{
    return palette.color(QPalette::Window).lightness() < palette.color(QPalette::WindowText).lightness();
}

QColor objectKindColor(const QString &kind, bool dark)
{
    int hue = 210, sat = 110;
    if (kind == QLatin1String("qtee"))
        hue = 205;
    else if (kind == QLatin1String("callback"))
        hue = 280;
    else if (kind == QLatin1String("memory"))
        hue = 160;
    else if (kind == QLatin1String("root") || kind == QLatin1String("primordial"))
        hue = 45, sat = 60;
    return dark ? QColor::fromHsl(hue, sat, 95) : QColor::fromHsl(hue, sat + 60, 200);
}

QColor processColor(bool dark) { return dark ? QColor::fromHsl(30, 90, 80) : QColor::fromHsl(30, 200, 215); }
QColor contextColor(bool dark) { return dark ? QColor::fromHsl(30, 40, 65) : QColor::fromHsl(30, 80, 232); }

QColor sessionColor(bool dark) { return dark ? QColor::fromHsl(120, 60, 80) : QColor::fromHsl(120, 120, 210); }
QColor taColor(bool dark) { return dark ? QColor::fromHsl(190, 110, 85) : QColor::fromHsl(190, 170, 190); }

QColor guestColor(qint64 guest, bool dark)
{
    // Well apart on the colour wheel for the first guests, and away from the leak (red) and data
    // loss (purple) colours.
    static const int hues[] = {220, 150, 40, 310, 100, 190};
    const int hue = guest == 0 ? 0 : hues[size_t(guest - 1) % (sizeof hues / sizeof *hues)];
    if (guest == 0)
        return dark ? QColor(0x8c, 0x8f, 0x94) : QColor(0x70, 0x70, 0x70);
    return dark ? QColor::fromHsl(hue, 150, 150) : QColor::fromHsl(hue, 170, 110);
}

QColor waitColor(bool dark) { return dark ? QColor(0xe0, 0x90, 0x40) : QColor(0xd0, 0x60, 0x10); }

QColor categoryColor(const QString &key, bool dark)
{
    // FNV-1a over the UTF-16 units: stable across runs (qHash is seeded).
    quint32 h = 2166136261u;
    for (QChar c : key) {
        h ^= c.unicode();
        h *= 16777619u;
    }
    const int hue = int(h % 360);
    return dark ? QColor::fromHsl(hue, 120, 105) : QColor::fromHsl(hue, 150, 175);
}

QColor leakColor(bool dark) { return dark ? QColor(0xff, 0x6b, 0x6b) : QColor(0xd3, 0x2f, 0x2f); }
QColor sharedColor(bool dark) { return dark ? QColor(0xff, 0xc1, 0x4d) : QColor(0xe6, 0x8a, 0x00); }
QColor dataLossColor(bool dark) { return dark ? QColor(0xc0, 0x6b, 0xff) : QColor(0x8e, 0x24, 0xaa); }
QColor selectionColor(bool dark) { return dark ? QColor(0x5a, 0xb0, 0xf0) : QColor(0x15, 0x65, 0xc0); }

} // namespace teescope::gui
