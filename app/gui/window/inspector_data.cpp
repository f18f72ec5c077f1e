// SPDX-License-Identifier: MIT
#include "window/inspector_data.h"

#include "core/format.h"
#include "teescope/store/op_names.h"

#include <functional>

namespace teescope::gui {

namespace {

using Kind = ItemRef::Kind;
constexpr int kListLimit = 50; // rows listed per section; the section title gives the total
constexpr qint64 kInvocationScanLimit = 200000; // invocations read whole for one item

// A statement whose columns read as display text; NULL reads as "—" (or -1 for numbers).
class Query {
public:
    Query(const store::Database &db, const char *sql) : s_(db.handle(), sql, db.path()) {}
    Query &bind(int i, qint64 v)
    {
        s_.bind(i, int64_t(v));
        return *this;
    }
    bool next() { return s_.next(); }
    bool isNull(int c) const { return s_.null_at(c); }
    qint64 num(int c) const { return s_.null_at(c) ? -1 : s_.int_at(c); }
    QString text(int c) const { return s_.null_at(c) ? QStringLiteral("—") : traceText(s_.text_at(c)); }
    // Length in bytes of a text column as stored (0 for NULL).
    qint64 bytes(int c) const { return s_.null_at(c) ? 0 : qint64(s_.text_at(c).size()); }
    // An enum-like column (end kinds, object kinds, reasons) in words.
    QString word(int c) const { return s_.null_at(c) ? QStringLiteral("—") : valueText(traceText(s_.text_at(c))); }

private:
    store::Statement s_;
};

struct Builder {
    const store::Database &db;
    qint64 origin; // trace start, for relative times
    store::OpNames opNames;

    QString time(const Query &q, int c) const
    {
        return q.isNull(c) ? QStringLiteral("—") : formatTraceTime(q.num(c), origin);
    }
    QString span(const Query &q, int b, int e) const
    {
        if (q.isNull(b) || q.isNull(e))
            return QStringLiteral("—");
        return formatDuration(q.num(e) - q.num(b));
    }
    static InspectorNode row(const QString &key, const QString &value, ItemRef link = {})
    {
        return {key, value, link, {}};
    }
    // A row of no process is the driver's own work (pid 0 in the trace).
    QString processText(qint64 processId) const
    {
        if (processId < 0)
            return driverLabel();
        Query q(db, "SELECT display_name, pid FROM processes WHERE id = ?");
        q.bind(1, processId);
        return q.next() ? processLabel(q.isNull(0) ? QString() : q.text(0), q.num(1)) : QStringLiteral("?");
    }
    // "thread 14020" (its tid), as the timeline's lanes name it.
    QString threadText(qint64 threadId) const
    {
        Query q(db, "SELECT tid FROM threads WHERE id = ?");
        q.bind(1, threadId);
        return q.next() ? threadLabel(q.num(0)) : QStringLiteral("thread ?");
    }
    QString objectText(qint64 objectId) const
    {
        if (objectId < 0)
            return QStringLiteral("unknown object");
        Query q(db, "SELECT class, sw_id FROM objects WHERE id = ?");
        q.bind(1, objectId);
        if (!q.next())
            return QStringLiteral("?");
        return q.text(0) + (q.isNull(1) ? QString() : QStringLiteral(" (sw_id %1)").arg(q.num(1)));
    }
    // A QTEE call of `op` on an object: "client_env.open (0)", "app.release", "app op 7".
    QString callOf(qint64 objectId, qint64 op) const
    {
        const QString klass = classOf(objectId);
        return callText(klass, op, traceText(opNames.name(objectId, klass.toStdString(), op)));
    }
    // The op alone: "open (0)", "release", "7".
    QString opOf(qint64 objectId, qint64 op) const
    {
        return opWithName(op, traceText(opNames.name(objectId, classOf(objectId).toStdString(), op)));
    }
    QString classOf(qint64 objectId) const
    {
        Query q(db, "SELECT class FROM objects WHERE id = ?");
        q.bind(1, objectId);
        return q.next() ? q.text(0) : QStringLiteral("?");
    }
    // A section whose children come from `fill`, titled "title (N)".
    InspectorNode section(const QString &title, qint64 total, const std::function<void(QList<InspectorNode> &)> &fill) const
    {
        InspectorNode n{title, formatCount(total), {}, {}};
        fill(n.children);
        if (total > n.children.size())
            n.children.append(row(QStringLiteral("…"), QStringLiteral("%1 more").arg(formatCount(total - n.children.size()))));
        return n;
    }
    // A finished file whose invocations are too many to read for one item: what needs them is
    // read from its invocation groups.
    bool groupsOnly() const
    {
        if (!db.complete() || db.metadata("live").value_or(std::string()) == "1")
            return false;
        Query q(db, "SELECT COALESCE(MAX(id), 0) FROM invocations");
        return q.next() && q.num(0) > kInvocationScanLimit;
    }
    qint64 count(const char *sql, qint64 id) const
    {
        Query q(db, sql);
        q.bind(1, id);
        return q.next() ? q.num(0) : 0;
    }

