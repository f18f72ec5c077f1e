// SPDX-License-Identifier: MIT
// The writer (round trip, .partial and rename, batching, determinism, latency) and the refusal
// of files that are not ours or are newer.
#include "teescope/store/writer.h"
#include "test_db.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <numeric>
#include <random>

#include <unistd.h>

namespace teescope::store::test {
namespace {

namespace fs = std::filesystem;

std::string slurp(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

// One row of every table, with NULLs, texts and flags in it.
void write_one_of_each(Writer &w)
{
    w.add(process(1, 4242, "client", "alive_at_end"));
    ThreadRow t{};
    t.id = 1, t.process_id = 1, t.tid = 4243, t.start_ts = 5, t.end_ts = 90;
    w.add(t);
    ContextRow c = context(1, 1, "open_at_end");
    c.origin_unknown = true;
    w.add(c);
    w.add(ContextUserRow{1, 1, 10, 80, 7});
    ObjectRow o = object(1, "qtee", "diagnostics", 1, "released");
    o.uid = 143, o.sw_id = 77, o.release_result = 0, o.release_retries = 2;
    w.add(o);
    w.add(handle(1, 1, 1, 20, 60, "release"));
    InvocationRow i = invocation(1, 1, 3, 30, 45);
    i.handle = -1, i.err = 0, i.ret = 0, i.internal = true, i.context_id = 1;
    w.add(i);
    CallbackRequestRow r{};
    r.id = 1, r.context_id = 1, r.request = 9, r.op = 65535, r.end_kind = "delivered", r.end_inferred = true;
    w.add(r);
    AsyncReleaseRow a{};
    a.id = 1, a.object_id = 1, a.ts = 70;
    w.add(a);
    ShmRow s{};
    s.id = 1, s.shm = 3, s.size = 4096, s.how = "alloc", s.end_kind = "freed", s.created_ts = 11, s.freed_ts = 12;
    w.add(s);
    SessionRow se{};
    se.id = 1, se.session = 5, se.uuid = "8aaaf200-2450-11e4-abe2-0002a5d5c51b", se.end_kind = "closed";
    w.add(se);
    w.count("foreign_events", "info", 3, "lttng_ust_statedump at 12");
    w.count("foreign_events", "info", 2, "another example, not kept");
    w.count("discarded_events", "data_loss", 1, "");
    w.set_metadata("trace_path", "/tmp/trace");
    w.set_metadata("last_ts", "100");
}

TEST(Writer, RowsReadBack)
{
    TempDir dir;
    const std::string path = dir.file("t.db");
    std::string partial_path;
    {
        Writer w(path);
        write_one_of_each(w);
        w.finish();
    }
    auto db = Database::open_read_only(path);
    EXPECT_TRUE(db.complete());
    EXPECT_EQ(db.metadata("trace_path"), "/tmp/trace");
    EXPECT_EQ(db.metadata("schema_version"), std::to_string(schema_version()));
    EXPECT_EQ(rows(db, "SELECT * FROM processes"), std::vector<std::string>{"1|4242|client|0|NULL|0|NULL|alive_at_end|NULL|NULL|NULL|client"});
    EXPECT_EQ(rows(db, "SELECT * FROM threads"), std::vector<std::string>{"1|1|4243|5|90"});
    EXPECT_EQ(rows(db, "SELECT id, serial, dev, end_kind, origin_unknown, end_inferred FROM contexts"),
              std::vector<std::string>{"1|101|tee0|open_at_end|1|0"});
    EXPECT_EQ(rows(db, "SELECT * FROM context_users"), std::vector<std::string>{"1|1|10|80|7"});
    EXPECT_EQ(rows(db, "SELECT id, kind, class, uid, sw_id, release_result, release_retries, freed_ts FROM objects"),
              std::vector<std::string>{"1|qtee|diagnostics|143|77|0|2|NULL"});
    EXPECT_EQ(rows(db, "SELECT * FROM handles"),
              std::vector<std::string>{"1|1|1|1|20|60|release|NULL|NULL|NULL|0"});
    EXPECT_EQ(rows(db, "SELECT id, handle, op, drv_begin_ts, drv_end_ts, internal, user_begin_ts FROM invocations"),
              std::vector<std::string>{"1|-1|3|30|45|1|NULL"});
    EXPECT_EQ(rows(db, "SELECT id, request, op, end_kind, end_inferred FROM callback_requests"),
              std::vector<std::string>{"1|9|65535|delivered|1"});
    EXPECT_EQ(rows(db, "SELECT * FROM async_releases"), std::vector<std::string>{"1|1|NULL|NULL|70"});
    EXPECT_EQ(rows(db, "SELECT id, shm, size, how, end_kind FROM shm"), std::vector<std::string>{"1|3|4096|alloc|freed"});
    EXPECT_EQ(rows(db, "SELECT id, session, uuid, end_kind FROM sessions"),
              std::vector<std::string>{"1|5|8aaaf200-2450-11e4-abe2-0002a5d5c51b|closed"});
    EXPECT_EQ(rows(db, "SELECT * FROM import_stats ORDER BY name"),
              (std::vector<std::string>{"discarded_events|data_loss|1|NULL",
                                        "foreign_events|info|5|lttng_ust_statedump at 12"}));
    EXPECT_EQ(rows(db, "SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'handles_object'").size(), 1u);
}

TEST(Writer, ManyRowsAcrossBatches)
{
    TempDir dir;
    const std::string path = dir.file("many.db");
    {
        Writer w(path, Writer::Options{7, 2}); // tiny batches: many hand-overs to the writing thread
        w.add(process(1, 1, "p", "alive_at_end"));
        for (Id i = 1; i <= 5000; ++i)
            w.add(invocation(i, std::nullopt, i % 5, i, i + 3));
        w.finish();
    }
    auto db = Database::open_read_only(path);
    EXPECT_EQ(rows(db, "SELECT count(*), min(id), max(id), sum(op) FROM invocations"),
              std::vector<std::string>{"5000|1|5000|10000"});
}

TEST(Writer, PartialUntilFinished)
{
    TempDir dir;
    const std::string path = dir.file("t.db");
    std::string partial_path;
    {
        Writer w(path);
        write_one_of_each(w);
        w.flush();
        partial_path = w.partial_path();
        EXPECT_EQ(partial_path.rfind(path + ".partial." + std::to_string(::getpid()) + ".", 0), 0u) << partial_path;
        EXPECT_TRUE(fs::exists(partial_path));
        EXPECT_FALSE(fs::exists(path));
        auto partial = Database::open_read_only(partial_path);
        EXPECT_FALSE(partial.complete());
        EXPECT_EQ(rows(partial, "SELECT count(*) FROM processes"), std::vector<std::string>{"1"});
    } // destroyed without finish(), as when an import fails
    EXPECT_FALSE(fs::exists(path));
    EXPECT_FALSE(fs::exists(partial_path));
}

TEST(Writer, TwoWritersOfOnePathHaveFilesOfTheirOwn)
{
    TempDir dir;
    const std::string path = dir.file("t.db");
    Writer a(path);
    Writer b(path);
    EXPECT_NE(a.partial_path(), b.partial_path());
    a.add(process(1, 11, "a", "exited"));
    b.add(process(1, 22, "b", "exited"));
    b.finish();
    EXPECT_TRUE(fs::exists(a.partial_path())); // b's finish() did not take a's file
    a.finish();
    auto db = Database::open_read_only(path);
    EXPECT_EQ(rows(db, "SELECT name FROM processes"), std::vector<std::string>{"a"});
}

TEST(Writer, FailedImportKeepsThePreviousDatabase)
{
    TempDir dir;
    const std::string path = dir.file("t.db");
    {
        Writer w(path);
        w.add(process(1, 11, "first", "exited"));
        w.finish();
    }
    {
        Writer w(path);
        w.add(process(1, 22, "second", "exited"));
    }
    auto db = Database::open_read_only(path);
    EXPECT_EQ(rows(db, "SELECT name FROM processes"), std::vector<std::string>{"first"});
}

TEST(Writer, WriteErrorIsReported)
{
    TempDir dir;
    const std::string path = dir.file("dup.db");
    Writer w(path);
    w.add(process(1, 1, "a", "exited"));
    w.add(process(1, 2, "b", "exited")); // the same id twice: the insert fails
    try {
        w.finish();
        FAIL() << "finish() accepted a duplicate id";
    } catch (const Error &e) {
        EXPECT_NE(std::string(e.what()).find("dup.db.partial"), std::string::npos) << e.what();
    }
    EXPECT_FALSE(fs::exists(path));
}

TEST(Writer, UnwritableDirectoryIsAnError)
{
    EXPECT_THROW(Writer("/nonexistent-dir/x/t.db"), Error);
}

TEST(Writer, SameRowsGiveTheSameFile)
{
    TempDir dir;
    auto write = [&](const std::string &path) {
        Writer w(path, Writer::Options{13, 2});
        write_one_of_each(w);
        for (Id i = 2; i <= 3000; ++i) {
            w.add(object(i, "qtee", i % 3 ? "app" : "client_env", 1, "released"));
            w.add(invocation(i, i, i % 4, i * 10, i * 10 + i % 97));
        }
        w.finish();
    };
    write(dir.file("a.db"));
    write(dir.file("b.db"));
    auto a = Database::open_read_only(dir.file("a.db"));
    auto b = Database::open_read_only(dir.file("b.db"));
    for (const char *table : {"metadata", "import_stats", "processes", "objects", "invocations", "latency"}) {
        const std::string q = std::string("SELECT * FROM ") + table + " ORDER BY 1, 2";
        EXPECT_EQ(rows(a, q), rows(b, q)) << table;
    }
    EXPECT_TRUE(slurp(dir.file("a.db")) == slurp(dir.file("b.db"))) << "the two files differ byte-wise";
}

TEST(Latency, NearestRankPercentiles)
{
    TempDir dir;
    const std::string path = dir.file("lat.db");
    {
        Writer w(path);
        w.add(object(1, "qtee", "svc", 1, "released"));
        w.add(object(2, "qtee", "other", 1, "released"));
        std::vector<int64_t> durations(1000);
        std::iota(durations.begin(), durations.end(), 1);
        std::shuffle(durations.begin(), durations.end(), std::mt19937(7));
        Id id = 1;
        for (int64_t d : durations)
            w.add(invocation(id++, 1, 7, 1000, 1000 + d));
        for (int64_t d : {5, 1, 3})
            w.add(invocation(id++, 2, 8, 50, 50 + d));
        w.add(invocation(id++, 2, 8, 50, std::nullopt)); // no end: not timed
        w.add(invocation(id++, std::nullopt, 9, 10, 30)); // unknown object
        InvocationRow own = invocation(id++, std::nullopt, 9, 10, 14); // the driver's own call
        own.internal = true;
        w.add(own);
        w.finish();
    }
    auto db = Database::open_read_only(path);
    EXPECT_EQ(rows(db, "SELECT * FROM latency ORDER BY class, op"),
              (std::vector<std::string>{"driver (kernel)|9|1|4|4|4|4|4|4", "other|8|3|1|3|5|5|5|5",
                                        "svc|7|1000|1|500|900|990|999|1000", "unknown|9|1|20|20|20|20|20|20"}));
}

TEST(Database, RefusesNewerVersion)
{
    TempDir dir;
    const std::string path = dir.file("new.db");
    {
        Writer w(path);
        w.finish();
    }
    {
        sqlite3 *raw = nullptr;
        ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
        const std::string sql = "PRAGMA user_version = " + std::to_string(schema_version() + 1);
        ASSERT_EQ(sqlite3_exec(raw, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
        sqlite3_close(raw);
    }
    try {
        Database::open_read_only(path);
        FAIL() << "a newer database was opened";
    } catch (const Error &e) {
        const std::string what = e.what();
        EXPECT_NE(what.find(path), std::string::npos) << what;
        EXPECT_NE(what.find("newer teescope"), std::string::npos) << what;
        EXPECT_NE(what.find("upgrade"), std::string::npos) << what;
    }
}

TEST(Database, RefusesDisagreeingVersions)
{
    TempDir dir;
    for (const char *value : {"1", "999", "not a number"}) {
        const std::string path = dir.file(std::string("disagree-") + value + ".db");
        {
            Writer w(path);
            w.finish();
        }
        {
            sqlite3 *raw = nullptr;
            ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
            const std::string sql =
                std::string("UPDATE metadata SET value = '") + value + "' WHERE key = 'schema_version'";
            ASSERT_EQ(sqlite3_exec(raw, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
            sqlite3_close(raw);
        }
        try {
            Database::open_read_only(path);
            ADD_FAILURE() << "a database with metadata.schema_version " << value << " was opened";
        } catch (const Error &e) {
            const std::string what = e.what();
            EXPECT_NE(what.find(path), std::string::npos) << what;
            EXPECT_NE(what.find("inconsistent"), std::string::npos) << what;
            EXPECT_NE(what.find("user_version is " + std::to_string(schema_version())), std::string::npos) << what;
        }
    }
}

void expect_refused(const std::string &path, const std::string &words)
{
    try {
        Database::open_read_only(path);
        ADD_FAILURE() << path << " was opened";
    } catch (const Error &e) {
        const std::string what = e.what();
        EXPECT_NE(what.find(path), std::string::npos) << what;
        EXPECT_NE(what.find(words), std::string::npos) << what;
    }
}

TEST(Database, RefusesWhatIsNotOurs)
{
    TempDir dir;
    const std::string text = dir.file("notes.txt");
    std::ofstream(text) << "this is not a database, just some words that are long enough to fill a header\n";
    expect_refused(text, "not a teescope database");

    const std::string other = dir.file("other.db");
    {
        sqlite3 *raw = nullptr;
        ASSERT_EQ(sqlite3_open(other.c_str(), &raw), SQLITE_OK);
        ASSERT_EQ(sqlite3_exec(raw, "CREATE TABLE t (x)", nullptr, nullptr, nullptr), SQLITE_OK);
        sqlite3_close(raw);
    }
    expect_refused(other, "not a teescope database");
    expect_refused(dir.file("missing.db"), "no such file");
    expect_refused(dir.file(""), "directory");
}

} // namespace
} // namespace teescope::store::test
