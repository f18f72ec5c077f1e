// SPDX-License-Identifier: MIT
#include "optee_supplicant/params.h"

#include <cstring>

namespace teescope::optee::supplicant {

void RpcBuffer::prepare_receive()
{
    std::memset(this, 0, sizeof *this);
    num_params = kRpcSlots;
    params[0].attr = TEE_IOCTL_PARAM_ATTR_META;
}

bool is_value(const tee_ioctl_param &p)
{
    const uint32_t t = param_type(p);
    return t >= TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT && t <= TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT;
}

bool is_memref(const tee_ioctl_param &p)
{
    const uint32_t t = param_type(p);
    return t >= TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT && t <= TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INOUT;
}

bool has_types(std::span<const tee_ioctl_param> params, std::initializer_list<uint32_t> types)
{
    if (params.size() != types.size())
        return false;
    size_t i = 0;
    for (uint32_t t : types)
        if (param_type(params[i++]) != t)
            return false;
    return true;
}

} // namespace teescope::optee::supplicant
