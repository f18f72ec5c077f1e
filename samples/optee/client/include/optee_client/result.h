// SPDX-License-Identifier: MIT
// What a GP client call returns: a TEEC result code and where it came from (API, COMMS, TEE or
// the trusted application), as libteec reports them.
#pragma once

#include <cstdint>
#include <string>

#include "teescope/tee_uapi.h" // the codes: TEEC_SUCCESS, TEEC_ERROR_*, TEEC_ORIGIN_*

namespace teescope::optee {

struct Result {
    uint32_t code = 0;   // TEEC_SUCCESS or a TEEC_ERROR_* value
    uint32_t origin = 0; // TEEC_ORIGIN_API, _COMMS, _TEE or _TRUSTED_APP

    bool ok() const { return code == 0; }
};

// The result of a failed ioctl, as libteec maps its errno: ENOMEM → OUT_OF_MEMORY,
// EINVAL → BAD_PARAMETERS, anything else → GENERIC (origin COMMS).
uint32_t result_from_errno(int err);

// "ITEM_NOT_FOUND" for 0xFFFF0008; the hex value for a code without a name.
std::string result_name(uint32_t code);
// "TEE" for TEEC_ORIGIN_TEE; the number otherwise.
std::string origin_name(uint32_t origin);
// "ITEM_NOT_FOUND (0xffff0008), origin TEE".
std::string describe(const Result &result);

} // namespace teescope::optee
