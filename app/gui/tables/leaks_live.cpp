// SPDX-License-Identifier: MIT
// What a live file holds now: the leaks page of a trace still being recorded. Only the end of a
// finished trace tells leaks from what is merely held; until then everything held is listed
// with its age, oldest first being the suspects.
#include "tables/leak_record.h"

#include "teescope/store/statement.h"

namespace teescope::gui {

QList<LeakRecord> loadHeldNow(const store::Database &db, qint64 now)
{
    store::Statement s(
        db.handle(),
        "SELECT 'held_now', o.id, o.class, o.uid, o.sw_id, cp.pid, cp.name, o.created_ts, o.produced_by,"
        "       (SELECT group_concat(label, ', ') FROM ("
        "          SELECT DISTINCT COALESCE(hp.name, '?') || '[' || hp.pid || ']' AS label"
        "            FROM handles h JOIN contexts hc ON hc.id = h.context_id"
        "            JOIN processes hp ON hp.id = hc.process_id"
        "           WHERE h.object_id = o.id AND h.unbind_ts IS NULL ORDER BY hp.pid)),"
        "       COALESCE(oc.guest, 0)"
        "  FROM objects o"
        "  LEFT JOIN processes cp ON cp.id = o.creator_process_id"
        "  LEFT JOIN contexts oc ON oc.id = o.context_id"
        " WHERE o.kind NOT IN ('root', 'primordial')"
        "   AND EXISTS (SELECT 1 FROM handles h WHERE h.object_id = o.id AND h.unbind_ts IS NULL)"
        " UNION ALL "
        "SELECT 'shm_held_now', m.id, 'shm', NULL, m.shm, p.pid, p.name, m.created_ts, NULL, NULL, m.guest"
        "  FROM shm m LEFT JOIN processes p ON p.id = m.process_id WHERE m.freed_ts IS NULL"
        " UNION ALL "
        "SELECT 'session_open_now', se.id, COALESCE(t.name, se.uuid), NULL, se.session, p.pid, p.name, se.open_ts,"
        "       se.opened_by, NULL, se.guest"
        "  FROM sessions se LEFT JOIN processes p ON p.id = se.process_id"
        "  LEFT JOIN ta_names t ON t.uuid = se.uuid"
        " WHERE se.close_ts IS NULL AND se.end_kind <> 'failed'",
        db.path());
    QList<LeakRecord> records;
    auto opt = [&s](int col) -> std::optional<qint64> {
        if (s.null_at(col))
            return std::nullopt;
        return s.int_at(col);
    };
    while (s.next()) {
        LeakRecord r;
        r.kind = traceText(s.text_at(0));
        r.objectId = s.int_at(1);
        r.objectClass = traceText(s.text_at(2));
        r.uid = opt(3);
        r.swId = opt(4);
        r.creatorPid = opt(5);
        r.creatorName = traceText(s.text_at(6));
        r.createdTs = opt(7);
        if (r.createdTs)
            r.ageNs = std::max<qint64>(0, now - *r.createdTs);
        r.producedBy = opt(8);
        r.holders = traceText(s.text_at(9));
        r.guest = s.int_at(10);
        records.append(std::move(r));
    }
    return records;
}

} // namespace teescope::gui
