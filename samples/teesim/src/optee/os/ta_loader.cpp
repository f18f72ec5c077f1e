// SPDX-License-Identifier: MIT
// Loading a TA from the REE file system through tee-supplicant (optee_os core/kernel/ree_fs_ta.c:
// rpc_load): LOAD_TA without a buffer asks for the size, an application shm of that size comes
// from the supplicant (SHM_ALLOC), LOAD_TA fills it, the image is checked, and the shm is freed.
#include "optee/os/entry_call.h"
#include "optee/os/os.h"

#include "optee_tas/image.h"

#include <cstring>

namespace teescope::teesim::optee {

namespace {

// LOAD_TA's parameters: the uuid's 16 octets in a and b, and the output memref.
std::vector<MsgParam> load_params(const Uuid &uuid, const ShmRef &shm, uint64_t size)
{
    std::vector<MsgParam> params(2);
    params[0].type = TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT;
    std::memcpy(&params[0].a, uuid.data(), 8);
    std::memcpy(&params[0].b, uuid.data() + 8, 8);
    params[1].type = TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_OUTPUT;
    params[1].shm = shm;
    params[1].size = size;
    return params;
}

} // namespace

uint32_t load_ta(EntryCall &call, const Uuid &uuid)
{
    RpcHandler &rpc = call.handler();
    auto query = load_params(uuid, {}, 0);
    if (uint32_t r = rpc.cmd(OPTEE_RPC_CMD_LOAD_TA, query))
        return r;
    const uint64_t size = query[1].size;
    if (size == 0)
        return TEEC_ERROR_SECURITY; // nothing to verify: an empty image
    ShmRef payload;
    if (rpc.shm_alloc(size, payload) != TEEC_SUCCESS)
        return TEEC_ERROR_OUT_OF_MEMORY;
    auto load = load_params(uuid, payload, size);
    uint32_t r = rpc.cmd(OPTEE_RPC_CMD_LOAD_TA, load);
    if (r == TEEC_SUCCESS) {
        Bytes image;
        r = call.read_rpc(payload, 0, size, image) ? teescope::optee::check_ta_image(image, uuid)
                                                   : TEEC_ERROR_SECURITY;
    }
    rpc.shm_free(payload);
    return r;
}

} // namespace teescope::teesim::optee
