// SPDX-License-Identifier: MIT
#include "optee/os/ree_fs.h"

#include <algorithm>

namespace teescope::teesim::optee {

namespace {

MsgParam value_in(uint64_t a, uint64_t b = 0, uint64_t c = 0)
{
    MsgParam p;
    p.type = TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT;
    p.a = a, p.b = b, p.c = c;
    return p;
}

MsgParam memref(uint32_t type, const ShmRef &shm, uint64_t size)
{
    MsgParam p;
    p.type = type;
    p.shm = shm;
    p.size = size;
    return p;
}

} // namespace

uint32_t ReeFs::name_param(const std::string &name, MsgParam &param)
{
    if (name.size() + 1 > TEE_FS_NAME_MAX)
        return TEEC_ERROR_BAD_PARAMETERS;
    ShmRef shm;
    if (call_.rpc_buffer(TEE_FS_NAME_MAX, shm))
        return TEEC_ERROR_OUT_OF_MEMORY;
    Bytes text(TEE_FS_NAME_MAX, 0);
    std::copy(name.begin(), name.end(), text.begin());
    if (!call_.write_rpc(shm, 0, text))
        return TEEC_ERROR_COMMUNICATION;
    param = memref(TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT, shm, TEE_FS_NAME_MAX);
    return TEEC_SUCCESS;
}

uint32_t ReeFs::open_or_create(uint32_t op, const std::string &name, uint32_t &fd)
{
    std::vector<MsgParam> params(3);
    params[0] = value_in(op);
    if (uint32_t r = name_param(name, params[1]))
        return r;
    params[2].type = TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT;
    uint32_t r = call_.rpc(OPTEE_RPC_CMD_FS, params);
    if (r == TEEC_SUCCESS)
        fd = static_cast<uint32_t>(params[2].a);
    return r;
}

uint32_t ReeFs::open(const std::string &name, uint32_t &fd) { return open_or_create(OPTEE_RPC_FS_OPEN, name, fd); }

uint32_t ReeFs::create(const std::string &name, uint32_t &fd)
{
    return open_or_create(OPTEE_RPC_FS_CREATE, name, fd);
}

uint32_t ReeFs::close(uint32_t fd)
{
    std::vector<MsgParam> params{value_in(OPTEE_RPC_FS_CLOSE, fd)};
    return call_.rpc(OPTEE_RPC_CMD_FS, params);
}

uint32_t ReeFs::read(uint32_t fd, uint64_t offset, uint64_t len, Bytes &out)
{
    ShmRef shm;
    if (call_.rpc_buffer(std::max<uint64_t>(len, 1), shm))
        return TEEC_ERROR_OUT_OF_MEMORY;
    std::vector<MsgParam> params{value_in(OPTEE_RPC_FS_READ, fd, offset),
                                 memref(TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_OUTPUT, shm, len)};
    if (uint32_t r = call_.rpc(OPTEE_RPC_CMD_FS, params))
        return r;
    const uint64_t got = std::min(params[1].size, len);
    return call_.read_rpc(shm, 0, got, out) ? TEEC_SUCCESS : TEEC_ERROR_COMMUNICATION;
}

uint32_t ReeFs::write(uint32_t fd, uint64_t offset, std::span<const uint8_t> data)
{
    ShmRef shm;
    if (call_.rpc_buffer(std::max<uint64_t>(data.size(), 1), shm))
        return TEEC_ERROR_OUT_OF_MEMORY;
    if (!call_.write_rpc(shm, 0, data))
        return TEEC_ERROR_COMMUNICATION;
    std::vector<MsgParam> params{value_in(OPTEE_RPC_FS_WRITE, fd, offset),
                                 memref(TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT, shm, data.size())};
    return call_.rpc(OPTEE_RPC_CMD_FS, params);
}

uint32_t ReeFs::remove(const std::string &name)
{
    std::vector<MsgParam> params(2);
    params[0] = value_in(OPTEE_RPC_FS_REMOVE);
    if (uint32_t r = name_param(name, params[1]))
        return r;
    return call_.rpc(OPTEE_RPC_CMD_FS, params);
}

} // namespace teescope::teesim::optee