    // The chain of invocations that produced `objectId`, from the object back to the root.
    InspectorNode provenance(qint64 objectId) const
    {
        InspectorNode n{QStringLiteral("Provenance"), QString(), {}, {}};
        qint64 current = objectId;
        QStringList path;
        for (int depth = 0; depth < 64 && current >= 0; ++depth) {
            Query q(db, "SELECT o.class, o.produced_by, i.object_id, i.op, i.process_id, i.handle"
                        " FROM objects o LEFT JOIN invocations i ON i.id = o.produced_by WHERE o.id = ?");
            q.bind(1, current);
            if (!q.next())
                break;
            path.prepend(q.text(0));
            if (q.isNull(1))
                break;
            const QString via = QStringLiteral("invocation %1: %2 by %3")
                                    .arg(q.num(1))
                                    .arg(callOf(q.isNull(2) ? -1 : q.num(2), q.num(3)), processText(q.num(4)));
            n.children.append(row(QStringLiteral("returned by"), via, {Kind::Invocation, q.num(1)}));
            if (q.isNull(2)) {
                path.prepend(q.num(5) == -1 ? QStringLiteral("root") : QStringLiteral("?"));
                break;
            }
            current = q.num(2);
        }
        n.value = path.join(QStringLiteral(" → "));
        return n;
    }

    InspectorData object(qint64 id) const
    {
        InspectorData d;
        Query q(db, "SELECT kind, class, uid, sw_id, context_id, ref, created_ts, creator_process_id, wire_id,"
                    " unexported_ts, release_queue_ts, release_done_ts, release_result, release_retries, freed_ts,"
                    " end_kind, origin_unknown, end_inferred, address FROM objects WHERE id = ?");
        q.bind(1, id);
        if (!q.next())
            return missing(Kind::Object, id);
        d.title = QStringLiteral("object %1: %2").arg(id).arg(q.text(1));
        d.rows << row(QStringLiteral("Kind"), q.word(0)) << row(QStringLiteral("Class"), q.text(1));
        if (!q.isNull(2))
            d.rows << row(QStringLiteral("uid"), QString::number(q.num(2)));
        if (!q.isNull(3))
            d.rows << row(QStringLiteral("Secure-world id"), QString::number(q.num(3)));
        d.rows << row(QStringLiteral("Driver address"), QStringLiteral("0x") + QString::number(q.num(18), 16));
        if (!q.isNull(4))
            d.rows << row(QStringLiteral("Context"), QStringLiteral("context %1").arg(q.num(4)), {Kind::Context, q.num(4)});
        if (!q.isNull(7))
            d.rows << row(QStringLiteral("Created by"), processText(q.num(7)), {Kind::Process, q.num(7)});
        else if (q.num(16) != 1)
            d.rows << row(QStringLiteral("Created by"), driverLabel());
        InspectorNode life{QStringLiteral("Lifetime"), q.word(15), {}, {}};
        life.children << row(QStringLiteral("created"), q.num(16) == 1 ? QStringLiteral("before the trace") : time(q, 6));
        if (!q.isNull(8))
            life.children << row(QStringLiteral("exported as"), QStringLiteral("wire id %1").arg(q.num(8)));
        if (!q.isNull(9))
            life.children << row(QStringLiteral("released by the TEE"), time(q, 9));
        if (!q.isNull(10))
            life.children << row(QStringLiteral("release queued"), time(q, 10));
        if (!q.isNull(11))
            life.children << row(QStringLiteral("release sent"),
                                 time(q, 11) + QStringLiteral(" (result %1, %2 retries)").arg(q.num(12)).arg(q.num(13)));
        life.children << row(QStringLiteral("freed"), time(q, 14));
        if (q.num(17) == 1)
            life.children << row(QStringLiteral("end inferred"), QStringLiteral("data loss hides how it ended"));
        d.rows << life;

        {
            Query l(db, "SELECT kind FROM leaks WHERE object_id = ? AND kind NOT LIKE 'shm%' AND kind NOT LIKE 'session%'");
            l.bind(1, id);
            QStringList kinds;
            while (l.next())
                kinds << l.word(0);
            if (!kinds.isEmpty())
                d.rows << row(QStringLiteral("Leak"), kinds.join(QStringLiteral(", ")));
        }
        d.rows << provenance(id);

        const qint64 holders = count("SELECT count(*) FROM handles WHERE object_id = ?", id);
        d.rows << section(QStringLiteral("Holders"), holders, [&](QList<InspectorNode> &out) {
            Query h(db, "SELECT h.handle, h.context_id, c.serial, c.process_id, h.bind_ts, h.unbind_ts, h.unbind_reason"
                        " FROM handles h LEFT JOIN contexts c ON c.id = h.context_id WHERE h.object_id = ?"
                        " ORDER BY h.bind_ts LIMIT ?");
            h.bind(1, id).bind(2, kListLimit);
            while (h.next()) {
                InspectorNode n = row(QStringLiteral("handle %1").arg(h.num(0)),
                                      QStringLiteral("in context %1 of %2").arg(h.num(2)).arg(processText(h.num(3))),
                                      {Kind::Context, h.num(1)});
                n.children << row(QStringLiteral("bound"), time(h, 4))
                           << row(QStringLiteral("unbound"),
                                  h.isNull(5) ? QStringLiteral("still bound at the end")
                                              : time(h, 5) + QStringLiteral(" (") + h.word(6) + QLatin1Char(')'));
                out << n;
            }
        });
        // Invocations have no index by object: a big finished file counts them from its
        // invocation groups and lists the slowest of each caller and op, a small one (or a live
        // one) reads them.
        const bool fromGroups = groupsOnly();
        const qint64 calls = fromGroups ? count("SELECT COALESCE(SUM(calls), 0) FROM invocation_groups WHERE object_id = ?", id)
                                        : count("SELECT count(*) FROM invocations WHERE object_id = ?", id);
        d.rows << section(fromGroups ? QStringLiteral("Invocations (the slowest of each caller and op)")
                                     : QStringLiteral("Invocations"),
                          calls, [&](QList<InspectorNode> &out) {
            // The slowest first: what a user looks for.
            Query i(db, fromGroups ? "SELECT i.id, i.op, i.process_id, i.drv_begin_ts, i.drv_end_ts, i.err, i.ret"
                                     " FROM invocation_groups g JOIN invocations i ON i.id = g.slowest_id"
                                     " WHERE g.object_id = ? ORDER BY g.max_ns DESC, g.id LIMIT ?"
                                   : "SELECT id, op, process_id, drv_begin_ts, drv_end_ts, err, ret FROM invocations"
                                     " WHERE object_id = ? ORDER BY (drv_end_ts - drv_begin_ts) DESC LIMIT ?");
            i.bind(1, id).bind(2, kListLimit);
            while (i.next())
                out << row(QStringLiteral("invocation %1: %2").arg(i.num(0)).arg(callOf(id, i.num(1))),
                           span(i, 3, 4) + QStringLiteral(" by ") + processText(i.num(2)) +
                               (i.num(5) > 0 || i.num(6) > 0 ? QStringLiteral(" err %1 ret %2").arg(i.num(5)).arg(i.num(6))
                                                             : QString()),
                           {Kind::Invocation, i.num(0)});
        });
        const qint64 produced = count("SELECT count(*) FROM objects o JOIN invocations i ON i.id = o.produced_by"
                                      " WHERE i.object_id = ?", id);
        d.rows << section(QStringLiteral("Objects it returned"), produced, [&](QList<InspectorNode> &out) {
            Query o(db, "SELECT o.id, o.class FROM objects o JOIN invocations i ON i.id = o.produced_by"
                        " WHERE i.object_id = ? ORDER BY o.id LIMIT ?");
            o.bind(1, id).bind(2, kListLimit);
            while (o.next())
                out << row(QStringLiteral("object %1").arg(o.num(0)), o.text(1), {Kind::Object, o.num(0)});
        });
        return d;
    }

