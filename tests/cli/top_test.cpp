// SPDX-License-Identifier: MIT
// `teescope top` inside: the follow loop (re-reads on another connection's commit, stops after N
// refreshes, at the end of a live import or when the user quits, waits for the file of a source
// it runs) and the rendering (escaped trace text, cut to the terminal's width and height).
#include "top_follow.h"
#include "top_view.h"

#include "teescope/importer/rows.h"
#include "teescope/store/writer.h"

#include <gtest/gtest.h>

#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
#include <functional>
#include <thread>

using namespace teescope;
using namespace teescope::cli;

namespace {

class TempDir {
public:
    TempDir()
    {
        std::string tmpl = (std::filesystem::temp_directory_path() / "teescope-top-XXXXXX").string();
        if (!mkdtemp(tmpl.data()))
            throw std::runtime_error("mkdtemp failed");
        dir_ = tmpl;
    }
    ~TempDir() { std::filesystem::remove_all(dir_); }
    std::string file(const std::string &name) const { return (dir_ / name).string(); }

private:
    std::filesystem::path dir_;
};

// A finished database: process 1 (pid 100, "client") holds one handle in context 1.
void write_db(const std::string &path)
{
    store::Writer w(path);
    w.set_metadata("first_ts", "0");
    w.set_metadata("last_ts", "1000");
    importer::ProcessRow p{};
    p.id = 1, p.pid = 100, p.name = "client", p.start_ts = 0, p.end_kind = "alive_at_end";
    w.add(p);
    importer::ContextRow c{};
    c.id = 1, c.serial = 1, c.process_id = 1, c.open_ts = 1, c.end_kind = "open_at_end";
    w.add(c);
    importer::ObjectRow o{};
    o.id = 1, o.address = 1, o.kind = "qtee", o.klass = "app", o.context_id = 1, o.created_ts = 5,
    o.end_kind = "alive_at_end";
    w.add(o);
    importer::HandleRow h{};
    h.id = 1, h.context_id = 1, h.handle = 1, h.object_id = 1, h.bind_ts = 5;
    w.add(h);
    w.finish();
}

void run_sql(const std::string &path, const std::string &sql)
{
    sqlite3 *db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
    sqlite3_close(db);
}

// Records what was shown; answers each wait with the next scripted input (then none).
class FakeOutput : public TopOutput {
public:
    struct Shown {
        int64_t refresh;
        store::TopState state;
        int64_t handles; // of pid 100
        std::string since_refresh;
        TopSort sort;
        bool paused;
    };
    std::vector<Shown> shown;
    std::vector<std::function<Input()>> script;
    bool full_screen = false;

