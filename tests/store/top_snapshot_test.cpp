// SPDX-License-Identifier: MIT
// The snapshot behind `teescope top` on hand-made rows: a finished file read at its last event, a
// live one (open rows with NULL ends) read at live_ts with a recent window, callback requests
// queued / being served, the state from metadata and the writer's clock.
#include "teescope/store/top_snapshot.h"

#include "teescope/store/latency.h"
#include "teescope/store/writer.h"
#include "test_db.h"

#include <algorithm>

namespace teescope::store::test {
namespace {

constexpr int64_t kSecond = 1'000'000'000;

const TopProcess *find_process(const TopSnapshot &s, int64_t id)
{
    auto it = std::find_if(s.processes.begin(), s.processes.end(), [&](const TopProcess &p) { return p.id == id; });
    return it == s.processes.end() ? nullptr : &*it;
}

void run_sql(const std::string &path, const std::string &sql)
{
    sqlite3 *db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    char *message = nullptr;
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message), SQLITE_OK) << (message ? message : "");
    sqlite3_free(message);
    sqlite3_close(db);
}

InvocationRow call(Id id, Id process_id, Id object_id, int64_t begin, int64_t duration)
{
    InvocationRow r = invocation(id, object_id, 0, begin, begin + duration);
    r.process_id = process_id;
    return r;
}

