// SPDX-License-Identifier: MIT
#include "optee_client/shared_memory.h"

#include <cerrno>
#include <cstdlib>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "optee_client/context.h"
#include "teescope/tee_uapi.h"

namespace teescope::optee {

namespace {

bool valid_flags(uint32_t flags)
{
    return flags != 0 && (flags & ~(kMemInput | kMemOutput)) == 0;
}

// A zero-sized shm still gets memory: the driver refuses empty shared memory.
size_t driver_size(size_t size)
{
    return size == 0 ? 8 : size;
}

void *page_aligned_alloc(size_t size)
{
    const auto page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
    void *p = nullptr;
    if (::posix_memalign(&p, page, (size + page - 1) / page * page) != 0)
        return nullptr;
    return p;
}

// SHM_REGISTER of user memory: the registration's descriptor, or -1 with errno.
int register_user_memory(int ctx_fd, void *buffer, size_t size, int32_t &id)
{
    tee_ioctl_shm_register_data data{};
    data.addr = reinterpret_cast<uintptr_t>(buffer);
    data.length = size;
    const int fd = ::ioctl(ctx_fd, TEE_IOC_SHM_REGISTER, &data);
    if (fd >= 0)
        id = data.id;
    return fd;
}

// SHM_ALLOC and a shared mapping of it; the shm descriptor is closed at once (the mapping keeps
// the shm alive). The mapping, or nullptr.
void *allocate_mapped(int ctx_fd, size_t size, int32_t &id)
{
    tee_ioctl_shm_alloc_data data{};
    data.size = size;
    const int fd = ::ioctl(ctx_fd, TEE_IOC_SHM_ALLOC, &data);
    if (fd < 0)
        return nullptr;
    void *p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ::close(fd);
    if (p == MAP_FAILED)
        return nullptr;
    id = data.id;
    return p;
}

} // namespace

void SharedMemory::reset_fields()
{
    ctx_ = nullptr;
    buffer_ = nullptr;
    size_ = 0;
    flags_ = 0;
    id_ = -1;
    registered_fd_ = -1;
    shadow_ = nullptr;
    alloced_size_ = 0;
    buffer_owned_ = false;
    shadow_owned_ = false;
}

uint32_t SharedMemory::allocate(Context &ctx, size_t size, uint32_t flags)
{
    if (active() || !ctx.initialized() || !valid_flags(flags))
        return TEEC_ERROR_BAD_PARAMETERS;
    const size_t s = driver_size(size);
    int32_t id = -1;
    if (ctx.registers_memory()) {
        void *p = page_aligned_alloc(s);
        if (!p)
            return TEEC_ERROR_OUT_OF_MEMORY;
        const int fd = register_user_memory(ctx.fd(), p, s, id);
        if (fd < 0) {
            std::free(p);
            return TEEC_ERROR_OUT_OF_MEMORY;
        }
        buffer_ = p;
        registered_fd_ = fd;
    } else {
        void *p = allocate_mapped(ctx.fd(), s, id);
        if (!p)
            return TEEC_ERROR_OUT_OF_MEMORY;
        buffer_ = p;
    }
    ctx_ = &ctx;
    size_ = size;
    flags_ = flags;
    id_ = id;
    alloced_size_ = s;
    buffer_owned_ = true;
    return TEEC_SUCCESS;
}

uint32_t SharedMemory::register_memory(Context &ctx, void *buffer, size_t size, uint32_t flags)
{
    if (active() || !ctx.initialized() || !valid_flags(flags) || !buffer)
        return TEEC_ERROR_BAD_PARAMETERS;
    const size_t s = driver_size(size);
    int32_t id = -1;
    if (ctx.registers_memory()) {
        int fd = register_user_memory(ctx.fd(), buffer, s, id);
        if (fd < 0) {
            // Memory the driver cannot pin (read-only, for example): register a copy instead.
            void *shadow = page_aligned_alloc(s);
            if (!shadow)
                return TEEC_ERROR_OUT_OF_MEMORY;
            fd = register_user_memory(ctx.fd(), shadow, s, id);
            if (fd < 0) {
                const int err = errno;
                std::free(shadow);
                return err == ENOMEM ? TEEC_ERROR_OUT_OF_MEMORY : TEEC_ERROR_GENERIC;
            }
            shadow_ = shadow;
            shadow_owned_ = true;
        }
        registered_fd_ = fd;
    } else {
        void *shadow = allocate_mapped(ctx.fd(), s, id);
        if (!shadow)
            return TEEC_ERROR_OUT_OF_MEMORY;
        shadow_ = shadow;
    }
    ctx_ = &ctx;
    buffer_ = buffer;
    size_ = size;
    flags_ = flags;
    id_ = id;
    alloced_size_ = s;
    return TEEC_SUCCESS;
}

void SharedMemory::release()
{
    if (!active())
        return;
    if (registered_fd_ >= 0)
        ::close(registered_fd_);
    if (shadow_) {
        if (shadow_owned_)
            std::free(shadow_);
        else
            ::munmap(shadow_, alloced_size_);
    }
    if (buffer_owned_) {
        if (registered_fd_ >= 0)
            std::free(buffer_);
        else
            ::munmap(buffer_, alloced_size_);
    }
    reset_fields();
}

void SharedMemory::leak()
{
    reset_fields();
}

} // namespace teescope::optee
