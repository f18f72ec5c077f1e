// SPDX-License-Identifier: MIT
// TraceReader with decoding threads: the very same sink calls, in the same order, as one graph.
#include <gtest/gtest.h>

#include <cstring>
#include <unistd.h>
#include <filesystem>
#include <string>
#include <vector>

#include "teescope/importer/event_table.h"
#include "teescope/importer/trace_reader.h"

namespace fs = std::filesystem;
using namespace teescope::importer;

namespace {

const fs::path samples = fs::path(TEESCOPE_SOURCE_DIR) / "samples" / "traces";

std::string field_text(const contract::FieldDesc &f, const void *event)
{
    const char *at = static_cast<const char *>(event) + f.offset;
    auto load = [&](auto v) {
        std::memcpy(&v, at, sizeof v);
        return v;
    };
    uint32_t n = 0;
    if (f.type == contract::FieldType::seq_u64 || f.type == contract::FieldType::seq_u8)
        std::memcpy(&n, static_cast<const char *>(event) + f.len_offset, sizeof n);
    switch (f.type) {
    case contract::FieldType::u8: return std::to_string(load(uint8_t{}));
    case contract::FieldType::u16: return std::to_string(load(uint16_t{}));
    case contract::FieldType::u32:
    case contract::FieldType::x32: return std::to_string(load(uint32_t{}));
    case contract::FieldType::u64:
    case contract::FieldType::x64: return std::to_string(load(uint64_t{}));
    case contract::FieldType::s32:
    case contract::FieldType::enumeration: return std::to_string(load(int32_t{}));
    case contract::FieldType::s64: return std::to_string(load(int64_t{}));
    case contract::FieldType::string: return std::string("\"") + load(static_cast<const char *>(nullptr)) + "\"";
    case contract::FieldType::uuid: {
        const auto *p = load(static_cast<const uint8_t *>(nullptr));
        return std::string(reinterpret_cast<const char *>(p), 16);
    }
    case contract::FieldType::seq_u64: {
        const auto *p = load(static_cast<const uint64_t *>(nullptr));
        std::string out = "[";
        for (uint32_t i = 0; i < n; ++i)
            out += std::to_string(p[i]) + ",";
        return out + "]";
    }
    case contract::FieldType::seq_u8: {
        const auto *p = load(static_cast<const uint8_t *>(nullptr));
        return "[" + std::string(reinterpret_cast<const char *>(p), n) + "]";
    }
    }
    return "?";
}

// Every call, as a line.
class CallLog : public contract::EventForwarder<TraceSink> {
public:
    std::vector<std::string> lines;

