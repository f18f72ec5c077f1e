// SPDX-License-Identifier: MIT
#include "core/format.h"

#include "teescope/store/latency.h"

#include <QHash>
#include <QRegularExpression>

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
    return (name.isEmpty() ? QStringLiteral("?") : name) + QStringLiteral(" (pid ") + QString::number(pid) +
           QLatin1Char(')');
}

QString driverLabel() { return QLatin1String(store::kDriverClass); }

QString opName(qint64 op)
{
    if (op == -1)
        return QStringLiteral("open");
    if (op == -2)
        return QStringLiteral("close");
    return op == 65535 ? QStringLiteral("release") : QString::number(op);
}

QString opWithName(qint64 op, const QString &name)
{
    const QString plain = opName(op);
    if (name.isEmpty() || name == plain)
        return plain;
    return name + QStringLiteral(" (") + QString::number(op) + QLatin1Char(')');
}

QString callText(const QString &objectClass, qint64 op, const QString &name)
{
    const QString plain = opName(op);
    if ((name.isEmpty() || name == plain) && plain == QString::number(op))
        return objectClass + QStringLiteral(" op ") + plain;
    return objectClass + QLatin1Char('.') + opWithName(op, name.isEmpty() ? plain : name);
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

QString threadLabel(qint64 tid)
{
    return QStringLiteral("thread %1").arg(tid);
}

QString valueText(const QString &value)
{
    static const QHash<QString, QString> words{
        // end kinds (processes, contexts, objects, shm, sessions, guests, callback requests)
        {QStringLiteral("exited"), QStringLiteral("exited")},
        {QStringLiteral("vanished"), QStringLiteral("vanished (killed, or its exit not traced)")},
        {QStringLiteral("alive_at_end"), QStringLiteral("alive at the end")},
        {QStringLiteral("open_at_end"), QStringLiteral("open at the end")},
        {QStringLiteral("pending_at_end"), QStringLiteral("pending at the end")},
        {QStringLiteral("released"), QStringLiteral("released")},
        {QStringLiteral("closed"), QStringLiteral("closed")},
        {QStringLiteral("dropped_by_guest_destroy"), QStringLiteral("dropped with its guest")},
        {QStringLiteral("reclaimed_at_close"), QStringLiteral("reclaimed at close")},
        {QStringLiteral("held_at_exit"), QStringLiteral("held at exit")},
        {QStringLiteral("release_failed"), QStringLiteral("release failed")},
        {QStringLiteral("release_unobserved"), QStringLiteral("release not observed")},
        {QStringLiteral("not_released_by_tee"), QStringLiteral("never released by the TEE")},
        {QStringLiteral("freed"), QStringLiteral("freed")},
        {QStringLiteral("answered"), QStringLiteral("answered")},
        {QStringLiteral("delivered"), QStringLiteral("delivered (release notice)")},
        {QStringLiteral("invoker_died"), QStringLiteral("invoker died")},
        {QStringLiteral("owner_closed"), QStringLiteral("owner context closed")},
        {QStringLiteral("bad_answer"), QStringLiteral("bad answer")},
        {QStringLiteral("bad_request"), QStringLiteral("bad request")},
        {QStringLiteral("not_served"), QStringLiteral("not served")},
        {QStringLiteral("closed_at_release"), QStringLiteral("closed when its context was released")},
        {QStringLiteral("closed_by_guest_destroy"), QStringLiteral("closed with its guest")},
        {QStringLiteral("failed"), QStringLiteral("failed")},
        {QStringLiteral("destroyed"), QStringLiteral("destroyed")},
        // why a handle binding ended
        {QStringLiteral("release"), QStringLiteral("release")},
        {QStringLiteral("context_close"), QStringLiteral("context closed")},
        {QStringLiteral("marshal_undo"), QStringLiteral("marshalling undone")},
        // object kinds
        {QStringLiteral("qtee"), QStringLiteral("QTEE")},
        {QStringLiteral("callback"), QStringLiteral("callback")},
        {QStringLiteral("memory"), QStringLiteral("memory")},
        {QStringLiteral("root"), QStringLiteral("root")},
        {QStringLiteral("primordial"), QStringLiteral("primordial")},
        // leak kinds
        {QStringLiteral("held_at_end"), QStringLiteral("held at the end")},
        {QStringLiteral("callback_not_released"), QStringLiteral("callback not released")},
        {QStringLiteral("shm_not_freed"), QStringLiteral("shared memory not freed")},
        {QStringLiteral("shm_freed_at_exit"), QStringLiteral("shared memory freed at exit")},
        {QStringLiteral("shm_freed_by_guest_destroy"), QStringLiteral("shared memory dropped with its guest")},
        {QStringLiteral("session_not_closed"), QStringLiteral("session not closed")},
        {QStringLiteral("session_closed_at_release"), QStringLiteral("session closed at release")},
        {QStringLiteral("session_closed_by_guest_destroy"), QStringLiteral("session dropped with its guest")},
        // import statistics and data loss
        {QStringLiteral("info"), QStringLiteral("info")},
        {QStringLiteral("data_loss"), QStringLiteral("data loss")},
        {QStringLiteral("error"), QStringLiteral("error")},
        {QStringLiteral("events"), QStringLiteral("events discarded by the tracer")},
        {QStringLiteral("packets"), QStringLiteral("packets discarded by the tracer")},
        {QStringLiteral("unreadable_packets"), QStringLiteral("unreadable packets")},
        // callback request kinds, OP-TEE calls, waits, shm
        {QStringLiteral("rpc"), QStringLiteral("RPC to tee-supplicant")},
        {QStringLiteral("open_session"), QStringLiteral("OPEN_SESSION")},
        {QStringLiteral("invoke"), QStringLiteral("INVOKE")},
        {QStringLiteral("close_session"), QStringLiteral("CLOSE_SESSION")},
        {QStringLiteral("no_thread"), QStringLiteral("every OP-TEE thread busy")},
        {QStringLiteral("guest_limit"), QStringLiteral("guest at its limit of calls")},
        {QStringLiteral("process_exit"), QStringLiteral("process exit")},
        {QStringLiteral("guest_destroy"), QStringLiteral("guest destroyed")},
        {QStringLiteral("inout"), QStringLiteral("in and out")},
    };
    const auto it = words.constFind(value);
    if (it != words.cend())
        return *it;
    static const QRegularExpression identifier(QStringLiteral("^[a-z][a-z0-9]*(_[a-z0-9]+)+$"));
    if (identifier.match(value).hasMatch())
        return QString(value).replace(QLatin1Char('_'), QLatin1Char(' '));
    return value;
}

QString loginText(qint64 login)
{
    switch (login) {
    case 0: return QStringLiteral("public");
    case 1: return QStringLiteral("user");
    case 2: return QStringLiteral("group");
    case 4: return QStringLiteral("application");
    case 5: return QStringLiteral("user application");
    case 6: return QStringLiteral("group application");
    default: return QStringLiteral("login %1").arg(login);
    }
}

QString originText(qint64 origin)
{
    switch (origin) {
    case 1: return QStringLiteral("API");
    case 2: return QStringLiteral("COMMS");
    case 3: return QStringLiteral("TEE");
    case 4: return QStringLiteral("trusted application");
    default: return QString::number(origin);
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

QString countOf(qint64 n, const QString &one, const QString &many)
{
    return formatCount(n) + QLatin1Char(' ') + (n == 1 ? one : many);
}

QString plainToolTip(const QString &text)
{
    if (text.isEmpty())
        return {};
    return QStringLiteral("<qt><p style='white-space:pre-wrap'>") + text.toHtmlEscaped() + QStringLiteral("</p></qt>");
}

} // namespace teescope::gui
