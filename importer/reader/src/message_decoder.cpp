// SPDX-License-Identifier: MIT
#include "teescope/importer/message_decoder.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <string_view>

#include "teescope/importer/event_table.h" // generated

namespace teescope::importer {

using contract::FieldType;

namespace {

// A path that names a stream file the same way whatever path led to it.
std::string same_file(const std::string &path)
{
    std::error_code ec;
    const auto canonical = std::filesystem::weakly_canonical(path, ec);
    return ec ? path : canonical.string();
}

constexpr std::string_view provider_of(std::string_view event_name)
{
    const auto colon = event_name.find(':');
    return colon == std::string_view::npos ? std::string_view{} : event_name.substr(0, colon);
}

bool is_teescope_provider(std::string_view provider)
{
    for (const char *p : contract::providers)
        if (provider == p)
            return true;
    return false;
}

const contract::EventDesc *find_event(std::string_view name)
{
    for (const auto &e : contract::events)
        if (name == e.name)
            return &e;
    return nullptr;
}

// Width in bits and signedness a contract type asks of a trace integer.
struct IntegerShape {
    unsigned bits;
    bool is_signed;
};

IntegerShape integer_shape(FieldType t)
{
    switch (t) {
    case FieldType::u8: return {8, false};
    case FieldType::u16: return {16, false};
    case FieldType::u32:
    case FieldType::x32: return {32, false};
    case FieldType::u64:
    case FieldType::x64: return {64, false};
    case FieldType::s32:
    case FieldType::enumeration: return {32, true};
    case FieldType::s64: return {64, true};
    default: return {0, false};
    }
}

const char *type_name(FieldType t)
{
    switch (t) {
    case FieldType::u8: return "u8";
    case FieldType::u16: return "u16";
    case FieldType::u32: return "u32";
    case FieldType::u64: return "u64";
    case FieldType::s32: return "s32";
    case FieldType::s64: return "s64";
    case FieldType::x32: return "x32";
    case FieldType::x64: return "x64";
    case FieldType::enumeration: return "enum";
    case FieldType::string: return "string";
    case FieldType::uuid: return "uuid";
    case FieldType::seq_u64: return "seq_u64";
    case FieldType::seq_u8: return "seq_u8";
    }
    return "?";
}

bool is_integer_class(const bt_field_class *fc)
{
    return bt_field_class_type_is(bt_field_class_get_type(fc), BT_FIELD_CLASS_TYPE_INTEGER);
}

bool is_signed_class(const bt_field_class *fc)
{
    return bt_field_class_type_is(bt_field_class_get_type(fc), BT_FIELD_CLASS_TYPE_SIGNED_INTEGER);
}

// Whether a trace integer class holds every value of `want` and no more.
bool integer_fits(const bt_field_class *fc, IntegerShape want)
{
    if (!is_integer_class(fc))
        return false;
    const bool is_signed = is_signed_class(fc);
    const uint64_t bits = bt_field_class_integer_get_field_value_range(fc);
    if (want.is_signed)
        return is_signed ? bits <= want.bits : bits < want.bits; // an enum may be stored unsigned
    return !is_signed && bits <= want.bits;
}

std::string describe_class(const bt_field_class *fc)
{
    if (is_integer_class(fc))
        return std::string(is_signed_class(fc) ? "a signed" : "an unsigned") + " integer of "
               + std::to_string(bt_field_class_integer_get_field_value_range(fc)) + " bits";
    switch (bt_field_class_get_type(fc)) {
    case BT_FIELD_CLASS_TYPE_STRING: return "a string";
    case BT_FIELD_CLASS_TYPE_STATIC_ARRAY: return "a static array";
    case BT_FIELD_CLASS_TYPE_STRUCTURE: return "a structure";
    case BT_FIELD_CLASS_TYPE_BOOL: return "a boolean";
    default:
        if (bt_field_class_type_is(bt_field_class_get_type(fc), BT_FIELD_CLASS_TYPE_DYNAMIC_ARRAY))
            return "a sequence";
        if (bt_field_class_type_is(bt_field_class_get_type(fc), BT_FIELD_CLASS_TYPE_REAL))
            return "a real number";
        return "another kind of field";
    }
}

// Empty when the trace field class `fc` can carry contract field `f`, else why not.
std::string check_field_class(const contract::FieldDesc &f, const bt_field_class *fc)
{
    bool ok = false;
    switch (f.type) {
    case FieldType::string:
        ok = bt_field_class_get_type(fc) == BT_FIELD_CLASS_TYPE_STRING;
        break;
    case FieldType::uuid:
        ok = bt_field_class_get_type(fc) == BT_FIELD_CLASS_TYPE_STATIC_ARRAY
             && bt_field_class_array_static_get_length(fc) == 16
             && integer_fits(bt_field_class_array_borrow_element_field_class_const(fc), {8, false});
        break;
    case FieldType::seq_u64:
    case FieldType::seq_u8:
        ok = bt_field_class_type_is(bt_field_class_get_type(fc), BT_FIELD_CLASS_TYPE_DYNAMIC_ARRAY)
             && integer_fits(bt_field_class_array_borrow_element_field_class_const(fc),
                             {f.type == FieldType::seq_u64 ? 64u : 8u, false});
        break;
    default:
        ok = integer_fits(fc, integer_shape(f.type));
        break;
    }
    if (ok)
        return {};
    return std::string("field `") + f.name + "` is " + describe_class(fc) + ", the contract says "
           + type_name(f.type);
}

int64_t member_index(const bt_field_class *structure, const char *name)
{
    if (!structure || bt_field_class_get_type(structure) != BT_FIELD_CLASS_TYPE_STRUCTURE)
        return -1;
    const uint64_t n = bt_field_class_structure_get_member_count(structure);
    for (uint64_t i = 0; i < n; ++i) {
        const auto *m = bt_field_class_structure_borrow_member_by_index_const(structure, i);
        if (std::strcmp(bt_field_class_structure_member_get_name(m), name) == 0)
            return static_cast<int64_t>(i);
    }
    return -1;
}

const bt_field_class *member_class(const bt_field_class *structure, int64_t index)
{
    const auto *m = bt_field_class_structure_borrow_member_by_index_const(structure,
                                                                            static_cast<uint64_t>(index));
    return bt_field_class_structure_member_borrow_field_class_const(m);
}

uint64_t read_unsigned(const bt_field *f)
{
    return bt_field_integer_unsigned_get_value(f);
}

// Whether the payload has members that are neither a contract field, the `recording` field nor
// the length of a sequence: fields of a newer contract.
bool has_extra_fields(const bt_field_class *payload, const contract::EventDesc &desc)
{
    const uint64_t n = bt_field_class_structure_get_member_count(payload);
    std::vector<bool> known(n, false);
    for (uint64_t i = 0; i < n; ++i) {
        const auto *fc = member_class(payload, static_cast<int64_t>(i));
        if (bt_field_class_get_type(fc) != BT_FIELD_CLASS_TYPE_DYNAMIC_ARRAY_WITH_LENGTH_FIELD)
            continue;
        const bt_field_path *path = bt_field_class_array_dynamic_with_length_field_borrow_length_field_path_const(fc);
        const uint64_t items = bt_field_path_get_item_count(path);
        if (bt_field_path_get_root_scope(path) != BT_FIELD_PATH_SCOPE_EVENT_PAYLOAD || items != 1)
            continue;
        const bt_field_path_item *item = bt_field_path_borrow_item_by_index_const(path, 0);
        if (bt_field_path_item_get_type(item) == BT_FIELD_PATH_ITEM_TYPE_INDEX
            && bt_field_path_item_index_get_index(item) < n)
            known[bt_field_path_item_index_get_index(item)] = true;
    }
    for (uint64_t i = 0; i < n; ++i) {
        if (known[i])
            continue;
        const char *name = bt_field_class_structure_member_get_name(
            bt_field_class_structure_borrow_member_by_index_const(payload, i));
        bool in_contract = std::strcmp(name, "recording") == 0;
        for (uint32_t f = 0; f < desc.field_count && !in_contract; ++f)
            in_contract = std::strcmp(name, desc.fields[f].name) == 0;
        if (!in_contract)
            return true;
    }
    return false;
}

bool snapshot_ns(const bt_clock_snapshot *snapshot, int64_t &ns)
{
    return snapshot
           && bt_clock_snapshot_get_ns_from_origin(snapshot, &ns)
                  == BT_CLOCK_SNAPSHOT_GET_NS_FROM_ORIGIN_STATUS_OK;
}

// The token of the recording a trace holds, from the name of the session `teescope record` made
// (teescope-TOKEN, 16 hex digits); 0 when the trace does not say (recorded otherwise).
uint64_t recording_of(const bt_trace *trace)
{
    const bt_value *name = trace ? bt_trace_borrow_environment_entry_value_by_name_const(trace, "trace_name")
                                 : nullptr;
    if (!name || !bt_value_is_string(name))
        return 0;
    const std::string_view text = bt_value_string_get(name);
    constexpr std::string_view prefix = "teescope-";
    if (text.size() != prefix.size() + 16 || text.substr(0, prefix.size()) != prefix)
        return 0;
    uint64_t token = 0;
    for (char c : text.substr(prefix.size())) {
        const int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (digit < 0)
            return 0;
        token = token << 4 | static_cast<uint64_t>(digit);
    }
    return token;
}

template <typename T>
void store(void *base, uint32_t offset, T value)
{
    std::memcpy(static_cast<char *>(base) + offset, &value, sizeof value);
}

} // namespace

// One contract field resolved against the trace: where its value sits in the payload.
struct MessageDecoder::Slot {
    const contract::FieldDesc *desc;
    uint64_t member;   // index in the payload structure
    bool is_signed;    // integers: how the trace stores it
    uint32_t scratch;  // sequences and uuid: offset in the class's scratch buffer (in elements)
};

struct MessageDecoder::EventClassInfo {
    enum class Kind { foreign, teescope, malformed } kind = Kind::foreign;
    std::string name;
    std::string why; // malformed: what does not match the contract
    const contract::EventDesc *desc = nullptr;
    std::vector<Slot> slots;
    bool has_clock = false;
    int64_t vpid = -1, vtid = -1, procname = -1; // common-context member indices
    bool vpid_signed = true, vtid_signed = true;
    bool extra_fields = false; // fields the contract does not know (a newer contract)
    int64_t recording = -1; // payload member index of the process field `recording`, -1 if absent
    std::vector<uint64_t> storage;   // the event struct being filled (8-byte aligned)
    std::vector<uint64_t> scratch64; // seq_u64 contents
    std::vector<uint8_t> scratch8;   // seq_u8 and uuid contents
};

MessageDecoder::MessageDecoder(TraceSink &sink) : sink_(sink) {}
MessageDecoder::~MessageDecoder() = default;

MessageDecoder::EventClassInfo &MessageDecoder::resolve(const bt_event_class *event_class)
{
    auto &slot = classes_[event_class];
    if (slot)
        return *slot;
    slot = std::make_unique<EventClassInfo>();
    auto &info = *slot;
    const char *name = bt_event_class_get_name(event_class);
    info.name = name ? name : "(unnamed event)";

    const bt_stream_class *stream_class = bt_event_class_borrow_stream_class_const(event_class);
    info.has_clock = bt_stream_class_borrow_default_clock_class_const(stream_class) != nullptr;
    if (const auto *common = bt_stream_class_borrow_event_common_context_field_class_const(stream_class)) {
        auto pick = [&](const char *member, bool want_string, int64_t &index, bool *is_signed) {
            index = member_index(common, member);
            if (index < 0)
                return;
            const auto *fc = member_class(common, index);
            if (want_string ? bt_field_class_get_type(fc) != BT_FIELD_CLASS_TYPE_STRING : !is_integer_class(fc)) {
                index = -1; // an unexpected shape counts as absent: the header says "unknown"
                return;
            }
            if (is_signed)
                *is_signed = is_signed_class(fc);
        };
        pick("vpid", false, info.vpid, &info.vpid_signed);
        pick("vtid", false, info.vtid, &info.vtid_signed);
        pick("procname", true, info.procname, nullptr);
    }

    if (!is_teescope_provider(provider_of(info.name)))
        return info; // foreign
    check_contract(event_class, info);
    sink_.on_event_class(info.name, ContractMatch{info.desc != nullptr, info.kind == EventClassInfo::Kind::teescope,
                                                  info.extra_fields, info.recording >= 0});
    return info;
}

void MessageDecoder::check_contract(const bt_event_class *event_class, EventClassInfo &info)
{
    info.kind = EventClassInfo::Kind::malformed;
    info.desc = find_event(info.name);
    if (!info.desc) {
        info.why = "not an event of the contract (version " + std::to_string(contract::version) + ")";
        return;
    }
    if (!info.has_clock) {
        info.why = "its stream has no clock";
        return;
    }
    if (info.desc->align > alignof(uint64_t)) {
        info.why = "event struct alignment not supported";
        return;
    }
    const bt_field_class *payload = bt_event_class_borrow_payload_field_class_const(event_class);
    info.extra_fields = payload && bt_field_class_get_type(payload) == BT_FIELD_CLASS_TYPE_STRUCTURE
                        && has_extra_fields(payload, *info.desc);
    // The recording token the provider library stamps on every event (contract version 2); a
    // field of another shape counts as absent.
    info.recording = member_index(payload, "recording");
    if (info.recording >= 0 && !integer_fits(member_class(payload, info.recording), {64, false}))
        info.recording = -1;
    uint32_t n64 = 0, n8 = 0;
    info.slots.reserve(info.desc->field_count);
    for (uint32_t i = 0; i < info.desc->field_count; ++i) {
        const auto &f = info.desc->fields[i];
        const int64_t index = member_index(payload, f.name);
        if (index < 0) {
            info.why = std::string("field `") + f.name + "` is missing";
            return;
        }
        const auto *fc = member_class(payload, index);
        info.why = check_field_class(f, fc);
        if (!info.why.empty())
            return;
        Slot s{&f, static_cast<uint64_t>(index), false, 0};
        if (f.type == FieldType::seq_u64) {
            s.scratch = n64;
            n64 += contract::seq_max;
        } else if (f.type == FieldType::seq_u8 || f.type == FieldType::uuid) {
            s.scratch = n8;
            n8 += f.type == FieldType::uuid ? 16 : contract::seq_max;
        } else if (is_integer_class(fc)) {
            s.is_signed = is_signed_class(fc);
        }
        info.slots.push_back(s);
    }
    info.storage.assign((info.desc->size + sizeof(uint64_t) - 1) / sizeof(uint64_t), 0);
    info.scratch64.assign(n64, 0);
    info.scratch8.assign(n8, 0);
    info.kind = EventClassInfo::Kind::teescope;
}

std::string MessageDecoder::name_of(const bt_stream *stream) const
{
    const char *name = bt_stream_get_name(stream);
    if (!name)
        return "stream " + std::to_string(bt_stream_get_id(stream));
    for (const auto &[from, to] : renames_) {
        const size_t n = from.size();
        if (std::strncmp(name, from.c_str(), n) == 0 && (name[n] == '/' || name[n] == '\0'))
            return to + (name + n);
    }
    return name;
}

MessageDecoder::StreamState &MessageDecoder::stream_state(const bt_stream *stream)
{
    auto [it, added] = streams_.try_emplace(stream);
    StreamState &st = it->second;
    if (added) {
        st.name = name_of(stream);
        // The same file may be named by another path in the new graph (Babeltrace2 names a
        // stream by the absolute path of its file, a rename by the path the user gave).
        if (!resume_from_.empty()) {
            const std::string file = same_file(st.name);
            for (const StreamTally &t : resume_from_)
                if (t.stream == file)
                    st.done = &t;
            for (const StreamLayout &l : layouts_)
                if (l.stream == file)
                    st.layout = &l;
        }
    }
    last_stream_ = stream;
    last_state_ = &st;
    return st;
}

void MessageDecoder::begin_packet(const bt_message *message)
{
    StreamState &st = stream_state(bt_packet_borrow_stream_const(bt_message_packet_beginning_borrow_packet_const(message)));
    const uint64_t here = st.packets++;
    st.in_packet = 0;
    if (!st.done)
        return;
    // This packet's place in the stream as first read (a salvage may have left packets out).
    const uint64_t first = !st.layout ? here : here < st.layout->packets.size() ? st.layout->packets[here] : UINT64_MAX;
    st.skip_packet = first != UINT64_MAX && first + 1 < st.done->packets;
    st.skip = first != UINT64_MAX && first + 1 == st.done->packets ? st.done->in_packet : 0;
}

std::vector<MessageDecoder::StreamTally> MessageDecoder::tallies() const
{
    std::vector<StreamTally> out;
    for (const auto &[stream, st] : streams_)
        out.push_back({st.name, st.packets, st.in_packet});
    return out;
}

void MessageDecoder::resume(const std::vector<StreamTally> &delivered, const std::vector<StreamLayout> &rewritten)
{
    // The classes and streams of the previous graph are gone; their addresses may be reused.
    classes_.clear();
    last_class_ = nullptr;
    last_info_ = nullptr;
    last_trace_ = nullptr;
    streams_.clear();
    last_stream_ = nullptr;
    last_state_ = nullptr;
    resume_from_ = delivered;
    for (StreamTally &t : resume_from_)
        t.stream = same_file(t.stream);
    layouts_ = rewritten;
    for (StreamLayout &l : layouts_)
        l.stream = same_file(l.stream);
}

void MessageDecoder::consume(const bt_message *message)
{
    switch (bt_message_get_type(message)) {
    case BT_MESSAGE_TYPE_EVENT:
        consume_event(message);
        break;
    case BT_MESSAGE_TYPE_DISCARDED_EVENTS:
        consume_discarded(message, false);
        break;
    case BT_MESSAGE_TYPE_DISCARDED_PACKETS:
        consume_discarded(message, true);
        break;
    case BT_MESSAGE_TYPE_PACKET_BEGINNING:
        begin_packet(message);
        break;
    default:
        break; // stream and packet ends, inactivity: nothing for the sink
    }
}

void MessageDecoder::consume_event(const bt_message *message)
{
    const bt_event *event = bt_message_event_borrow_event_const(message);
    const bt_event_class *event_class = bt_event_borrow_class_const(event);
    if (event_class != last_class_) {
        last_info_ = &resolve(event_class);
        last_class_ = event_class;
    }
    EventClassInfo &info = *last_info_;

    int64_t ts = last_ts_;
    if (info.has_clock)
        snapshot_ns(bt_message_event_borrow_default_clock_snapshot_const(message), ts);
    const bt_stream *stream = bt_event_borrow_stream_const(event);
    StreamState &st = stream == last_stream_ ? *last_state_ : stream_state(stream);
    if (skipped(st))
        return;
    last_ts_ = ts;
    ++events_;

    if (info.kind == EventClassInfo::Kind::foreign) {
        sink_.on_foreign_event(info.name, ts);
        return;
    }
    if (info.kind == EventClassInfo::Kind::malformed) {
        sink_.on_malformed_event(info.name, info.why, ts);
        return;
    }

    // In a trace of one recording, an event of any other (another token, or none) is not ours:
    // the session filters them out, so this only happens when it was recorded without the filter.
    const bt_trace *trace = bt_stream_borrow_trace_const(bt_event_borrow_stream_const(event));
    if (trace != last_trace_) {
        last_trace_ = trace;
        trace_recording_ = recording_of(trace);
    }
    if (trace_recording_ != 0) {
        const uint64_t recording = info.recording >= 0
                                       ? read_unsigned(bt_field_structure_borrow_member_field_by_index_const(
                                             bt_event_borrow_payload_field_const(event),
                                             static_cast<uint64_t>(info.recording)))
                                       : 0;
        if (recording != trace_recording_) {
            sink_.on_other_recording(info.name, recording, trace_recording_, ts);
            return;
        }
    }

    EventHeader header{ts, -1, -1, {}};
    if (const bt_field *common = bt_event_borrow_common_context_field_const(event)) {
        auto integer = [&](int64_t index, bool is_signed) -> int64_t {
            const bt_field *f = bt_field_structure_borrow_member_field_by_index_const(
                common, static_cast<uint64_t>(index));
            return is_signed ? bt_field_integer_signed_get_value(f)
                             : static_cast<int64_t>(bt_field_integer_unsigned_get_value(f));
        };
        if (info.vpid >= 0)
            header.vpid = integer(info.vpid, info.vpid_signed);
        if (info.vtid >= 0)
            header.vtid = integer(info.vtid, info.vtid_signed);
        if (info.procname >= 0)
            header.procname = bt_field_string_get_value(bt_field_structure_borrow_member_field_by_index_const(
                common, static_cast<uint64_t>(info.procname)));
    }
    decode(info, event, header);
}

void MessageDecoder::decode(EventClassInfo &info, const bt_event *event, const EventHeader &header)
{
    // The struct and the scratch buffers belong to the class info and are reused by every event
    // of the class; the sink sees them only during its call.
    void *out = info.storage.data();
    const bt_field *payload = bt_event_borrow_payload_field_const(event);
    for (const Slot &s : info.slots) {
        const bt_field *f = bt_field_structure_borrow_member_field_by_index_const(payload, s.member);
        const auto &d = *s.desc;
        switch (d.type) {
        case FieldType::u8: store<uint8_t>(out, d.offset, static_cast<uint8_t>(read_unsigned(f))); break;
        case FieldType::u16: store<uint16_t>(out, d.offset, static_cast<uint16_t>(read_unsigned(f))); break;
        case FieldType::u32:
        case FieldType::x32: store<uint32_t>(out, d.offset, static_cast<uint32_t>(read_unsigned(f))); break;
        case FieldType::u64:
        case FieldType::x64: store<uint64_t>(out, d.offset, read_unsigned(f)); break;
        case FieldType::s32: store<int32_t>(out, d.offset, static_cast<int32_t>(bt_field_integer_signed_get_value(f))); break;
        case FieldType::s64: store<int64_t>(out, d.offset, bt_field_integer_signed_get_value(f)); break;
        case FieldType::enumeration: {
            const int64_t v = s.is_signed ? bt_field_integer_signed_get_value(f)
                                          : static_cast<int64_t>(read_unsigned(f));
            const auto &en = contract::enums[d.enum_index];
            bool known = false;
            for (uint32_t i = 0; i < en.count && !known; ++i)
                known = en.values[i] == v;
            if (!known) {
                why_.assign("field `").append(d.name).append("` = ").append(std::to_string(v))
                    .append(" is not a value of enum ").append(en.name);
                sink_.on_malformed_event(info.name, why_, header.ts);
                return;
            }
            store<int32_t>(out, d.offset, static_cast<int32_t>(v));
            break;
        }
        case FieldType::string: store<const char *>(out, d.offset, bt_field_string_get_value(f)); break;
        case FieldType::uuid: {
            uint8_t *bytes = info.scratch8.data() + s.scratch;
            for (uint64_t i = 0; i < 16; ++i)
                bytes[i] = static_cast<uint8_t>(read_unsigned(bt_field_array_borrow_element_field_by_index_const(f, i)));
            store<const uint8_t *>(out, d.offset, bytes);
            break;
        }
        case FieldType::seq_u64:
        case FieldType::seq_u8: {
            const uint64_t n = bt_field_array_get_length(f);
            if (n > contract::seq_max) {
                why_.assign("field `").append(d.name).append("` has ").append(std::to_string(n))
                    .append(" entries, the contract allows at most ").append(std::to_string(contract::seq_max));
                sink_.on_malformed_event(info.name, why_, header.ts);
                return;
            }
            if (d.type == FieldType::seq_u64) {
                uint64_t *values = info.scratch64.data() + s.scratch;
                for (uint64_t i = 0; i < n; ++i)
                    values[i] = read_unsigned(bt_field_array_borrow_element_field_by_index_const(f, i));
                store<const uint64_t *>(out, d.offset, values);
            } else {
                uint8_t *values = info.scratch8.data() + s.scratch;
                for (uint64_t i = 0; i < n; ++i)
                    values[i] = static_cast<uint8_t>(read_unsigned(bt_field_array_borrow_element_field_by_index_const(f, i)));
                store<const uint8_t *>(out, d.offset, values);
            }
            store<uint32_t>(out, d.len_offset, static_cast<uint32_t>(n));
            break;
        }
        }
    }
    info.desc->dispatch(sink_, header, out);
}

void MessageDecoder::consume_discarded(const bt_message *message, bool packets)
{
    const bt_stream *stream = packets ? bt_message_discarded_packets_borrow_stream_const(message)
                                      : bt_message_discarded_events_borrow_stream_const(message);
    const bt_stream_class *stream_class = bt_stream_borrow_class_const(stream);
    const bool has_times = packets ? bt_stream_class_discarded_packets_have_default_clock_snapshots(stream_class)
                                   : bt_stream_class_discarded_events_have_default_clock_snapshots(stream_class);
    int64_t begin = last_ts_, end = last_ts_;
    if (has_times) {
        snapshot_ns(packets ? bt_message_discarded_packets_borrow_beginning_default_clock_snapshot_const(message)
                            : bt_message_discarded_events_borrow_beginning_default_clock_snapshot_const(message),
                    begin);
        if (snapshot_ns(packets ? bt_message_discarded_packets_borrow_end_default_clock_snapshot_const(message)
                                : bt_message_discarded_events_borrow_end_default_clock_snapshot_const(message),
                        end)
            && end > last_ts_)
            last_ts_ = end;
    }
    uint64_t count = 0; // 0: the trace does not say how many
    if (packets)
        bt_message_discarded_packets_get_count(message, &count);
    else
        bt_message_discarded_events_get_count(message, &count);
    StreamState &st = stream_state(stream);
    if (skipped(st))
        return;
    if (packets && st.layout) {
        // The gap before the packet about to begin may be the salvage's: its packets are
        // reported by the salvage.
        const auto &first = st.layout->packets;
        const uint64_t next = st.packets;
        const uint64_t ours = next >= first.size() ? 0 : next == 0 ? first[0] : first[next] - first[next - 1] - 1;
        if (ours > 0 && (count == 0 || count <= ours))
            return;
        count -= ours;
    }
    const char *name = st.name.c_str();
    if (packets)
        sink_.on_discarded_packets(begin, end, count, name);
    else
        sink_.on_discarded_events(begin, end, count, name);
}

} // namespace teescope::importer
