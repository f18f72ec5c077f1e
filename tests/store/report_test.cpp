// SPDX-License-Identifier: MIT
// Reports in text, CSV and JSON (trace strings stay plain text), durations, limits, and the
// `report` / `check` commands with their exit codes.
#include "teescope/cli/report.h"
#include "teescope/store/report.h"
#include "teescope/store/writer.h"
#include "test_db.h"

#include <sstream>

namespace teescope::store::test {
namespace {

// A process name with a comma, quotes, a newline and a terminal escape in it.
const std::string kEvilName = "evil,\"name\"\n\x1b[31m";

// Two leaks (held_at_end by the evil process, release_failed), and 100 invocations of svc op 7
// lasting 1..100 ns.
std::string write_small(const TempDir &dir, const std::string &evil_name = kEvilName)
{
    const std::string path = dir.file("small.db");
    Writer w(path);
    w.set_metadata("last_ts", "5000");
    w.add(process(1, 100, evil_name, "alive_at_end"));
    w.add(context(1, 1, "open_at_end"));
    ObjectRow svc = object(1, "qtee", "svc", 1, "alive_at_end");
    svc.creator_process_id = 1;
    w.add(svc);
    w.add(handle(1, 1, 1, 10, std::nullopt));
    w.add(object(2, "qtee", "other", 1, "release_failed"));
    for (Id i = 1; i <= 100; ++i)
        w.add(invocation(i, 1, 7, 1000 * i, 1000 * i + i));
    w.finish();
    return path;
}

std::string render(const std::string &path, ReportKind kind, Format format)
{
    auto db = Database::open_read_only(path);
    std::ostringstream out;
    write_report(out, query_report(db, kind), format);
    return out.str();
}

TEST(Report, CsvQuotesTraceStrings)
{
    TempDir dir;
    const std::string csv = render(write_small(dir), ReportKind::leaks, Format::csv);
    EXPECT_EQ(csv.substr(0, csv.find("\r\n")),
              "kind,object_id,class,uid,sw_id,creator_pid,creator_name,created_ts,age_ns,produced_by,provenance,holders");
    EXPECT_NE(csv.find("held_at_end,1,svc,,,100,\"evil,\"\"name\"\"\n\x1b[31m\",10,4990,,svc,"), std::string::npos)
        << csv;
    EXPECT_NE(csv.find("release_failed,2,other,"), std::string::npos) << csv;
}

TEST(Report, CsvNeutralisesFormulas)
{
    // A process name that a spreadsheet would run as a formula is written as text (OWASP CSV
    // injection); one that is a plain number stays a number.
    const std::pair<std::string, std::string> cases[] = {
        {"=HYPERLINK(\"x\")", ",\"'=HYPERLINK(\"\"x\"\")\","},
        {"+cmd", ",'+cmd,"},
        {"-2+3", ",'-2+3,"},
        {"@SUM(A1)", ",'@SUM(A1),"},
        {"\tx", ",'\tx,"},
        {"-42", ",-42,"},
        {"-1.5", ",-1.5,"},
    };
    for (const auto &[name, cell] : cases) {
        TempDir dir;
        const std::string csv = render(write_small(dir, name), ReportKind::leaks, Format::csv);
        EXPECT_NE(csv.find("held_at_end,1,svc,,,100" + cell), std::string::npos) << name << "\n" << csv;
    }
}

TEST(Report, JsonEscapesTraceStrings)
{
    TempDir dir;
    const std::string json = render(write_small(dir), ReportKind::leaks, Format::json);
    EXPECT_EQ(json.rfind("{\n \"leaks\": [", 0), 0u) << json;
    EXPECT_NE(json.find("\"creator_name\": \"evil,\\\"name\\\"\\n\\u001b[31m\""), std::string::npos) << json;
    EXPECT_NE(json.find("\"uid\": null"), std::string::npos) << json;
    EXPECT_NE(json.find("\"age_ns\": 4990"), std::string::npos) << json;
    EXPECT_EQ(json.find('\x1b'), std::string::npos);
}

TEST(Report, JsonReplacesInvalidUtf8)
{
    TempDir dir;
    const std::string json = render(write_small(dir, "bad\xff\xc3(ok é"), ReportKind::leaks, Format::json);
    EXPECT_NE(json.find("\"bad\\ufffd\\ufffd(ok é\""), std::string::npos) << json;
}

TEST(Report, TextEscapesControlCharactersAndAligns)
{
    TempDir dir;
    const std::string path = write_small(dir);
    const std::string leaks = render(path, ReportKind::leaks, Format::text);
    EXPECT_EQ(leaks.find('\x1b'), std::string::npos);
    EXPECT_NE(leaks.find("evil,\"name\"\\x0a\\x1b[31m"), std::string::npos) << leaks;
    EXPECT_NE(leaks.find("4.99µs"), std::string::npos) << leaks; // age_ns shown as a duration

    const std::string latency = render(path, ReportKind::latency, Format::text);
    std::istringstream lines(latency);
    std::string header, row, extra;
    ASSERT_TRUE(std::getline(lines, header));
    ASSERT_TRUE(std::getline(lines, row));
    EXPECT_FALSE(std::getline(lines, extra));
    EXPECT_EQ(header.size(), row.size()) << latency; // right-aligned numbers end together
    EXPECT_EQ(header.rfind("class", 0), 0u);
    EXPECT_NE(row.find("svc"), std::string::npos);
    EXPECT_NE(row.find("99ns"), std::string::npos) << row;
}

TEST(Report, SectionsInEveryFormat)
{
    TempDir dir;
    const std::string path = write_small(dir);
    const std::string csv = render(path, ReportKind::stats, Format::csv);
    EXPECT_NE(csv.find("table,key,value\r\nmetadata,complete,1\r\n"), std::string::npos) << csv;
    EXPECT_NE(csv.find("tables,invocations,100\r\n"), std::string::npos) << csv;
    const std::string json = render(path, ReportKind::sharing, Format::json);
    EXPECT_EQ(json, "{\n \"sharing_objects\": [],\n \"sharing_contexts\": [],\n \"callback_flows\": []\n}\n");
    const std::string text = render(path, ReportKind::sharing, Format::text);
    EXPECT_NE(text.find("Contexts used by several processes\n(none)\n"), std::string::npos) << text;
    const std::string objects = render(path, ReportKind::objects, Format::csv);
    // An object of no process whose creation the trace saw is the driver's own.
    EXPECT_NE(objects.find("\r\n2,qtee,other,,,101,,driver (kernel),20,,,,release_failed,0,0\r\n"), std::string::npos)
        << objects;
}

TEST(Durations, ParseAndFormat)
{
    EXPECT_EQ(parse_duration("500us"), 500000);
    EXPECT_EQ(parse_duration("2ms"), 2000000);
    EXPECT_EQ(parse_duration("1s"), 1000000000);
    EXPECT_EQ(parse_duration("1.5ms"), 1500000);
    EXPECT_EQ(parse_duration("750ns"), 750);
    for (const char *bad : {"", "2", "ms", "-1ms", "2 ms", "2hours", "1e3ms", "99999999999s"})
        EXPECT_FALSE(parse_duration(bad)) << bad;
    EXPECT_EQ(format_duration(999), "999ns");
    EXPECT_EQ(format_duration(1234567), "1.23ms");
    EXPECT_EQ(format_duration(45600), "45.6µs");
    EXPECT_EQ(format_duration(2000000000), "2.00s");
    EXPECT_EQ(parse_duration(format_duration(45600)), 45600); // what a report shows, a limit takes
}

TEST(Times, OffsetsFromTheTraceStartAndWallClock)
{
    EXPECT_EQ(format_offset(263712345), "+0.263712 s");
    EXPECT_EQ(format_offset(263712500), "+0.263713 s"); // rounded to the microsecond
    EXPECT_EQ(format_offset(0), "+0.000000 s");
    EXPECT_EQ(format_offset(-1500000), "-0.001500 s");
    EXPECT_EQ(format_offset(-400), "+0.000000 s"); // rounds to zero: no "-0"
    EXPECT_EQ(format_offset(61000000000), "+61.000000 s");
    EXPECT_EQ(format_wall_clock(1795302245888869481), "2026-11-21 23:04:05.888869481 UTC");
    EXPECT_EQ(format_wall_clock(0), "1970-01-01 00:00:00.000000000 UTC");
}

TEST(Report, TextShowsTimesFromTheTraceStart)
{
    TempDir dir;
    const std::string path = dir.file("timed.db");
    {
        Writer w(path);
        w.set_metadata("first_ts", "1795302245000000000");
        w.add(process(1, 100, "client", "alive_at_end"));
        w.add(context(1, 1, "open_at_end"));
        ObjectRow svc = object(1, "qtee", "svc", 1, "alive_at_end");
        svc.creator_process_id = 1;
        svc.created_ts = 1795302245263712345;
        w.add(svc);
        w.finish();
    }
    const std::string text = render(path, ReportKind::objects, Format::text);
    EXPECT_EQ(text.rfind("Trace start: 2026-11-21 23:04:05.000000000 UTC", 0), 0u) << text;
    EXPECT_NE(text.find("+0.263712 s"), std::string::npos) << text;
    EXPECT_EQ(text.find("1795302245263712345"), std::string::npos) << text;
    // Machine formats keep the stored nanoseconds.
    EXPECT_NE(render(path, ReportKind::objects, Format::csv).find(",1795302245263712345,"), std::string::npos);
    EXPECT_NE(render(path, ReportKind::objects, Format::json).find("\"created_ts\": 1795302245263712345"),
              std::string::npos);
}

TEST(Check, P99LimitSyntax)
{
    std::string why;
    auto l = parse_p99_limit("uid:42:3=2ms", why);
    ASSERT_TRUE(l) << why;
    EXPECT_EQ(l->service, "uid:42");
    EXPECT_EQ(l->op, 3);
    EXPECT_EQ(l->max_ns, 2000000);
    auto r = parse_p99_limit("app:release=1s", why);
    ASSERT_TRUE(r) << why;
    EXPECT_EQ(r->op, 65535);
    auto named = parse_p99_limit("app:add=2ms", why); // an op's name, resolved by check()
    ASSERT_TRUE(named) << why;
    EXPECT_EQ(named->op_name, "add");
    for (const char *bad : {"app=2ms", "app:x y=2ms", "app:3=2", ":3=2ms", "app:=2ms", "app:3", "app:-1=2ms"}) {
        why.clear();
        EXPECT_FALSE(parse_p99_limit(bad, why)) << bad;
        EXPECT_FALSE(why.empty()) << bad;
    }
}

TEST(Check, Limits)
{
    TempDir dir;
    auto db = Database::open_read_only(write_small(dir));
    CheckLimits holds;
    holds.max_leaks = 2;
    holds.max_p99 = {{"svc", 7, 99}};
    auto ok = check(db, holds);
    EXPECT_TRUE(ok.broken.empty());
    EXPECT_TRUE(ok.notes.empty());

    CheckLimits broken;
    broken.max_leaks = 1;
    broken.max_p99 = {{"svc", 7, 98}, {"nope", 1, 1000}};
    auto bad = check(db, broken);
    EXPECT_EQ(bad.broken, (std::vector<std::string>{"leaks: 2 > 1 (held_at_end 1, release_failed 1)",
                                                    "p99 of svc:7: 99ns > 98ns (100 invocations)"}));
    EXPECT_TRUE(bad.notes.empty());
    ASSERT_EQ(bad.unknown.size(), 1u);
    EXPECT_NE(bad.unknown[0].find("nope:1"), std::string::npos) << bad.unknown[0];
    EXPECT_NE(bad.unknown[0].find("no service nope (it has svc)"), std::string::npos) << bad.unknown[0];

    CheckLimits other_op;
    other_op.max_p99 = {{"svc", 8, 1000}};
    auto op = check(db, other_op);
    ASSERT_EQ(op.unknown.size(), 1u);
    EXPECT_NE(op.unknown[0].find("no invocation of op 8 of svc (it has op 7)"), std::string::npos) << op.unknown[0];
}

struct CommandRun {
    int code;
    std::string out, err;
};

CommandRun run_check(const std::vector<std::string> &args)
{
    std::ostringstream out, err;
    int code = cli::check_command(args, out, err);
    return {code, out.str(), err.str()};
}

CommandRun run_report(const std::vector<std::string> &args)
{
    std::ostringstream out, err;
    int code = cli::report_command(args, out, err);
    return {code, out.str(), err.str()};
}

TEST(Commands, CheckExitCodes)
{
    TempDir dir;
    const std::string db = write_small(dir);
    CommandRun broken = run_check({db, "--max-leaks", "1", "--max-p99", "svc:7=50ns"});
    EXPECT_EQ(broken.code, 1);
    EXPECT_EQ(broken.out, "leaks: 2 > 1 (held_at_end 1, release_failed 1)\np99 of svc:7: 99ns > 50ns (100 invocations)\n");

    CommandRun holds = run_check({"--max-leaks=5", db, "--max-p99", "svc:7=1us"});
    EXPECT_EQ(holds.code, 0) << holds.err;
    EXPECT_EQ(holds.out, "all 2 limits hold\n");

    EXPECT_EQ(run_check({db}).code, 2);                                  // no limit
    EXPECT_EQ(run_check({db, "--max-leaks", "many"}).code, 2);
    EXPECT_EQ(run_check({db, "--max-p99", "svc:7=fast"}).code, 2);
    EXPECT_EQ(run_check({db, "--max-p99"}).code, 2);
    EXPECT_EQ(run_check({db, "--frobnicate"}).code, 2);
    // A misspelt gate fails, naming what the trace does not have, even beside limits that hold.
    CommandRun misspelt = run_check({db, "--max-p99", "nosuchservice:0=2ms", "--max-leaks", "5"});
    EXPECT_EQ(misspelt.code, 2);
    EXPECT_NE(misspelt.err.find("no service nosuchservice"), std::string::npos) << misspelt.err;
    EXPECT_EQ(misspelt.out, "");
    CommandRun wrong_op = run_check({db, "--max-p99", "svc:70=2ms"});
    EXPECT_EQ(wrong_op.code, 2);
    EXPECT_NE(wrong_op.err.find("op 70"), std::string::npos) << wrong_op.err;
    CommandRun missing = run_check({dir.file("missing.db"), "--max-leaks", "0"});
    EXPECT_EQ(missing.code, 2);
    EXPECT_NE(missing.err.find("missing.db"), std::string::npos) << missing.err;
}

TEST(Commands, ReportExitCodes)
{
    TempDir dir;
    const std::string db = write_small(dir);
    CommandRun json = run_report({"latency", db, "--format", "json"});
    EXPECT_EQ(json.code, 0) << json.err;
    EXPECT_NE(json.out.find("\"p99_ns\": 99"), std::string::npos) << json.out;
    CommandRun text = run_report({"--format=text", "objects", db});
    EXPECT_EQ(text.code, 0) << text.err;
    EXPECT_EQ(run_report({"everything", db}).code, 2);
    EXPECT_EQ(run_report({"leaks", db, "--format", "xml"}).code, 2);
    EXPECT_EQ(run_report({"leaks"}).code, 2);
    CommandRun notdb = run_report({"leaks", dir.file("")});
    EXPECT_EQ(notdb.code, 2);
    EXPECT_NE(notdb.err.find("directory"), std::string::npos) << notdb.err;
}

} // namespace
} // namespace teescope::store::test
