// SPDX-License-Identifier: MIT
// The directory sub-commands of the FS requests: OPENDIR, CLOSEDIR and READDIR.
#include "optee_supplicant/file_service.h"

#include <cstring>
#include <fcntl.h>
#include <unistd.h>

#include "optee_supplicant/params.h"

namespace teescope::optee::supplicant {

namespace {

constexpr uint32_t kValueIn = TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT;
constexpr uint32_t kValueOut = TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT;
constexpr uint32_t kMemrefIn = TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT;
constexpr uint32_t kMemrefOut = TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_OUTPUT;

bool is_dot_entry(const char *name)
{
    return std::strcmp(name, ".") == 0 || std::strcmp(name, "..") == 0;
}

// The next entry that is not "." or "..", or nullptr at the end.
const dirent *next_entry(DIR *dir)
{
    for (;;) {
        const dirent *e = ::readdir(dir);
        if (!e || !is_dot_entry(e->d_name))
            return e;
    }
}

} // namespace

uint32_t FileService::open_directory(std::span<tee_ioctl_param> params)
{
    if (!has_types(params, {kValueIn, kMemrefIn, kValueOut}))
        return TEEC_ERROR_BAD_PARAMETERS;
    const auto name = name_of(params[1]);
    if (!name)
        return TEEC_ERROR_BAD_PARAMETERS;
    const int fd = ::openat(root_fd_, name->c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *dir = fd >= 0 ? ::fdopendir(fd) : nullptr;
    if (!dir) {
        if (fd >= 0)
            ::close(fd);
        return TEEC_ERROR_ITEM_NOT_FOUND;
    }
    // An empty directory reads as a missing one.
    if (!next_entry(dir)) {
        ::closedir(dir);
        return TEEC_ERROR_ITEM_NOT_FOUND;
    }
    ::rewinddir(dir);
    std::lock_guard lock(mutex_);
    size_t handle = 0;
    while (handle < directories_.size() && directories_[handle].dir)
        ++handle;
    if (handle == directories_.size())
        directories_.emplace_back();
    directories_[handle] = {dir, std::nullopt};
    params[2].a = handle;
    params[2].b = params[2].c = 0;
    return TEEC_SUCCESS;
}

uint32_t FileService::close_directory(std::span<tee_ioctl_param> params)
{
    if (!has_types(params, {kValueIn}))
        return TEEC_ERROR_BAD_PARAMETERS;
    std::lock_guard lock(mutex_);
    const uint64_t handle = params[0].b;
    if (handle >= directories_.size() || !directories_[handle].dir)
        return TEEC_ERROR_BAD_PARAMETERS;
    ::closedir(directories_[handle].dir);
    directories_[handle] = {};
    return TEEC_SUCCESS;
}

uint32_t FileService::read_directory(std::span<tee_ioctl_param> params)
{
    if (!has_types(params, {kValueIn, kMemrefOut}))
        return TEEC_ERROR_BAD_PARAMETERS;
    std::span<uint8_t> buffer;
    if (shm_.resolve(params[1], buffer) != ShmTable::Lookup::Found)
        return TEEC_ERROR_BAD_PARAMETERS;
    std::lock_guard lock(mutex_);
    const uint64_t handle = params[0].b;
    if (handle >= directories_.size() || !directories_[handle].dir)
        return TEEC_ERROR_BAD_PARAMETERS;
    Directory &d = directories_[handle];
    std::string name;
    if (d.pending) {
        name = *d.pending;
        d.pending.reset();
    } else {
        const dirent *e = next_entry(d.dir);
        if (!e)
            return TEEC_ERROR_ITEM_NOT_FOUND;
        name = e->d_name;
    }
    params[1].b = name.size() + 1;
    if (buffer.size() < name.size() + 1) {
        d.pending = name; // the secure world retries with a bigger buffer
        return TEEC_ERROR_SHORT_BUFFER;
    }
    std::memcpy(buffer.data(), name.c_str(), name.size() + 1);
    return TEEC_SUCCESS;
}

} // namespace teescope::optee::supplicant
