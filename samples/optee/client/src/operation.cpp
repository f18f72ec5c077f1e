// SPDX-License-Identifier: MIT
#include "optee_client/operation.h"

#include "optee_client/shared_memory.h"

namespace teescope::optee {

Operation &Operation::value(size_t index, ParamType type, uint32_t a, uint32_t b)
{
    types.at(index) = type;
    params.at(index).value = {a, b};
    return *this;
}

Operation &Operation::temp(size_t index, ParamType type, void *buffer, size_t size)
{
    types.at(index) = type;
    params.at(index).tmpref = {buffer, size};
    return *this;
}

Operation &Operation::whole(size_t index, SharedMemory &shm)
{
    types.at(index) = ParamType::MemrefWhole;
    params.at(index).memref = {&shm, shm.size(), 0};
    return *this;
}

Operation &Operation::partial(size_t index, ParamType type, SharedMemory &shm, size_t offset, size_t size)
{
    types.at(index) = type;
    params.at(index).memref = {&shm, size, offset};
    return *this;
}

} // namespace teescope::optee
