// SPDX-License-Identifier: MIT
// The reader against the committed sample traces (cross-checked with the babeltrace2 text
// output) and against broken copies of them (the error suite).
#include <gtest/gtest.h>

#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "teescope/importer/event_table.h"
#include "teescope/importer/trace_reader.h"

namespace fs = std::filesystem;
using namespace teescope::importer;

namespace {

const fs::path samples = fs::path(TEESCOPE_SOURCE_DIR) / "samples" / "traces";

// Renders a decoded field the way the babeltrace2 text sink prints it.
std::string render_field(const contract::FieldDesc &f, const void *event)
{
    const char *base = static_cast<const char *>(event);
    auto get = [&](uint32_t offset, auto zero) {
        decltype(zero) v;
        std::memcpy(&v, base + offset, sizeof v);
        return v;
    };
    char buf[64];
    std::string out = std::string(f.name) + " = ";
    using T = contract::FieldType;
    switch (f.type) {
    case T::u8: return out + std::to_string(get(f.offset, uint8_t{}));
    case T::u16: return out + std::to_string(get(f.offset, uint16_t{}));
    case T::u32: return out + std::to_string(get(f.offset, uint32_t{}));
    case T::u64: return out + std::to_string(get(f.offset, uint64_t{}));
    case T::s32: return out + std::to_string(get(f.offset, int32_t{}));
    case T::s64: return out + std::to_string(get(f.offset, int64_t{}));
    case T::x32: std::snprintf(buf, sizeof buf, "0x%" PRIX32, get(f.offset, uint32_t{})); return out + buf;
    case T::x64: std::snprintf(buf, sizeof buf, "0x%" PRIX64, get(f.offset, uint64_t{})); return out + buf;
    case T::enumeration: return out + "( \"";
    case T::string: return out + "\"" + get(f.offset, static_cast<const char *>(nullptr)) + "\"";
    case T::uuid:
    case T::seq_u64:
    case T::seq_u8: {
        const uint32_t n = f.type == T::uuid ? 16 : get(f.len_offset, uint32_t{});
        out += "[";
        for (uint32_t i = 0; i < n; ++i) {
            const uint64_t v = f.type == T::seq_u64 ? get(f.offset, static_cast<const uint64_t *>(nullptr))[i]
                                                    : get(f.offset, static_cast<const uint8_t *>(nullptr))[i];
            out += (i ? ", [" : " [") + std::to_string(i) + "] = " + std::to_string(v);
        }
        return out + " ]";
    }
    }
    return out;
}

struct Decoded {
    std::string name;
    int64_t ts;
    std::vector<std::string> parts; // substrings the babeltrace2 line must hold
};

// Records everything the reader says.
class RecordingSink : public contract::EventForwarder<TraceSink> {
public:
    std::vector<Decoded> events;
    std::vector<std::string> foreign, malformed, other_recording, read_errors;
    uint64_t discarded_events = 0, discarded_packets = 0, unreadable_packets = 0;
    int64_t end_ts = -2;
    int calls_after_end = 0;
    bool ended = false;

