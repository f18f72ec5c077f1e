// SPDX-License-Identifier: MIT
// A GP client context (TEEC_Context): one open TEE device. Initialising tries /dev/tee0 …
// /dev/tee9 and keeps the first that is a GP TEE; what the device supports decides how shared
// memory is made later (registered heap memory with REG_MEM, SHM_ALLOC and mmap without) and
// whether a NULL memref can be sent as such (MEMREF_NULL).
#pragma once

#include <cstdint>

namespace teescope::optee {

class Context
{
  public:
    Context() = default;
    ~Context() { finalize(); }
    Context(const Context &) = delete;
    Context &operator=(const Context &) = delete;

    // TEEC_InitializeContext. `name` nullptr takes any GP TEE; "optee-tz" only OP-TEE on
    // TrustZone. Returns TEEC_SUCCESS, BAD_PARAMETERS (already initialised) or ITEM_NOT_FOUND
    // (no device qualifies).
    uint32_t initialize(const char *name = nullptr);
    // TEEC_FinalizeContext: closes the device. Sessions left open are closed by the driver when
    // the context is released.
    void finalize();
    // Gives up the device descriptor without closing it: the context lives until the process
    // exits (a client that never finalizes). Returns the descriptor.
    int leak();

    bool initialized() const { return fd_ >= 0; }
    int fd() const { return fd_; }
    // The device's generic capabilities that matter here (TEE_GEN_CAP_REG_MEM, _MEMREF_NULL).
    bool registers_memory() const { return reg_mem_; }
    bool accepts_null_memref() const { return memref_null_; }

  private:
    int fd_ = -1;
    bool reg_mem_ = false;
    bool memref_null_ = false;
};

} // namespace teescope::optee