    void show(const TopFrame &f) override
    {
        Shown s{f.state.refresh, f.now->state, 0, "", f.state.sort, f.state.paused};
        for (const auto &p : f.now->processes)
            if (p.pid == 100)
                s.handles = p.handles_held;
        for (const TopLine &line : render_top(f, TopLayout{}))
            if (line.text.rfind("client (pid 100)", 0) == 0)
                s.since_refresh = line.text; // the whole row, checked by the tests
        shown.push_back(s);
    }
    Input wait(std::chrono::milliseconds timeout) override
    {
        if (next_ < script.size())
            return script[next_++]();
        std::this_thread::sleep_for(std::min(timeout, std::chrono::milliseconds(1)));
        return Input::none;
    }
    bool interactive() const override { return full_screen; }

private:
    size_t next_ = 0;
};

// Refreshes 50 ms apart: each wait between them answers the next scripted input first.
FollowOptions options(const std::string &path, std::chrono::milliseconds interval = std::chrono::milliseconds(50))
{
    FollowOptions o;
    o.db_path = path;
    o.interval = interval;
    return o;
}

TEST(TopFollow, OneBlockOfAFinishedFile)
{
    TempDir dir;
    const std::string path = dir.file("a.db");
    write_db(path);
    FakeOutput out;
    const FollowResult r = follow_database(options(path), out);
    EXPECT_EQ(r.end, FollowResult::End::done);
    ASSERT_EQ(out.shown.size(), 1u);
    EXPECT_EQ(out.shown[0].state, store::TopState::finished);
    EXPECT_EQ(out.shown[0].handles, 1);
}

TEST(TopFollow, ReadsAgainWhenAnotherConnectionCommits)
{
    TempDir dir;
    const std::string path = dir.file("a.db");
    write_db(path);
    FakeOutput out;
    // Between the first and the second refresh a second handle is bound.
    out.script.push_back([&] {
        run_sql(path, "INSERT INTO handles (id, context_id, handle, object_id, bind_ts) VALUES (2, 1, 2, 1, 6)");
        return TopOutput::Input::none;
    });
    FollowOptions o = options(path);
    o.iterations = 3;
    const FollowResult r = follow_database(o, out);
    EXPECT_EQ(r.end, FollowResult::End::done);
    ASSERT_EQ(out.shown.size(), 3u);
    EXPECT_EQ(out.shown[0].handles, 1);
    EXPECT_EQ(out.shown[1].handles, 2);
    EXPECT_EQ(out.shown[2].handles, 2);
    // Growth since the previous refresh: none at the first, +1, then 0.
    EXPECT_NE(out.shown[0].since_refresh.find("  -  "), std::string::npos) << out.shown[0].since_refresh;
    EXPECT_NE(out.shown[1].since_refresh.find("  +1  "), std::string::npos) << out.shown[1].since_refresh;
    EXPECT_NE(out.shown[2].since_refresh.find("  0  "), std::string::npos) << out.shown[2].since_refresh;
}

TEST(TopFollow, FollowsALiveFileUntilItsImportFinishes)
{
    TempDir dir;
    const std::string path = dir.file("a.db");
    write_db(path);
    run_sql(path, "UPDATE metadata SET value = '0' WHERE key = 'complete';"
                  "INSERT INTO metadata VALUES ('live', '1'), ('live_ts', '500'),"
                  " ('live_wall_ms', CAST(strftime('%s', 'now') AS INTEGER) * 1000)");
    FakeOutput out;
    out.script.push_back([] { return TopOutput::Input::none; });
    out.script.push_back([&] {
        run_sql(path, "UPDATE metadata SET value = '1' WHERE key = 'complete';"
                      "UPDATE metadata SET value = '0' WHERE key = 'live'");
        return TopOutput::Input::none;
    });
    const FollowResult r = follow_database(options(path), out);
    EXPECT_EQ(r.end, FollowResult::End::done);
    ASSERT_GE(out.shown.size(), 2u);
    EXPECT_EQ(out.shown.front().state, store::TopState::live);
    EXPECT_EQ(out.shown.back().state, store::TopState::finished);
}

TEST(TopFollow, WaitsForTheFileOfARunningSource)
{
    TempDir dir;
    const std::string path = dir.file("later.db");
    int asked = 0;
    FollowOptions o = options(path);
    // The source writes the file on its third check, and ends on the next one.
    o.source_running = [&] {
        ++asked;
        if (asked == 3)
            write_db(path);
        return asked <= 3;
    };
    FakeOutput out;
    const FollowResult r = follow_database(o, out);
    EXPECT_EQ(r.end, FollowResult::End::done);
    EXPECT_GE(asked, 4);
    ASSERT_EQ(out.shown.size(), 1u);
    EXPECT_EQ(out.shown[0].state, store::TopState::finished);
}

TEST(TopFollow, AMissingFileWithoutASourceIsAnError)
{
    TempDir dir;
    FakeOutput out;
    EXPECT_THROW(follow_database(options(dir.file("missing.db")), out), store::Error);
    EXPECT_TRUE(out.shown.empty());
}

TEST(TopFollow, KeysSortPauseAndQuit)
{
    TempDir dir;
    const std::string path = dir.file("a.db");
    write_db(path);
    FakeOutput out;
    out.full_screen = true;
    out.script = {[] { return TopOutput::Input::sort; }, [] { return TopOutput::Input::pause; },
                  [] { return TopOutput::Input::pause; }, [] { return TopOutput::Input::quit; }};
    const FollowResult r = follow_database(options(path, std::chrono::seconds(10)), out);
    EXPECT_EQ(r.end, FollowResult::End::quit);
    // refresh 1; sorted by growth; paused; resumed; refreshed at once (2); quit
    ASSERT_EQ(out.shown.size(), 5u);
    EXPECT_EQ(out.shown[0].sort, TopSort::handles);
    EXPECT_EQ(out.shown[1].sort, TopSort::growth);
    EXPECT_TRUE(out.shown[2].paused);
    EXPECT_EQ(out.shown[2].refresh, 1);
    EXPECT_FALSE(out.shown[3].paused);
    EXPECT_EQ(out.shown.back().refresh, 2);
}

store::TopSnapshot many_processes(size_t n)
{
    store::TopSnapshot s;
    s.file = "x.db";
    s.now_ts = 2'000'000'000;
    for (size_t i = 0; i < n; ++i) {
        store::TopProcess p;
        p.id = static_cast<int64_t>(i + 1);
        p.pid = 1000 + p.id;
        p.name = "worker-with-a-rather-long-name-" + std::to_string(i);
        p.handles_held = p.id;
        s.processes.push_back(p);
    }
    return s;
}

TEST(TopView, CutToTheTerminal)
{
    const store::TopSnapshot s = many_processes(40);
    TopFrame f;
    f.now = &s;
    f.window_ns = 10'000'000'000;
    const auto lines = render_top(f, TopLayout{80, 20, true});
    EXPECT_LE(lines.size(), 20u);
    bool more = false;
    for (const TopLine &l : lines) {
        size_t width = 0;
        for (unsigned char c : l.text)
            width += (c & 0xc0) != 0x80;
        EXPECT_LE(width, 80u) << l.text;
        more = more || l.text.find("more") != std::string::npos;
    }
    EXPECT_TRUE(more);
    // Sorted by handles: the process holding most comes first; a name is cut, never its pid.
    bool found = false;
    for (const TopLine &l : lines)
        if (l.text.find("(pid ") != std::string::npos) {
            EXPECT_EQ(l.text.rfind("work", 0), 0u) << l.text;
            EXPECT_NE(l.text.find("… (pid 1040)"), std::string::npos) << l.text;
            found = true;
            break;
        }
    EXPECT_TRUE(found);
    // Unlimited: every process, no "more".
    EXPECT_GE(render_top(f, TopLayout{}).size(), 40u + 8u);
}

TEST(TopView, TraceTextIsEscaped)
{
    store::TopSnapshot s = many_processes(1);
    s.processes[0].name = "evil\x1b[2J\xc2\x9b";
    TopFrame f;
    f.now = &s;
    bool seen = false;
    for (const TopLine &l : render_top(f, TopLayout{})) {
        EXPECT_EQ(l.text.find('\x1b'), std::string::npos) << l.text;
        EXPECT_EQ(l.text.find("\xc2\x9b"), std::string::npos) << l.text;
        seen = seen || l.text.rfind("evil\\x1b[2J\\xc2\\x9b (pid 1001)", 0) == 0;
    }
    EXPECT_TRUE(seen);
    EXPECT_EQ(process_label("", 7), "? (pid 7)");
}

} // namespace
