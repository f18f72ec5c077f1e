// SPDX-License-Identifier: MIT
#include "perfetto_writer.h"

#include "perfetto_trace.pb.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl.h>
#include <google/protobuf/wire_format_lite.h>

#include <algorithm>

namespace teescope::exporter {

namespace pb = teescope::perfetto;

namespace {

// Track uuids are global to a trace: a prefix of our own keeps them apart from other producers'.
constexpr uint64_t kUuidBase = uint64_t(0x7ee5) << 48;
constexpr uint32_t kSequence = 1;
constexpr uint32_t kTracePacketField = 1; // Trace.packet

class PacketStream {
public:
    explicit PacketStream(std::ostream &out) : raw_(&out), coded_(&raw_) {}
    void write(const pb::TracePacket &packet)
    {
        coded_.WriteTag(google::protobuf::internal::WireFormatLite::MakeTag(
            kTracePacketField, google::protobuf::internal::WireFormatLite::WIRETYPE_LENGTH_DELIMITED));
        coded_.WriteVarint32(static_cast<uint32_t>(packet.ByteSizeLong()));
        packet.SerializeWithCachedSizes(&coded_);
    }
    // Hands what is buffered to the stream; false if a write failed.
    bool finish()
    {
        coded_.Trim();
        return !coded_.HadError();
    }

private:
    google::protobuf::io::OstreamOutputStream raw_;
    google::protobuf::io::CodedOutputStream coded_;
};

void add_args(pb::TrackEvent *event, const Args &args, const StringTable &strings)
{
    for (const Arg &a : args) {
        pb::DebugAnnotation *d = event->add_debug_annotations();
        d->set_name(a.name);
        if (a.is_text())
            d->set_string_value(strings[uint32_t(a.text)]);
        else
            d->set_int_value(a.number);
    }
}

} // namespace

uint64_t process_track_uuid(size_t process) { return kUuidBase | (uint64_t(1) << 40) | process; }
uint64_t thread_track_uuid(size_t thread) { return kUuidBase | (uint64_t(2) << 40) | thread; }
uint64_t counter_track_uuid(size_t counter) { return kUuidBase | (uint64_t(3) << 40) | counter; }
uint64_t data_loss_track_uuid() { return kUuidBase | (uint64_t(4) << 40); }

void write_perfetto(const Timeline &t, std::ostream &out)
{
    PacketStream stream(out);
    pb::TracePacket packet;
    bool first = true;
    auto descriptor = [&]() -> pb::TrackDescriptor * {
        packet.Clear();
        packet.set_trusted_packet_sequence_id(kSequence);
        // The first packet starts the sequence's state; the descriptors are valid from then on.
        if (first)
            packet.set_sequence_flags(pb::TracePacket::SEQ_INCREMENTAL_STATE_CLEARED);
        first = false;
        packet.set_timestamp(static_cast<uint64_t>(t.first_ts));
        return packet.mutable_track_descriptor();
    };

    for (size_t i = 0; i < t.processes.size(); ++i) {
        const Process &p = t.processes[i];
        pb::TrackDescriptor *d = descriptor();
        d->set_uuid(process_track_uuid(i));
        pb::ProcessDescriptor *pd = d->mutable_process();
        pd->set_pid(static_cast<int32_t>(p.pid));
        pd->set_process_name(p.name);
        stream.write(packet);
    }
    for (size_t i = 0; i < t.threads.size(); ++i) {
        const Thread &th = t.threads[i];
        const size_t process = th.process;
        pb::TrackDescriptor *d = descriptor();
        d->set_uuid(thread_track_uuid(i));
        d->set_parent_uuid(process_track_uuid(process));
        pb::ThreadDescriptor *td = d->mutable_thread();
        td->set_pid(static_cast<int32_t>(t.processes[process].pid));
        td->set_tid(static_cast<int32_t>(th.tid));
        td->set_thread_name(th.name);
        stream.write(packet);
    }
    for (size_t i = 0; i < t.counters.size(); ++i) {
        const Counter &c = t.counters[i];
        pb::TrackDescriptor *d = descriptor();
        d->set_uuid(counter_track_uuid(i));
        d->set_parent_uuid(process_track_uuid(c.process));
        d->set_name(c.name);
        d->mutable_counter()->set_unit(c.bytes ? pb::CounterDescriptor::UNIT_SIZE_BYTES
                                               : pb::CounterDescriptor::UNIT_COUNT);
        stream.write(packet);
    }
    const bool loss_track = std::any_of(t.instants.begin(), t.instants.end(),
                                        [](const Instant &i) { return i.process == Instant::npos; });
    if (loss_track) {
        pb::TrackDescriptor *d = descriptor();
        d->set_uuid(data_loss_track_uuid());
        d->set_name("data loss");
        stream.write(packet);
    }

    for (const TimelineEvent &e : t.events) {
        packet.Clear();
        packet.set_trusted_packet_sequence_id(kSequence);
        packet.set_sequence_flags(pb::TracePacket::SEQ_NEEDS_INCREMENTAL_STATE);
        packet.set_timestamp(static_cast<uint64_t>(e.ts));
        pb::TrackEvent *te = packet.mutable_track_event();
        switch (e.kind) {
        case TimelineEvent::Kind::begin: {
            const Slice &s = t.slices[e.index];
            te->set_type(pb::TrackEvent::TYPE_SLICE_BEGIN);
            te->set_track_uuid(thread_track_uuid(s.thread));
            te->set_name(t.strings[s.name]);
            te->add_categories(s.category);
            add_args(te, t.args[s.args], t.strings);
            if (s.flow_out)
                te->add_flow_ids(s.flow_out);
            if (s.flow_in)
                te->add_terminating_flow_ids(s.flow_in);
            break;
        }
        case TimelineEvent::Kind::end:
            te->set_type(pb::TrackEvent::TYPE_SLICE_END);
            te->set_track_uuid(thread_track_uuid(t.slices[e.index].thread));
            break;
        case TimelineEvent::Kind::instant: {
            const Instant &i = t.instants[e.index];
            te->set_type(pb::TrackEvent::TYPE_INSTANT);
            te->set_track_uuid(i.process == Instant::npos ? data_loss_track_uuid() : process_track_uuid(i.process));
            te->set_name(t.strings[i.name]);
            te->add_categories(i.category);
            add_args(te, t.args[i.args], t.strings);
            break;
        }
        case TimelineEvent::Kind::counter:
            te->set_type(pb::TrackEvent::TYPE_COUNTER);
            te->set_track_uuid(counter_track_uuid(e.index));
            te->set_counter_value(t.counters[e.index].points[e.point].value);
            break;
        }
        stream.write(packet);
    }
    if (!stream.finish())
        throw Error("cannot write the Perfetto trace");
}

} // namespace teescope::exporter
