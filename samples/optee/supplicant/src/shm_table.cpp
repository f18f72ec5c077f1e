// SPDX-License-Identifier: MIT
#include "optee_supplicant/shm_table.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "optee_supplicant/log.h"

namespace teescope::optee::supplicant {

ShmTable::~ShmTable()
{
    for (auto &[id, e] : entries_) {
        ::close(e.fd);
        if (e.registered)
            std::free(e.memory);
        else
            ::munmap(e.memory, e.mapped_size);
    }
}

uint32_t ShmTable::allocate(uint64_t size, int32_t &id)
{
    Entry e{};
    e.size = size;
    if (register_memory_) {
        const auto page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
        void *p = nullptr;
        if (::posix_memalign(&p, page, (size + page - 1) / page * page) != 0)
            return TEEC_ERROR_OUT_OF_MEMORY;
        tee_ioctl_shm_register_data data{};
        data.addr = reinterpret_cast<uintptr_t>(p);
        data.length = size;
        const int fd = ::ioctl(device_fd_, TEE_IOC_SHM_REGISTER, &data);
        if (fd < 0) {
            log_error("TEE_IOC_SHM_REGISTER of %llu bytes: %s", static_cast<unsigned long long>(size),
                      std::strerror(errno));
            std::free(p);
            return TEEC_ERROR_OUT_OF_MEMORY;
        }
        e = {p, size, size, fd, true};
        id = data.id;
    } else {
        tee_ioctl_shm_alloc_data data{};
        data.size = size;
        const int fd = ::ioctl(device_fd_, TEE_IOC_SHM_ALLOC, &data);
        if (fd < 0) {
            log_error("TEE_IOC_SHM_ALLOC of %llu bytes: %s", static_cast<unsigned long long>(size),
                      std::strerror(errno));
            return TEEC_ERROR_OUT_OF_MEMORY;
        }
        // The driver may round up: map what it made.
        void *p = ::mmap(nullptr, data.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (p == MAP_FAILED) {
            log_error("mmap of shm %d: %s", data.id, std::strerror(errno));
            ::close(fd);
            return TEEC_ERROR_OUT_OF_MEMORY;
        }
        e = {p, size, data.size, fd, false};
        id = data.id;
    }
    std::lock_guard lock(mutex_);
    entries_[id] = e;
    return TEEC_SUCCESS;
}

uint32_t ShmTable::free(int32_t id)
{
    Entry e{};
    {
        std::lock_guard lock(mutex_);
        auto it = entries_.find(id);
        if (it == entries_.end())
            return TEEC_ERROR_BAD_PARAMETERS;
        e = it->second;
        entries_.erase(it);
    }
    ::close(e.fd);
    if (e.registered) {
        std::free(e.memory);
    } else if (::munmap(e.memory, e.mapped_size) != 0) {
        log_error("munmap of shm %d: %s", id, std::strerror(errno));
        return TEEC_ERROR_BAD_PARAMETERS;
    }
    return TEEC_SUCCESS;
}

ShmTable::Lookup ShmTable::resolve(const tee_ioctl_param &memref, std::span<uint8_t> &bytes) const
{
    // A memref without shm (c = TEE_MEMREF_NULL) or of someone else's shm is not ours.
    if (memref.c > static_cast<uint64_t>(INT32_MAX))
        return Lookup::NotOurs;
    std::lock_guard lock(mutex_);
    auto it = entries_.find(static_cast<int32_t>(memref.c));
    if (it == entries_.end())
        return Lookup::NotOurs;
    const Entry &e = it->second;
    if (memref.a > e.size || memref.b > e.size - memref.a)
        return Lookup::OutOfRange;
    bytes = {static_cast<uint8_t *>(e.memory) + memref.a, static_cast<size_t>(memref.b)};
    return Lookup::Found;
}

} // namespace teescope::optee::supplicant
