// SPDX-License-Identifier: MIT
// Shared memory from SHM_ALLOC: the descriptor the driver returns, mapped into the process.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "qtee/context.h"

namespace teescope::qtee {

class SharedMemory {
public:
    // SHM_ALLOC of `size` bytes + mmap. Throws TeeError naming the failing step.
    SharedMemory(Context &ctx, size_t size);
    ~SharedMemory();
    SharedMemory(const SharedMemory &) = delete;
    SharedMemory &operator=(const SharedMemory &) = delete;

    int fd() const { return fd_; }
    int32_t id() const { return id_; }
    std::span<uint8_t> bytes() const { return {static_cast<uint8_t *>(addr_), size_}; }
    // The memory object to pass in an OBJREF_INPUT.
    ObjectRef object() const { return ObjectRef::memory(id_); }
    // Unmaps and closes now.
    void reset();
    // Keeps it mapped and open until the process exits.
    void leak();

private:
    int fd_ = -1;
    int32_t id_ = -1;
    void *addr_ = nullptr;
    size_t size_ = 0;
};

} // namespace teescope::qtee
