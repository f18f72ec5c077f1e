// SPDX-License-Identifier: MIT
#include "teescope/cli/record.h"
#include "teescope/cli/trace_summary.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace teescope::cli;
namespace fs = std::filesystem;

namespace {
// record() checks for the ioctl tracer first; point it at a file that exists so that each test
// reaches the check it is about.
const bool preload_set = ::setenv("TEESCOPE_PRELOAD", "/proc/self/exe", 1) == 0;
} // namespace

TEST(TraceSummary, CountsEventsPerNameAndProcess)
{
    TraceSummary s;
    add_babeltrace_line(s, "[22:29:15.200606122] (+0.000000000) vm teescope_drv:context_open: { cpu_id = 0 }, "
                           "{ vpid = 41, vtid = 41, procname = \"a: {b\" }, { pid = 41, ctx = 7 }");
    add_babeltrace_line(s, "[22:29:15.200606123] (+0.000000001) vm teescope_user:invoke_begin: { cpu_id = 1 }, "
                           "{ vpid = 42, vtid = 43, procname = \"x\" }, { fd = 3 }");
    add_babeltrace_line(s, "[22:29:15.200606124] (+0.000000001) vm teescope_user:invoke_begin: { cpu_id = 1 }, "
                           "{ vpid = 42, vtid = 43, procname = \"x\" }, { fd = 3 }");
    add_babeltrace_line(s, "not an event");
    EXPECT_EQ(s.total, 3u);
    EXPECT_EQ(s.events["teescope_drv:context_open"], 1u);
    EXPECT_EQ(s.events["teescope_user:invoke_begin"], 2u);
    EXPECT_EQ(s.vpids.size(), 2u);
}

TEST(TraceSummary, CountsDataLossSeparately)
{
    TraceSummary s;
    add_babeltrace_line(s, "WARNING: Tracer discarded 17462 events between [22:34:00.307107734] and "
                           "[22:34:00.310676986] in trace \"vm/ust/uid/0/64-bit\" within stream \"/t/packets/c_0\"");
    add_babeltrace_line(s, "WARNING: Tracer discarded 3 packets between [1] and [2] in trace \"x\"");
    EXPECT_EQ(s.discarded_events, 17462u);
    EXPECT_EQ(s.discarded_packets, 3u);
    EXPECT_EQ(s.total, 0u);
    std::ostringstream out;
    print_summary(out, s);
    EXPECT_NE(out.str().find("DATA LOSS"), std::string::npos);
}

TEST(Record, RefusesWithoutCommand)
{
    std::ostringstream out, err;
    EXPECT_EQ(record(RecordOptions{}, out, err), 2);
    EXPECT_NE(err.str().find("no command"), std::string::npos);
}

TEST(Record, RefusesANonEmptyOutputDirectory)
{
    fs::path dir = fs::temp_directory_path() / ("teescope-cli-test-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    std::ofstream(dir / "something") << "x";
    RecordOptions o;
    o.output_dir = dir.string();
    o.command = {"true"};
    std::ostringstream out, err;
    int code = record(o, out, err);
    fs::remove_all(dir);
    ASSERT_EQ(code, 2) << err.str();
    EXPECT_NE(err.str().find(dir.string()), std::string::npos) << err.str();
}

TEST(Record, RefusesAnUnreadableSimConfig)
{
    RecordOptions o;
    o.sim = true;
    o.sim_config = "/nonexistent/teesim.conf";
    o.command = {"true"};
    std::ostringstream out, err;
    ASSERT_EQ(record(o, out, err), 2);
    EXPECT_NE(err.str().find("/nonexistent/teesim.conf"), std::string::npos) << err.str();
}