    InspectorData process(qint64 id) const
    {
        InspectorData d;
        Query q(db, "SELECT pid, display_name, guest, parent_id, start_ts, end_ts, end_kind, name, exe, cmdline,"
                    " cmdline_bytes FROM processes WHERE id = ?");
        q.bind(1, id);
        if (!q.next())
            return missing(Kind::Process, id);
        d.title = QStringLiteral("process ") + processLabel(q.isNull(1) ? QString() : q.text(1), q.num(0));
        d.rows << row(QStringLiteral("pid"), QString::number(q.num(0)));
        // In full: the program (its last one, after any exec) and the kernel's short name.
        if (!q.isNull(8))
            d.rows << row(QStringLiteral("Executable"), q.text(8));
        if (!q.isNull(9)) {
            QString cmdline = q.text(9);
            if (!q.isNull(10) && q.num(10) > q.bytes(9))
                cmdline += QStringLiteral(" … (cut, %1 bytes in all)").arg(formatCount(q.num(10)));
            d.rows << row(QStringLiteral("Command line"), cmdline);
        }
        if (!q.isNull(7))
            d.rows << row(QStringLiteral("procname"), q.text(7));
        if (q.num(2) > 0)
            d.rows << row(QStringLiteral("Guest"),
                          guestLabel(q.num(2)) + QStringLiteral(" (Xen domain %1)").arg(q.num(2) - 1));
        if (!q.isNull(3))
            d.rows << row(QStringLiteral("Parent"), processText(q.num(3)), {Kind::Process, q.num(3)});
        d.rows << row(QStringLiteral("Lifetime"), time(q, 4) + QStringLiteral(" → ") + time(q, 5) +
                                                      QStringLiteral(" (") + q.word(6) + QLatin1Char(')'));
        const qint64 threads = count("SELECT count(*) FROM threads WHERE process_id = ?", id);
        d.rows << section(QStringLiteral("Threads"), threads, [&](QList<InspectorNode> &out) {
            Query t(db, "SELECT t.id, t.tid, (SELECT count(*) FROM invocations i WHERE i.thread_id = t.id),"
                        " (SELECT count(*) FROM callback_requests r WHERE r.supplicant_thread_id = t.id)"
                        " FROM threads t WHERE t.process_id = ? ORDER BY t.start_ts LIMIT ?");
            t.bind(1, id).bind(2, kListLimit);
            while (t.next())
                out << row(threadLabel(t.num(1)),
                           QStringLiteral("%1 invocations, %2 callback requests served")
                               .arg(formatCount(t.num(2)), formatCount(t.num(3))),
                           {Kind::Thread, t.num(0)});
        });
        const qint64 contexts = count("SELECT count(*) FROM contexts WHERE process_id = ?", id);
        d.rows << section(QStringLiteral("Contexts opened"), contexts, [&](QList<InspectorNode> &out) {
            Query c(db, "SELECT id, serial, dev, end_kind FROM contexts WHERE process_id = ? ORDER BY open_ts LIMIT ?");
            c.bind(1, id).bind(2, kListLimit);
            while (c.next())
                out << row(QStringLiteral("context %1").arg(c.num(1)), c.text(2) + QStringLiteral(", ") + c.word(3),
                           {Kind::Context, c.num(0)});
        });
        const qint64 used = count("SELECT count(*) FROM context_users u JOIN contexts c ON c.id = u.context_id"
                                  " WHERE u.process_id = ? AND c.process_id IS NOT u.process_id", id);
        d.rows << section(QStringLiteral("Contexts of other processes it used"), used, [&](QList<InspectorNode> &out) {
            Query c(db, "SELECT c.id, c.serial, c.process_id, u.calls FROM context_users u JOIN contexts c ON c.id = u.context_id"
                        " WHERE u.process_id = ? AND c.process_id IS NOT u.process_id LIMIT ?");
            c.bind(1, id).bind(2, kListLimit);
            while (c.next())
                out << row(QStringLiteral("context %1").arg(c.num(1)),
                           QStringLiteral("of %1, %2 calls").arg(processText(c.num(2)), formatCount(c.num(3))),
                           {Kind::Context, c.num(0)});
        });
        const qint64 created = count("SELECT count(*) FROM objects WHERE creator_process_id = ?", id);
        d.rows << section(QStringLiteral("Objects it created"), created, [&](QList<InspectorNode> &out) {
            Query o(db, "SELECT id, class, end_kind FROM objects WHERE creator_process_id = ? ORDER BY id LIMIT ?");
            o.bind(1, id).bind(2, kListLimit);
            while (o.next())
                out << row(QStringLiteral("object %1").arg(o.num(0)), o.text(1) + QStringLiteral(", ") + o.word(2),
                           {Kind::Object, o.num(0)});
        });
        return d;
    }

