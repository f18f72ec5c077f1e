// SPDX-License-Identifier: MIT
#include "optee_client/context.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <string_view>
#include <sys/ioctl.h>
#include <unistd.h>

#include "teescope/tee_uapi.h"

namespace teescope::optee {

namespace {

constexpr int kMaxDevices = 10;

// Opens `path` if it is a GP TEE matching `name`; -1 otherwise (the caller tries the next one).
int open_device(const char *path, const char *name, uint32_t &gen_caps)
{
    const int fd = ::open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return -1;
    tee_ioctl_version_data version{};
    if (::ioctl(fd, TEE_IOC_VERSION, &version) != 0) {
        std::fprintf(stderr, "optee client: TEE_IOC_VERSION on %s failed: %s\n", path, std::strerror(errno));
        ::close(fd);
        return -1;
    }
    bool wanted = (version.gen_caps & TEE_GEN_CAP_GP) != 0;
    if (wanted && name)
        wanted = std::string_view(name) == "optee-tz" && version.impl_id == TEE_IMPL_ID_OPTEE &&
                 (version.impl_caps & TEE_OPTEE_CAP_TZ) != 0;
    if (!wanted) {
        ::close(fd);
        return -1;
    }
    gen_caps = version.gen_caps;
    return fd;
}

} // namespace

uint32_t Context::initialize(const char *name)
{
    if (fd_ >= 0)
        return TEEC_ERROR_BAD_PARAMETERS;
    for (int i = 0; i < kMaxDevices; ++i) {
        char path[32];
        std::snprintf(path, sizeof path, "/dev/tee%d", i);
        uint32_t gen_caps = 0;
        const int fd = open_device(path, name, gen_caps);
        if (fd < 0)
            continue;
        fd_ = fd;
        reg_mem_ = (gen_caps & TEE_GEN_CAP_REG_MEM) != 0;
        memref_null_ = (gen_caps & TEE_GEN_CAP_MEMREF_NULL) != 0;
        return TEEC_SUCCESS;
    }
    return TEEC_ERROR_ITEM_NOT_FOUND;
}

void Context::finalize()
{
    if (fd_ >= 0)
        ::close(fd_);
    fd_ = -1;
}

int Context::leak()
{
    const int fd = fd_;
    fd_ = -1;
    return fd;
}

} // namespace teescope::optee
