// SPDX-License-Identifier: MIT
#include "optee_client/uuid.h"

namespace teescope::optee {

std::array<uint8_t, 16> TeecUuid::to_octets() const
{
    std::array<uint8_t, 16> o{};
    o[0] = static_cast<uint8_t>(time_low >> 24);
    o[1] = static_cast<uint8_t>(time_low >> 16);
    o[2] = static_cast<uint8_t>(time_low >> 8);
    o[3] = static_cast<uint8_t>(time_low);
    o[4] = static_cast<uint8_t>(time_mid >> 8);
    o[5] = static_cast<uint8_t>(time_mid);
    o[6] = static_cast<uint8_t>(time_hi_and_version >> 8);
    o[7] = static_cast<uint8_t>(time_hi_and_version);
    for (size_t i = 0; i < 8; ++i)
        o[8 + i] = clock_seq_and_node[i];
    return o;
}

TeecUuid TeecUuid::from_octets(std::span<const uint8_t, 16> o)
{
    TeecUuid u;
    u.time_low = uint32_t{o[0]} << 24 | uint32_t{o[1]} << 16 | uint32_t{o[2]} << 8 | o[3];
    u.time_mid = static_cast<uint16_t>(o[4] << 8 | o[5]);
    u.time_hi_and_version = static_cast<uint16_t>(o[6] << 8 | o[7]);
    for (size_t i = 0; i < 8; ++i)
        u.clock_seq_and_node[i] = o[8 + i];
    return u;
}

} // namespace teescope::optee
