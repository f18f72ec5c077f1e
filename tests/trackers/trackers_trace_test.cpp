// SPDX-License-Identifier: MIT
// Trackers on real traces: scenarios recorded against teesim, read back by the reader.
#include "teescope/importer/trace_reader.h"
#include "teescope/importer/trackers.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <unistd.h>
#include <vector>

using namespace teescope::importer;
namespace fs = std::filesystem;

namespace {

struct Rows : RowSink {
    std::vector<ProcessRow> processes;
    std::vector<ContextRow> contexts;
    std::vector<ObjectRow> objects;
    std::vector<InvocationRow> invocations;
    std::vector<CallbackRequestRow> requests;
    std::map<std::string, uint64_t> stats;
    void add(const ProcessRow &r) override { processes.push_back(r); }
    void add(const ThreadRow &) override {}
    void add(const ContextRow &r) override { contexts.push_back(r); }
    void add(const ContextUserRow &) override {}
    void add(const ObjectRow &r) override { objects.push_back(r); }
    void add(const HandleRow &) override {}
    void add(const InvocationRow &r) override { invocations.push_back(r); }
    void add(const CallbackRequestRow &r) override { requests.push_back(r); }
    void add(const AsyncReleaseRow &) override {}
    void add(const DataLossRow &) override {}
    void add(const ShmRow &) override {}
    void add(const ShmUseRow &) override {}
    void add(const SessionRow &) override {}
    void add(const OpteeWaitRow &) override {}
    void add(const GuestRow &) override {}
    void count(const std::string &name, const std::string &, uint64_t n, const std::string &) override {
        stats[name] += n;
    }
    int64_t pid_of(OptId id) const {
        for (const auto &p : processes)
            if (id && p.id == *id)
                return p.pid;
        return -1;
    }
};

// Records `scenario` into a fresh directory and runs the trace through the trackers.
Rows import_scenario(const std::string &scenario) {
    const std::string bin = TEESCOPE_BIN_DIR;
    fs::path dir = fs::temp_directory_path() / ("teescope-trackers-" + scenario + "-" + std::to_string(getpid()));
    fs::remove_all(dir);
    std::string cmd = bin + "/teescope record --sim -o " + dir.string() + " -- " + bin + "/scenario_" + scenario +
                      " > " + dir.string() + ".log 2>&1";
    int rc = std::system(cmd.c_str());
    EXPECT_EQ(rc, 0) << cmd;
    Rows rows;
    Trackers trackers(rows);
    TraceReader(dir.string()).run(trackers);
    fs::remove_all(dir);
    fs::remove(dir.string() + ".log");
    return rows;
}

TEST(TrackersOnTrace, KilledScenario) {
    Rows r = import_scenario("killed");
    // (b) the notifier is killed while waiting: its request is abandoned and the late answer refused.
    bool invoker_died = false;
    for (const auto &q : r.requests)
        invoker_died |= q.end_kind == "invoker_died";
    EXPECT_TRUE(invoker_died);
    EXPECT_EQ(r.stats["refused_answer"], 1u);
    EXPECT_EQ(r.stats["unmatched_request_answer"], 0u);
    // The killed processes never exited normally but their contexts were closed.
    int vanished = 0, exited = 0;
    for (const auto &p : r.processes) {
        vanished += p.end_kind == "vanished";
        exited += p.end_kind == "exited";
    }
    EXPECT_EQ(vanished, 2);
    EXPECT_GE(exited, 2);
    for (const auto &c : r.contexts)
        EXPECT_EQ(c.end_kind, "released") << c.serial;
    // The driver-emitting daemon is not a process of the trace.
    for (const auto &p : r.processes)
        EXPECT_NE(p.name, "teescope");
    EXPECT_EQ(r.stats.count("event_of_unknown_object"), 0u);
    EXPECT_EQ(r.stats.count("unmatched_invoke_end"), 0u);
}

TEST(TrackersOnTrace, CallbacksScenarioCrossesProcesses) {
    Rows r = import_scenario("callbacks");
    std::map<Id, Id> context_owner;
    for (const auto &c : r.contexts)
        if (c.process_id)
            context_owner[c.id] = *c.process_id;
    int cross = 0;
    for (const auto &q : r.requests) {
        EXPECT_TRUE(q.invocation_id.has_value());
        if (q.invoker_process_id && q.context_id && context_owner.count(*q.context_id) &&
            *q.invoker_process_id != context_owner[*q.context_id])
            ++cross;
    }
    EXPECT_GE(cross, 2 * 20); // two notifiers, 20 notifies each, served by the listener
    // Every user call found its driver side.
    for (const auto &i : r.invocations) {
        if (!i.internal) {
            EXPECT_TRUE(i.serial && i.user_serial) << "invocation " << i.id;
        }
    }
    for (const auto &o : r.objects)
        EXPECT_FALSE(o.origin_unknown) << o.address;
    EXPECT_EQ(r.stats.count("unmatched_invoke_end"), 0u);
    // Every process told its program (proc_name): the listener and the notifiers it forked run
    // scenario_callbacks, whose name the kernel cuts to 15 bytes in the procname.
    ASSERT_FALSE(r.processes.empty());
    const std::string program = "/scenario_callbacks";
    for (const auto &p : r.processes) {
        ASSERT_TRUE(p.exe.has_value()) << "pid " << p.pid;
        EXPECT_EQ(p.exe->substr(p.exe->size() - std::min(p.exe->size(), program.size())), program) << *p.exe;
        EXPECT_EQ(p.name, "scenario_callba");
        EXPECT_TRUE(p.cmdline && p.cmdline->find("scenario_callbacks") != std::string::npos) << p.pid;
    }
}

} // namespace
