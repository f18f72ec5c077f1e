// SPDX-License-Identifier: MIT
// The request argument of SUPPL_RECV / SUPPL_SEND as tee-supplicant uses it: one buffer of five
// parameter slots, the first offered as META so the driver runs the asynchronous protocol (the
// request id comes back in it and goes back unchanged with the answer), four for the request.
// Handlers answer in place: output values and memref sizes are written into the same slots.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>

#include "teescope/tee_uapi.h"

namespace teescope::optee::supplicant {

inline constexpr uint32_t kRpcSlots = 1 + OPTEE_RPC_MAX_PARAMS;

struct RpcBuffer {
    uint32_t func_or_ret; // the request's command (RECV), the answer's result (SEND)
    uint32_t num_params;  // slots offered (RECV), then used: META included
    tee_ioctl_param params[kRpcSlots];

    // Ready for SUPPL_RECV: every slot empty, slot 0 META.
    void prepare_receive();
};
static_assert(sizeof(RpcBuffer) == sizeof(tee_iocl_supp_recv_arg) + kRpcSlots * sizeof(tee_ioctl_param));
static_assert(offsetof(RpcBuffer, params) == offsetof(tee_iocl_supp_recv_arg, params));

inline uint32_t param_type(const tee_ioctl_param &p)
{
    return tee_param_type(p.attr);
}
bool is_value(const tee_ioctl_param &p);
bool is_memref(const tee_ioctl_param &p);

// The parameters of a request have exactly these types (kernel numbering).
bool has_types(std::span<const tee_ioctl_param> params, std::initializer_list<uint32_t> types);

} // namespace teescope::optee::supplicant
