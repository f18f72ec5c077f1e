// SPDX-License-Identifier: MIT
// One run's side of a diff: its leaks by key, its latency, its objects per class.
#include "teescope/store/diff.h"

#include "teescope/store/statement.h"

namespace teescope::store {

RunSummary read_run_summary(const Database &db)
{
    RunSummary run;
    run.file = db.path();
    run.complete = db.complete();
    {
        // NULL parts (shm has no provenance, a process may be unnamed) compare equal as "".
        Statement leaks(db.handle(),
                        "SELECT kind, COALESCE(class, ''), COALESCE(creator_name, ''), COALESCE(provenance, ''),"
                        " count(*) FROM leaks GROUP BY 1, 2, 3, 4",
                        db.path());
        while (leaks.next())
            run.leaks[LeakKey{leaks.text_at(0), leaks.text_at(1), leaks.text_at(2), leaks.text_at(3)}] +=
                leaks.int_at(4);
    }
    // Computed from the invocations rather than read from the latency table, so that the
    // numbers are the invocations' own even where the table was not refreshed.
    run.latency = compute_latency_groups(db.handle(), db.path());
    {
        Statement objects(db.handle(),
                          "SELECT o.class, count(*), sum(EXISTS (SELECT 1 FROM handles h"
                          " WHERE h.object_id = o.id AND h.unbind_ts IS NULL)) FROM objects o GROUP BY o.class",
                          db.path());
        while (objects.next())
            run.objects[objects.text_at(0)] = ClassObjects{objects.int_at(1), objects.int_at(2)};
    }
    return run;
}

} // namespace teescope::store
