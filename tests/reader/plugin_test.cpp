// SPDX-License-Identifier: MIT
// sink.teescope.sqlite through the babeltrace2 command line, with a counting ImportSession:
// it must see what TraceReader sees.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "teescope/importer/event_table.h"
#include "teescope/importer/trace_reader.h"

namespace fs = std::filesystem;
using namespace teescope::importer;

namespace {

struct Counter : contract::EventForwarder<TraceSink> {
    std::map<std::string, int64_t> counts;
    void on_event(const EventHeader &, const contract::EventDesc &, const void *) override { ++counts["events"]; }
    void on_discarded_events(int64_t, int64_t, uint64_t n, std::string_view) override { counts["discarded"] += static_cast<int64_t>(n); }
    void on_discarded_packets(int64_t, int64_t, uint64_t, std::string_view) override {}
    void on_unreadable_packets(int64_t, int64_t, uint64_t n, std::string_view, std::string_view) override { counts["unreadable"] += static_cast<int64_t>(n); }
    void on_foreign_event(std::string_view, int64_t) override { ++counts["foreign"]; }
    void on_malformed_event(std::string_view, std::string_view, int64_t) override { ++counts["malformed"]; }
    void on_other_recording(std::string_view, uint64_t, uint64_t, int64_t) override { ++counts["other_recording"]; }
    void on_read_error(std::string_view, int64_t) override { ++counts["read_errors"]; }
    void on_end(int64_t ts) override { counts["last_ts"] = ts; }
};

class PluginTrace : public ::testing::TestWithParam<std::string> {};

TEST_P(PluginTrace, SeesWhatTheReaderSees)
{
    const fs::path trace = fs::path(TEESCOPE_SOURCE_DIR) / "samples" / "traces" / GetParam();
    const fs::path out = fs::temp_directory_path() / ("plugin_test_" + GetParam() + "_" + std::to_string(::getpid()) + ".txt");
    fs::remove(out);
    const std::string cmd = "babeltrace2 --plugin-path='" TEESCOPE_TEST_PLUGIN_DIR "' '" + trace.string()
                            + "' -c sink.teescope.sqlite -p 'path=\"" + out.string() + "\"' 2>/dev/null";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    std::map<std::string, int64_t> got;
    std::ifstream in(out);
    std::string key;
    int64_t value;
    while (in >> key >> value)
        got[key] = value;
    fs::remove(out);
    ASSERT_EQ(got["finished"], 1);

    Counter reader;
    TraceReader(trace.string()).run(reader);
    for (const char *k : {"events", "foreign", "malformed", "discarded", "read_errors", "last_ts"})
        EXPECT_EQ(got[k], reader.counts[k]) << k;
    EXPECT_GT(got["events"], 0);
}

INSTANTIATE_TEST_SUITE_P(Samples, PluginTrace, ::testing::Values("clean", "callbacks", "lossy"));

TEST(Plugin, MissingPathParameterIsAnError)
{
    const std::string trace = std::string(TEESCOPE_SOURCE_DIR) + "/samples/traces/clean";
    const std::string cmd = "babeltrace2 --plugin-path='" TEESCOPE_TEST_PLUGIN_DIR "' '" + trace
                            + "' -c sink.teescope.sqlite > /dev/null 2>&1";
    EXPECT_NE(std::system(cmd.c_str()), 0);
}

} // namespace