    InspectorData context(qint64 id) const
    {
        InspectorData d;
        Query q(db, "SELECT serial, process_id, dev, impl, guest, open_ts, close_ts, release_ts, handles_at_close,"
                    " requests_at_close, end_kind FROM contexts WHERE id = ?");
        q.bind(1, id);
        if (!q.next())
            return missing(Kind::Context, id);
        d.title = QStringLiteral("context %1 (%2)").arg(q.num(0)).arg(q.text(2));
        d.rows << row(QStringLiteral("Opened by"), processText(q.num(1)), {Kind::Process, q.num(1)});
        InspectorNode life{QStringLiteral("Lifetime"), q.word(10), {}, {}};
        life.children << row(QStringLiteral("opened"), time(q, 5)) << row(QStringLiteral("closed"), time(q, 6))
                      << row(QStringLiteral("released"), time(q, 7));
        if (!q.isNull(8))
            life.children << row(QStringLiteral("handles reclaimed at close"), QString::number(q.num(8)));
        if (!q.isNull(9))
            life.children << row(QStringLiteral("callback requests pending at close"), QString::number(q.num(9)));
        d.rows << life;
        const qint64 users = count("SELECT count(*) FROM context_users WHERE context_id = ?", id);
        d.rows << section(QStringLiteral("Processes that used it"), users, [&](QList<InspectorNode> &out) {
            Query u(db, "SELECT process_id, calls, first_ts, last_ts FROM context_users WHERE context_id = ? LIMIT ?");
            u.bind(1, id).bind(2, kListLimit);
            while (u.next())
                out << row(processText(u.num(0)), QStringLiteral("%1 calls, %2 → %3")
                                                      .arg(formatCount(u.num(1)), time(u, 2), time(u, 3)),
                           {Kind::Process, u.num(0)});
        });
        const qint64 handles = count("SELECT count(*) FROM handles WHERE context_id = ?", id);
        d.rows << section(QStringLiteral("Handles"), handles, [&](QList<InspectorNode> &out) {
            Query h(db, "SELECT h.handle, h.object_id, o.class, h.bind_ts, h.unbind_ts FROM handles h"
                        " LEFT JOIN objects o ON o.id = h.object_id WHERE h.context_id = ? ORDER BY h.bind_ts LIMIT ?");
            h.bind(1, id).bind(2, kListLimit);
            while (h.next())
                out << row(QStringLiteral("handle %1").arg(h.num(0)),
                           h.text(2) + QStringLiteral(", ") + time(h, 3) + QStringLiteral(" → ") +
                               (h.isNull(4) ? QStringLiteral("end") : time(h, 4)),
                           {Kind::Object, h.num(1)});
        });
        const qint64 sessions = count("SELECT count(*) FROM sessions WHERE context_id = ?", id);
        if (sessions > 0)
            d.rows << section(QStringLiteral("OP-TEE sessions"), sessions, [&](QList<InspectorNode> &out) {
                Query se(db, "SELECT s.id, s.session, COALESCE(t.name, s.uuid), s.open_ts, s.close_ts, s.end_kind"
                             " FROM sessions s LEFT JOIN ta_names t ON t.uuid = s.uuid WHERE s.context_id = ?"
                             " ORDER BY s.open_ts LIMIT ?");
                se.bind(1, id).bind(2, kListLimit);
                while (se.next())
                    out << row(QStringLiteral("session %1").arg(se.text(1)),
                               se.text(2) + QStringLiteral(", ") + time(se, 3) + QStringLiteral(" → ") +
                                   (se.isNull(4) ? QStringLiteral("end") : time(se, 4)) + QStringLiteral(" (") +
                                   se.word(5) + QLatin1Char(')'),
                               {Kind::Session, se.num(0)});
            });
        return d;
    }

