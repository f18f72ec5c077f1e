// SPDX-License-Identifier: MIT
#include "optee_client/result.h"

#include <cerrno>
#include <cstdio>

#include "teescope/tee_uapi.h"

namespace teescope::optee {

uint32_t result_from_errno(int err)
{
    switch (err) {
    case ENOMEM:
        return TEEC_ERROR_OUT_OF_MEMORY;
    case EINVAL:
        return TEEC_ERROR_BAD_PARAMETERS;
    default:
        return TEEC_ERROR_GENERIC;
    }
}

std::string result_name(uint32_t code)
{
    switch (code) {
    case TEEC_SUCCESS:
        return "SUCCESS";
    case TEEC_ERROR_GENERIC:
        return "GENERIC";
    case TEEC_ERROR_ACCESS_DENIED:
        return "ACCESS_DENIED";
    case TEEC_ERROR_CANCEL:
        return "CANCEL";
    case TEEC_ERROR_BAD_PARAMETERS:
        return "BAD_PARAMETERS";
    case TEEC_ERROR_BAD_STATE:
        return "BAD_STATE";
    case TEEC_ERROR_ITEM_NOT_FOUND:
        return "ITEM_NOT_FOUND";
    case TEEC_ERROR_NOT_IMPLEMENTED:
        return "NOT_IMPLEMENTED";
    case TEEC_ERROR_NOT_SUPPORTED:
        return "NOT_SUPPORTED";
    case TEEC_ERROR_OUT_OF_MEMORY:
        return "OUT_OF_MEMORY";
    case TEEC_ERROR_BUSY:
        return "BUSY";
    case TEEC_ERROR_COMMUNICATION:
        return "COMMUNICATION";
    case TEEC_ERROR_SECURITY:
        return "SECURITY";
    case TEEC_ERROR_SHORT_BUFFER:
        return "SHORT_BUFFER";
    case TEEC_ERROR_OVERFLOW:
        return "OVERFLOW";
    case TEEC_ERROR_TARGET_DEAD:
        return "TARGET_DEAD";
    case TEEC_ERROR_STORAGE_NO_SPACE:
        return "STORAGE_NO_SPACE";
    case TEEC_ERROR_STORAGE_NOT_AVAILABLE:
        return "STORAGE_NOT_AVAILABLE";
    default: {
        char hex[16];
        std::snprintf(hex, sizeof hex, "0x%08x", code);
        return hex;
    }
    }
}

std::string origin_name(uint32_t origin)
{
    switch (origin) {
    case TEEC_ORIGIN_API:
        return "API";
    case TEEC_ORIGIN_COMMS:
        return "COMMS";
    case TEEC_ORIGIN_TEE:
        return "TEE";
    case TEEC_ORIGIN_TRUSTED_APP:
        return "TRUSTED_APP";
    default:
        return std::to_string(origin);
    }
}

std::string describe(const Result &result)
{
    char hex[16];
    std::snprintf(hex, sizeof hex, "0x%08x", result.code);
    return result_name(result.code) + " (" + hex + "), origin " + origin_name(result.origin);
}

} // namespace teescope::optee
