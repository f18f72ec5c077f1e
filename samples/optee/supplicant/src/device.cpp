// SPDX-License-Identifier: MIT
#include "optee_supplicant/device.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "teescope/tee_uapi.h"

namespace teescope::optee::supplicant {

namespace {

constexpr int kMaxDevices = 10;

// The device if it is OP-TEE's; otherwise fd -1 and why in `error`.
Device try_open(const std::string &path, std::string &error)
{
    Device dev;
    const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        error = path + ": " + std::strerror(errno);
        return dev;
    }
    tee_ioctl_version_data version{};
    if (::ioctl(fd, TEE_IOC_VERSION, &version) != 0) {
        error = path + ": TEE_IOC_VERSION: " + std::strerror(errno);
        ::close(fd);
        return dev;
    }
    if (version.impl_id != TEE_IMPL_ID_OPTEE) {
        error = path + " is not an OP-TEE device (impl_id " + std::to_string(version.impl_id) + ")";
        ::close(fd);
        return dev;
    }
    dev.fd = fd;
    dev.gen_caps = version.gen_caps;
    dev.path = path;
    return dev;
}

} // namespace

Device open_device(const std::string &path, std::string &error)
{
    if (!path.empty())
        return try_open(path, error);
    std::string first_error;
    for (int i = 0; i < kMaxDevices; ++i) {
        std::string why;
        Device dev = try_open("/dev/teepriv" + std::to_string(i), why);
        if (dev.fd >= 0)
            return dev;
        // The first device's reason is the telling one (busy, not OP-TEE); later ones are
        // usually just absent.
        if (first_error.empty())
            first_error = why;
    }
    error = "failed to find an OP-TEE supplicant device (" + first_error + ")";
    return {};
}

} // namespace teescope::optee::supplicant