    // The TA of an OP-TEE session: its name (else its uuid), and its uuid.
    std::pair<QString, QString> sessionTa(qint64 sessionId) const
    {
        Query q(db, "SELECT COALESCE(t.name, s.uuid), s.uuid FROM sessions s LEFT JOIN ta_names t ON t.uuid = s.uuid"
                    " WHERE s.id = ?");
        q.bind(1, sessionId);
        if (!q.next())
            return {QStringLiteral("?"), QString()};
        return {q.text(0), q.text(1)};
    }
    // An OP-TEE command in words: its name from ta_commands, else the number.
    QString commandText(qint64 sessionId, qint64 op) const
    {
        if (op < 0)
            return opName(op);
        Query q(db, "SELECT c.name FROM sessions s JOIN ta_commands c ON c.uuid = s.uuid AND c.func = ? WHERE s.id = ?");
        q.bind(1, op).bind(2, sessionId);
        return q.next() ? q.text(0) + QStringLiteral(" (%1)").arg(op) : QString::number(op);
    }

    InspectorData invocation(qint64 id) const
    {
        InspectorData d;
        Query q(db, "SELECT object_id, op, process_id, thread_id, context_id, user_begin_ts, user_end_ts, drv_begin_ts,"
                    " drv_end_ts, err, ret, depth, parent_request_id, in_bytes, out_bytes, handle, end_inferred, serial,"
                    " call, session_id, origin, guest, wait_ns"
                    " FROM invocations WHERE id = ?");
        q.bind(1, id);
        if (!q.next())
            return missing(Kind::Invocation, id);
        const bool optee = !q.isNull(18);
        if (optee) {
            const auto [ta, uuid] = q.isNull(19) ? std::make_pair(QStringLiteral("?"), QString()) : sessionTa(q.num(19));
            const QString command = commandText(q.num(19), q.num(1));
            d.title = QStringLiteral("invocation %1: %2 %3").arg(id).arg(ta, command);
            d.rows << row(QStringLiteral("Call"), q.word(18));
            if (!q.isNull(19))
                d.rows << row(QStringLiteral("Session"), QStringLiteral("session %1 on %2").arg(q.num(19)).arg(ta),
                              {Kind::Session, q.num(19)});
            if (q.num(21) != 0)
                d.rows << row(QStringLiteral("Guest"), guestLabel(q.num(21)));
        } else {
            d.title = QStringLiteral("invocation %1: %2").arg(id).arg(callOf(q.isNull(0) ? -1 : q.num(0), q.num(1)));
            d.rows << row(QStringLiteral("Op"), opOf(q.isNull(0) ? -1 : q.num(0), q.num(1)));
            if (!q.isNull(0))
                d.rows << row(QStringLiteral("Object"), objectText(q.num(0)), {Kind::Object, q.num(0)});
            d.rows << row(QStringLiteral("Handle"), q.num(15) == -1 ? QStringLiteral("root") : QString::number(q.num(15)));
        }
        d.rows << row(QStringLiteral("Caller"), processText(q.num(2)), {Kind::Process, q.num(2)});
        if (!q.isNull(3))
            d.rows << row(QStringLiteral("Thread"), threadText(q.num(3)), {Kind::Thread, q.num(3)});
        if (!q.isNull(4))
            d.rows << row(QStringLiteral("Context"), QStringLiteral("context %1").arg(q.num(4)), {Kind::Context, q.num(4)});
        d.rows << row(QStringLiteral("User side"), span(q, 5, 6) + QStringLiteral(" from ") + time(q, 5));
        d.rows << row(QStringLiteral("Driver side"), span(q, 7, 8) + QStringLiteral(" from ") + time(q, 7));
        if (optee) {
            d.rows << row(QStringLiteral("Result"),
                          QStringLiteral("errno %1, GP result 0x%2, origin %3")
                              .arg(q.text(9), QString::number(quint32(q.num(10)), 16),
                                   q.isNull(20) ? QStringLiteral("—") : originText(q.num(20))));
            if (!q.isNull(22)) {
                const qint64 waits = count("SELECT count(*) FROM optee_waits WHERE invocation_id = ?", id);
                d.rows << section(QStringLiteral("Waited for an OP-TEE thread"), waits, [&](QList<InspectorNode> &out) {
                    Query w(db, "SELECT reason, begin_ts, end_ts FROM optee_waits WHERE invocation_id = ?"
                                " ORDER BY begin_ts LIMIT ?");
                    w.bind(1, id).bind(2, kListLimit);
                    while (w.next())
                        out << row(w.word(0), span(w, 1, 2) + QStringLiteral(" from ") + time(w, 1));
                });
                d.rows.last().value = formatDuration(q.num(22)) +
                                      (waits == 1 ? QStringLiteral(" (1 wait)")
                                                  : QStringLiteral(" (%1 waits)").arg(formatCount(waits)));
            }
            const qint64 uses = count("SELECT count(*) FROM shm_uses WHERE invocation_id = ?", id);
            if (uses > 0)
                d.rows << section(QStringLiteral("Shared memory passed"), uses, [&](QList<InspectorNode> &out) {
                    Query u(db, "SELECT param, shm, shm_id, dir, offset, size FROM shm_uses WHERE invocation_id = ?"
                                " ORDER BY param LIMIT ?");
                    u.bind(1, id).bind(2, kListLimit);
                    while (u.next())
                        out << row(QStringLiteral("param %1").arg(u.num(0)),
                                   u.num(1) < 0 ? QStringLiteral("NULL memref")
                                                : QStringLiteral("shm %1, %2, %3 bytes at %4")
                                                      .arg(u.num(1))
                                                      .arg(u.word(3), u.text(5), u.text(4)));
                });
        } else {
            d.rows << row(QStringLiteral("Result"), QStringLiteral("errno %1, QTEE result %2").arg(q.text(9), q.text(10)));
            d.rows << row(QStringLiteral("Bytes"), QStringLiteral("%1 in, %2 out").arg(q.text(13), q.text(14)));
        }
        if (q.num(11) > 0)
            d.rows << row(QStringLiteral("Made while serving"), QStringLiteral("callback request %1").arg(q.num(12)),
                          {Kind::Request, q.num(12)});
        if (q.num(16) == 1)
            d.rows << row(QStringLiteral("End inferred"), QStringLiteral("its end is missing (data loss, or the caller died)"));
        const qint64 requests = count("SELECT count(*) FROM callback_requests WHERE invocation_id = ?", id);
        d.rows << section(optee ? QStringLiteral("RPCs to tee-supplicant") : QStringLiteral("Callback requests it caused"),
                          requests, [&](QList<InspectorNode> &out) {
            Query r(db, "SELECT r.id, r.object_id, r.supplicant_thread_id, t.process_id, r.queue_ts, r.answer_ts, r.end_kind,"
                        " r.kind, r.op"
                        " FROM callback_requests r LEFT JOIN threads t ON t.id = r.supplicant_thread_id"
                        " WHERE r.invocation_id = ? ORDER BY r.queue_ts LIMIT ?");
            r.bind(1, id).bind(2, kListLimit);
            while (r.next())
                out << row(r.text(7) == QLatin1String("rpc")
                               ? QStringLiteral("RPC %1: %2").arg(r.num(0)).arg(rpcCommandName(r.num(8)))
                               : QStringLiteral("request %1: %2").arg(r.num(0)).arg(callOf(r.isNull(1) ? -1 : r.num(1), r.num(8))),
                           QStringLiteral("served by %1 in %2 (%3)").arg(processText(r.num(3)), span(r, 4, 5), r.word(6)),
                           {Kind::Request, r.num(0)});
        });
        const qint64 produced = count("SELECT count(*) FROM objects WHERE produced_by = ?", id);
        if (!optee || produced > 0) {
            d.rows << section(QStringLiteral("Objects it returned"), produced, [&](QList<InspectorNode> &out) {
                Query o(db, "SELECT id, class FROM objects WHERE produced_by = ? ORDER BY id LIMIT ?");
                o.bind(1, id).bind(2, kListLimit);
                while (o.next())
                    out << row(QStringLiteral("object %1").arg(o.num(0)), o.text(1), {Kind::Object, o.num(0)});
            });
        }
        return d;
    }

