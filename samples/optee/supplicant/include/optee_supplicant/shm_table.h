// SPDX-License-Identifier: MIT
// The shared memory the supplicant made for the secure world (SHM_ALLOC requests), by shm id.
// With REG_MEM it is page-aligned heap memory registered on the supplicant device
// (SHM_REGISTER), otherwise the driver's (SHM_ALLOC and mmap); the shm's descriptor is kept until
// SHM_FREE. Memrefs of every other request resolve only in this table: the supplicant never maps
// memory it did not make.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <span>

#include "teescope/tee_uapi.h"

namespace teescope::optee::supplicant {

class ShmTable
{
  public:
    ShmTable(int device_fd, bool register_memory) : device_fd_(device_fd), register_memory_(register_memory)
    {
    }
    ~ShmTable();
    ShmTable(const ShmTable &) = delete;
    ShmTable &operator=(const ShmTable &) = delete;

    // SHM_ALLOC: `size` bytes; TEEC_SUCCESS with `id`, or OUT_OF_MEMORY.
    uint32_t allocate(uint64_t size, int32_t &id);
    // SHM_FREE: TEEC_SUCCESS, or BAD_PARAMETERS for an id that is not ours.
    uint32_t free(int32_t id);

    enum class Lookup { Found, NotOurs, OutOfRange };
    // The bytes a memref parameter names ({a offset, b size, c shm id}).
    Lookup resolve(const tee_ioctl_param &memref, std::span<uint8_t> &bytes) const;

  private:
    struct Entry {
        void *memory;
        uint64_t size;        // as requested: what memrefs are checked against
        uint64_t mapped_size; // as mapped (SHM_ALLOC rounds to pages)
        int fd;
        bool registered;
    };

    int device_fd_;
    bool register_memory_;
    mutable std::mutex mutex_;
    std::map<int32_t, Entry> entries_;
};

} // namespace teescope::optee::supplicant