    void on_event(const EventHeader &h, const contract::EventDesc &desc, const void *event) override
    {
        std::string line = std::string(desc.name) + " " + std::to_string(h.ts) + " " + std::to_string(h.vpid) + " "
                           + std::to_string(h.vtid) + " " + std::string(h.procname);
        for (uint32_t i = 0; i < desc.field_count; ++i)
            line += " " + std::string(desc.fields[i].name) + "=" + field_text(desc.fields[i], event);
        lines.push_back(std::move(line));
    }
    void on_discarded_events(int64_t b, int64_t e, uint64_t n, std::string_view stream) override
    {
        lines.push_back("discarded events " + std::to_string(b) + " " + std::to_string(e) + " " + std::to_string(n) + " "
                        + std::string(stream));
    }
    void on_discarded_packets(int64_t b, int64_t e, uint64_t n, std::string_view stream) override
    {
        lines.push_back("discarded packets " + std::to_string(b) + " " + std::to_string(e) + " " + std::to_string(n)
                        + " " + std::string(stream));
    }
    void on_unreadable_packets(int64_t b, int64_t e, uint64_t n, std::string_view stream, std::string_view) override
    {
        lines.push_back("unreadable " + std::to_string(b) + " " + std::to_string(e) + " " + std::to_string(n) + " "
                        + std::string(stream));
    }
    void on_foreign_event(std::string_view name, int64_t ts) override
    {
        lines.push_back("foreign " + std::string(name) + " " + std::to_string(ts));
    }
    void on_event_class(std::string_view name, const ContractMatch &m) override
    {
        lines.push_back("class " + std::string(name) + " " + std::to_string(m.known_event) + std::to_string(m.fields_match)
                        + std::to_string(m.extra_fields) + std::to_string(m.has_recording));
    }
    void on_malformed_event(std::string_view name, std::string_view why, int64_t ts) override
    {
        lines.push_back("malformed " + std::string(name) + " " + std::string(why) + " " + std::to_string(ts));
    }
    void on_other_recording(std::string_view name, uint64_t r, uint64_t t, int64_t ts) override
    {
        lines.push_back("other " + std::string(name) + " " + std::to_string(r) + " " + std::to_string(t) + " "
                        + std::to_string(ts));
    }
    void on_read_error(std::string_view what, int64_t ts) override
    {
        lines.push_back("read error " + std::string(what) + " " + std::to_string(ts));
    }
    void on_end(int64_t ts) override { lines.push_back("end " + std::to_string(ts)); }
};

std::vector<std::string> calls(const fs::path &trace, unsigned threads, std::string *one_graph = nullptr)
{
    CallLog log;
    TraceReader reader(trace.string());
    reader.decode_threads(threads);
    reader.run(log);
    if (one_graph)
        *one_graph = reader.one_graph_because();
    return log.lines;
}

class ParallelTrace : public ::testing::TestWithParam<std::string> {};

TEST_P(ParallelTrace, MakesTheSameCallsAsOneGraph)
{
    const fs::path trace = samples / GetParam();
    const auto one = calls(trace, 0);
    ASSERT_GT(one.size(), 10u);
    for (unsigned threads : {1u, 2u, 3u}) {
        std::string why;
        const auto many = calls(trace, threads, &why);
        EXPECT_TRUE(why.empty()) << why;
        ASSERT_EQ(many.size(), one.size()) << threads << " threads";
        for (size_t i = 0; i < one.size(); ++i)
            ASSERT_EQ(many[i], one[i]) << "call " << i << " with " << threads << " threads";
    }
}

INSTANTIATE_TEST_SUITE_P(Samples, ParallelTrace,
                         ::testing::Values("clean", "leaky", "sharing", "callbacks", "killed", "lossy", "optee_clean",
                                           "optee_leaky", "optee_storage", "optee_contention", "optee_panic", "xen"));

// A directory of its own, removed with what it holds.
struct ScratchTraces {
    fs::path path = fs::temp_directory_path() / ("teescope-parallel-test-" + std::to_string(::getpid()));
    ScratchTraces() { fs::create_directories(path); }
    ~ScratchTraces()
    {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

TEST(ParallelReader, MergesSeveralTracesLikeTheMuxer)
{
    // Two CTF traces (two UUIDs, four streams, four graphs): ordered by time, then by trace.
    ScratchTraces dir;
    fs::copy(samples / "clean", dir.path / "a", fs::copy_options::recursive);
    fs::copy(samples / "callbacks", dir.path / "b", fs::copy_options::recursive);
    const auto one = calls(dir.path, 0);
    for (unsigned threads : {1u, 2u}) {
        std::string why;
        EXPECT_EQ(calls(dir.path, threads, &why), one) << threads << " threads";
        EXPECT_TRUE(why.empty()) << why;
    }
}

TEST(ParallelReader, StreamsTheMuxerCannotTellApartAreReadThroughOneGraph)
{
    // The same trace twice: same UUID, same stream ids. Nothing goes to the sink before the
    // fallback, so the calls are those of one graph.
    ScratchTraces dir;
    fs::copy(samples / "clean", dir.path / "a", fs::copy_options::recursive);
    fs::copy(samples / "clean", dir.path / "b", fs::copy_options::recursive);
    std::string why;
    const auto many = calls(dir.path, 2, &why);
    EXPECT_NE(why.find("cannot tell apart"), std::string::npos) << why;
    EXPECT_EQ(many, calls(dir.path, 0));
}

TEST(ParallelReader, CanBeCancelled)
{
    CallLog log;
    TraceReader reader((samples / "lossy").string());
    reader.decode_threads(2);
    int calls_seen = 0;
    EXPECT_THROW(reader.run(log, [&](const Progress &) { return ++calls_seen < 2; }), Cancelled);
    EXPECT_TRUE(log.lines.empty() || log.lines.back().rfind("end ", 0) != 0);
}

TEST(ParallelReader, SinkExceptionsPropagate)
{
    struct Throwing : CallLog {
        int n = 0;
        void on_foreign_event(std::string_view, int64_t) override {}
        void on_event(const EventHeader &, const contract::EventDesc &, const void *) override
        {
            if (++n == 100)
                throw std::runtime_error("sink failed");
        }
    } sink;
    TraceReader reader((samples / "lossy").string());
    reader.decode_threads(2);
    EXPECT_THROW(reader.run(sink), std::runtime_error);
    EXPECT_EQ(sink.n, 100);
}

} // namespace
