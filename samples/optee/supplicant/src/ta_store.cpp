// SPDX-License-Identifier: MIT
#include "optee_supplicant/ta_store.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "optee_supplicant/log.h"
#include "optee_supplicant/params.h"

namespace teescope::optee::supplicant {

std::string uuid_text(const uint8_t (&u)[16])
{
    char text[40];
    std::snprintf(text, sizeof text, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                  u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13],
                  u[14], u[15]);
    return text;
}

int TaStore::open_image(const uint8_t (&uuid)[16], std::string &path) const
{
    const std::string name = uuid_text(uuid);
    // The older name without the fourth dash is still accepted, as tee-supplicant does.
    std::string legacy = name;
    legacy.erase(23, 1);
    for (const std::string &dir : dirs_) {
        for (const std::string &file : {name, legacy}) {
            path = dir + "/" + file + ".ta";
            const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
            if (fd >= 0)
                return fd;
            if (errno != ENOENT)
                log_error("cannot open %s: %s", path.c_str(), std::strerror(errno));
        }
    }
    return -1;
}

uint32_t TaStore::load(std::span<tee_ioctl_param> params) const
{
    if (params.size() != 2 || !is_value(params[0]) || !is_memref(params[1]))
        return TEEC_ERROR_BAD_PARAMETERS;
    uint8_t uuid[16];
    std::memcpy(uuid, &params[0].a, 8);
    std::memcpy(uuid + 8, &params[0].b, 8);

    std::span<uint8_t> buffer;
    bool size_query = false;
    switch (shm_.resolve(params[1], buffer)) {
    case ShmTable::Lookup::Found:
        break;
    case ShmTable::Lookup::NotOurs:
        // No buffer of ours: the secure world only asks how big the image is.
        if (param_type(params[1]) == TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT)
            return TEEC_ERROR_BAD_PARAMETERS;
        size_query = true;
        break;
    case ShmTable::Lookup::OutOfRange:
        return TEEC_ERROR_BAD_PARAMETERS;
    }

    std::string path;
    const int fd = open_image(uuid, path);
    if (fd < 0) {
        log_error("TA %s not found", uuid_text(uuid).c_str());
        return TEEC_ERROR_ITEM_NOT_FOUND;
    }
    struct stat st {
    };
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        log_error("%s is not a regular file", path.c_str());
        ::close(fd);
        return TEEC_ERROR_GENERIC;
    }
    const auto size = static_cast<uint64_t>(st.st_size);
    params[1].b = size;
    if (size_query) {
        ::close(fd);
        return TEEC_SUCCESS;
    }
    if (size > buffer.size()) {
        ::close(fd);
        return TEEC_ERROR_SHORT_BUFFER;
    }
    size_t done = 0;
    while (done < size) {
        const ssize_t n = ::pread(fd, buffer.data() + done, size - done, static_cast<off_t>(done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            log_error("cannot read %s: %s", path.c_str(), n < 0 ? std::strerror(errno) : "file shrank");
            ::close(fd);
            return TEEC_ERROR_GENERIC;
        }
        done += static_cast<size_t>(n);
    }
    ::close(fd);
    return TEEC_SUCCESS;
}

} // namespace teescope::optee::supplicant
