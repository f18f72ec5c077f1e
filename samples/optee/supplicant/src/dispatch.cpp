// SPDX-License-Identifier: MIT
#include "optee_supplicant/dispatch.h"

#include "optee_supplicant/log.h"
#include "optee_supplicant/params.h"

namespace teescope::optee::supplicant {

namespace {

const char *command_name(uint32_t func)
{
    switch (func) {
    case OPTEE_RPC_CMD_LOAD_TA:
        return "LOAD_TA";
    case OPTEE_RPC_CMD_RPMB:
        return "RPMB";
    case OPTEE_RPC_CMD_FS:
        return "FS";
    case OPTEE_RPC_CMD_SHM_ALLOC:
        return "SHM_ALLOC";
    case OPTEE_RPC_CMD_SHM_FREE:
        return "SHM_FREE";
    case OPTEE_RPC_CMD_GPROF:
        return "GPROF";
    case OPTEE_RPC_CMD_SOCKET:
        return "SOCKET";
    case OPTEE_RPC_CMD_FTRACE:
        return "FTRACE";
    case OPTEE_RPC_CMD_SUPP_PLUGIN:
        return "PLUGIN";
    default:
        return nullptr;
    }
}

} // namespace

Dispatcher::Dispatcher(int device_fd, uint32_t gen_caps, const Options &options)
    : shm_(device_fd, (gen_caps & TEE_GEN_CAP_REG_MEM) != 0), tas_(options.ta_dirs, shm_),
      files_(options.fs_dir, shm_), gprof_(options.prof_dir, "gmon-", shm_),
      ftrace_(options.prof_dir, "ftrace-", shm_)
{
}

std::string Dispatcher::describe(uint32_t func, std::span<const tee_ioctl_param> params)
{
    const char *name = command_name(func);
    std::string text = name ? name : "command " + std::to_string(func);
    if (func == OPTEE_RPC_CMD_FS && !params.empty())
        text += std::string(" ") + FileService::subcommand_name(params[0].a);
    return text;
}

uint32_t Dispatcher::serve(uint32_t func, std::span<tee_ioctl_param> params)
{
    switch (func) {
    case OPTEE_RPC_CMD_LOAD_TA:
        return tas_.load(params);
    case OPTEE_RPC_CMD_FS:
        return files_.serve(params);
    case OPTEE_RPC_CMD_SHM_ALLOC:
        return shm_alloc(params);
    case OPTEE_RPC_CMD_SHM_FREE:
        return shm_free(params);
    case OPTEE_RPC_CMD_GPROF:
        return gprof_.write(params);
    case OPTEE_RPC_CMD_FTRACE:
        return ftrace_.write(params);
    case OPTEE_RPC_CMD_RPMB:
        log_error("RPMB request refused: this supplicant has no RPMB device or emulation");
        return TEEC_ERROR_NOT_SUPPORTED;
    case OPTEE_RPC_CMD_SOCKET:
        log_error("SOCKET request refused: this supplicant does not provide GP sockets");
        return TEEC_ERROR_NOT_SUPPORTED;
    case OPTEE_RPC_CMD_SUPP_PLUGIN:
        log_error("PLUGIN request refused: this supplicant loads no plugins");
        return TEEC_ERROR_NOT_SUPPORTED;
    default:
        log_error("command %u not supported", func);
        return TEEC_ERROR_NOT_SUPPORTED;
    }
}

uint32_t Dispatcher::shm_alloc(std::span<tee_ioctl_param> params)
{
    // {a = type (application memory: the only kind the kernel forwards), b = size}; c = the id.
    if (params.size() != 1 || !is_value(params[0]))
        return TEEC_ERROR_BAD_PARAMETERS;
    int32_t id = -1;
    const uint32_t res = shm_.allocate(params[0].b, id);
    if (res == TEEC_SUCCESS)
        params[0].c = static_cast<uint64_t>(id);
    return res;
}

uint32_t Dispatcher::shm_free(std::span<tee_ioctl_param> params)
{
    // {a = type, b = shm id}
    if (params.size() != 1 || !is_value(params[0]) || params[0].b > static_cast<uint64_t>(INT32_MAX))
        return TEEC_ERROR_BAD_PARAMETERS;
    return shm_.free(static_cast<int32_t>(params[0].b));
}

} // namespace teescope::optee::supplicant