    void on_event(const EventHeader &h, const contract::EventDesc &desc, const void *event) override
    {
        touch();
        Decoded d{desc.name, h.ts, {}};
        d.parts.push_back("vpid = " + std::to_string(h.vpid));
        d.parts.push_back("vtid = " + std::to_string(h.vtid));
        d.parts.push_back("procname = \"" + std::string(h.procname) + "\"");
        for (uint32_t i = 0; i < desc.field_count; ++i) {
            d.parts.push_back(render_field(desc.fields[i], event));
            if (desc.fields[i].type == contract::FieldType::enumeration) {
                int32_t v;
                std::memcpy(&v, static_cast<const char *>(event) + desc.fields[i].offset, sizeof v);
                d.parts.push_back("container = " + std::to_string(v) + " )");
            }
        }
        events.push_back(std::move(d));
    }
    void on_discarded_events(int64_t b, int64_t e, uint64_t count, std::string_view stream) override
    {
        touch();
        EXPECT_LE(b, e);
        EXPECT_FALSE(stream.empty());
        discarded_events += count;
    }
    void on_discarded_packets(int64_t, int64_t, uint64_t count, std::string_view) override
    {
        touch();
        discarded_packets += count;
    }
    void on_unreadable_packets(int64_t begin, int64_t end, uint64_t count, std::string_view, std::string_view) override
    {
        touch();
        unreadable_packets += count;
        unreadable.emplace_back(begin, end);
    }
    std::vector<std::pair<int64_t, int64_t>> unreadable; // time ranges
    void on_foreign_event(std::string_view name, int64_t) override
    {
        touch();
        foreign.emplace_back(name);
    }
    void on_malformed_event(std::string_view name, std::string_view why, int64_t) override
    {
        touch();
        malformed.push_back(std::string(name) + ": " + std::string(why));
    }
    void on_other_recording(std::string_view name, uint64_t, uint64_t, int64_t) override
    {
        touch();
        other_recording.emplace_back(name);
    }
    void on_read_error(std::string_view what, int64_t) override
    {
        touch();
        read_errors.emplace_back(what);
    }
    void on_end(int64_t last_ts) override
    {
        touch();
        ended = true;
        end_ts = last_ts;
    }
    bool untouched() const { return !touched_; }

private:
    void touch()
    {
        touched_ = true;
        if (ended)
            ++calls_after_end;
    }
    bool touched_ = false;
};

struct TextLine {
    std::string name;
    int64_t ts;
    std::string line;
};

// The babeltrace2 text output of a trace: one entry per event; `stderr_text` gets its warnings.
std::vector<TextLine> babeltrace_text(const fs::path &trace, std::string *stderr_text = nullptr)
{
    const fs::path err = fs::temp_directory_path() / ("reader_test_bt_" + std::to_string(::getpid()) + ".err");
    const std::string cmd = "babeltrace2 --clock-seconds --no-delta '" + trace.string() + "' 2>'" + err.string() + "'";
    std::unique_ptr<FILE, int (*)(FILE *)> pipe(popen(cmd.c_str(), "r"), pclose);
    std::vector<TextLine> lines;
    if (!pipe)
        return lines;
    static const std::regex re(R"(^\[(\d+)\.(\d{9})\] \S+ ([A-Za-z0-9_]+:[A-Za-z0-9_]+): )");
    std::string line;
    char buf[8192];
    while (std::fgets(buf, sizeof buf, pipe.get())) {
        line += buf;
        if (line.empty() || line.back() != '\n')
            continue;
        std::smatch m;
        if (std::regex_search(line, m, re))
            lines.push_back({m[3], std::stoll(m[1]) * 1000000000LL + std::stoll(m[2]), line});
        line.clear();
    }
    if (stderr_text) {
        std::ifstream in(err);
        std::stringstream ss;
        ss << in.rdbuf();
        *stderr_text = ss.str();
    }
    fs::remove(err);
    return lines;
}

bool has_field(const std::string &line, const std::string &part)
{
    for (const char *before : {"{ ", ", "})
        for (const char *after : {",", " }"})
            if (line.find(before + part + after) != std::string::npos)
                return true;
    return false;
}

class TempDir {
public:
    TempDir()
    {
        path_ = fs::temp_directory_path() / ("reader_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter_++));
        fs::remove_all(path_);
        fs::create_directories(path_);
    }
    ~TempDir() { fs::remove_all(path_); }
    const fs::path &path() const { return path_; }

private:
    fs::path path_;
    static inline int counter_ = 0;
};

// A copy of a sample trace, to break.
fs::path copy_trace(const TempDir &dir, const std::string &name)
{
    const fs::path to = dir.path() / name;
    fs::copy(samples / name, to, fs::copy_options::recursive);
    return to;
}

fs::path stream_dir(const fs::path &trace) { return trace / "ust" / "uid" / "0" / "64-bit"; }

std::string read_file(const fs::path &p)
{
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_file(const fs::path &p, const std::string &data)
{
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << data;
}

// Replaces text in the packetized CTF 1.8 metadata; same length, so the packets stay valid.
void edit_metadata(const fs::path &trace, const std::string &from, const std::string &to, bool all)
{
    ASSERT_EQ(from.size(), to.size());
    const fs::path p = stream_dir(trace) / "metadata";
    std::string text = read_file(p);
    size_t pos = text.find(from);
    ASSERT_NE(pos, std::string::npos) << from;
    do {
        text.replace(pos, from.size(), to);
        pos = text.find(from, pos + to.size());
    } while (all && pos != std::string::npos);
    write_file(p, text);
}

// Same, within the declaration of one event only.
void edit_event_metadata(const fs::path &trace, const std::string &event, const std::string &from, const std::string &to)
{
    ASSERT_EQ(from.size(), to.size());
    const fs::path p = stream_dir(trace) / "metadata";
    std::string text = read_file(p);
    const size_t decl = text.find("name = \"" + event + "\";");
    ASSERT_NE(decl, std::string::npos) << event;
    const size_t pos = text.find(from, decl);
    ASSERT_NE(pos, std::string::npos) << from;
    ASSERT_LT(pos, text.find("event {", decl)) << from << " is not in " << event;
    text.replace(pos, from.size(), to);
    write_file(p, text);
}

// ------------------------------------------------------------------------ golden traces

class GoldenTrace : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenTrace, DecodesEveryEventLikeBabeltrace2)
{
    const fs::path trace = samples / GetParam();
    ASSERT_TRUE(fs::is_directory(trace)) << trace;
    RecordingSink sink;
    TraceReader(trace.string()).run(sink);
    const auto text = babeltrace_text(trace);
    ASSERT_FALSE(text.empty()) << "babeltrace2 printed nothing for " << trace;

