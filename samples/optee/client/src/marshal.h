// SPDX-License-Identifier: MIT
// An operation as the four UAPI parameters of one call (libteec's pre- and post-processing):
// temporary memrefs become shared memory for the duration of the call, shadows of registered
// memory are filled before and read back after, outputs go back into the operation.
#pragma once

#include <array>
#include <cstdint>

#include "optee_client/operation.h"
#include "optee_client/shared_memory.h"
#include "teescope/tee_uapi.h"

namespace teescope::optee {

class Context;

class CallParams
{
  public:
    explicit CallParams(Context &ctx) : ctx_(ctx) {}
    // The temporary shared memory is released whatever happened.
    ~CallParams() = default;
    CallParams(const CallParams &) = delete;
    CallParams &operator=(const CallParams &) = delete;

    // Fills `params` from `operation` (nullptr: four NONE). TEEC_SUCCESS, or the result to
    // report with origin API (the call is not made).
    uint32_t prepare(Operation *operation);
    // After an ioctl that returned 0, whatever the TEE's result: outputs into `operation`.
    void finish(Operation *operation) const;

    std::array<tee_ioctl_param, kOperationParams> params{};

  private:
    uint32_t prepare_temp(size_t index, ParamType type, TempMemref &ref);
    uint32_t prepare_whole(size_t index, RegisteredMemref &ref);
    uint32_t prepare_partial(size_t index, ParamType type, RegisteredMemref &ref);

    Context &ctx_;
    std::array<SharedMemory, kOperationParams> temps_;
};

} // namespace teescope::optee
