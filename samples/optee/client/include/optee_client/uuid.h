// SPDX-License-Identifier: MIT
// A trusted application's uuid as the GP client API spells it (TEEC_UUID): three integer fields
// and eight octets. OPEN_SESSION carries it as 16 octets, the integers big-endian.
#pragma once

#include <array>
#include <cstdint>
#include <span>

namespace teescope::optee {

struct TeecUuid {
    uint32_t time_low = 0;
    uint16_t time_mid = 0;
    uint16_t time_hi_and_version = 0;
    std::array<uint8_t, 8> clock_seq_and_node{};

    // The 16 octets of the UAPI (libteec's uuid_to_octets).
    std::array<uint8_t, 16> to_octets() const;
    static TeecUuid from_octets(std::span<const uint8_t, 16> octets);
};

} // namespace teescope::optee
