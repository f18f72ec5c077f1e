// SPDX-License-Identifier: MIT
// QTEE op names: the catalogue, the `op` lines of the user's names file, the op_names table the
// import writes, and the names the latency view and OpNames give.
#include "teescope/store/latency.h"
#include "teescope/store/names_file.h"
#include "teescope/store/op_names.h"
#include "teescope/store/report.h"
#include "teescope/store/writer.h"
#include "test_db.h"

#include <fstream>

namespace teescope::store::test {
namespace {

TEST(OpNames, CatalogueNamesTheWellKnownServices)
{
    const OpNames names;
    EXPECT_EQ(names.name("root", 2), "register_as_client");
    EXPECT_EQ(names.name("client_env", 0), "open");
    EXPECT_EQ(names.name("apploader", 0), "load_from_buffer");
    EXPECT_EQ(names.name("apploader", 1), "load_from_region");
    EXPECT_EQ(names.name("app_controller", 0), "open_session");
    EXPECT_EQ(names.name("app_controller", 1), "unload");
    EXPECT_EQ(names.name("app_controller", 2), "get_app_object");
    EXPECT_EQ(names.name("credentials", 0), "get_length");
    EXPECT_EQ(names.name("credentials", 1), "read_at_offset");
    EXPECT_EQ(names.name("app", 0), "add");
    // Release and retain of every class, also of one nobody catalogued.
    EXPECT_EQ(names.name("uid:77", 0xFFFF), "release");
    EXPECT_EQ(names.name("callback", 0xFFFE), "retain");
    EXPECT_EQ(names.name("app", 1), "");
    EXPECT_EQ(names.text("app", 1), "1");
    EXPECT_EQ(names.labelled("app", 0), "add (0)");
    EXPECT_EQ(names.labelled("app", 9), "9");
}

TEST(OpNames, UserFileAddsAndOverridesAndCountsBadLines)
{
    TempDir dir;
    const std::string file = dir.file("names.txt");
    {
        std::ofstream out(file);
        out << "# QTEE\n"
            << "op app 0 sum          # ours\n"
            << "op uid:77 0x3 frob\n"
            << "op app seven name\n"
            << "op app 1\n"
            << "8aaaf200-2450-11e4-abe2-0002a5d5c51b hello\n"
            << "opp app 1 x\n";
    }
    std::vector<std::string> problems;
    const UserNames user = read_names_file(file, problems);
    ASSERT_EQ(user.ops.size(), 2u);
    EXPECT_EQ(user.ops[1].klass, "uid:77");
    EXPECT_EQ(user.ops[1].op, 3);
    EXPECT_EQ(user.ops[1].name, "frob");
    ASSERT_EQ(user.tas.names.size(), 1u);
    ASSERT_EQ(problems.size(), 3u);
    EXPECT_NE(problems[0].find(file + ":4: 'seven' is not an op number"), std::string::npos) << problems[0];
    EXPECT_NE(problems[1].find(":5: expected 'op CLASS OP NAME'"), std::string::npos) << problems[1];
    EXPECT_NE(problems[2].find(":7: 'opp' is not a uuid"), std::string::npos) << problems[2];

    // Written at import: the catalogue, then the user's lines, which win.
    const std::string path = dir.file("qtee.db");
    {
        Writer w(path);
        w.add(process(1, 100, "client", "alive_at_end"));
        ContextRow c = context(1, 1, "open_at_end");
        c.impl = 4;
        w.add(c);
        w.add(object(1, "qtee", "app", 1, "released"));
        w.add(object(2, "qtee", "uid:77", 1, "released"));
        w.add(object(3, "qtee", "app_controller", 1, "released"));
        w.add(invocation(1, 1, 0, 10, 20));
        w.add(invocation(2, 1, 0xFFFF, 30, 40));
        w.add(invocation(3, 2, 3, 50, 60));
        w.add(invocation(4, 3, 2, 70, 80));
        w.add(invocation(5, 3, 9, 90, 100));
        w.set_user_names(user);
        w.finish();
    }
    auto db = Database::open_read_only(path);
    EXPECT_EQ(rows(db, "SELECT name, source FROM op_names WHERE class = 'app' AND op = 0"),
              std::vector<std::string>{"sum|user"});
    EXPECT_EQ(rows(db, "SELECT name, source FROM op_names WHERE class = '*' AND op = 65535"),
              std::vector<std::string>{"release|builtin"});
    EXPECT_EQ(rows(db, "SELECT class, op, op_name FROM latency_ops ORDER BY class, op"),
              (std::vector<std::string>{"app|0|sum", "app|65535|release", "app_controller|2|get_app_object",
                                        "app_controller|9|9", "uid:77|3|frob"}));
    const OpNames names = OpNames::read(db.handle(), path);
    EXPECT_EQ(names.text("app", 0), "sum");
    EXPECT_EQ(names.text("uid:77", 3), "frob");
    const auto groups = compute_latency_groups(db.handle(), path);
    ASSERT_EQ(groups.size(), 5u);
    EXPECT_EQ(groups[0].op_name, "sum");
    EXPECT_EQ(groups[2].op_name, "get_app_object");

    // A p99 limit names the op by its name too.
    std::string why;
    const auto limit = parse_p99_limit("app:sum=5ns", why);
    ASSERT_TRUE(limit) << why;
    EXPECT_EQ(limit->op_name, "sum");
    CheckLimits limits;
    limits.max_p99 = {*limit};
    CheckResult result = check(db, limits);
    EXPECT_EQ(result.broken, std::vector<std::string>{"p99 of app:sum: 10ns > 5ns (1 invocations)"});
    limits.max_p99 = {*parse_p99_limit("app:frobnicate=5ns", why)};
    result = check(db, limits);
    ASSERT_EQ(result.unknown.size(), 1u);
    EXPECT_NE(result.unknown[0].find("no invocation of op frobnicate of app"), std::string::npos) << result.unknown[0];
    EXPECT_FALSE(parse_p99_limit("app:a b=5ns", why));
}

// The callback object passed to the root's register call is the credentials: its ops are IIO's;
// one passed to the registry's register call is a listener.
TEST(OpNames, CredentialsAreNamedByTheirInterface)
{
    TempDir dir;
    const std::string path = dir.file("cred.db");
    {
        Writer w(path);
        w.add(process(1, 100, "client", "alive_at_end"));
        w.add(context(1, 1, "open_at_end"));
        w.add(object(1, "root", "root", 1, "alive_at_end"));
        ObjectRow credentials = object(2, "callback", "callback", 1, "released");
        credentials.produced_by = 1;
        w.add(credentials);
        ObjectRow listener = object(3, "callback", "callback", 1, "released");
        listener.produced_by = 2;
        w.add(listener);
        w.add(object(4, "qtee", "registry", 1, "released"));
        w.add(object(5, "callback", "callback", 1, "released"));
        w.add(invocation(1, 1, 2, 10, 20));
        w.add(invocation(2, 4, 0, 30, 40));
        w.finish();
    }
    auto db = Database::open_read_only(path);
    const OpNames names = OpNames::read(db.handle(), path);
    EXPECT_EQ(names.name(2, "callback", 0), "get_length");
    EXPECT_EQ(names.name(2, "callback", 1), "read_at_offset");
    EXPECT_EQ(names.name(3, "callback", 0), "on_event"); // a listener given to the registry
    EXPECT_EQ(names.name(3, "callback", 0xFFFF), "release");
    EXPECT_EQ(names.name(5, "callback", 0), ""); // a callback object nobody registered
}

} // namespace
} // namespace teescope::store::test
