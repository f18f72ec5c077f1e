// SPDX-License-Identifier: MIT
#include "core/format.h"

#include <cmath>

namespace teescope::gui {

QString formatDuration(qint64 ns)
{
    if (ns < 0)
        return QStringLiteral("?");
    const double v = double(ns);
    if (ns < 1000)
        return QString::number(ns) + QStringLiteral(" ns");
    if (ns < 1000000)
        return QString::number(v / 1e3, 'g', 3) + QStringLiteral(" µs");
    if (ns < 1000000000)
        return QString::number(v / 1e6, 'g', 3) + QStringLiteral(" ms");
    if (ns < 600LL * 1000000000)
        return QString::number(v / 1e9, 'g', 4) + QStringLiteral(" s");
    return QString::number(v / 60e9, 'f', 1) + QStringLiteral(" min");
}

QString formatTraceTime(qint64 ts, qint64 traceStart)
{
    const qint64 d = ts - traceStart;
    const QString sign = d < 0 ? QStringLiteral("-") : QStringLiteral("+");
    const qint64 a = std::llabs(d);
    return sign + QString::number(a / 1000000000) + QLatin1Char('.') +
           QStringLiteral("%1").arg(a % 1000000000, 9, 10, QLatin1Char('0')) + QStringLiteral(" s");
}

QString processLabel(const QString &name, qint64 pid)
{
    return (name.isEmpty() ? QStringLiteral("?") : name) + QLatin1Char('[') + QString::number(pid) + QLatin1Char(']');
}

QString opName(qint64 op)
{
    if (op == -1)
        return QStringLiteral("open");
    if (op == -2)
        return QStringLiteral("close");
    return op == 65535 ? QStringLiteral("release") : QString::number(op);
}

QString rpcCommandName(qint64 cmd)
{
    switch (cmd) {
    case 0: return QStringLiteral("LOAD_TA");
    case 1: return QStringLiteral("RPMB");
    case 2: return QStringLiteral("FS");
    case 6: return QStringLiteral("SHM_ALLOC");
    case 7: return QStringLiteral("SHM_FREE");
    case 9: return QStringLiteral("GPROF");
    case 10: return QStringLiteral("SOCKET");
    case 11: return QStringLiteral("FTRACE");
    case 12: return QStringLiteral("PLUGIN");
    default: return QStringLiteral("cmd %1").arg(cmd);
    }
}

QString guestLabel(qint64 guest)
{
    return guest == 0 ? QStringLiteral("native") : QStringLiteral("guest %1").arg(guest);
}

QString formatCount(qint64 n)
{
    QString digits = QString::number(std::llabs(n));
    for (qsizetype i = digits.size() - 3; i > 0; i -= 3)
        digits.insert(i, QLatin1Char(','));
    return n < 0 ? QLatin1Char('-') + digits : digits;
}

QString plainToolTip(const QString &text)
{
    if (text.isEmpty())
        return {};
    return QStringLiteral("<qt><p style='white-space:pre-wrap'>") + text.toHtmlEscaped() + QStringLiteral("</p></qt>");
}

} // namespace teescope::gui
