// SPDX-License-Identifier: MIT
// One row of the `leaks` view, as loaded by a background job (an immutable value).
#pragma once

#include "core/selection.h"
#include "core/trace_db.h"

#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace teescope::gui {

struct LeakRecord {
    QString kind;          // leaks.kind: held_at_end, reclaimed_at_close, ...
    qint64 objectId = 0;   // objects.id (shm.id / sessions.id for shm and session kinds)
    QString objectClass;   // objects.class; "shm"; the TA uuid of a session
    std::optional<qint64> uid;
    std::optional<qint64> swId;
    std::optional<qint64> creatorPid;
    QString creatorName;
    std::optional<qint64> createdTs;
    std::optional<qint64> ageNs;
    std::optional<qint64> producedBy;
    QString provenance;    // "root → client_env → app"
    QString holders;       // "name (pid N), ..."
    qint64 guest = 0;      // Xen client id (0 native)

    // shm and session leaks name rows of other tables, not objects.
    bool isObject() const;
    // An OP-TEE session leak: objectId is a sessions.id.
    bool isSession() const;
    // What the selection calls it (object or session), none for shm.
    ItemRef ref() const;
    // "name (pid N)"; the creator name alone for the driver ("driver (kernel)"), or "?" when
    // the creator is unknown.
    QString creatorLabel() const;
};

// The leak kinds of the domain model in the order the report shows them.
const QStringList &leakKindOrder();
// Human title and one-line explanation of a leak kind (translated); unknown kinds give the key.
QString leakKindTitle(const QString &kind);
QString leakKindExplanation(const QString &kind);

// Reads the `leaks` view; throws store::Error.
QList<LeakRecord> loadLeaks(const store::Database &db);
// A live file (leaks_live.cpp): what is held at `now` (objects with a bound handle, shared memory
// not freed, sessions open), aged now - created. Throws store::Error.
QList<LeakRecord> loadHeldNow(const store::Database &db, qint64 now);

} // namespace teescope::gui