// Trace 0 .. 30 s. client (1) holds two handles at the end, one bound 25 s in; tool (2) exited
// at 10 s; the supplicant (3) hosts callback requests. client calls 100 times in the first second
// and 10 times in the last 5 seconds.
void write_trace(Writer &w)
{
    w.set_metadata("first_ts", "0");
    w.set_metadata("last_ts", std::to_string(30 * kSecond));
    w.set_metadata("events", "1234");
    w.add(process(1, 100, "client", "alive_at_end"));
    ProcessRow tool = process(2, 200, "tool", "exited");
    tool.end_ts = 10 * kSecond;
    w.add(tool);
    w.add(process(3, 300, "suppl", "alive_at_end"));
    w.add(context(1, 1, "open_at_end"));
    ContextRow closed = context(2, 2, "released");
    closed.close_ts = closed.release_ts = 10 * kSecond;
    w.add(closed);
    w.add(context(3, 3, "open_at_end"));

    ObjectRow before = object(1, "qtee", "client_env", 1, "alive_at_end");
    before.created_ts = std::nullopt; // created before the trace
    w.add(before);
    w.add(object(2, "qtee", "app", 1, "alive_at_end"));
    ObjectRow late = object(3, "qtee", "diagnostics", 1, "alive_at_end");
    late.created_ts = 25 * kSecond;
    w.add(late);
    w.add(object(4, "qtee", "app", 2, "reclaimed_at_close"));
    w.add(handle(1, 1, 1, std::nullopt, std::nullopt));
    w.add(handle(2, 1, 2, 20, 29 * kSecond, "release"));
    w.add(handle(3, 1, 3, 25 * kSecond, std::nullopt));
    w.add(handle(4, 2, 4, 40, 10 * kSecond, "context_close"));

    Id id = 1;
    for (int i = 0; i < 100; ++i)
        w.add(call(id++, 1, 2, 1000 + i * 1'000'000, 1000 + i)); // 1000..1099 ns
    for (int i = 0; i < 10; ++i)
        w.add(call(id++, 1, 3, 26 * kSecond + i * 100'000'000, 50'000 + i)); // 50..50.009 µs
    w.add(call(id++, 2, 4, 2 * kSecond, 7000));

    // Callback requests to the supplicant's context at 28 s: one queued, one being served, a
    // RELEASE notice delivered (picked: done), one answered; an RPC nobody took yet.
    auto request = [&](Id rid, OptId ctx, OptTs queue, OptTs pick, OptTs answer, std::string end_kind) {
        CallbackRequestRow r{};
        r.id = rid;
        r.context_id = ctx;
        r.op = 0;
        r.queue_ts = queue;
        r.pick_ts = pick;
        r.answer_ts = answer;
        r.end_kind = std::move(end_kind);
        w.add(r);
    };
    request(1, 3, 28 * kSecond, std::nullopt, std::nullopt, "pending_at_end");
    request(2, 3, 27 * kSecond, 28 * kSecond, std::nullopt, "pending_at_end");
    request(3, 3, 27 * kSecond, 28 * kSecond, std::nullopt, "delivered");
    request(4, 3, 20 * kSecond, 21 * kSecond, 22 * kSecond, "answered");
    CallbackRequestRow rpc{};
    rpc.id = 5;
    rpc.op = 2;
    rpc.kind = "rpc";
    rpc.queue_ts = 29 * kSecond;
    rpc.end_kind = "pending_at_end";
    w.add(rpc);
    w.add(DataLossRow{1, "events", 7, 5 * kSecond, 6 * kSecond, "stream0"});
    w.count("unmatched_invoke_end", "data_loss", 3, "an example");
    w.count("discarded_events", "data_loss", 7, "counted in data_loss");
}

std::string written(const TempDir &dir)
{
    const std::string path = dir.file("top.db");
    Writer w(path);
    write_trace(w);
    w.finish();
    return path;
}

TEST(TopSnapshot, FinishedFileAtItsLastEvent)
{
    TempDir dir;
    auto db = Database::open_read_only(written(dir));
    TopQuery q;
    q.window_ns = 10 * kSecond;
    const TopSnapshot s = read_top_snapshot(db, q);

    EXPECT_EQ(s.state, TopState::finished);
    EXPECT_EQ(s.now_ts, 30 * kSecond);
    EXPECT_EQ(s.events, 1234);
    EXPECT_EQ(s.lost_events, 7);
    EXPECT_EQ(s.data_loss_findings, 3); // the discarded events are not counted twice
    EXPECT_TRUE(s.rate_whole_trace);
    EXPECT_EQ(s.rate_begin_ts, 0);
    EXPECT_EQ(s.growth_begin_ts, 20 * kSecond);

    const TopProcess *client = find_process(s, 1);
    ASSERT_NE(client, nullptr);
    EXPECT_EQ(client->contexts_open, 1);
    EXPECT_EQ(client->handles_held, 2);        // handles 1 and 3 (2 was released at 29 s)
    EXPECT_EQ(client->handles_held_before, 2); // at 20 s: handles 1 and 2
    EXPECT_EQ(client->calls, 110);             // the whole trace
    ASSERT_TRUE(client->p99_ns);
    EXPECT_EQ(*client->p99_ns, 50'008); // rank ceil(0.99 * 110) = 109 of 110
    // The tool ended at 10 s: listed (it was alive in the whole-trace window), holding nothing.
    const TopProcess *tool = find_process(s, 2);
    ASSERT_NE(tool, nullptr);
    EXPECT_TRUE(tool->ended);
    EXPECT_EQ(tool->handles_held, 0);
    EXPECT_EQ(tool->contexts_open, 0);

    const TopProcess *suppl = find_process(s, 3);
    ASSERT_NE(suppl, nullptr);
    EXPECT_EQ(suppl->requests_queued, 1);
    EXPECT_EQ(suppl->requests_serving, 1);
    EXPECT_EQ(s.requests_unowned, 1);

    // The ops are the store's latency groups over the whole file.
    const auto groups = compute_latency_groups(db.handle(), db.path());
    ASSERT_EQ(s.ops.size(), groups.size());
    for (size_t i = 0; i < groups.size(); ++i) {
        EXPECT_EQ(s.ops[i].klass, groups[i].klass);
        EXPECT_EQ(s.ops[i].count, groups[i].count);
        EXPECT_EQ(s.ops[i].p99_ns, groups[i].p99_ns);
    }

    // Oldest first; created before the trace comes first.
    ASSERT_EQ(s.oldest.size(), 2u);
    EXPECT_EQ(s.objects_held, 2);
    EXPECT_EQ(s.oldest[0].object_id, 1);
    EXPECT_FALSE(s.oldest[0].since_ts);
    EXPECT_EQ(s.oldest[0].holder_pid, 100);
    EXPECT_EQ(s.oldest[0].holder_name, "client");
    EXPECT_EQ(s.oldest[1].object_id, 3);
    EXPECT_EQ(*s.oldest[1].since_ts, 25 * kSecond);
}

TEST(TopSnapshot, LiveFileAtLiveTsWithARecentWindow)
{
    TempDir dir;
    const std::string path = written(dir);
    // As a live import would have it at 27 s: what ends later is open.
    run_sql(path, "UPDATE metadata SET value = '0' WHERE key = 'complete';"
                  "DELETE FROM metadata WHERE key = 'last_ts';"
                  "INSERT INTO metadata VALUES ('live', '1'), ('live_ts', '27000000000'), ('live_events', '999'),"
                  " ('live_wall_ms', '1000000'), ('events_lost', '9'), ('packets_lost', '2');"
                  "UPDATE handles SET unbind_ts = NULL, unbind_reason = NULL WHERE unbind_ts > 27000000000;"
                  "DELETE FROM invocations WHERE drv_begin_ts > 27000000000;"
                  "UPDATE invocations SET drv_end_ts = NULL WHERE drv_end_ts > 27000000000;"
                  "DELETE FROM callback_requests WHERE queue_ts > 27000000000;"
                  "UPDATE callback_requests SET pick_ts = NULL, answer_ts = NULL, end_kind = 'live'"
                  " WHERE pick_ts > 27000000000;"
                  "UPDATE processes SET end_kind = 'live' WHERE end_ts IS NULL;");
    auto db = Database::open_read_only(path);
    TopQuery q;
    q.window_ns = 5 * kSecond;
    q.wall_now_ms = 1'002'000;
    q.stall_after_ms = 10'000;
    TopSnapshot s = read_top_snapshot(db, q);

    EXPECT_EQ(s.state, TopState::live);
    EXPECT_EQ(s.now_ts, 27 * kSecond);
    EXPECT_EQ(s.events, 999);
    EXPECT_EQ(s.lost_events, 9); // the running totals are ahead of the data_loss rows
    EXPECT_EQ(s.lost_packets, 2);
    EXPECT_FALSE(s.rate_whole_trace);
    EXPECT_EQ(s.rate_begin_ts, 22 * kSecond);

    const TopProcess *client = find_process(s, 1);
    ASSERT_NE(client, nullptr);
    EXPECT_EQ(client->handles_held, 3);        // 1, 2 (unbound later) and 3
    EXPECT_EQ(client->handles_held_before, 2); // at 22 s
    EXPECT_EQ(client->calls, 10);              // begun in the last 5 s
    ASSERT_TRUE(client->p99_ns);
    EXPECT_EQ(*client->p99_ns, 50'009);
    // The tool ended before the window and holds nothing: not listed.
    EXPECT_EQ(find_process(s, 2), nullptr);
    // At 27 s requests 2 and 3 are queued (picked at 28 s); 1 and the RPC are not queued yet.
    const TopProcess *suppl = find_process(s, 3);
    ASSERT_NE(suppl, nullptr);
    EXPECT_EQ(suppl->requests_queued, 2);
    EXPECT_EQ(suppl->requests_serving, 0);
    EXPECT_EQ(s.requests_unowned, 0);

    // The ops of the window only: the 10 recent calls of diagnostics.
    ASSERT_EQ(s.ops.size(), 1u);
    EXPECT_EQ(s.ops[0].klass, "diagnostics");
    EXPECT_EQ(s.ops[0].count, 10);

    // No commit for longer than the stall limit: stalled, and live again after a commit.
    q.wall_now_ms = 1'011'000;
    update_top_state(s, q);
    EXPECT_EQ(s.state, TopState::stalled);
    EXPECT_EQ(read_top_snapshot(db, q).state, TopState::stalled);
    q.wall_now_ms = 1'001'000;
    update_top_state(s, q);
    EXPECT_EQ(s.state, TopState::live);
}

TEST(TopSnapshot, IncompleteFileWithoutTimesUsesItsRows)
{
    TempDir dir;
    const std::string path = written(dir);
    run_sql(path, "UPDATE metadata SET value = '0' WHERE key = 'complete';"
                  "DELETE FROM metadata WHERE key IN ('last_ts', 'first_ts');");
    auto db = Database::open_read_only(path);
    const TopSnapshot s = read_top_snapshot(db, TopQuery{});
    EXPECT_EQ(s.state, TopState::incomplete);
    // The latest time its rows name: the last call's end.
    EXPECT_EQ(s.now_ts, 26 * kSecond + 9 * 100'000'000 + 50'009);
    EXPECT_EQ(s.first_ts, 0);
}

TEST(TopSnapshot, DataVersionChangesWhenAnotherConnectionCommits)
{
    TempDir dir;
    const std::string path = written(dir);
    auto db = Database::open_read_only(path);
    const int64_t before = data_version(db);
    EXPECT_EQ(data_version(db), before);
    run_sql(path, "UPDATE metadata SET value = '1235' WHERE key = 'events'");
    EXPECT_NE(data_version(db), before);
    EXPECT_EQ(read_top_snapshot(db, TopQuery{}).events, 1235);
}

} // namespace
} // namespace teescope::store::test