    InspectorData request(qint64 id) const
    {
        InspectorData d;
        Query q(db, "SELECT r.object_id, r.op, r.invocation_id, r.invoker_process_id, r.queue_ts, r.pick_ts, r.answer_ts,"
                    " r.supplicant_thread_id, t.process_id, r.ret, r.err, r.end_kind, r.context_id, r.kind, r.return_ts,"
                    " r.request"
                    " FROM callback_requests r LEFT JOIN threads t ON t.id = r.supplicant_thread_id WHERE r.id = ?");
        q.bind(1, id);
        if (!q.next())
            return missing(Kind::Request, id);
        const bool rpc = q.text(13) == QLatin1String("rpc");
        d.title = rpc ? QStringLiteral("RPC %1 to tee-supplicant: %2").arg(id).arg(rpcCommandName(q.num(1)))
                      : QStringLiteral("callback request %1: %2").arg(id).arg(callOf(q.isNull(0) ? -1 : q.num(0), q.num(1)));
        if (!q.isNull(0))
            d.rows << row(QStringLiteral("Callback object"), objectText(q.num(0)), {Kind::Object, q.num(0)})
                   << row(QStringLiteral("Op"), opOf(q.num(0), q.num(1)));
        if (!q.isNull(2))
            d.rows << row(QStringLiteral("Caused by"), QStringLiteral("invocation %1").arg(q.num(2)), {Kind::Invocation, q.num(2)});
        d.rows << row(QStringLiteral("On behalf of"), processText(q.num(3)), {Kind::Process, q.num(3)});
        if (!q.isNull(7))
            d.rows << row(QStringLiteral("Served by"), processText(q.num(8)) + QStringLiteral(", ") + threadText(q.num(7)),
                          {Kind::Thread, q.num(7)});
        if (!q.isNull(12))
            d.rows << row(rpc ? QStringLiteral("Supplicant context") : QStringLiteral("Owner context"),
                          QStringLiteral("context %1").arg(q.num(12)), {Kind::Context, q.num(12)});
        if (rpc && !q.isNull(15))
            d.rows << row(QStringLiteral("Request id"), QString::number(q.num(15)));
        InspectorNode life{QStringLiteral("Lifetime"), q.word(11), {}, {}};
        life.children << row(QStringLiteral("queued"), time(q, 4)) << row(QStringLiteral("picked"), time(q, 5))
                      << row(QStringLiteral("answered"), time(q, 6));
        if (rpc)
            life.children << row(QStringLiteral("returned to the secure world"), time(q, 14));
        life.children << row(QStringLiteral("waited"), span(q, 4, 5)) << row(QStringLiteral("served in"), span(q, 5, 6));
        d.rows << life;
        d.rows << row(QStringLiteral("Result"), QStringLiteral("ret %1, errno %2").arg(q.text(9), q.text(10)));
        return d;
    }

