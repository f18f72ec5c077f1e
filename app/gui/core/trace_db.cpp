// SPDX-License-Identifier: MIT
#include "core/trace_db.h"

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
    return info;
}

} // namespace teescope::gui
