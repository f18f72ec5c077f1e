// SPDX-License-Identifier: MIT
// The views on hand-made rows: every leak kind with provenance and holders, sharing of objects
// and contexts, callback flows, and the import summary.
#include "teescope/store/diff.h"
#include "teescope/store/writer.h"
#include "test_db.h"

namespace teescope::store::test {
namespace {

// client (alive) holds an app reached through root -> client_env -> app_controller; a tool that
// exited had its diagnostics handle reclaimed at close; the rest are the object, shm and
// session leak kinds, each next to a similar row that is not a leak.
void write_leaky(Writer &w)
{
    w.set_metadata("first_ts", "0");
    w.set_metadata("last_ts", "1000");
    w.add(process(1, 100, "client", "alive_at_end"));
    w.add(process(2, 200, "tool", "exited"));
    w.add(process(3, 300, "suppl", "alive_at_end"));
    w.add(context(1, 1, "open_at_end"));
    w.add(context(2, 2, "released"));
    w.add(context(3, 3, "open_at_end"));

    w.add(object(1, "root", "root", 1, "alive_at_end"));
    ObjectRow env = object(2, "qtee", "client_env", 1, "released");
    env.produced_by = 1;
    w.add(env);
    ObjectRow ctl = object(3, "qtee", "app_controller", 1, "released");
    ctl.produced_by = 2;
    w.add(ctl);
    ObjectRow app = object(4, "qtee", "app", 1, "alive_at_end");
    app.produced_by = 3, app.uid = 77, app.sw_id = 4000, app.creator_process_id = 1;
    w.add(app);
    w.add(invocation(1, 1, 0, 5, 6));
    w.add(invocation(2, 2, 0, 15, 16));
    w.add(invocation(3, 3, 0, 25, 26));
    w.add(handle(1, 1, 1, 1, std::nullopt));             // the root: never a leak
    w.add(handle(2, 1, 2, 20, 500, "release"));
    w.add(handle(3, 1, 3, 30, 500, "release"));
    w.add(handle(4, 1, 4, 40, std::nullopt));            // held_at_end
    w.add(ContextUserRow{1, 1, 20, 900, 4});

    w.add(object(5, "qtee", "diagnostics", 2, "reclaimed_at_close"));
    w.add(handle(5, 2, 5, 50, 800, "context_close"));    // reclaimed_at_close
    w.add(object(6, "qtee", "diagnostics", 1, "release_failed"));
    w.add(object(7, "qtee", "diagnostics", 1, "release_unobserved"));
    ObjectRow cb = object(8, "callback", "callback", 3, "not_released_by_tee");
    cb.wire_id = 5;
    w.add(cb);
    ObjectRow cb_done = object(9, "callback", "callback", 3, "freed");
    cb_done.wire_id = 6, cb_done.unexported_ts = 95;
    w.add(cb_done);
    w.add(object(10, "qtee", "diagnostics", 1, "released"));
    w.add(handle(6, 1, 10, 100, 110, "release"));

    ShmRow freed{};
    freed.id = 1, freed.context_id = 1, freed.shm = 1, freed.how = "alloc", freed.process_id = 1;
    freed.created_ts = 60, freed.freed_ts = 70, freed.end_kind = "freed";
    w.add(freed);
    ShmRow kept = freed;
    kept.id = 2, kept.created_ts = 600, kept.freed_ts = std::nullopt, kept.end_kind = "alive_at_end";
    w.add(kept);

    SessionRow closed{};
    closed.id = 1, closed.context_id = 3, closed.session = 1, closed.uuid = "ta-1", closed.open_ts = 200;
    closed.close_ts = 300, closed.end_kind = "closed";
    w.add(closed);
    SessionRow open = closed;
    open.id = 2, open.open_ts = 400, open.close_ts = std::nullopt, open.end_kind = "open_at_end";
    w.add(open);
}

TEST(Views, EachLeakKind)
{
    TempDir dir;
    const std::string path = dir.file("leaks.db");
    {
        Writer w(path);
        write_leaky(w);
        w.finish();
    }
    auto db = Database::open_read_only(path);
    EXPECT_EQ(rows(db, "SELECT kind, object_id, class FROM leaks ORDER BY kind, object_id"),
              (std::vector<std::string>{
                  "callback_not_released|8|callback",
                  "held_at_end|4|app",
                  "reclaimed_at_close|5|diagnostics",
                  "release_failed|6|diagnostics",
                  "release_unobserved|7|diagnostics",
                  "session_not_closed|2|ta-1",
                  "shm_not_freed|2|shm",
              }));
    EXPECT_EQ(rows(db, "SELECT uid, sw_id, creator_pid, creator_name, created_ts, age_ns, produced_by, provenance, "
                       "holders FROM leaks WHERE kind = 'held_at_end'"),
              std::vector<std::string>{"77|4000|100|client|40|960|3|root → client_env → app_controller → app|"
                                       "client (pid 100)"});
    // The tool exited: reclaimed at close, nobody holds it at the end; its creator is the
    // opener of its context.
    EXPECT_EQ(rows(db, "SELECT creator_name, provenance, holders FROM leaks WHERE kind = 'reclaimed_at_close'"),
              std::vector<std::string>{"tool|diagnostics|NULL"});
    EXPECT_EQ(rows(db, "SELECT creator_pid, created_ts, age_ns, holders FROM leaks WHERE kind = 'shm_not_freed'"),
              std::vector<std::string>{"100|600|400|client (pid 100)"});
    EXPECT_EQ(rows(db, "SELECT creator_name, age_ns, holders FROM leaks WHERE kind = 'session_not_closed'"),
              std::vector<std::string>{"suppl|600|suppl (pid 300)"});
}

TEST(Views, HandleStillBoundWhenItsProcessEndedIsReclaimed)
{
    TempDir dir;
    const std::string path = dir.file("exit.db");
    {
        Writer w(path);
        w.set_metadata("last_ts", "1000");
        w.add(process(1, 100, "killed", "vanished"));
        w.add(context(1, 1, "closed"));
        w.add(object(1, "qtee", "app", 1, "held_at_exit"));
        w.add(handle(1, 1, 1, 10, std::nullopt));
        w.finish();
    }
    auto db = Database::open_read_only(path);
    EXPECT_EQ(rows(db, "SELECT kind, object_id, holders FROM leaks"),
              std::vector<std::string>{"reclaimed_at_close|1|killed (pid 100)"});
}

TEST(Views, LeakCreatorIsNamedByItsProgramAndTheDriverByItself)
{
    TempDir dir;
    const std::string path = dir.file("creators.db");
    {
        Writer w(path);
        w.set_metadata("last_ts", "1000");
        ProcessRow client = process(1, 100, "scenario_leaky_", "alive_at_end");
        client.exe = "/opt/teescope/bin/scenario_leaky_client";
        w.add(client);
        w.add(context(1, 1, "open_at_end"));
        w.add(object(1, "qtee", "app", 1, "alive_at_end"));
        w.add(handle(1, 1, 1, 10, std::nullopt));
        // A callback object of no process, its creation seen: the driver's own.
        ContextRow none = context(2, 1, "open_at_end");
        none.process_id.reset();
        w.add(none);
        ObjectRow own = object(2, "callback", "callback", 2, "alive_at_end");
        own.creator_process_id.reset();
        w.add(own);
        w.add(handle(2, 2, 2, 10, std::nullopt));
        w.finish();
    }
    auto db = Database::open_read_only(path);
    EXPECT_EQ(rows(db, "SELECT object_id, creator_name, holders FROM leaks ORDER BY object_id"),
              (std::vector<std::string>{"1|scenario_leaky_client|scenario_leaky_client (pid 100)",
                                        "2|driver (kernel)|NULL"}));
    // teescope diff matches leaks by that name, not by the kernel's cut procname.
    const RunSummary run = read_run_summary(db);
    std::vector<std::string> creators;
    for (const auto &[key, n] : run.leaks)
        creators.push_back(key.creator_name);
    EXPECT_EQ(creators, (std::vector<std::string>{"scenario_leaky_client", "driver (kernel)"}));
}

TEST(Views, ProvenanceThroughAnUnknownRoot)
{
    TempDir dir;
    const std::string path = dir.file("root.db");
    {
        Writer w(path);
        w.set_metadata("last_ts", "1000");
        w.add(process(1, 100, "client", "alive_at_end"));
        w.add(context(1, 1, "open_at_end"));
        ObjectRow env = object(1, "qtee", "client_env", 1, "alive_at_end");
        env.produced_by = 1;
        w.add(env);
        InvocationRow on_root = invocation(1, std::nullopt, 0, 5, 6); // the root's object is not in the trace
        on_root.handle = -1;
        w.add(on_root);
        ObjectRow svc = object(2, "qtee", "diagnostics", 1, "alive_at_end");
        svc.produced_by = 2;
        w.add(svc);
        w.add(invocation(2, 1, 0, 15, 16));
        w.add(handle(1, 1, 2, 20, std::nullopt));
        w.finish();
    }
    auto db = Database::open_read_only(path);
    EXPECT_EQ(rows(db, "SELECT object_id, provenance FROM leaks"),
              std::vector<std::string>{"2|root → client_env → diagnostics"});
}

// Objects 1/2: same secure-world object, contexts 1 and 2, overlapping in [300, 500].
// Objects 3/4: same secure-world object, contexts 1 and 3, one after the other.
// Objects 5/6: same secure-world object twice in context 1: not sharing.
// Object 7 (context 3) stays bound to the end and overlaps object 1 in [600, 1000].
void write_sharing(Writer &w)
{
    w.set_metadata("first_ts", "0");
    w.set_metadata("last_ts", "1000");
    w.add(process(1, 100, "alice", "alive_at_end"));
    ProcessRow bob = process(2, 200, "scenario_sharin", "alive_at_end"); // the kernel's comm is cut
    bob.exe = "/opt/teescope/bin/scenario_sharing";
    w.add(bob);
    w.add(process(3, 300, "carol", "alive_at_end"));
    for (Id c = 1; c <= 3; ++c)
        w.add(context(c, c, "open_at_end"));
    auto shared = [&](Id id, Id ctx, int64_t sw_id) {
        ObjectRow o = object(id, "qtee", "app", ctx, "released");
        o.sw_id = sw_id;
        w.add(o);
    };
    shared(1, 1, 50);
    shared(2, 2, 50);
    shared(3, 1, 60);
    shared(4, 3, 60);
    shared(5, 1, 70);
    shared(6, 1, 70);
    shared(7, 3, 50);
    w.add(handle(1, 1, 1, 100, std::nullopt));
    w.add(handle(2, 2, 2, 300, 500, "release"));
    w.add(handle(3, 1, 3, 100, 200, "release"));
    w.add(handle(4, 3, 4, 300, 400, "release"));
    w.add(handle(5, 1, 5, 100, 500, "release"));
    w.add(handle(6, 1, 6, 200, 600, "release"));
    w.add(handle(7, 3, 7, 600, std::nullopt));

    // Context 1 is used by alice (its opener) and bob (fork or descriptor passing).
    ContextUserRow a{1, 1, 100, 900, 10};
    ContextUserRow b{1, 2, 150, 950, 5};
    w.add(a);
    w.add(b);
    w.add(ContextUserRow{2, 2, 300, 400, 2});

    // Callback objects hosted by carol's context 3, invoked on behalf of alice (twice) and of
    // carol herself (not a flow between processes).
    auto request = [&](Id id, Id invoker, Ts queue, Ts answer) {
        CallbackRequestRow r{};
        r.id = id, r.context_id = 3, r.request = id, r.op = 1, r.invoker_process_id = invoker;
        r.queue_ts = queue, r.answer_ts = answer, r.end_kind = "answered";
        w.add(r);
    };
    request(1, 1, 100, 110);
    request(2, 1, 200, 230);
    request(3, 3, 300, 305);
}

TEST(Views, SharingOfObjectsAndContexts)
{
    TempDir dir;
    const std::string path = dir.file("sharing.db");
    {
        Writer w(path);
        write_sharing(w);
        w.finish();
    }
    auto db = Database::open_read_only(path);
    EXPECT_EQ(rows(db, "SELECT * FROM sharing_objects ORDER BY sw_id"),
              std::vector<std::string>{"50|app|3|3|alice (pid 100), scenario_sharing (pid 200), carol (pid 300)|300|1000"});
    EXPECT_EQ(rows(db, "SELECT context_id, opener_pid, processes, users, first_ts, last_ts, calls "
                       "FROM sharing_contexts"),
              std::vector<std::string>{"1|100|2|alice (pid 100), scenario_sharing (pid 200)|100|950|15"});
    EXPECT_EQ(rows(db, "SELECT invoker_pid, owner_pid, owner_context_id, requests, answered, min_ns, avg_ns, max_ns, "
                       "total_ns FROM callback_flows"),
              std::vector<std::string>{"100|300|3|2|2|10|20|30|40"});
}

TEST(Views, ProcessIsCalledByItsProgramElseByItsProcname)
{
    TempDir dir;
    const std::string path = dir.file("names.db");
    {
        Writer w(path);
        auto named = [&](Id id, const char *name, std::optional<std::string> exe) {
            ProcessRow p = process(id, 100 + id, name, "alive_at_end");
            p.exe = std::move(exe);
            w.add(p);
        };
        named(1, "scenario_sharin", "/opt/teescope/bin/scenario_sharing");
        named(2, "client", std::nullopt);                  // a trace recorded before proc_name
        named(3, "client", "");                            // the tracer could not read it
        named(4, "exe", "/usr/bin/tee-supplicant");       // exec'd through /proc/self/exe
        named(5, "x", std::string("/opt/b\xc3\xa4" "d\xff/run\xff")); // bytes as they are
        w.finish();
    }
    auto db = Database::open_read_only(path);
    EXPECT_EQ(rows(db, "SELECT id, display_name FROM processes WHERE id <= 4"),
              (std::vector<std::string>{"1|scenario_sharing", "2|client", "3|client", "4|tee-supplicant"}));
    EXPECT_EQ(rows(db, "SELECT hex(display_name) FROM processes WHERE id = 5"), std::vector<std::string>{"72756EFF"});
}

TEST(Views, ImportSummaryTotals)
{
    TempDir dir;
    const std::string path = dir.file("stats.db");
    {
        Writer w(path);
        w.count("discarded_events", "data_loss", 40, "40 events lost between 10 and 20");
        w.count("foreign_events", "info", 3, "lttng_ust_statedump:start at 5");
        w.count("unmatched_invoke_end", "data_loss", 2, "serial 9 at 30");
        w.finish();
    }
    auto db = Database::open_read_only(path);
    EXPECT_EQ(rows(db, "SELECT scope, name, severity, count FROM import_summary ORDER BY scope, name"),
              (std::vector<std::string>{"stat|discarded_events|data_loss|40", "stat|foreign_events|info|3",
                                        "stat|unmatched_invoke_end|data_loss|2", "total|total|all|45",
                                        "total|total_data_loss|data_loss|42", "total|total_info|info|3"}));
}

} // namespace
} // namespace teescope::store::test
