// SPDX-License-Identifier: MIT
// The OP-TEE side of the database: TA names (catalogue and user file), latency per TA and
// command, the OP-TEE leak kinds per guest, the stacks a trace holds, and the reports on them.
#include "teescope/cli/report.h"
#include "teescope/store/latency.h"
#include "teescope/store/report.h"
#include "teescope/store/names_file.h"
#include "teescope/store/writer.h"
#include "test_db.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace teescope::store::test {
namespace {

const std::string kHello = "8aaaf200-2450-11e4-abe2-0002a5d5c51b";
const std::string kMystery = "11111111-2222-3333-4444-555555555555";

SessionRow session(Id id, Id ctx, Id process, int64_t guest, std::string uuid, std::string end_kind, Ts open)
{
    SessionRow s{};
    s.id = id;
    s.context_id = ctx;
    s.process_id = process;
    s.session = id;
    s.uuid = std::move(uuid);
    s.guest = guest;
    s.open_ts = open;
    s.end_kind = std::move(end_kind);
    if (s.end_kind != "open_at_end")
        s.close_ts = open + 50;
    return s;
}

ShmRow shm(Id id, Id ctx, Id process, int64_t guest, std::optional<std::string> freed_by)
{
    ShmRow r{};
    r.id = id;
    r.context_id = ctx;
    r.process_id = process;
    r.shm = id;
    r.how = "alloc";
    r.guest = guest;
    r.created_ts = 10 * id;
    r.freed_by = std::move(freed_by);
    if (r.freed_by)
        r.freed_ts = 800;
    r.end_kind = r.freed_by ? "freed" : "alive_at_end";
    return r;
}

InvocationRow call(Id id, Id session, const char *kind, int64_t op, int64_t guest, Ts begin, Ts duration)
{
    InvocationRow r = invocation(id, std::nullopt, op, begin, begin + duration);
    r.call = kind;
    r.session_id = session;
    r.guest = guest;
    return r;
}

// Guest 1: client ta1 (alive) and its sessions; guest 2: client ta2 (exited) whose guest was
// destroyed; native: a QTEE client whose shm was freed at its exit (not an OP-TEE leak).
void write_optee(Writer &w)
{
    w.set_metadata("first_ts", "0");
    w.set_metadata("last_ts", "1000");
    ProcessRow a = process(1, 100, "ta1", "alive_at_end");
    a.guest = 1;
    ProcessRow b = process(2, 200, "ta2", "exited");
    b.guest = 2;
    w.add(a);
    w.add(b);
    w.add(process(3, 300, "qtee", "exited"));
    ProcessRow supp = process(4, 400, "tee-supplicant", "alive_at_end");
    supp.guest = 1;
    w.add(supp);
    ContextRow c1 = context(1, 1, "open_at_end");
    c1.impl = 1, c1.guest = 1;
    ContextRow c2 = context(2, 2, "released");
    c2.impl = 1, c2.guest = 2;
    ContextRow c3 = context(3, 3, "released");
    c3.impl = 4;
    ContextRow c4 = context(4, 4, "open_at_end");
    c4.impl = 1, c4.guest = 1, c4.dev = "teepriv0";
    for (const auto &c : {c1, c2, c3, c4})
        w.add(c);
    GuestRow g1{};
    g1.id = 1, g1.guest = 1, g1.threads = 4, g1.created_ts = 1, g1.end_kind = "alive_at_end";
    GuestRow g2 = g1;
    g2.id = 2, g2.guest = 2, g2.destroyed_ts = 700, g2.sessions_dropped = 1, g2.shm_dropped = 1,
    g2.contexts_dropped = 1, g2.end_kind = "destroyed";
    w.add(g1);
    w.add(g2);

    w.add(session(1, 1, 1, 1, kHello, "closed", 100));
    w.add(session(2, 1, 1, 1, kHello, "open_at_end", 200));
    w.add(session(3, 1, 1, 1, kMystery, "closed_at_release", 300));
    w.add(session(4, 2, 2, 2, kHello, "closed_by_guest_destroy", 400));
    w.add(session(5, 1, 1, 1, kHello, "failed", 500));

    w.add(shm(1, 1, 1, 1, "client"));
    w.add(shm(2, 1, 1, 1, "process_exit"));
    w.add(shm(3, 2, 2, 2, "guest_destroy"));
    w.add(shm(4, 1, 1, 1, std::nullopt));
    w.add(shm(5, 3, 3, 0, "process_exit")); // QTEE: its memory object is what leaks

    // hello_world: open 10..19 ns, increment 100..199, decrement 1000; the mystery TA 5.
    Id id = 1;
    for (int i = 0; i < 10; ++i)
        w.add(call(id++, 1, "open_session", kOpOpenSession, 1, 1000 + i, 10 + i));
    for (int i = 0; i < 100; ++i)
        w.add(call(id++, 1, "invoke", 0, 1, 2000 + i, 100 + i));
    w.add(call(id++, 4, "invoke", 1, 2, 3000, 1000));
    w.add(call(id++, 3, "invoke", 7, 1, 3100, 5));
    w.add(call(id++, 1, "close_session", kOpCloseSession, 1, 3200, 3));

    CallbackRequestRow rpc{};
    rpc.id = 1, rpc.context_id = 4, rpc.request = 1, rpc.op = 0, rpc.invocation_id = 1, rpc.invoker_process_id = 1;
    rpc.queue_ts = 1000, rpc.pick_ts = 1001, rpc.answer_ts = 1005, rpc.return_ts = 1006, rpc.end_kind = "answered";
    rpc.kind = "rpc", rpc.guest = 1;
    w.add(rpc);
}

std::string write_db(const TempDir &dir)
{
    const std::string path = dir.file("optee.db");
    Writer w(path);
    write_optee(w);
    w.finish();
    return path;
}

TEST(OpteeViews, LeakKindsPerGuest)
{
    TempDir dir;
    auto db = Database::open_read_only(write_db(dir));
    EXPECT_EQ(rows(db, "SELECT kind, object_id, class, guest FROM leaks ORDER BY kind, object_id"),
              (std::vector<std::string>{
                  "session_closed_at_release|3|" + kMystery + "|1",
                  "session_closed_by_guest_destroy|4|hello_world|2",
                  "session_not_closed|2|hello_world|1",
                  "shm_freed_at_exit|2|shm|1",
                  "shm_freed_by_guest_destroy|3|shm|2",
                  "shm_not_freed|4|shm|1",
              }));
    // A session names its creator, its raw id and the call that opened it; only one still open
    // in a live process has a holder.
    EXPECT_EQ(rows(db, "SELECT creator_name, sw_id, age_ns, holders FROM leaks WHERE kind LIKE 'session%' ORDER BY object_id"),
              (std::vector<std::string>{"ta1|2|800|ta1 (pid 100)", "ta1|3|700|NULL", "ta2|4|600|NULL"}));
    EXPECT_EQ(rows(db, "SELECT guest, kind, leaks FROM leaks_per_guest ORDER BY guest, kind"),
              (std::vector<std::string>{"1|session_closed_at_release|1", "1|session_not_closed|1",
                                        "1|shm_freed_at_exit|1", "1|shm_not_freed|1",
                                        "2|session_closed_by_guest_destroy|1", "2|shm_freed_by_guest_destroy|1"}));
}

TEST(OpteeViews, LatencyPerTaAndCommandWithNames)
{
    TempDir dir;
    auto db = Database::open_read_only(write_db(dir));
    EXPECT_EQ(rows(db, "SELECT class, op, op_name, count, min_ns, p50_ns, max_ns FROM latency_ops ORDER BY class, op"),
              (std::vector<std::string>{
                  kMystery + "|7|7|1|5|5|5",
                  "hello_world|-2|close|1|3|3|3",
                  "hello_world|-1|open|10|10|14|19",
                  "hello_world|0|increment|100|100|149|199",
                  "hello_world|1|decrement|1|1000|1000|1000",
              }));
    // One guest's latency, as the GUI asks for it.
    auto guest2 = compute_latency_groups(db.handle(), db.path(), 2);
    ASSERT_EQ(guest2.size(), 1u);
    EXPECT_EQ(guest2[0].klass, "hello_world");
    EXPECT_EQ(guest2[0].op_name, "decrement");
    EXPECT_EQ(guest2[0].count, 1);
    EXPECT_TRUE(compute_latency_groups(db.handle(), db.path(), 7).empty());
}

TEST(OpteeViews, StacksOfTheTrace)
{
    TempDir dir;
    auto db = Database::open_read_only(write_db(dir));
    EXPECT_EQ(rows(db, "SELECT stack, contexts, guests, description FROM stacks"),
              (std::vector<std::string>{"QTEE|1|0|QTEE", "OP-TEE|3|2|OP-TEE under Xen, 2 guests"}));

    const std::string native = dir.file("native.db");
    {
        Writer w(native);
        w.add(process(1, 100, "client", "alive_at_end"));
        ContextRow c = context(1, 1, "open_at_end");
        c.impl = 1;
        w.add(c);
        w.finish();
    }
    EXPECT_EQ(rows(Database::open_read_only(native), "SELECT description FROM stacks"),
              std::vector<std::string>{"OP-TEE"});
    const std::string empty = dir.file("empty.db");
    {
        Writer w(empty);
        w.finish();
    }
    EXPECT_TRUE(rows(Database::open_read_only(empty), "SELECT * FROM stacks").empty());
}

TEST(OpteeViews, RpcFlowsFromClientToSupplicant)
{
    TempDir dir;
    auto db = Database::open_read_only(write_db(dir));
    EXPECT_EQ(rows(db, "SELECT invoker_pid, owner_pid, kind, requests, answered, total_ns FROM callback_flows"),
              std::vector<std::string>{"100|400|rpc|1|1|5"});
}

TEST(TaNames, CatalogueAndUserFile)
{
    const TaCatalogue &builtin = builtin_ta_catalogue();
    auto named = [&](const std::string &uuid) {
        for (const TaName &n : builtin.names)
            if (n.uuid == uuid)
                return n.name;
        return std::string();
    };
    EXPECT_EQ(named(kHello), "hello_world");
    EXPECT_EQ(named("f4e750bb-1437-4fbf-8785-8d3580c34994"), "secure_storage");
    for (const TaName &n : builtin.names)
        EXPECT_EQ(normalize_uuid(n.uuid), n.uuid) << n.uuid;
    EXPECT_EQ(normalize_uuid("8AAAF200-2450-11E4-ABE2-0002A5D5C51B"), kHello);
    EXPECT_EQ(normalize_uuid("8aaaf200245011e4abe20002a5d5c51b"), "");
    EXPECT_EQ(normalize_uuid("8aaaf200-2450-11e4-abe2-0002a5d5c51g"), "");

    TempDir dir;
    const std::string file = dir.file("ta-names.txt");
    {
        std::ofstream out(file);
        out << "# my TAs\n"
            << "11111111-2222-3333-4444-555555555555 mystery   # the vendor's\n"
            << "\n"
            << "11111111-2222-3333-4444-555555555555 0x7 frobnicate\n"
            << "8AAAF200-2450-11E4-ABE2-0002A5D5C51B hello\n"
            << "not-a-uuid name\n"
            << "11111111-2222-3333-4444-555555555555 seven name\n"
            << "11111111-2222-3333-4444-555555555555 1 2 3\n";
    }
    std::vector<std::string> problems;
    TaCatalogue user = read_names_file(file, problems).tas;
    ASSERT_EQ(user.names.size(), 2u);
    EXPECT_EQ(user.names[0].name, "mystery");
    EXPECT_EQ(user.names[1].uuid, kHello);
    ASSERT_EQ(user.commands.size(), 1u);
    EXPECT_EQ(user.commands[0].func, 7);
    EXPECT_EQ(user.commands[0].name, "frobnicate");
    ASSERT_EQ(problems.size(), 3u);
    EXPECT_EQ(problems[0].rfind(file + ":6: ", 0), 0u) << problems[0];
    EXPECT_NE(problems[1].find(":7: 'seven' is not a command number"), std::string::npos) << problems[1];
    problems.clear();
    EXPECT_TRUE(read_names_file(dir.file("missing.txt"), problems).tas.names.empty());
    EXPECT_TRUE(problems.empty());

    // The user's names win over the catalogue's, in the database and in its latency classes.
    const std::string path = dir.file("named.db");
    {
        Writer w(path);
        write_optee(w);
        w.set_user_names({user, {}});
        w.finish();
    }
    auto db = Database::open_read_only(path);
    EXPECT_EQ(rows(db, "SELECT name, source FROM ta_names WHERE uuid = '" + kHello + "'"),
              std::vector<std::string>{"hello|user"});
    EXPECT_EQ(rows(db, "SELECT class, op_name FROM latency_ops WHERE op = 7"), std::vector<std::string>{"mystery|frobnicate"});
    EXPECT_EQ(rows(db, "SELECT class, op, op_name FROM latency_op_names ORDER BY class, op"),
              (std::vector<std::string>{"hello|0|increment", "hello|1|decrement", "mystery|7|frobnicate"}));
    EXPECT_EQ(rows(db, "SELECT DISTINCT class FROM leaks WHERE kind = 'session_closed_at_release'"),
              std::vector<std::string>{"mystery"});
}

TEST(TaNames, DefaultPath)
{
    const std::string saved_home = getenv("HOME") ? getenv("HOME") : "";
    const char *xdg = getenv("XDG_CONFIG_HOME");
    const std::string saved_xdg = xdg ? xdg : "";
    setenv("TEESCOPE_NAMES", "/x/names.txt", 1);
    setenv("TEESCOPE_TA_NAMES", "/x/ta-names.txt", 1);
    EXPECT_EQ(default_names_path(), "/x/names.txt");
    unsetenv("TEESCOPE_NAMES");
    EXPECT_EQ(default_names_path(), "/x/ta-names.txt");
    unsetenv("TEESCOPE_TA_NAMES");
    setenv("XDG_CONFIG_HOME", "/cfg", 1);
    EXPECT_EQ(default_names_path(), "/cfg/teescope/names.txt");
    unsetenv("XDG_CONFIG_HOME");
    setenv("HOME", "/home/u", 1);
    EXPECT_EQ(default_names_path(), "/home/u/.config/teescope/names.txt");
    // A ta-names.txt of an older teescope is read while there is no names.txt.
    TempDir dir;
    const std::string cfg = dir.file("cfg");
    std::filesystem::create_directories(cfg + "/teescope");
    std::ofstream(cfg + "/teescope/ta-names.txt") << "\n";
    setenv("XDG_CONFIG_HOME", cfg.c_str(), 1);
    EXPECT_EQ(default_names_path(), cfg + "/teescope/ta-names.txt");
    std::ofstream(cfg + "/teescope/names.txt") << "\n";
    EXPECT_EQ(default_names_path(), cfg + "/teescope/names.txt");
    unsetenv("XDG_CONFIG_HOME");
    setenv("HOME", saved_home.c_str(), 1);
    if (xdg)
        setenv("XDG_CONFIG_HOME", saved_xdg.c_str(), 1);
}

std::string render(const std::string &path, ReportKind kind, Format format)
{
    auto db = Database::open_read_only(path);
    std::ostringstream out;
    write_report(out, query_report(db, kind), format);
    return out.str();
}

TEST(OpteeReports, StacksSessionsGuestsAndNames)
{
    TempDir dir;
    const std::string path = write_db(dir);
    const std::string stats = render(path, ReportKind::stats, Format::text);
    EXPECT_NE(stats.find("OP-TEE under Xen, 2 guests"), std::string::npos) << stats;
    EXPECT_NE(stats.find("Xen guests"), std::string::npos) << stats;
    EXPECT_NE(stats.find("destroyed"), std::string::npos) << stats;

    const std::string leaks = render(path, ReportKind::leaks, Format::csv);
    EXPECT_NE(leaks.find("table,kind,object_id,class,uid,sw_id,creator_pid,creator_name,created_ts,age_ns,"
                         "produced_by,provenance,holders,guest\r\n"),
              std::string::npos)
        << leaks;
    EXPECT_NE(leaks.find("leaks_per_guest,2,session_closed_by_guest_destroy,1\r\n"), std::string::npos) << leaks;

    const std::string latency = render(path, ReportKind::latency, Format::csv);
    EXPECT_NE(latency.find("class,op,op_name,count,"), std::string::npos) << latency;
    EXPECT_NE(latency.find("hello_world,0,increment,100,100,149,"), std::string::npos) << latency;

    const std::string objects = render(path, ReportKind::objects, Format::text);
    EXPECT_NE(objects.find("OP-TEE sessions"), std::string::npos) << objects;
    EXPECT_NE(objects.find("closed_by_guest_destroy"), std::string::npos) << objects;

    auto db = Database::open_read_only(path);
    std::string why;
    auto open = parse_p99_limit("hello_world:open=10ns", why);
    ASSERT_TRUE(open) << why;
    EXPECT_EQ(open->op, -1);
    auto close = parse_p99_limit("hello_world:close=1us", why);
    ASSERT_TRUE(close) << why;
    CheckLimits limits;
    limits.max_p99 = {*open, *close};
    auto result = check(db, limits);
    EXPECT_EQ(result.broken, std::vector<std::string>{"p99 of hello_world:open: 19ns > 10ns (10 invocations)"});
}

// A QTEE trace keeps its report columns but op_name: no guest, no sessions section.
TEST(OpteeReports, QteeTraceKeepsItsColumns)
{
    TempDir dir;
    const std::string path = dir.file("qtee.db");
    {
        Writer w(path);
        w.add(process(1, 100, "client", "alive_at_end"));
        ContextRow c = context(1, 1, "open_at_end");
        c.impl = 4;
        w.add(c);
        ObjectRow o = object(1, "qtee", "svc", 1, "alive_at_end");
        w.add(o);
        w.add(invocation(1, 1, 7, 10, 20));
        w.finish();
    }
    EXPECT_EQ(render(path, ReportKind::latency, Format::csv).substr(0, 20), "class,op,op_name,cou");
    EXPECT_EQ(render(path, ReportKind::objects, Format::csv).find("sessions"), std::string::npos);
    EXPECT_NE(render(path, ReportKind::stats, Format::csv).find("stacks,QTEE,1,0,QTEE\r\n"), std::string::npos);
}

} // namespace
} // namespace teescope::store::test
