// SPDX-License-Identifier: MIT
#include "tables/leak_record.h"

#include "core/format.h"

#include <QCoreApplication>

namespace teescope::gui {

bool LeakRecord::isObject() const
{
    return !kind.startsWith(QLatin1String("shm_")) && !kind.startsWith(QLatin1String("session_"));
}

bool LeakRecord::isSession() const
{
    return kind.startsWith(QLatin1String("session_"));
}

ItemRef LeakRecord::ref() const
{
    if (isObject())
        return {ItemRef::Kind::Object, objectId};
    if (isSession())
        return {ItemRef::Kind::Session, objectId};
    return {};
}

QString LeakRecord::creatorLabel() const
{
    if (!creatorPid)
        return creatorName.isEmpty() ? QStringLiteral("?") : creatorName;
    return processLabel(creatorName, *creatorPid);
}

const QStringList &leakKindOrder()
{
    static const QStringList order{
        QStringLiteral("held_now"),
        QStringLiteral("shm_held_now"),
        QStringLiteral("session_open_now"),
        QStringLiteral("held_at_end"),
        QStringLiteral("reclaimed_at_close"),
        QStringLiteral("release_failed"),
        QStringLiteral("release_unobserved"),
        QStringLiteral("callback_not_released"),
        QStringLiteral("shm_not_freed"),
        QStringLiteral("shm_freed_at_exit"),
        QStringLiteral("shm_freed_by_guest_destroy"),
        QStringLiteral("session_not_closed"),
        QStringLiteral("session_closed_at_release"),
        QStringLiteral("session_closed_by_guest_destroy"),
    };
    return order;
}

QString leakKindTitle(const QString &kind)
{
    // The words are those of every view (valueText); a title starts with a capital.
    if (!leakKindOrder().contains(kind))
        return kind;
    if (kind == QLatin1String("held_now"))
        return QCoreApplication::translate("LeakKind", "Held now");
    if (kind == QLatin1String("shm_held_now"))
        return QCoreApplication::translate("LeakKind", "Shared memory held now");
    if (kind == QLatin1String("session_open_now"))
        return QCoreApplication::translate("LeakKind", "Sessions open now");
    QString title = valueText(kind);
    if (!title.isEmpty())
        title[0] = title[0].toUpper();
    return title;
}

QString leakKindExplanation(const QString &kind)
{
    const auto tr = [](const char *s) { return QCoreApplication::translate("LeakKind", s); };
    if (kind == QLatin1String("held_now"))
        return tr("Live: a handle to it is bound now; its age is how long since it was created. What stays "
                  "and grows old is a suspect.");
    if (kind == QLatin1String("shm_held_now"))
        return tr("Live: shared memory not freed yet; its age is how long since it was created.");
    if (kind == QLatin1String("session_open_now"))
        return tr("Live: an OP-TEE session open now; its age is how long since it was opened.");
    if (kind == QLatin1String("held_at_end"))
        return tr("A handle is still bound at the end of the trace and its holder process is alive: "
                  "a suspect, judge by its age and creator.");
    if (kind == QLatin1String("reclaimed_at_close"))
        return tr("The holder process exited or closed the device still holding it; only the context "
                  "close reclaimed it (a real leak in long-lived services, harmless in short tools).");
    if (kind == QLatin1String("release_failed"))
        return tr("The handle was dropped but the TEE refused the release.");
    if (kind == QLatin1String("release_unobserved"))
        return tr("The handle went away but the release to the TEE was never seen.");
    if (kind == QLatin1String("callback_not_released"))
        return tr("A callback object was exported to the TEE and the TEE never released it.");
    if (kind == QLatin1String("shm_not_freed"))
        return tr("Shared memory that was never freed.");
    if (kind == QLatin1String("session_not_closed"))
        return tr("An OP-TEE session still open at the end of the trace.");
    if (kind == QLatin1String("shm_freed_at_exit"))
        return tr("OP-TEE shared memory the client never freed: the driver freed it when its process exited "
                  "(or gave up its contexts).");
    if (kind == QLatin1String("shm_freed_by_guest_destroy"))
        return tr("OP-TEE shared memory still registered when its Xen guest was destroyed.");
    if (kind == QLatin1String("session_closed_at_release"))
        return tr("An OP-TEE session the client never closed: the driver closed it when its context was released "
                  "(the process exited or closed the device).");
    if (kind == QLatin1String("session_closed_by_guest_destroy"))
        return tr("An OP-TEE session still open when its Xen guest was destroyed.");
    return QString();
}

namespace {
std::optional<qint64> optionalInt(const store::Statement &s, int col)
{
    if (s.null_at(col))
        return std::nullopt;
    return s.int_at(col);
}
} // namespace

QList<LeakRecord> loadLeaks(const store::Database &db)
{
    store::Statement s(db.handle(),
                       "SELECT kind, object_id, class, uid, sw_id, creator_pid, creator_name, created_ts, "
                       "age_ns, produced_by, provenance, holders, guest FROM leaks",
                       db.path());
    QList<LeakRecord> records;
    while (s.next()) {
        LeakRecord r;
        r.kind = traceText(s.text_at(0));
        r.objectId = s.int_at(1);
        r.objectClass = traceText(s.text_at(2));
        r.uid = optionalInt(s, 3);
        r.swId = optionalInt(s, 4);
        r.creatorPid = optionalInt(s, 5);
        r.creatorName = traceText(s.text_at(6));
        r.createdTs = optionalInt(s, 7);
        r.ageNs = optionalInt(s, 8);
        r.producedBy = optionalInt(s, 9);
        r.provenance = traceText(s.text_at(10));
        r.holders = traceText(s.text_at(11));
        r.guest = s.int_at(12);
        records.append(std::move(r));
    }
    return records;
}

} // namespace teescope::gui
