// SPDX-License-Identifier: MIT
// The Perfetto export of recorded sample traces, read back with the same schema: a track per
// process and thread with their pids, tids and names, balanced and nested slices per track,
// every flow started and terminated once, counters that end where the database says.
#include "perfetto_trace.pb.h"

#include "teescope/export/export.h"
#include "teescope/export/time_spec.h"
#include "teescope/store/database.h"
#include "teescope/store/statement.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

namespace pb = teescope::perfetto;
using namespace teescope;

namespace {

std::string sample_db(const std::string &name)
{
    const char *dir = std::getenv("TEESCOPE_TEST_DBS");
    return std::string(dir ? dir : "dbs") + "/" + name + ".db";
}

std::string temp_path(const std::string &name)
{
    return (std::filesystem::temp_directory_path() / ("teescope-export-test-" + std::to_string(::getpid()) + "-" + name))
        .string();
}

pb::Trace export_and_read(const store::Database &db, const exporter::TimeRange &range = {})
{
    const std::string out = temp_path("trace.pftrace");
    exporter::export_timeline(db, exporter::Format::perfetto, range, out);
    std::ifstream in(out, std::ios::binary);
    pb::Trace trace;
    EXPECT_TRUE(trace.ParseFromIstream(&in)) << out << " does not parse as a Perfetto trace";
    std::filesystem::remove(out);
    return trace;
}

int64_t query_int(const store::Database &db, const std::string &sql)
{
    store::Statement s(db.handle(), sql, db.path());
    return s.next() ? s.int_at(0) : -1;
}

// What the file says, by track.
struct Tracks {
    std::map<uint64_t, pb::TrackDescriptor> process, thread, counter, other;
    std::map<uint64_t, std::vector<const pb::TracePacket *>> events;
};

Tracks tracks_of(const pb::Trace &trace)
{
    Tracks t;
    for (const pb::TracePacket &p : trace.packet()) {
        if (p.has_track_descriptor()) {
            const pb::TrackDescriptor &d = p.track_descriptor();
            auto &where = d.has_process() ? t.process : d.has_thread() ? t.thread : d.has_counter() ? t.counter : t.other;
            EXPECT_TRUE(where.emplace(d.uuid(), d).second) << "track uuid " << d.uuid() << " described twice";
        }
        if (p.has_track_event())
            t.events[p.track_event().track_uuid()].push_back(&p);
    }
    return t;
}

class PerfettoExport : public ::testing::TestWithParam<std::string> {};

TEST_P(PerfettoExport, TracksNestingFlowsCounters)
{
    const auto db = store::Database::open_read_only(sample_db(GetParam()));
    const pb::Trace trace = export_and_read(db);
    ASSERT_GT(trace.packet_size(), 0);

    // One packet sequence whose state starts with the first packet.
    EXPECT_EQ(trace.packet(0).sequence_flags(), uint32_t(pb::TracePacket::SEQ_INCREMENTAL_STATE_CLEARED));
    for (const pb::TracePacket &p : trace.packet()) {
        EXPECT_EQ(p.trusted_packet_sequence_id(), 1u);
        EXPECT_TRUE(p.has_timestamp());
    }
    const Tracks t = tracks_of(trace);

    // A process track per process: its pid and name.
    std::multiset<std::pair<int64_t, std::string>> expected_processes, got_processes;
    {
        store::Statement s(db.handle(), "SELECT pid, COALESCE(display_name, '') FROM processes", db.path());
        while (s.next())
            expected_processes.emplace(s.int_at(0), s.text_at(1));
    }
    for (const auto &[uuid, d] : t.process)
        got_processes.emplace(d.process().pid(), d.process().process_name());
    EXPECT_EQ(got_processes, expected_processes);

    // A thread track per thread: its tid, the pid of its process, under its process's track.
    std::multiset<std::pair<int64_t, int64_t>> expected_threads, got_threads;
    {
        store::Statement s(db.handle(), "SELECT p.pid, t.tid FROM threads t JOIN processes p ON p.id = t.process_id",
                           db.path());
        while (s.next())
            expected_threads.emplace(s.int_at(0), s.int_at(1));
    }
    for (const auto &[uuid, d] : t.thread) {
        got_threads.emplace(d.thread().pid(), d.thread().tid());
        ASSERT_TRUE(t.process.count(d.parent_uuid())) << "thread " << d.thread().tid() << " has no process track";
        EXPECT_EQ(t.process.at(d.parent_uuid()).process().pid(), d.thread().pid());
        EXPECT_FALSE(d.thread().thread_name().empty());
    }
    EXPECT_EQ(got_threads, expected_threads);

    // Slices: on thread tracks only, named, balanced per track, time never going back on a track
    // (so a child ends before its parent).
    size_t slices = 0;
    int64_t driver_in_user = 0, wait_in_driver = 0;
    std::map<uint64_t, int> flow_starts, flow_ends;
    std::map<uint64_t, int64_t> flow_start_pid, flow_end_pid;
    for (const auto &[uuid, events] : t.events) {
        std::vector<uint64_t> open;
        std::vector<std::string> open_category;
        uint64_t last = 0;
        for (const pb::TracePacket *p : events) {
            const pb::TrackEvent &e = p->track_event();
            EXPECT_GE(p->timestamp(), last) << "time goes back on track " << uuid;
            last = p->timestamp();
            if (e.type() == pb::TrackEvent::TYPE_SLICE_BEGIN || e.type() == pb::TrackEvent::TYPE_SLICE_END) {
                ASSERT_TRUE(t.thread.count(uuid)) << "a slice on a track that is no thread's";
            }
            if (e.type() == pb::TrackEvent::TYPE_SLICE_BEGIN) {
                ++slices;
                EXPECT_FALSE(e.name().empty());
                // A wait for a request lies in the call that caused it; a driver side in its user
                // side, when the call has one.
                const std::string category = e.categories_size() ? e.categories(0) : std::string();
                const std::string parent = open_category.empty() ? std::string() : open_category.back();
                if (category == "callback_wait" || category == "rpc_wait") {
                    EXPECT_TRUE(parent == "driver" || parent == "invocation")
                        << e.name() << " inside '" << parent << "'";
                }
                if (category == "driver" && parent == "invocation")
                    ++driver_in_user;
                if ((category == "callback_wait" || category == "rpc_wait") && parent == "driver")
                    ++wait_in_driver;
                open.push_back(p->timestamp());
                open_category.push_back(category);
                const int64_t pid = t.thread.at(uuid).thread().pid();
                for (uint64_t f : e.flow_ids()) {
                    ++flow_starts[f];
                    flow_start_pid[f] = pid;
                }
                for (uint64_t f : e.terminating_flow_ids()) {
                    ++flow_ends[f];
                    flow_end_pid[f] = pid;
                }
            } else if (e.type() == pb::TrackEvent::TYPE_SLICE_END) {
                ASSERT_FALSE(open.empty()) << "an end without a begin on track " << uuid;
                EXPECT_GE(p->timestamp(), open.back());
                open.pop_back();
                open_category.pop_back();
            } else if (e.type() == pb::TrackEvent::TYPE_COUNTER) {
                EXPECT_TRUE(t.counter.count(uuid)) << "a counter value on a track that is no counter";
            } else {
                EXPECT_EQ(e.type(), pb::TrackEvent::TYPE_INSTANT);
                EXPECT_FALSE(e.name().empty());
            }
        }
        EXPECT_TRUE(open.empty()) << open.size() << " slices never end on track " << uuid;
    }
    EXPECT_EQ(driver_in_user, query_int(db, "SELECT COUNT(*) FROM invocations WHERE thread_id IS NOT NULL AND"
                                            " user_begin_ts IS NOT NULL AND drv_begin_ts IS NOT NULL"));
    EXPECT_EQ(wait_in_driver > 0, query_int(db, "SELECT COUNT(*) FROM callback_requests") > 0);
    // Every invocation with a user or driver side is at least one slice.
    EXPECT_GE(int64_t(slices), query_int(db, "SELECT COUNT(*) FROM invocations WHERE thread_id IS NOT NULL AND"
                                             " (user_begin_ts IS NOT NULL OR drv_begin_ts IS NOT NULL)"));

    // Flows: each started once and terminated once; one per request served by a supplicant
    // thread for an invocation on another thread.
    EXPECT_EQ(flow_starts.size(), flow_ends.size());
    for (const auto &[f, n] : flow_starts) {
        EXPECT_EQ(n, 1);
        EXPECT_EQ(flow_ends[f], 1) << "flow " << f << " never terminates";
    }
    const int64_t served = query_int(db, "SELECT COUNT(*) FROM callback_requests r JOIN invocations i ON i.id = r.invocation_id"
                                         " WHERE r.supplicant_thread_id IS NOT NULL AND r.queue_ts IS NOT NULL"
                                         "   AND i.thread_id IS NOT NULL");
    EXPECT_EQ(int64_t(flow_starts.size()), served);
    // Requests made on behalf of another process flow between processes.
    const int64_t foreign = query_int(db, "SELECT COUNT(*) FROM callback_requests r JOIN threads st ON st.id = r.supplicant_thread_id"
                                          " JOIN invocations i ON i.id = r.invocation_id WHERE st.process_id <> i.process_id");
    int64_t crossing = 0;
    for (const auto &[f, pid] : flow_start_pid)
        crossing += flow_end_pid.count(f) && flow_end_pid[f] != pid;
    EXPECT_EQ(crossing, foreign);

    // Counters: the handles a process holds at the end are those still bound there.
    std::map<int64_t, int64_t> held_at_end, shm_at_end; // pid -> last value
    for (const auto &[uuid, d] : t.counter) {
        ASSERT_TRUE(t.process.count(d.parent_uuid()));
        ASSERT_TRUE(t.events.count(uuid)) << d.name() << " has no values";
        const int64_t pid = t.process.at(d.parent_uuid()).process().pid();
        const int64_t last_value = t.events.at(uuid).back()->track_event().counter_value();
        if (d.name() == "handles held")
            held_at_end[pid] = last_value;
        else if (d.name() == "shm bytes")
            shm_at_end[pid] = last_value;
    }
    EXPECT_EQ(held_at_end.empty(), query_int(db, "SELECT COUNT(*) FROM handles") == 0) << "handles held counters";
    EXPECT_EQ(shm_at_end.empty(), query_int(db, "SELECT COUNT(*) FROM shm WHERE process_id IS NOT NULL") == 0)
        << "shm bytes counters";
    {
        store::Statement s(db.handle(),
                           "SELECT p.pid, SUM(CASE WHEN freed_ts IS NULL THEN COALESCE(size, 0) ELSE 0 END) FROM shm"
                           " JOIN processes p ON p.id = shm.process_id GROUP BY p.id",
                           db.path());
        while (s.next()) {
            EXPECT_EQ(shm_at_end[s.int_at(0)], s.int_at(1)) << "shm bytes at the end of pid " << s.int_at(0);
        }
    }
    {
        store::Statement s(db.handle(),
                           "SELECT p.pid, SUM(h.unbind_ts IS NULL) FROM handles h JOIN contexts c ON c.id = h.context_id"
                           " JOIN processes p ON p.id = c.process_id GROUP BY p.id",
                           db.path());
        while (s.next()) {
            if (held_at_end.count(s.int_at(0))) {
                EXPECT_EQ(held_at_end[s.int_at(0)], s.int_at(1)) << "handles held at the end by pid " << s.int_at(0);
            }
        }
    }

    // Exits are instants on the process's track.
    int64_t exits = 0;
    for (const auto &[uuid, events] : t.events)
        for (const pb::TracePacket *p : events)
            exits += p->track_event().name() == "process exit" && t.process.count(uuid);
    EXPECT_EQ(exits, query_int(db, "SELECT COUNT(*) FROM processes WHERE end_kind = 'exited' AND end_ts IS NOT NULL"));
}

INSTANTIATE_TEST_SUITE_P(Samples, PerfettoExport, ::testing::Values("callbacks", "sharing", "lossy", "optee_storage"));

TEST(PerfettoExport, DataLossIsAnInstantOnItsTrack)
{
    const auto db = store::Database::open_read_only(sample_db("lossy"));
    const Tracks t = tracks_of(export_and_read(db));
    const pb::TrackDescriptor *loss = nullptr;
    for (const auto &[uuid, d] : t.other)
        if (d.name() == "data loss")
            loss = &d;
    ASSERT_NE(loss, nullptr);
    ASSERT_TRUE(t.events.count(loss->uuid()));
    EXPECT_EQ(int64_t(t.events.at(loss->uuid()).size()), query_int(db, "SELECT COUNT(*) FROM data_loss"));
}

TEST(PerfettoExport, RpcsOfOpteeNestInTheirCall)
{
    const auto db = store::Database::open_read_only(sample_db("optee_storage"));
    const pb::Trace trace = export_and_read(db);
    int rpc_served = 0, rpc_waits = 0;
    for (const pb::TracePacket &p : trace.packet())
        for (const std::string &c : p.track_event().categories()) {
            rpc_served += c == "rpc";
            rpc_waits += c == "rpc_wait";
        }
    EXPECT_GT(rpc_served, 0);
    EXPECT_GT(rpc_waits, 0);
    EXPECT_EQ(rpc_served, query_int(db, "SELECT COUNT(*) FROM callback_requests WHERE kind = 'rpc' AND"
                                        " supplicant_thread_id IS NOT NULL"));
}

// Slices are named by their op: app.add rather than app op 0, for QTEE and OP-TEE alike.
std::multiset<std::string> slice_names(const pb::Trace &trace)
{
    std::multiset<std::string> names;
    for (const pb::TracePacket &p : trace.packet())
        if (p.has_track_event() && p.track_event().type() == pb::TrackEvent::TYPE_SLICE_BEGIN)
            names.insert(p.track_event().name());
    return names;
}

TEST(PerfettoExport, SlicesAreNamedByTheirOp)
{
    const auto qtee = store::Database::open_read_only(sample_db("callbacks"));
    const std::multiset<std::string> names = slice_names(export_and_read(qtee));
    const int64_t notify = query_int(qtee, "SELECT COUNT(*) FROM invocations i JOIN objects o ON o.id = i.object_id"
                                           " WHERE o.class = 'registry' AND i.op = 2 AND i.user_begin_ts IS NOT NULL");
    EXPECT_GT(notify, 0);
    EXPECT_EQ(int64_t(names.count("registry.notify")), notify);
    EXPECT_GT(names.count("driver: root.register_as_client"), 0u);
    EXPECT_GT(names.count("client_env.open"), 0u);
    EXPECT_GT(names.count("client_env.release"), 0u);
    EXPECT_GT(names.count("callback.get_length"), 0u); // QTEE reading the credentials
    EXPECT_GT(names.count("callback.on_event"), 0u);   // QTEE notifying a listener
    EXPECT_EQ(names.count("registry op 2"), 0u);

    const auto optee = store::Database::open_read_only(sample_db("optee_storage"));
    const std::multiset<std::string> ta = slice_names(export_and_read(optee));
    EXPECT_GT(ta.count("secure_storage.write_raw"), 0u);
    EXPECT_GT(ta.count("secure_storage open_session"), 0u);
}

TEST(PerfettoExport, RangeKeepsWhatOverlapsIt)
{
    const auto db = store::Database::open_read_only(sample_db("callbacks"));
    const int64_t start = exporter::trace_start(db), end = exporter::trace_end(db);
    const int64_t third = (end - start) / 3;
    const exporter::TimeRange range = exporter::resolve_range(db, {third, 2 * third});
    const pb::Trace whole = export_and_read(db);
    const pb::Trace part = export_and_read(db, range);
    EXPECT_LT(part.packet_size(), whole.packet_size());
    std::map<uint64_t, std::vector<uint64_t>> open;
    for (const pb::TracePacket &p : part.packet()) {
        if (!p.has_track_event())
            continue;
        const pb::TrackEvent &e = p.track_event();
        auto &stack = open[e.track_uuid()];
        if (e.type() == pb::TrackEvent::TYPE_SLICE_BEGIN) {
            EXPECT_LE(int64_t(p.timestamp()), range.end);
            stack.push_back(p.timestamp());
        } else if (e.type() == pb::TrackEvent::TYPE_SLICE_END) {
            ASSERT_FALSE(stack.empty());
            EXPECT_GE(int64_t(p.timestamp()), range.begin);
            stack.pop_back();
        } else {
            EXPECT_TRUE(range.contains(int64_t(p.timestamp())));
        }
    }
    EXPECT_THROW(exporter::resolve_range(db, {end - start + 1, end - start + 2}), exporter::RangeError);
}

TEST(PerfettoExport, NothingIsLeftWhenTheDirectoryIsMissing)
{
    const auto db = store::Database::open_read_only(sample_db("callbacks"));
    const std::string out = temp_path("missing-dir") + "/trace.pftrace";
    try {
        exporter::export_timeline(db, exporter::Format::perfetto, {}, out);
        FAIL() << "exported into a missing directory";
    } catch (const exporter::Error &e) {
        EXPECT_NE(std::string(e.what()).find("does not exist"), std::string::npos) << e.what();
    }
    EXPECT_FALSE(std::filesystem::exists(out));
}

} // namespace
