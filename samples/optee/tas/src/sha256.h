// SPDX-License-Identifier: MIT
// SHA-256 (FIPS 180-4), for the hash in a TA image's signed header.
#pragma once

#include <array>
#include <cstdint>
#include <span>

namespace teescope::optee {

std::array<uint8_t, 32> sha256(std::span<const uint8_t> data);

} // namespace teescope::optee