    InspectorData session(qint64 id) const
    {
        InspectorData d;
        Query q(db, "SELECT s.session, s.uuid, COALESCE(t.name, s.uuid), s.login, s.guest, s.context_id, s.process_id,"
                    " s.thread_id, s.open_ts, s.close_ts, s.ret, s.origin, s.end_kind, s.opened_by, s.closed_by, s.err,"
                    " s.origin_unknown, s.end_inferred"
                    " FROM sessions s LEFT JOIN ta_names t ON t.uuid = s.uuid WHERE s.id = ?");
        q.bind(1, id);
        if (!q.next())
            return missing(Kind::Session, id);
        d.title = QStringLiteral("session %1: %2").arg(q.isNull(0) ? QStringLiteral("?") : QString::number(q.num(0)), q.text(2));
        d.rows << row(QStringLiteral("Trusted application"), q.text(2));
        d.rows << row(QStringLiteral("TA uuid"), q.text(1));
        d.rows << row(QStringLiteral("Login"), q.isNull(3) ? QStringLiteral("—") : loginText(q.num(3)));
        if (q.num(4) != 0)
            d.rows << row(QStringLiteral("Guest"), guestLabel(q.num(4)));
        if (!q.isNull(5))
            d.rows << row(QStringLiteral("Context"), QStringLiteral("context %1").arg(q.num(5)), {Kind::Context, q.num(5)});
        if (!q.isNull(6))
            d.rows << row(QStringLiteral("Opened by"), processText(q.num(6)), {Kind::Process, q.num(6)});
        if (!q.isNull(13))
            d.rows << row(QStringLiteral("OPEN_SESSION"), QStringLiteral("invocation %1").arg(q.num(13)),
                          {Kind::Invocation, q.num(13)});
        d.rows << row(QStringLiteral("Open result"), QStringLiteral("GP result 0x%1, origin %2, errno %3")
                                                       .arg(QString::number(quint32(q.num(10)), 16),
                                                            q.isNull(11) ? QStringLiteral("—") : originText(q.num(11)),
                                                            q.text(15)));
        InspectorNode life{QStringLiteral("Lifetime"), q.word(12), {}, {}};
        life.children << row(QStringLiteral("opened"), q.num(16) == 1 ? QStringLiteral("before the trace") : time(q, 8))
                      << row(QStringLiteral("closed"), time(q, 9));
        if (!q.isNull(14))
            life.children << row(QStringLiteral("by CLOSE_SESSION"), QStringLiteral("invocation %1").arg(q.num(14)),
                                 {Kind::Invocation, q.num(14)});
        if (q.num(17) == 1)
            life.children << row(QStringLiteral("end inferred"), QStringLiteral("data loss hides how it ended"));
        d.rows << life;
        {
            Query l(db, "SELECT kind FROM leaks WHERE object_id = ? AND kind LIKE 'session%'");
            l.bind(1, id);
            if (l.next())
                d.rows << row(QStringLiteral("Leak"), l.word(0));
        }
        const qint64 calls = count("SELECT count(*) FROM invocations WHERE session_id = ?", id);
        d.rows << section(QStringLiteral("Calls"), calls, [&](QList<InspectorNode> &out) {
            Query i(db, "SELECT id, call, op, process_id, drv_begin_ts, drv_end_ts, err, ret, wait_ns FROM invocations"
                        " WHERE session_id = ? ORDER BY (drv_end_ts - drv_begin_ts) DESC LIMIT ?");
            i.bind(1, id).bind(2, kListLimit);
            while (i.next()) {
                QString value = span(i, 4, 5) + QStringLiteral(" by ") + processText(i.num(3));
                if (!i.isNull(8))
                    value += QStringLiteral(", waited ") + formatDuration(i.num(8));
                if (i.num(6) > 0 || i.num(7) != 0)
                    value += QStringLiteral(" err %1 ret 0x%2").arg(i.num(6)).arg(QString::number(quint32(i.num(7)), 16));
                out << row(QStringLiteral("invocation %1 (%2)").arg(i.num(0)).arg(commandText(id, i.num(2))), value,
                           {Kind::Invocation, i.num(0)});
            }
        });
        return d;
    }

