// SPDX-License-Identifier: MIT
#include "core/trace_db.h"

#include <QStringList>

#include <algorithm>

namespace teescope::gui {

store::Database openTraceDb(const QString &path)
{
    return store::Database::open_read_only(path.toStdString());
}

TraceInfo loadTraceInfo(const store::Database &db)
{
    TraceInfo info;
    info.dbPath = QString::fromStdString(db.path());
    auto number = [&](const char *key) -> qint64 {
        auto v = db.metadata(key);
        return v ? qint64(std::strtoll(v->c_str(), nullptr, 10)) : 0;
    };
    info.tracePath = traceText(db.metadata("trace_path").value_or(std::string()));
    info.firstTs = number("first_ts");
    info.lastTs = number("last_ts");
    info.events = number("events");
    info.complete = db.complete();
    info.live = number("live") != 0;
    // While live, last_ts is not written yet: the newest event committed is the end so far.
    if (info.live)
        info.lastTs = std::max(info.lastTs, number("live_ts"));
    info.readError = number("read_error") != 0;
    info.schemaVersion = int(number("schema_version"));

    store::Statement s(db.handle(),
                       "SELECT COALESCE(SUM(CASE WHEN name = 'discarded_events' THEN count END), 0),"
                       "       COALESCE(SUM(count), 0) FROM import_stats WHERE severity = 'data_loss'",
                       db.path());
    if (s.next()) {
        info.lostEvents = s.int_at(0);
        info.dataLossRecords = s.int_at(1);
    }
    {
        QStringList stacks;
        store::Statement st(db.handle(), "SELECT stack, description FROM stacks", db.path());
        while (st.next()) {
            stacks << traceText(st.text_at(1));
            if (st.text_at(0) == "QTEE")
                info.hasQtee = true;
            else
                info.hasOptee = true;
        }
        info.stacks = stacks.join(QStringLiteral(" + "));
    }
    {
        store::Statement g(db.handle(),
                           "SELECT guest FROM guests UNION SELECT guest FROM contexts WHERE guest <> 0"
                           " UNION SELECT guest FROM processes WHERE guest <> 0 ORDER BY 1",
                           db.path());
        while (g.next())
            info.guests.append(int(g.int_at(0)));
        store::Statement n(db.handle(), "SELECT EXISTS (SELECT 1 FROM processes WHERE guest = 0)", db.path());
        info.hasNative = n.next() && n.int_at(0) != 0;
    }
    return info;
}

} // namespace teescope::gui
