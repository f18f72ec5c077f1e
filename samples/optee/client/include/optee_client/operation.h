// SPDX-License-Identifier: MIT
// The parameters of an open or invoke (TEEC_Operation): four slots, each a value pair, a
// temporary memref (client memory shared for this call only) or a memref of registered shared
// memory (whole, or a range of it). Output values and sizes are written back after the call;
// a SHORT_BUFFER answer leaves the size the trusted application needs.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace teescope::optee {

class SharedMemory;

inline constexpr size_t kOperationParams = 4; // TEEC_CONFIG_PAYLOAD_REF_COUNT

// The GP parameter types (TEEC_NONE …), with their GP numbers.
enum class ParamType : uint32_t {
    None = 0x0,
    ValueInput = 0x1,
    ValueOutput = 0x2,
    ValueInout = 0x3,
    MemrefTempInput = 0x5,
    MemrefTempOutput = 0x6,
    MemrefTempInout = 0x7,
    MemrefWhole = 0xC,
    MemrefPartialInput = 0xD,
    MemrefPartialOutput = 0xE,
    MemrefPartialInout = 0xF,
};

struct Value {
    uint32_t a = 0;
    uint32_t b = 0;
};

struct TempMemref {
    void *buffer = nullptr; // nullptr with size 0: a NULL memref
    size_t size = 0;
};

struct RegisteredMemref {
    SharedMemory *parent = nullptr;
    size_t size = 0;   // whole: ignored on input (the parent's size)
    size_t offset = 0; // partial only
};

// One slot; which member counts depends on its type.
struct Parameter {
    Value value;
    TempMemref tmpref;
    RegisteredMemref memref;
};

class Operation
{
  public:
    Operation() = default;
    Operation(const Operation &) = delete; // an invoke in progress is found through its address
    Operation &operator=(const Operation &) = delete;

    std::array<ParamType, kOperationParams> types{};
    std::array<Parameter, kOperationParams> params{};

    Operation &value(size_t index, ParamType type, uint32_t a = 0, uint32_t b = 0);
    Operation &temp(size_t index, ParamType type, void *buffer, size_t size);
    Operation &whole(size_t index, SharedMemory &shm);
    Operation &partial(size_t index, ParamType type, SharedMemory &shm, size_t offset, size_t size);

  private:
    friend class Session;
    friend bool request_cancellation(Operation &operation);
    // The session an invoke of this operation is running on, for cancellation; guarded by the
    // library's cancellation lock.
    int running_ctx_fd_ = -1;
    uint32_t running_session_ = 0;
};

} // namespace teescope::optee
