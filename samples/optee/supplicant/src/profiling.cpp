// SPDX-License-Identifier: MIT
#include "optee_supplicant/profiling.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

#include "optee_supplicant/log.h"
#include "optee_supplicant/params.h"

namespace teescope::optee::supplicant {

namespace {

// Files of one TA per run are numbered; this many runs are kept apart.
constexpr uint64_t kMaxFiles = 1000;

// A TEE_UUID as the TA's memory holds it: native-endian integer fields, then eight octets.
std::string uuid_of(std::span<const uint8_t> bytes)
{
    uint32_t time_low;
    uint16_t time_mid, time_hi;
    std::memcpy(&time_low, bytes.data(), 4);
    std::memcpy(&time_mid, bytes.data() + 4, 2);
    std::memcpy(&time_hi, bytes.data() + 6, 2);
    const uint8_t *n = bytes.data() + 8;
    char text[40];
    std::snprintf(text, sizeof text, "%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x", time_low, time_mid,
                  time_hi, n[0], n[1], n[2], n[3], n[4], n[5], n[6], n[7]);
    return text;
}

bool write_all(int fd, std::span<const uint8_t> data)
{
    size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return false;
        done += static_cast<size_t>(n);
    }
    return true;
}

} // namespace

std::string ProfileWriter::path(const std::string &uuid, uint64_t id) const
{
    // id 1 is the plain name, id N > 1 gets ".N-1", so the first run is easy to find.
    std::string p = dir_ + "/" + prefix_ + uuid;
    if (id > 1)
        p += "." + std::to_string(id - 1);
    return p + ".out";
}

uint32_t ProfileWriter::write(std::span<tee_ioctl_param> params) const
{
    constexpr uint32_t kInout = TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT;
    constexpr uint32_t kIn = TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT;
    if (!has_types(params, {kInout, kIn, kIn}))
        return TEEC_ERROR_BAD_PARAMETERS;
    std::span<uint8_t> uuid_bytes, data;
    if (shm_.resolve(params[1], uuid_bytes) != ShmTable::Lookup::Found || uuid_bytes.size() < 16 ||
        shm_.resolve(params[2], data) != ShmTable::Lookup::Found)
        return TEEC_ERROR_BAD_PARAMETERS;
    const std::string uuid = uuid_of(uuid_bytes);

    uint64_t id = params[0].a;
    int fd = -1;
    if (id == 0) {
        // A new run: the first free name.
        for (uint64_t candidate = 1; candidate <= kMaxFiles && fd < 0; ++candidate) {
            fd = ::open(path(uuid, candidate).c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
            if (fd >= 0)
                id = candidate;
            else if (errno != EEXIST)
                break;
        }
    } else {
        fd = ::open(path(uuid, id).c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    }
    if (fd < 0) {
        log_error("cannot write %s%s output in %s: %s", prefix_.c_str(), uuid.c_str(), dir_.c_str(),
                  std::strerror(errno));
        return TEEC_ERROR_GENERIC;
    }
    const bool ok = write_all(fd, data);
    ::close(fd);
    if (!ok)
        return TEEC_ERROR_GENERIC;
    params[0].a = id;
    return TEEC_SUCCESS;
}

} // namespace teescope::optee::supplicant
