// SPDX-License-Identifier: MIT
#include "optee_supplicant/file_service.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "optee_supplicant/log.h"
#include "optee_supplicant/params.h"

namespace teescope::optee::supplicant {

namespace {

constexpr uint32_t kValueIn = TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT;
constexpr uint32_t kValueOut = TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT;
constexpr uint32_t kMemrefIn = TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT;
constexpr uint32_t kMemrefOut = TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_OUTPUT;
// TEEC_ERROR_ACCESS_CONFLICT: a rename that must not overwrite found the target.
constexpr uint32_t kAccessConflict = 0xFFFF0003u;

uint32_t storage_error(int err)
{
    switch (err) {
    case ENOSPC:
        return TEEC_ERROR_STORAGE_NO_SPACE;
    case ENOENT:
        return TEEC_ERROR_ITEM_NOT_FOUND;
    default:
        return TEEC_ERROR_GENERIC;
    }
}

// The parent of "./a/b" ("./a"), or empty at the root.
std::string parent_of(const std::string &relative)
{
    const size_t slash = relative.rfind('/');
    return slash == std::string::npos || slash <= 1 ? std::string() : relative.substr(0, slash);
}

bool make_path(const std::string &path, mode_t mode)
{
    std::string prefix;
    size_t pos = 0;
    while (pos <= path.size()) {
        const size_t slash = path.find('/', pos);
        const size_t end = slash == std::string::npos ? path.size() : slash;
        prefix = path.substr(0, end);
        if (!prefix.empty() && ::mkdir(prefix.c_str(), mode) != 0 && errno != EEXIST)
            return false;
        pos = end + 1;
    }
    return true;
}

} // namespace

FileService::~FileService()
{
    for (int fd : files_)
        ::close(fd);
    for (Directory &d : directories_)
        if (d.dir)
            ::closedir(d.dir);
    if (root_fd_ >= 0)
        ::close(root_fd_);
}

const char *FileService::subcommand_name(uint64_t subcommand)
{
    static const char *const names[] = {"OPEN",   "CREATE", "CLOSE",   "READ",     "WRITE",  "TRUNCATE",
                                        "REMOVE", "RENAME", "OPENDIR", "CLOSEDIR", "READDIR"};
    return subcommand < std::size(names) ? names[subcommand] : "?";
}

bool FileService::open_root()
{
    std::lock_guard lock(mutex_);
    if (root_fd_ >= 0)
        return true;
    if (!make_path(root_, 0700)) {
        log_error("cannot create the storage root %s: %s", root_.c_str(), std::strerror(errno));
        return false;
    }
    root_fd_ = ::open(root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (root_fd_ < 0) {
        log_error("cannot open the storage root %s: %s", root_.c_str(), std::strerror(errno));
        return false;
    }
    return true;
}

std::optional<std::string> FileService::name_of(const tee_ioctl_param &memref) const
{
    std::span<uint8_t> bytes;
    if (shm_.resolve(memref, bytes) != ShmTable::Lookup::Found)
        return std::nullopt;
    const void *nul = std::memchr(bytes.data(), '\0', bytes.size());
    if (!nul || nul == bytes.data())
        return std::nullopt;
    const std::string name(reinterpret_cast<const char *>(bytes.data()));
    // Names are relative to the root, as "./" + name makes them; a ".." must not leave it.
    size_t pos = 0;
    while (pos <= name.size()) {
        const size_t slash = name.find('/', pos);
        const size_t end = slash == std::string::npos ? name.size() : slash;
        if (name.compare(pos, end - pos, "..") == 0)
            return std::nullopt;
        pos = end + 1;
    }
    return "./" + name;
}

int FileService::file(uint64_t fd) const
{
    std::lock_guard lock(mutex_);
    return fd <= INT32_MAX && files_.count(static_cast<int>(fd)) ? static_cast<int>(fd) : -1;
}

bool FileService::make_parents(const std::string &relative)
{
    const std::string parent = parent_of(relative);
    if (parent.empty())
        return true;
    if (!make_parents(parent))
        return false;
    return ::mkdirat(root_fd_, parent.c_str(), 0700) == 0 || errno == EEXIST;
}

uint32_t FileService::serve(std::span<tee_ioctl_param> params)
{
    if (params.empty() || !is_value(params[0]))
        return TEEC_ERROR_BAD_PARAMETERS;
    if (!open_root())
        return TEEC_ERROR_STORAGE_NOT_AVAILABLE;
    switch (params[0].a) {
    case OPTEE_RPC_FS_OPEN:
        return open_file(params, false);
    case OPTEE_RPC_FS_CREATE:
        return open_file(params, true);
    case OPTEE_RPC_FS_CLOSE:
        return close_file(params);
    case OPTEE_RPC_FS_READ:
        return read_file(params);
    case OPTEE_RPC_FS_WRITE:
        return write_file(params);
    case OPTEE_RPC_FS_TRUNCATE:
        return truncate_file(params);
    case OPTEE_RPC_FS_REMOVE:
        return remove_file(params);
    case OPTEE_RPC_FS_RENAME:
        return rename_file(params);
    case OPTEE_RPC_FS_OPENDIR:
        return open_directory(params);
    case OPTEE_RPC_FS_CLOSEDIR:
        return close_directory(params);
    case OPTEE_RPC_FS_READDIR:
        return read_directory(params);
    default:
        return TEEC_ERROR_BAD_PARAMETERS;
    }
}

uint32_t FileService::open_file(std::span<tee_ioctl_param> params, bool create)
{
    if (!has_types(params, {kValueIn, kMemrefIn, kValueOut}))
        return TEEC_ERROR_BAD_PARAMETERS;
    const auto name = name_of(params[1]);
    if (!name)
        return TEEC_ERROR_BAD_PARAMETERS;
    int fd;
    if (create) {
        const int flags = O_RDWR | O_CREAT | O_TRUNC | O_SYNC | O_CLOEXEC;
        fd = ::openat(root_fd_, name->c_str(), flags, 0600);
        if (fd < 0 && errno == ENOENT && make_parents(*name))
            fd = ::openat(root_fd_, name->c_str(), flags, 0600);
        if (fd < 0) {
            const int err = errno;
            log_error("cannot create %s/%s: %s", root_.c_str(), name->c_str() + 2, std::strerror(err));
            return storage_error(err);
        }
    } else {
        fd = ::openat(root_fd_, name->c_str(), O_RDWR | O_SYNC | O_CLOEXEC);
        if (fd < 0)
            fd = ::openat(root_fd_, name->c_str(), O_RDONLY | O_SYNC | O_CLOEXEC);
        if (fd < 0)
            return TEEC_ERROR_ITEM_NOT_FOUND;
    }
    {
        std::lock_guard lock(mutex_);
        files_.insert(fd);
    }
    params[2].a = static_cast<uint64_t>(fd);
    params[2].b = params[2].c = 0;
    return TEEC_SUCCESS;
}

uint32_t FileService::close_file(std::span<tee_ioctl_param> params)
{
    if (!has_types(params, {kValueIn}))
        return TEEC_ERROR_BAD_PARAMETERS;
    const int fd = file(params[0].b);
    if (fd < 0)
        return TEEC_ERROR_BAD_PARAMETERS;
    {
        std::lock_guard lock(mutex_);
        files_.erase(fd);
    }
    return ::close(fd) == 0 ? TEEC_SUCCESS : TEEC_ERROR_GENERIC;
}

uint32_t FileService::read_file(std::span<tee_ioctl_param> params)
{
    if (!has_types(params, {kValueIn, kMemrefOut}))
        return TEEC_ERROR_BAD_PARAMETERS;
    const int fd = file(params[0].b);
    std::span<uint8_t> buffer;
    if (fd < 0 || shm_.resolve(params[1], buffer) != ShmTable::Lookup::Found)
        return TEEC_ERROR_BAD_PARAMETERS;
    const auto offset = static_cast<off_t>(params[0].c);
    size_t done = 0;
    while (done < buffer.size()) {
        const ssize_t n =
            ::pread(fd, buffer.data() + done, buffer.size() - done, offset + static_cast<off_t>(done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return TEEC_ERROR_GENERIC;
        if (n == 0)
            break;
        done += static_cast<size_t>(n);
    }
    params[1].b = done;
    return TEEC_SUCCESS;
}

uint32_t FileService::write_file(std::span<tee_ioctl_param> params)
{
    if (!has_types(params, {kValueIn, kMemrefIn}))
        return TEEC_ERROR_BAD_PARAMETERS;
    const int fd = file(params[0].b);
    std::span<uint8_t> data;
    if (fd < 0 || shm_.resolve(params[1], data) != ShmTable::Lookup::Found)
        return TEEC_ERROR_BAD_PARAMETERS;
    const auto offset = static_cast<off_t>(params[0].c);
    size_t done = 0;
    while (done < data.size()) {
        const ssize_t n =
            ::pwrite(fd, data.data() + done, data.size() - done, offset + static_cast<off_t>(done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return storage_error(errno);
        done += static_cast<size_t>(n);
    }
    return TEEC_SUCCESS;
}

uint32_t FileService::truncate_file(std::span<tee_ioctl_param> params)
{
    if (!has_types(params, {kValueIn}))
        return TEEC_ERROR_BAD_PARAMETERS;
    const int fd = file(params[0].b);
    if (fd < 0)
        return TEEC_ERROR_BAD_PARAMETERS;
    return ::ftruncate(fd, static_cast<off_t>(params[0].c)) == 0 ? TEEC_SUCCESS : storage_error(errno);
}

uint32_t FileService::remove_file(std::span<tee_ioctl_param> params)
{
    if (!has_types(params, {kValueIn, kMemrefIn}))
        return TEEC_ERROR_BAD_PARAMETERS;
    const auto name = name_of(params[1]);
    if (!name)
        return TEEC_ERROR_BAD_PARAMETERS;
    if (::unlinkat(root_fd_, name->c_str(), 0) != 0)
        return errno == ENOENT ? TEEC_ERROR_ITEM_NOT_FOUND : TEEC_ERROR_GENERIC;
    // Directories the file leaves empty go too (two levels, as objects are stored at most
    // that deep); a directory still in use simply stays.
    std::string dir = parent_of(*name);
    for (int level = 0; level < 2 && !dir.empty(); ++level, dir = parent_of(dir))
        if (::unlinkat(root_fd_, dir.c_str(), AT_REMOVEDIR) != 0)
            break;
    return TEEC_SUCCESS;
}

uint32_t FileService::rename_file(std::span<tee_ioctl_param> params)
{
    if (!has_types(params, {kValueIn, kMemrefIn, kMemrefIn}))
        return TEEC_ERROR_BAD_PARAMETERS;
    const auto from = name_of(params[1]);
    const auto to = name_of(params[2]);
    if (!from || !to)
        return TEEC_ERROR_BAD_PARAMETERS;
    const unsigned flags = params[0].b ? 0 : RENAME_NOREPLACE;
    if (::renameat2(root_fd_, from->c_str(), root_fd_, to->c_str(), flags) == 0)
        return TEEC_SUCCESS;
    switch (errno) {
    case EEXIST:
        return kAccessConflict;
    case ENOENT:
        return TEEC_ERROR_ITEM_NOT_FOUND;
    default:
        return storage_error(errno);
    }
}

} // namespace teescope::optee::supplicant
