// SPDX-License-Identifier: MIT
// Random but valid event sequences for the trackers, built from the contract's event table: any
// event, any field values, in time order (the reader hands events sorted by time). Ids come from
// small pools so that begins meet ends, binds meet unbinds and contexts meet their calls often
// enough to reach deep states; now and then a value is an edge (0, all ones, the sign bit) or a
// stretch of the trace is lost.
#pragma once

#include "teescope/importer/event.h"
#include "teescope/importer/event_table.h"

#include <array>
#include <cstdint>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

namespace teescope::importer::test {

class EventFuzzer {
public:
    explicit EventFuzzer(uint64_t seed) : rng_(seed) {}

    // Feeds `count` events (and a few data-loss notices) to the sink, then its end; `after_each`
    // runs after each of them.
    void run(TraceSink &sink, size_t count, const std::function<void()> &after_each = {})
    {
        for (size_t i = 0; i < count; ++i) {
            if (after_each && i > 0)
                after_each();
            if (chance(1, 500)) {
                const int64_t begin = ts_;
                ts_ += pick(1, 1000);
                sink.on_discarded_events(begin, ts_, pick(1, 50), "ust/uid/0/64-bit/chan_0");
                continue;
            }
            one(sink);
        }
        sink.on_end(ts_);
    }

private:
    std::mt19937_64 rng_;
    int64_t ts_ = 1000;
    // What an event's pointers point at: valid during the call only.
    std::array<uint64_t, TEESCOPE_SEQ_MAX> seq64_{};
    std::array<uint8_t, TEESCOPE_SEQ_MAX> seq8_{};
    std::array<uint8_t, 16> uuid_{};
    std::vector<std::max_align_t> storage_;

    uint64_t pick(uint64_t lo, uint64_t hi) { return std::uniform_int_distribution<uint64_t>(lo, hi)(rng_); }
    bool chance(uint64_t n, uint64_t d) { return pick(1, d) <= n; }

    // An id or count: mostly small (they collide), sometimes an edge value.
    uint64_t value()
    {
        if (chance(1, 20)) {
            static constexpr uint64_t edges[] = {0, ~0ULL, 0x7fffffffULL, 0x80000000ULL, 0xffffffffULL,
                                                 0x8000000000000000ULL};
            return chance(1, 4) ? rng_() : edges[pick(0, std::size(edges) - 1)];
        }
        return pick(0, 6);
    }

    EventHeader header()
    {
        ts_ += static_cast<int64_t>(chance(1, 5) ? 0 : pick(1, 100)); // equal times happen
        static constexpr std::string_view names[] = {"client", "supplicant", "teesim", "<b>x</b>", ""};
        const int64_t vpid = chance(1, 30) ? -1 : static_cast<int64_t>(pick(1, 5));
        const int64_t vtid = chance(1, 30) ? -1 : (chance(1, 2) ? vpid : static_cast<int64_t>(pick(1, 9)));
        return EventHeader{ts_, vpid, vtid, names[pick(0, std::size(names) - 1)]};
    }

    void one(TraceSink &sink)
    {
        using namespace contract;
        const EventDesc &e = events[pick(0, std::size(events) - 1)];
        storage_.assign((e.size + sizeof(std::max_align_t) - 1) / sizeof(std::max_align_t) + 1, {});
        char *p = reinterpret_cast<char *>(storage_.data());
        static const char *strings[] = {"tee0", "teepriv0", "", "a\tb\nc", "=cmd()"};
        for (uint32_t i = 0; i < e.field_count; ++i) {
            const FieldDesc &f = e.fields[i];
            char *at = p + f.offset;
            const uint64_t v = value();
            switch (f.type) {
            case FieldType::u8: put<uint8_t>(at, v); break;
            case FieldType::u16: put<uint16_t>(at, v); break;
            case FieldType::u32:
            case FieldType::x32: put<uint32_t>(at, v); break;
            case FieldType::s32: put<int32_t>(at, v); break;
            case FieldType::u64:
            case FieldType::x64: put<uint64_t>(at, v); break;
            case FieldType::s64: put<int64_t>(at, chance(1, 3) ? ~0ULL : v); break;
            case FieldType::enumeration: {
                const EnumDesc &en = enums[f.enum_index];
                put<int32_t>(at, chance(1, 50) ? 99 : en.values[pick(0, en.count - 1)]);
                break;
            }
            case FieldType::string: put<const char *>(at, strings[pick(0, std::size(strings) - 1)]); break;
            case FieldType::uuid:
                for (auto &b : uuid_)
                    b = static_cast<uint8_t>(pick(0, 1)); // two TAs' worth of uuids, mostly
                put<const uint8_t *>(at, uuid_.data());
                break;
            case FieldType::seq_u64:
            case FieldType::seq_u8: {
                const uint32_t len = static_cast<uint32_t>(chance(1, 50) ? TEESCOPE_SEQ_MAX : pick(0, 3));
                for (uint32_t k = 0; k < len; ++k) {
                    seq64_[k] = value();
                    seq8_[k] = static_cast<uint8_t>(pick(0, 7));
                }
                if (f.type == FieldType::seq_u64)
                    put<const uint64_t *>(at, seq64_.data());
                else
                    put<const uint8_t *>(at, seq8_.data());
                put<uint32_t>(p + f.len_offset, len);
                break;
            }
            }
        }
        e.dispatch(sink, header(), p);
    }

    template <typename T, typename V> static void put(char *at, V v)
    {
        const T t = static_cast<T>(v);
        std::memcpy(at, &t, sizeof t);
    }
};

} // namespace teescope::importer::test
