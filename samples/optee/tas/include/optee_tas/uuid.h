// SPDX-License-Identifier: MIT
// A TA uuid as the UAPI carries it: 16 octets, fields in big-endian order (RFC 4122), as
// libteec's uuid_to_octets() writes them into tee_ioctl_open_session_arg.uuid.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace teescope::optee {

using Uuid = std::array<uint8_t, 16>;

// "8aaaf200-2450-11e4-abe2-0002a5d5c51b" (lower case, with dashes).
std::string to_string(const Uuid &u);
// Accepts the canonical form (either case); nullopt for anything else.
std::optional<Uuid> parse_uuid(std::string_view text);
// The file tee-supplicant loads for a TA: "<uuid>.ta".
std::string ta_file_name(const Uuid &u);

} // namespace teescope::optee
