// SPDX-License-Identifier: MIT
// The REE file system as OP-TEE reaches it (core/tee/tee_fs_rpc.c): files in tee-supplicant's
// storage directory, opened, read and written through OPTEE_RPC_CMD_FS requests whose names and
// data travel in the thread's RPC buffer.
#pragma once

#include "optee/tas/ta.h"

#include <string>

namespace teescope::teesim::optee {

class ReeFs {
public:
    explicit ReeFs(TaCall &call) : call_(call) {}

    // Each returns 0 or the TEE result of the request (the supplicant's answer, or
    // OUT_OF_MEMORY when no RPC buffer can be had).
    uint32_t open(const std::string &name, uint32_t &fd);
    uint32_t create(const std::string &name, uint32_t &fd);
    uint32_t close(uint32_t fd);
    // Reads up to `len` bytes at `offset`; `out` holds what was read.
    uint32_t read(uint32_t fd, uint64_t offset, uint64_t len, Bytes &out);
    uint32_t write(uint32_t fd, uint64_t offset, std::span<const uint8_t> data);
    uint32_t remove(const std::string &name);

private:
    uint32_t open_or_create(uint32_t op, const std::string &name, uint32_t &fd);
    // A request naming a file: the name, NUL-terminated, in a TEE_FS_NAME_MAX-byte memref.
    uint32_t name_param(const std::string &name, MsgParam &param);

    TaCall &call_;
};

} // namespace teescope::teesim::optee
