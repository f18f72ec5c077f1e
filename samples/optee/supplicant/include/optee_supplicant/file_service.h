// SPDX-License-Identifier: MIT
// The REE file system of OP-TEE's secure storage (FS requests): files and directories under the
// storage root, which is created (0700) at the first request. The secure world names files by
// NUL-terminated strings in our shm, relative to the root, and holds open files by descriptor
// and directories by handle (lowest free index).
#pragma once

#include <cstdint>
#include <dirent.h>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "optee_supplicant/shm_table.h"

namespace teescope::optee::supplicant {

class FileService
{
  public:
    FileService(std::string root, const ShmTable &shm) : root_(std::move(root)), shm_(shm) {}
    ~FileService();
    FileService(const FileService &) = delete;
    FileService &operator=(const FileService &) = delete;

    // params[0].a is the sub-command (OPTEE_RPC_FS_*). STORAGE_NOT_AVAILABLE when the root
    // cannot be made.
    uint32_t serve(std::span<tee_ioctl_param> params);

    // "OPEN", "READDIR", … for logging.
    static const char *subcommand_name(uint64_t subcommand);

  private:
    struct Directory {
        DIR *dir = nullptr;
        std::optional<std::string> pending; // a name refused with SHORT_BUFFER, offered again
    };

    bool open_root();
    // The name a memref input holds, relative to the root ("./name"); nullopt if it is not a
    // NUL-terminated string in our shm or it leaves the root.
    std::optional<std::string> name_of(const tee_ioctl_param &memref) const;

    uint32_t open_file(std::span<tee_ioctl_param> params, bool create);
    uint32_t close_file(std::span<tee_ioctl_param> params);
    uint32_t read_file(std::span<tee_ioctl_param> params);
    uint32_t write_file(std::span<tee_ioctl_param> params);
    uint32_t truncate_file(std::span<tee_ioctl_param> params);
    uint32_t remove_file(std::span<tee_ioctl_param> params);
    uint32_t rename_file(std::span<tee_ioctl_param> params);
    uint32_t open_directory(std::span<tee_ioctl_param> params);
    uint32_t close_directory(std::span<tee_ioctl_param> params);
    uint32_t read_directory(std::span<tee_ioctl_param> params);

    // A descriptor this service opened for the secure world, or -1.
    int file(uint64_t fd) const;
    bool make_parents(const std::string &relative);

    std::string root_;
    const ShmTable &shm_;
    mutable std::mutex mutex_;
    int root_fd_ = -1;
    std::set<int> files_;
    std::vector<Directory> directories_;
};

} // namespace teescope::optee::supplicant
