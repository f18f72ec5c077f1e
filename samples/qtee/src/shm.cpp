// SPDX-License-Identifier: MIT
#include "qtee/shm.h"
#include "qtee/transport.h"

#include <cerrno>
#include <string>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

namespace teescope::qtee {

SharedMemory::SharedMemory(Context &ctx, size_t size) : size_(size)
{
    tee_ioctl_shm_alloc_data data{};
    data.size = size;
    const int fd = transport().ioctl(ctx.fd(), TEE_IOC_SHM_ALLOC, &data);
    if (fd < 0)
        throw TeeError("TEE_IOC_SHM_ALLOC of " + std::to_string(size) + " bytes", errno);
    fd_ = fd;
    id_ = data.id;
    addr_ = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
    if (addr_ == MAP_FAILED) {
        const int err = errno;
        addr_ = nullptr;
        ::close(fd_);
        fd_ = -1;
        throw TeeError("mmap of shm " + std::to_string(id_), err);
    }
}

SharedMemory::~SharedMemory()
{
    reset();
}

void SharedMemory::reset()
{
    if (addr_)
        ::munmap(addr_, size_);
    if (fd_ >= 0)
        ::close(fd_);
    addr_ = nullptr;
    fd_ = -1;
}

void SharedMemory::leak()
{
    addr_ = nullptr;
    fd_ = -1;
}

} // namespace teescope::qtee