    EXPECT_TRUE(sink.read_errors.empty()) << sink.read_errors.front();
    EXPECT_TRUE(sink.malformed.empty()) << sink.malformed.front();
    EXPECT_TRUE(sink.ended);
    EXPECT_EQ(sink.calls_after_end, 0);
    ASSERT_EQ(sink.events.size() + sink.foreign.size(), text.size());
    std::map<std::string, int> ours, theirs;
    for (const auto &e : sink.events)
        ++ours[e.name];
    for (const auto &l : text)
        if (l.name.rfind("teescope_", 0) == 0)
            ++theirs[l.name];
    EXPECT_EQ(ours, theirs);

    // Same order, same times, same values: every decoded field appears in babeltrace2's line.
    size_t mismatches = 0;
    size_t t = 0;
    for (const auto &e : sink.events) {
        while (t < text.size() && text[t].name.rfind("teescope_", 0) != 0)
            ++t;
        ASSERT_LT(t, text.size());
        const auto &l = text[t++];
        ASSERT_EQ(e.name, l.name);
        EXPECT_EQ(e.ts, l.ts) << l.line;
        for (const auto &part : e.parts)
            if (!has_field(l.line, part) && l.line.find(part) == std::string::npos && mismatches++ < 5)
                ADD_FAILURE() << "`" << part << "` not in: " << l.line;
    }
    EXPECT_EQ(mismatches, 0u);
    EXPECT_EQ(sink.end_ts, sink.events.back().ts);
}

INSTANTIATE_TEST_SUITE_P(Samples, GoldenTrace,
                         ::testing::Values("clean", "leaky", "sharing", "callbacks", "killed"));

TEST(Reader, CountsDiscardedEventsLikeBabeltrace2)
{
    const fs::path trace = samples / "lossy";
    if (!fs::is_directory(trace))
        GTEST_SKIP() << "no lossy sample trace";
    RecordingSink sink;
    TraceReader(trace.string()).run(sink);
    std::string warnings;
    const auto text = babeltrace_text(trace, &warnings);
    uint64_t expected = 0;
    static const std::regex re(R"(Tracer discarded (\d+) events?)");
    for (std::sregex_iterator it(warnings.begin(), warnings.end(), re), end; it != end; ++it)
        expected += std::stoull((*it)[1]);
    ASSERT_GT(expected, 0u) << warnings;
    EXPECT_EQ(sink.discarded_events, expected);
    EXPECT_EQ(sink.events.size(), text.size());
    EXPECT_TRUE(sink.read_errors.empty());
}

TEST(Reader, ReportsProgressAndCanBeCancelled)
{
    const std::string trace = (samples / "callbacks").string();
    std::vector<Progress> seen;
    RecordingSink sink;
    TraceReader(trace).run(sink, [&](const Progress &p) {
        seen.push_back(p);
        return true;
    });
    ASSERT_GE(seen.size(), 1u);
    EXPECT_DOUBLE_EQ(seen.back().fraction, 1.0);
    EXPECT_EQ(seen.back().events, sink.events.size());
    for (size_t i = 1; i < seen.size(); ++i) {
        EXPECT_GE(seen[i].fraction, seen[i - 1].fraction);
        EXPECT_GE(seen[i].events, seen[i - 1].events);
    }

    RecordingSink cancelled;
    EXPECT_THROW(TraceReader(trace).run(cancelled, [](const Progress &) { return false; }), Cancelled);
    EXPECT_FALSE(cancelled.ended);
}

TEST(Reader, SinkExceptionsPropagate)
{
    struct Throwing : RecordingSink {
        void on_event(const EventHeader &, const contract::EventDesc &, const void *) override
        {
            throw std::runtime_error("disk full");
        }
    } sink;
    try {
        TraceReader((samples / "clean").string()).run(sink);
        FAIL() << "no exception";
    } catch (const std::runtime_error &e) {
        EXPECT_STREQ(e.what(), "disk full");
    }
}

// ------------------------------------------------------------------------ error suite

void expect_trace_error(const fs::path &path, const std::string &what)
{
    RecordingSink sink;
    try {
        TraceReader(path.string()).run(sink);
        FAIL() << "no TraceError for " << path;
    } catch (const TraceError &e) {
        const std::string message = e.what();
        EXPECT_NE(message.find(path.string()), std::string::npos) << message;
        EXPECT_NE(message.find(what), std::string::npos) << message;
    }
    EXPECT_TRUE(sink.untouched());
}

TEST(ReaderErrors, NonexistentPath)
{
    TempDir dir;
    expect_trace_error(dir.path() / "nowhere", "no such file or directory");
}

TEST(ReaderErrors, FileInsteadOfDirectory)
{
    TempDir dir;
    write_file(dir.path() / "trace.ctf", "not a trace\n");
    expect_trace_error(dir.path() / "trace.ctf", "is not a directory");
}

TEST(ReaderErrors, EmptyDirectory)
{
    TempDir dir;
    expect_trace_error(dir.path(), "is an empty directory");
}

TEST(ReaderErrors, DirectoryOfOtherFiles)
{
    TempDir dir;
    fs::create_directories(dir.path() / "sub");
    write_file(dir.path() / "notes.txt", "hello\n");
    write_file(dir.path() / "sub" / "data.bin", std::string(4096, '\x42'));
    expect_trace_error(dir.path(), "holds no CTF trace");
}

TEST(ReaderErrors, TruncatedStreamIsAReadError)
{
    TempDir dir;
    const fs::path trace = copy_trace(dir, "clean");
    const fs::path stream = stream_dir(trace) / "teescope_1";
    fs::resize_file(stream, fs::file_size(stream) * 2 / 3); // mid-packet
    RecordingSink sink;
    TraceReader(trace.string()).run(sink);
    ASSERT_EQ(sink.read_errors.size(), 1u);
    EXPECT_NE(sink.read_errors[0].find("teescope_1"), std::string::npos) << sink.read_errors[0];
    EXPECT_TRUE(sink.ended);
    EXPECT_EQ(sink.calls_after_end, 0);
}

// LTTng's index of a stream file: where its packets end (bytes), from index/<stream>.idx.
std::vector<uint64_t> packet_ends(const fs::path &idx)
{
    const std::string b = read_file(idx);
    auto be = [&](size_t at, int n) {
        uint64_t v = 0;
        for (int i = 0; i < n; ++i)
            v = (v << 8) | static_cast<uint8_t>(b[at + static_cast<size_t>(i)]);
        return v;
    };
    std::vector<uint64_t> ends;
    const uint64_t entry = be(12, 4);
    for (size_t at = 16; entry && at + entry <= b.size(); at += entry)
        ends.push_back(be(at, 8) + be(at + 8, 8) / 8);
    return ends;
}

TEST(ReaderErrors, TruncatedStreamKeepsItsCompletePacketsAndTheOtherStreams)
{
    TempDir dir;
    const fs::path trace = copy_trace(dir, "lossy");
    const fs::path stream = stream_dir(trace) / "teescope_1";
    const auto ends = packet_ends(stream_dir(trace) / "index" / "teescope_1.idx");
    ASSERT_GT(ends.size(), 10u);
    const uint64_t cut = ends[ends.size() / 2] + 1000; // 1000 bytes into a packet
    fs::resize_file(stream, cut);
    const std::string damaged = read_file(stream);

    // What babeltrace2 reads of the same trace with the stream cut to its complete packets.
    TempDir other;
    const fs::path reference = copy_trace(other, "lossy");
    fs::resize_file(stream_dir(reference) / "teescope_1", ends[ends.size() / 2]);
    fs::remove_all(stream_dir(reference) / "index");
    const auto expected = babeltrace_text(reference);
    ASSERT_GT(expected.size(), babeltrace_text(samples / "lossy").size() / 2);

    RecordingSink sink;
    TraceReader(trace.string()).run(sink);
    ASSERT_EQ(sink.events.size(), expected.size());
    for (size_t i = 0; i < expected.size(); ++i)
        ASSERT_EQ(sink.events[i].ts, expected[i].ts) << i;
    ASSERT_EQ(sink.read_errors.size(), 1u);
    EXPECT_NE(sink.read_errors[0].find(stream.string()), std::string::npos) << sink.read_errors[0];
    EXPECT_NE(sink.read_errors[0].find("bytes are not a complete packet"), std::string::npos) << sink.read_errors[0];
    EXPECT_EQ(sink.unreadable_packets, ends.size() - ends.size() / 2 - 1);
    EXPECT_TRUE(sink.ended);
    EXPECT_EQ(sink.calls_after_end, 0);
    EXPECT_EQ(read_file(stream), damaged); // the user's trace is left as it was
}

TEST(ReaderErrors, TruncatedStreamWithoutIndexLosesFromItsLastPacketsEnd)
{
    TempDir dir;
    const fs::path trace = copy_trace(dir, "lossy");
    const auto ends = packet_ends(stream_dir(trace) / "index" / "teescope_1.idx");
    const uint64_t kept = ends[ends.size() / 2];
    fs::resize_file(stream_dir(trace) / "teescope_1", kept + 1000);
    fs::remove_all(stream_dir(trace) / "index");

    // The last event of the stream's complete packets, as babeltrace2 reads them alone.
    TempDir other;
    const fs::path alone = copy_trace(other, "lossy");
    fs::resize_file(stream_dir(alone) / "teescope_1", kept);
    fs::remove(stream_dir(alone) / "teescope_0");
    fs::remove_all(stream_dir(alone) / "index");
    const auto events = babeltrace_text(alone);
    ASSERT_FALSE(events.empty());

    RecordingSink sink;
    TraceReader(trace.string()).run(sink);
    ASSERT_EQ(sink.unreadable.size(), 1u);
    // Not the start of the trace: the packet kept last ended at or after its last event.
    EXPECT_GE(sink.unreadable[0].first, events.back().ts);
    EXPECT_LT(sink.unreadable[0].first, events.back().ts + 1000000000);
    EXPECT_GE(sink.unreadable[0].second, sink.unreadable[0].first);
}

TEST(ReaderErrors, CorruptedPacketLosesOnlyWhatFollowsTheDamageInIt)
{
    TempDir dir;
    const fs::path trace = copy_trace(dir, "clean");
    const fs::path stream = stream_dir(trace) / "teescope_1";
    std::string data = read_file(stream);
    // Ones in the middle of the stream's only packet, in an event header: Babeltrace2 2.0 finds
    // no such event class there and stops every stream. (Some other patterns make
    // libbabeltrace2 2.0.4 itself crash or exhaust memory: see the reader's notes.)
    ASSERT_GT(data.size(), 14000u);
    data.replace(13400, 4, std::string(4, '\xff'));
    write_file(stream, data);
    const auto full = babeltrace_text(samples / "clean");
    const auto stopped = babeltrace_text(trace);
    ASSERT_GT(stopped.size(), 0u);
    ASSERT_LT(stopped.size(), full.size());

    // The events of the damaged stream before the damage, and all of the other stream.
    TempDir one, other;
    const fs::path damaged_alone = copy_trace(one, "clean"), intact_alone = copy_trace(other, "clean");
    write_file(stream_dir(damaged_alone) / "teescope_1", data);
    fs::remove(stream_dir(damaged_alone) / "teescope_0");
    fs::remove(stream_dir(intact_alone) / "teescope_1");
    fs::remove_all(stream_dir(damaged_alone) / "index");
    fs::remove_all(stream_dir(intact_alone) / "index");
    const size_t expected = babeltrace_text(damaged_alone).size() + babeltrace_text(intact_alone).size();
    ASSERT_GT(expected, stopped.size());

    RecordingSink sink;
    TraceReader(trace.string()).run(sink);
    ASSERT_EQ(sink.events.size(), expected);
    for (size_t i = 0; i < stopped.size(); ++i) // what came before the damage, in order
        ASSERT_EQ(sink.events[i].ts, stopped[i].ts) << i;
    for (size_t i = 1; i < sink.events.size(); ++i)
        ASSERT_LE(sink.events[i - 1].ts, sink.events[i].ts) << i;
    EXPECT_EQ(sink.unreadable_packets, 1u);
    ASSERT_EQ(sink.read_errors.size(), 1u);
    EXPECT_NE(sink.read_errors[0].find("teescope_1"), std::string::npos) << sink.read_errors[0];
    EXPECT_EQ(sink.end_ts, sink.events.back().ts);
    EXPECT_TRUE(sink.ended);
    EXPECT_EQ(sink.calls_after_end, 0);
}

// The stream file `stream` without its bytes [from, to).
void cut_out(const fs::path &stream, uint64_t from, uint64_t to)
{
    const std::string data = read_file(stream);
    write_file(stream, data.substr(0, from) + data.substr(to));
}

TEST(ReaderErrors, UndecodablePacketIsLeftOutAndEveryOtherPacketIsRead)
{
    TempDir dir;
    const fs::path trace = copy_trace(dir, "lossy");
    const fs::path stream = stream_dir(trace) / "teescope_1";
    const auto ends = packet_ends(stream_dir(trace) / "index" / "teescope_1.idx");
    ASSERT_GT(ends.size(), 10u);
    const size_t bad = ends.size() / 2;
    const uint64_t from = ends[bad - 1], to = ends[bad];
    // The first event header of the packet (after the LTTng packet header and context) names
    // an event class that does not exist: Babeltrace2 stops every stream there.
    std::string data = read_file(stream);
    data.replace(from + 84, 8, std::string(8, '\xff'));
    write_file(stream, data);
    std::string why;
    const auto stopped = babeltrace_text(trace, &why);
    ASSERT_NE(why.find("No event class"), std::string::npos) << why;

    // What babeltrace2 reads of the same trace without that packet.
    TempDir other;
    const fs::path reference = copy_trace(other, "lossy");
    cut_out(stream_dir(reference) / "teescope_1", from, to);
    fs::remove_all(stream_dir(reference) / "index");
    const auto expected = babeltrace_text(reference);
    ASSERT_GT(expected.size(), stopped.size() + 100);

    RecordingSink sink;
    TraceReader(trace.string()).run(sink);
    ASSERT_EQ(sink.events.size(), expected.size());
    for (size_t i = 0; i < expected.size(); ++i)
        ASSERT_EQ(sink.events[i].ts, expected[i].ts) << i;
    EXPECT_EQ(sink.unreadable_packets, 1u);
    EXPECT_EQ(sink.discarded_packets, 0u); // the gap is the salvage's, counted once
    ASSERT_EQ(sink.read_errors.size(), 1u);
    EXPECT_NE(sink.read_errors[0].find(stream.string()), std::string::npos) << sink.read_errors[0];
    EXPECT_NE(sink.read_errors[0].find("packet at byte " + std::to_string(from)), std::string::npos)
        << sink.read_errors[0];
    EXPECT_TRUE(sink.ended);
    EXPECT_EQ(sink.calls_after_end, 0);
    EXPECT_EQ(read_file(stream), data); // the user's trace is left as it was
}

TEST(ReaderErrors, UndecodablePacketsOfTwoStreamsWithoutIndexAreLeftOut)
{
    TempDir dir;
    const fs::path trace = copy_trace(dir, "lossy");
    std::vector<std::pair<uint64_t, uint64_t>> cuts;
    for (const char *name : {"teescope_0", "teescope_1"}) {
        const fs::path stream = stream_dir(trace) / name;
        const auto ends = packet_ends(stream_dir(trace) / "index" / (std::string(name) + ".idx"));
        ASSERT_GT(ends.size(), 20u);
        const size_t bad = name[9] == '0' ? ends.size() / 3 : ends.size() * 2 / 3;
        cuts.emplace_back(ends[bad - 1], ends[bad]);
        std::string data = read_file(stream);
        data.replace(ends[bad - 1] + 84, 8, std::string(8, '\xff'));
        write_file(stream, data);
    }
    // Without the index, packets are found by their magic.
    fs::remove_all(stream_dir(trace) / "index");

    TempDir other;
    const fs::path reference = copy_trace(other, "lossy");
    cut_out(stream_dir(reference) / "teescope_0", cuts[0].first, cuts[0].second);
    cut_out(stream_dir(reference) / "teescope_1", cuts[1].first, cuts[1].second);
    fs::remove_all(stream_dir(reference) / "index");
    const auto expected = babeltrace_text(reference);

    RecordingSink sink;
    TraceReader(trace.string()).run(sink);
    ASSERT_EQ(sink.events.size(), expected.size());
    for (size_t i = 0; i < expected.size(); ++i)
        ASSERT_EQ(sink.events[i].ts, expected[i].ts) << i;
    EXPECT_EQ(sink.unreadable_packets, 2u);
    EXPECT_EQ(sink.discarded_packets, 0u);
    EXPECT_EQ(sink.read_errors.size(), 2u);
    EXPECT_TRUE(sink.ended);
}

TEST(ReaderErrors, PacketWithDamagedTimestampsIsLeftOut)
{
    TempDir dir;
    const fs::path trace = copy_trace(dir, "lossy");
    const fs::path stream = stream_dir(trace) / "teescope_1";
    const auto ends = packet_ends(stream_dir(trace) / "index" / "teescope_1.idx");
    const size_t bad = ends.size() / 2;
    // The first event's header (LTTng's "large" one): a 16-bit class id, then the low 32 bits
    // of the clock. All ones there moves the clock of the rest of the packet past its end.
    std::string data = read_file(stream);
    data.replace(ends[bad - 1] + 84 + 2, 4, std::string(4, '\xff'));
    write_file(stream, data);
    std::string why;
    babeltrace_text(trace, &why);
    ASSERT_NE(why.find("ERROR"), std::string::npos) << why; // the muxer goes back in time

    RecordingSink sink;
    TraceReader(trace.string()).run(sink);
    EXPECT_EQ(sink.unreadable_packets, 1u);
    ASSERT_EQ(sink.read_errors.size(), 1u);
    EXPECT_NE(sink.read_errors[0].find("outside of its time range"), std::string::npos) << sink.read_errors[0];
    // Every other packet is read: at least what the trace holds without the damaged one.
    TempDir other;
    const fs::path reference = copy_trace(other, "lossy");
    cut_out(stream_dir(reference) / "teescope_1", ends[bad - 1], ends[bad]);
    fs::remove_all(stream_dir(reference) / "index");
    EXPECT_GE(sink.events.size(), babeltrace_text(reference).size());
    EXPECT_LE(sink.events.size(), babeltrace_text(samples / "lossy").size());
    EXPECT_TRUE(sink.ended);
    EXPECT_EQ(sink.calls_after_end, 0);
}

TEST(ReaderErrors, OtherProvidersOnlyAreForeign)
{
    TempDir dir;
    const fs::path trace = copy_trace(dir, "clean");
    edit_metadata(trace, "name = \"teescope_", "name = \"Teescope_", true);
    RecordingSink sink;
    TraceReader(trace.string()).run(sink);
    EXPECT_TRUE(sink.events.empty());
    EXPECT_EQ(sink.foreign.size(), babeltrace_text(samples / "clean").size());
    EXPECT_EQ(sink.foreign.front().rfind("Teescope_", 0), 0u);
    EXPECT_TRUE(sink.malformed.empty());
    EXPECT_TRUE(sink.ended);
}

int count_of(const std::vector<TextLine> &text, const std::string &name)
{
    int n = 0;
    for (const auto &l : text)
        n += l.name == name;
    return n;
}

TEST(ReaderErrors, MissingFieldIsMalformed)
{
    TempDir dir;
    const fs::path trace = copy_trace(dir, "clean");
    edit_event_metadata(trace, "teescope_drv:handle_bind", "} _handle;", "} _hendle;");
    RecordingSink sink;
    TraceReader(trace.string()).run(sink);
    const auto text = babeltrace_text(samples / "clean");
    const int binds = count_of(text, "teescope_drv:handle_bind");
    ASSERT_GT(binds, 0);
    ASSERT_EQ(sink.malformed.size(), static_cast<size_t>(binds));
    EXPECT_NE(sink.malformed[0].find("teescope_drv:handle_bind: field `handle` is missing"), std::string::npos)
        << sink.malformed[0];
    EXPECT_EQ(sink.events.size() + sink.malformed.size(), text.size());
}

TEST(ReaderErrors, WrongFieldTypeIsMalformed)
{
    TempDir dir;
    const fs::path trace = copy_trace(dir, "clean");
    edit_event_metadata(trace, "teescope_drv:context_open", "signed = 0; encoding = none; base = 10; } _ctx;",
                        "signed = 1; encoding = none; base = 10; } _ctx;");
    RecordingSink sink;
    TraceReader(trace.string()).run(sink);
    const auto text = babeltrace_text(samples / "clean");
    ASSERT_EQ(sink.malformed.size(), static_cast<size_t>(count_of(text, "teescope_drv:context_open")));
    EXPECT_NE(sink.malformed[0].find("field `ctx` is a signed integer of 64 bits, the contract says u64"), std::string::npos)
        << sink.malformed[0];
}

TEST(ReaderErrors, UnknownTeescopeEventIsMalformed)
{
    TempDir dir;
    const fs::path trace = copy_trace(dir, "clean");
    edit_metadata(trace, "\"teescope_drv:shm_alloc\"", "\"teescope_drv:shm_alloX\"", false);
    RecordingSink sink;
    TraceReader(trace.string()).run(sink);
    ASSERT_EQ(sink.malformed.size(), static_cast<size_t>(count_of(babeltrace_text(samples / "clean"), "teescope_drv:shm_alloc")));
    EXPECT_NE(sink.malformed[0].find("not an event of the contract"), std::string::npos) << sink.malformed[0];
    EXPECT_TRUE(sink.foreign.empty());
}

TEST(ReaderErrors, GarbageMetadataIsAReadErrorNamingTheTrace)
{
    TempDir dir;
    fs::create_directories(dir.path() / "t");
    write_file(dir.path() / "t" / "metadata", "/* CTF 1.8 */ this is not TSDL {{{\n");
    RecordingSink sink;
    TraceReader(dir.path().string()).run(sink);
    ASSERT_EQ(sink.read_errors.size(), 1u);
    EXPECT_NE(sink.read_errors[0].find((dir.path() / "t").string()), std::string::npos) << sink.read_errors[0];
    EXPECT_TRUE(sink.events.empty());
    EXPECT_TRUE(sink.ended);
}

} // namespace
