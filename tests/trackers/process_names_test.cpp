// SPDX-License-Identifier: MIT
// The program a process runs (proc_name): told at load before anything else of the process,
// after an exec, by a fork child that execs, and absent in traces recorded before the event.
#include "teescope/importer/trackers.h"

#include "collector.h"

#include <gtest/gtest.h>

#include <string>

using namespace teescope::importer;
using teescope::importer::test::Collector;

namespace {

struct Fixture {
    Collector rows;
    Trackers trackers{rows};
    int64_t ts = 1000;

    EventHeader user(int64_t pid, std::string_view comm) { return EventHeader{ts += 10, pid, pid, comm}; }
    void name(int64_t pid, std::string_view comm, const char *exe, const char *cmdline, uint32_t bytes = 0)
    {
        teescope_user_proc_name e{exe, cmdline, bytes ? bytes : static_cast<uint32_t>(std::string(cmdline).size())};
        trackers.on_user_proc_name(user(pid, comm), e);
    }
    void open(int64_t pid, std::string_view comm)
    {
        teescope_user_dev_open e{3, "/dev/tee0", 0, 0, 1};
        trackers.on_user_dev_open(user(pid, comm), e);
    }
    void fork(int64_t parent, std::string_view comm, int32_t child)
    {
        teescope_user_proc_fork e{child, 0};
        trackers.on_user_proc_fork(user(parent, comm), e);
    }
    void exit(int64_t pid, std::string_view comm)
    {
        teescope_user_proc_exit e{0};
        trackers.on_user_proc_exit(user(pid, comm), e);
    }
    void end() { trackers.on_end(ts += 10); }
    const ProcessRow &only(int64_t pid) const
    {
        const auto rows_of_pid = rows.processes_with_pid(pid);
        EXPECT_EQ(rows_of_pid.size(), 1u) << "pid " << pid;
        static const ProcessRow none{};
        return rows_of_pid.empty() ? none : *rows_of_pid.front();
    }
};

TEST(ProcessNames, ToldAtLoadNamesTheProcessOfItsLaterEvents)
{
    Fixture f;
    f.name(100, "scenario_sharin", "/opt/bin/scenario_sharing", "scenario_sharing --rounds 3");
    f.open(100, "scenario_sharin");
    f.end();
    const ProcessRow &p = f.only(100);
    EXPECT_EQ(p.name, "scenario_sharin"); // the procname stays the kernel's comm
    EXPECT_EQ(p.exe, "/opt/bin/scenario_sharing");
    EXPECT_EQ(p.cmdline, "scenario_sharing --rounds 3");
    EXPECT_EQ(p.cmdline_bytes, 27);
}

TEST(ProcessNames, ProgramThatNeverCallsTheTeeIsNoProcessOfTheTrace)
{
    Fixture f;
    f.name(300, "sleep", "/usr/bin/sleep", "sleep 1");
    f.open(100, "client");
    f.end();
    EXPECT_TRUE(f.rows.processes_with_pid(300).empty());
    EXPECT_FALSE(f.only(100).exe.has_value());
}

TEST(ProcessNames, ExecKeepsTheProcessAndChangesItsProgram)
{
    Fixture f;
    f.name(100, "launcher", "/usr/bin/launcher", "launcher --then client");
    f.open(100, "launcher");
    f.name(100, "client", "/usr/bin/client", "client --long");
    f.open(100, "client");
    f.end();
    const ProcessRow &p = f.only(100);
    EXPECT_EQ(p.name, "client");
    EXPECT_EQ(p.exe, "/usr/bin/client");
    EXPECT_EQ(p.cmdline, "client --long");
}

TEST(ProcessNames, ForkChildRunsItsParentsProgramUntilItExecs)
{
    Fixture f;
    f.name(100, "parent", "/usr/bin/parent", "parent");
    f.open(100, "parent");
    f.fork(100, "parent", 200);
    f.fork(100, "parent", 201);
    f.name(201, "exe", "/usr/bin/receiver", "receiver --fd 19");
    f.open(201, "exe");
    f.end();
    const ProcessRow &child = f.only(200);
    EXPECT_EQ(child.exe, "/usr/bin/parent");
    EXPECT_EQ(child.cmdline, "parent");
    const ProcessRow &execd = f.only(201);
    EXPECT_EQ(execd.exe, "/usr/bin/receiver");
    EXPECT_EQ(execd.name, "exe");
    EXPECT_EQ(execd.parent_id, f.only(100).id);
}

TEST(ProcessNames, ChildThatExecsBeforeItsForkIsWrittenKeepsItsOwnProgram)
{
    // The child's proc_name may come before the parent's proc_fork (other CPU, other buffer).
    Fixture f;
    f.name(100, "parent", "/usr/bin/parent", "parent");
    f.open(100, "parent");
    f.name(201, "receiver", "/usr/bin/receiver", "receiver");
    f.fork(100, "parent", 201);
    f.open(201, "receiver");
    f.end();
    EXPECT_EQ(f.only(201).exe, "/usr/bin/receiver");
}

TEST(ProcessNames, ProgramOfAnEndedProcessDoesNotNameTheNextOneOfItsPid)
{
    Fixture f;
    f.name(100, "old", "/usr/bin/old", "old");
    f.open(100, "old");
    f.exit(100, "old");
    f.name(100, "new", "/usr/bin/new", "new"); // pid reused: a program of its own
    f.open(100, "new");
    f.end();
    const auto rows_of_pid = f.rows.processes_with_pid(100);
    ASSERT_EQ(rows_of_pid.size(), 2u);
    EXPECT_EQ(rows_of_pid[0]->exe, "/usr/bin/old");
    EXPECT_EQ(rows_of_pid[1]->exe, "/usr/bin/new");
}

TEST(ProcessNames, CutCommandLineKeepsItsWholeLength)
{
    Fixture f;
    const std::string cut(4095, 'a');
    f.name(100, "client", "/usr/bin/client", cut.c_str(), 9000);
    f.open(100, "client");
    f.end();
    EXPECT_EQ(f.only(100).cmdline->size(), 4095u);
    EXPECT_EQ(f.only(100).cmdline_bytes, 9000);
}

} // namespace
