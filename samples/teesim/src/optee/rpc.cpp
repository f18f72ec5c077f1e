// SPDX-License-Identifier: MIT
#include "optee/rpc.h"

#include <chrono>
#include <ctime>

namespace teescope::teesim::optee {

namespace {

TeeParam value_inout(uint64_t a, uint64_t b, uint64_t c)
{
    TeeParam p;
    p.attr = TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT;
    p.a = a, p.b = b, p.c = c;
    return p;
}

} // namespace

// optee_rpc_cmd_alloc_suppl(): the supplicant allocates and answers the id of an shm of its own
// context in `c`; the kernel holds that shm for the secure world until SHM_FREE.
uint32_t CallRpc::shm_alloc(uint64_t size, ShmRef &shm)
{
    std::vector<TeeParam> params{value_inout(OPTEE_RPC_SHM_TYPE_APPL, size, 0)};
    uint32_t ret = drv_.supplicant_request(lk_, site_.caller, site_.invocation, OPTEE_RPC_CMD_SHM_ALLOC, params);
    if (ret != TEEC_SUCCESS)
        return TEEC_ERROR_OUT_OF_MEMORY;
    Core &core = drv_.core();
    const int32_t id = static_cast<int32_t>(params[0].c);
    Shm *s = core.shm.find(kSuppDevice, id);
    // tee_shm_get_from_id(supp->ctx, c): an shm of the supplicant's context, big enough.
    if (!s || !s->ready || s->ctx != drv_.supplicant_ctx() || s->size < size)
        return TEEC_ERROR_OUT_OF_MEMORY;
    ++s->users;
    shm = {&core, kSuppDevice, id, s->cookie};
    return TEEC_SUCCESS;
}

// optee_rpc_cmd_free_suppl(): the kernel lets go of the shm, then tells the supplicant (whose
// answer does not matter).
void CallRpc::shm_free(const ShmRef &shm)
{
    Core &core = drv_.core();
    if (const Shm *s = core.shm.find(shm.device, shm.id); s && s->cookie == shm.cookie)
        core.shm.unuse(shm.device, shm.id);
    std::vector<TeeParam> params{value_inout(OPTEE_RPC_SHM_TYPE_APPL, static_cast<uint64_t>(shm.id), 0)};
    drv_.supplicant_request(lk_, site_.caller, site_.invocation, OPTEE_RPC_CMD_SHM_FREE, params);
}

// optee_rpc_cmd(): GET_TIME and SUSPEND are the kernel's; every other command goes to the
// supplicant with `func` = the command.
uint32_t CallRpc::cmd(uint32_t cmd, std::vector<MsgParam> &params)
{
    switch (cmd) {
    case OPTEE_RPC_CMD_GET_TIME: {
        if (params.size() != 1 || params[0].type != TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT)
            return TEEC_ERROR_BAD_PARAMETERS;
        timespec ts{};
        clock_gettime(CLOCK_REALTIME, &ts);
        params[0].a = static_cast<uint64_t>(ts.tv_sec);
        params[0].b = static_cast<uint64_t>(ts.tv_nsec);
        return TEEC_SUCCESS;
    }
    case OPTEE_RPC_CMD_SUSPEND: {
        if (params.size() != 1 || params[0].type != TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT)
            return TEEC_ERROR_BAD_PARAMETERS;
        const auto due = std::chrono::steady_clock::now() + std::chrono::milliseconds(params[0].a);
        while (std::chrono::steady_clock::now() < due && !drv_.core().stopping)
            drv_.core().cv.wait_until(lk_, due); // SUSPEND: nothing but time or the end wakes it
        return TEEC_SUCCESS;
    }
    case OPTEE_RPC_CMD_NOTIFICATION:
    case OPTEE_RPC_CMD_SHM_ALLOC:
    case OPTEE_RPC_CMD_SHM_FREE:
        return TEEC_ERROR_BAD_PARAMETERS; // not as a plain command
    default:
        return to_supplicant(cmd, params);
    }
}

// handle_rpc_supp_cmd(): optee_from_msg_param, the request, optee_to_msg_param back. A memref
// names the supplicant's shm by its id.
uint32_t CallRpc::to_supplicant(uint32_t cmd, std::vector<MsgParam> &params)
{
    std::vector<TeeParam> tp(params.size());
    for (size_t i = 0; i < params.size(); ++i) {
        const MsgParam &m = params[i];
        TeeParam &p = tp[i];
        p.attr = m.type;
        if (m.is_value()) {
            p.a = m.a, p.b = m.b, p.c = m.c;
        } else if (m.is_memref()) {
            p.b = m.size;
            if (m.shm) {
                p.shm = m.shm.id;
                p.a = m.offset;
                p.c = static_cast<uint64_t>(m.shm.id);
            }
        } else if (m.type != TEE_IOCTL_PARAM_ATTR_TYPE_NONE) {
            return TEEC_ERROR_BAD_PARAMETERS;
        }
    }
    uint32_t ret = drv_.supplicant_request(lk_, site_.caller, site_.invocation, cmd, tp);
    for (size_t i = 0; i < params.size(); ++i) {
        MsgParam &m = params[i];
        if (m.is_value()) {
            m.a = tp[i].a, m.b = tp[i].b, m.c = tp[i].c;
        } else if (m.is_memref()) {
            m.size = tp[i].b;
        }
    }
    return ret;
}

} // namespace teescope::teesim::optee
