// SPDX-License-Identifier: MIT
#include "decoded_calls.h"

#include <cstring>
#include <stdexcept>

namespace teescope::importer {

using contract::FieldType;

int compare(const StreamKey &a, const StreamKey &b)
{
    // The order of compare_messages_by_trace_uuid, _by_trace_name, _by_stream_class_id and
    // _by_stream_id in Babeltrace2 2.0's common muxing code: present before absent.
    if (a.has_uuid != b.has_uuid)
        return a.has_uuid ? -1 : 1;
    if (a.has_uuid)
        if (const int c = std::memcmp(a.uuid, b.uuid, sizeof a.uuid))
            return c;
    if (a.has_name != b.has_name)
        return a.has_name ? -1 : 1;
    if (a.has_name)
        if (const int c = a.name.compare(b.name))
            return c;
    if (a.class_id != b.class_id)
        return a.class_id < b.class_id ? -1 : 1;
    if (a.id != b.id)
        return a.id < b.id ? -1 : 1;
    return 0;
}

namespace {

constexpr uint64_t kNull = UINT64_MAX; // a null pointer in a recorded struct

size_t array_bytes(const contract::FieldDesc &f, const void *event, const void *data)
{
    uint32_t n = 0;
    switch (f.type) {
    case FieldType::string: return std::strlen(static_cast<const char *>(data)) + 1;
    case FieldType::uuid: return 16;
    case FieldType::seq_u64:
    case FieldType::seq_u8:
        std::memcpy(&n, static_cast<const char *>(event) + f.len_offset, sizeof n);
        return f.type == FieldType::seq_u64 ? n * sizeof(uint64_t) : n;
    default: return 0;
    }
}

bool is_pointer(FieldType t)
{
    return t == FieldType::string || t == FieldType::uuid || t == FieldType::seq_u64 || t == FieldType::seq_u8;
}

} // namespace

Call &CallRecorder::add(CallKind kind)
{
    Call &c = batch_->calls.emplace_back();
    c.at_ns = at_ns_;
    c.stream = stream_;
    c.kind = kind;
    return c;
}

void CallRecorder::text(std::string_view s, uint32_t &at, uint32_t &n)
{
    at = static_cast<uint32_t>(batch_->text.size());
    n = static_cast<uint32_t>(s.size());
    batch_->text.append(s);
}

void CallRecorder::on_event(const EventHeader &header, const contract::EventDesc &desc, const void *event)
{
    Call &c = add(CallKind::event);
    c.desc = static_cast<uint32_t>(&desc - contract::events);
    c.ts = header.ts;
    c.a = header.vpid;
    c.b = header.vtid;
    text(header.procname, c.s1, c.n1);
    // The struct, 8-byte aligned, its pointers turned into offsets of copies in `text`, each
    // copy 8-byte aligned there (the sink reads seq_u64 values through the pointer).
    const size_t words = (desc.size + sizeof(uint64_t) - 1) / sizeof(uint64_t);
    auto &structs = batch_->structs;
    c.x = structs.size();
    structs.resize(structs.size() + words, 0);
    char *copy = reinterpret_cast<char *>(structs.data() + c.x);
    std::memcpy(copy, event, desc.size);
    for (uint32_t i = 0; i < desc.field_count; ++i) {
        const contract::FieldDesc &f = desc.fields[i];
        if (!is_pointer(f.type))
            continue;
        const void *data = nullptr;
        std::memcpy(&data, static_cast<const char *>(event) + f.offset, sizeof data);
        uint64_t at = kNull;
        if (data) {
            std::string &t = batch_->text;
            t.resize((t.size() + 7) & ~size_t{7});
            at = t.size();
            t.append(static_cast<const char *>(data), array_bytes(f, event, data));
        }
        std::memcpy(copy + f.offset, &at, sizeof at);
    }
}

void CallRecorder::on_discarded_events(int64_t begin_ts, int64_t end_ts, uint64_t count, std::string_view stream)
{
    Call &c = add(CallKind::discarded_events);
    c.a = begin_ts;
    c.b = end_ts;
    c.x = count;
    text(stream, c.s1, c.n1);
}

void CallRecorder::on_discarded_packets(int64_t begin_ts, int64_t end_ts, uint64_t count, std::string_view stream)
{
    Call &c = add(CallKind::discarded_packets);
    c.a = begin_ts;
    c.b = end_ts;
    c.x = count;
    text(stream, c.s1, c.n1);
}

void CallRecorder::on_foreign_event(std::string_view name, int64_t ts)
{
    Call &c = add(CallKind::foreign);
    c.ts = ts;
    text(name, c.s1, c.n1);
}

void CallRecorder::on_event_class(std::string_view name, const ContractMatch &match)
{
    Call &c = add(CallKind::event_class);
    c.match = match;
    c.class_key = class_key_;
    text(name, c.s1, c.n1);
}

void CallRecorder::on_malformed_event(std::string_view name, std::string_view why, int64_t ts)
{
    Call &c = add(CallKind::malformed);
    c.ts = ts;
    text(name, c.s1, c.n1);
    text(why, c.s2, c.n2);
}

void CallRecorder::on_other_recording(std::string_view name, uint64_t recording, uint64_t trace_recording, int64_t ts)
{
    Call &c = add(CallKind::other_recording);
    c.ts = ts;
    c.x = recording;
    c.y = trace_recording;
    text(name, c.s1, c.n1);
}

void CallRecorder::on_unreadable_packets(int64_t, int64_t, uint64_t, std::string_view, std::string_view)
{
    throw std::logic_error("a decoder reported unreadable packets");
}

void CallRecorder::on_read_error(std::string_view, int64_t)
{
    throw std::logic_error("a decoder reported a read error");
}

void CallRecorder::on_end(int64_t)
{
    throw std::logic_error("a decoder reported the end");
}

void replay(const CallBatch &batch, const Call &c, TraceSink &sink, std::vector<uint64_t> &scratch)
{
    const std::string_view s1(batch.text.data() + c.s1, c.n1);
    switch (c.kind) {
    case CallKind::event: {
        const contract::EventDesc &desc = contract::events[c.desc];
        const size_t words = (desc.size + sizeof(uint64_t) - 1) / sizeof(uint64_t);
        scratch.assign(batch.structs.begin() + static_cast<ptrdiff_t>(c.x),
                       batch.structs.begin() + static_cast<ptrdiff_t>(c.x + words));
        char *event = reinterpret_cast<char *>(scratch.data());
        for (uint32_t i = 0; i < desc.field_count; ++i) {
            const contract::FieldDesc &f = desc.fields[i];
            if (!is_pointer(f.type))
                continue;
            uint64_t at = 0;
            std::memcpy(&at, event + f.offset, sizeof at);
            const void *data = at == kNull ? nullptr : batch.text.data() + at;
            std::memcpy(event + f.offset, &data, sizeof data);
        }
        desc.dispatch(sink, EventHeader{c.ts, c.a, c.b, s1}, event);
        break;
    }
    case CallKind::foreign: sink.on_foreign_event(s1, c.ts); break;
    case CallKind::malformed: sink.on_malformed_event(s1, std::string_view(batch.text.data() + c.s2, c.n2), c.ts); break;
    case CallKind::other_recording: sink.on_other_recording(s1, c.x, c.y, c.ts); break;
    case CallKind::event_class: sink.on_event_class(s1, c.match); break;
    case CallKind::discarded_events: sink.on_discarded_events(c.a, c.b, c.x, s1); break;
    case CallKind::discarded_packets: sink.on_discarded_packets(c.a, c.b, c.x, s1); break;
    }
}

} // namespace teescope::importer