    InspectorData thread(qint64 id) const
    {
        InspectorData d;
        Query q(db, "SELECT process_id, tid, start_ts, end_ts FROM threads WHERE id = ?");
        q.bind(1, id);
        if (!q.next())
            return missing(Kind::Thread, id);
        d.title = QStringLiteral("thread %1 of %2").arg(q.num(1)).arg(processText(q.num(0)));
        d.rows << row(QStringLiteral("Process"), processText(q.num(0)), {Kind::Process, q.num(0)});
        d.rows << row(QStringLiteral("Lifetime"), time(q, 2) + QStringLiteral(" → ") + time(q, 3));
        d.rows << row(QStringLiteral("Invocations"), formatCount(count("SELECT count(*) FROM invocations WHERE thread_id = ?", id)));
        d.rows << row(QStringLiteral("Callback requests served"),
                      formatCount(count("SELECT count(*) FROM callback_requests WHERE supplicant_thread_id = ?", id)));
        return d;
    }

    InspectorData range(TimeRange r) const
    {
        InspectorData d;
        d.range = r;
        d.title = QStringLiteral("%1 → %2 (%3)")
                      .arg(formatTraceTime(r.begin, origin), formatTraceTime(r.end, origin), formatDuration(r.end - r.begin));
        auto between = [&](const char *sql) {
            Query q(db, sql);
            q.bind(1, r.begin).bind(2, r.end);
            return q.next() ? q.num(0) : 0;
        };
        // Through the (thread_id, drv_begin_ts) index, a thread at a time.
        d.rows << row(QStringLiteral("Invocations started"),
                      formatCount(between("SELECT (SELECT count(*) FROM invocations WHERE thread_id IS NULL"
                                          "         AND drv_begin_ts >= ?1 AND drv_begin_ts < ?2)"
                                          " + (SELECT COALESCE(SUM((SELECT count(*) FROM invocations i"
                                          "     WHERE i.thread_id = t.id AND i.drv_begin_ts >= ?1 AND i.drv_begin_ts < ?2)), 0)"
                                          "    FROM threads t)")));
        d.rows << row(QStringLiteral("Callback requests queued"),
                      formatCount(between("SELECT count(*) FROM callback_requests WHERE queue_ts >= ? AND queue_ts < ?")));
        d.rows << row(QStringLiteral("Objects created"),
                      formatCount(between("SELECT count(*) FROM objects WHERE created_ts >= ? AND created_ts < ?")));
        d.rows << row(QStringLiteral("Handles bound"),
                      formatCount(between("SELECT count(*) FROM handles WHERE bind_ts >= ? AND bind_ts < ?")));
        d.rows << row(QStringLiteral("Lost events"),
                      formatCount(between("SELECT COALESCE(SUM(count), 0) FROM data_loss WHERE end_ts >= ? AND begin_ts < ?")));
        return d;
    }

    static InspectorData missing(Kind kind, qint64 id)
    {
        InspectorData d;
        d.title = QStringLiteral("%1 %2").arg(kindName(kind)).arg(id);
        d.rows << row(QStringLiteral("Not in this database"), QString());
        return d;
    }
};

} // namespace

InspectorData loadInspector(const store::Database &db, ItemRef item, TimeRange range, qint64 traceStart)
{
    Builder b{db, traceStart, store::OpNames::read(db.handle(), db.path())};
    InspectorData d;
    switch (item.kind) {
    case Kind::Object: d = b.object(item.id); break;
    case Kind::Process: d = b.process(item.id); break;
    case Kind::Context: d = b.context(item.id); break;
    case Kind::Invocation: d = b.invocation(item.id); break;
    case Kind::Request: d = b.request(item.id); break;
    case Kind::Thread: d = b.thread(item.id); break;
    case Kind::Session: d = b.session(item.id); break;
    case Kind::None:
        if (range.isValid())
            d = b.range(range);
        break;
    }
    d.item = item;
    d.range = range;
    return d;
}

} // namespace teescope::gui
