// SPDX-License-Identifier: MIT
// Shared memory of one TEE device (drivers/tee/tee_shm.c): ids, the descriptor a client maps,
// and the moment the memory is freed. A simulated shm is an unlinked file in /dev/shm; the
// daemon watches its own description of it with inotify, so it learns when the client's last
// descriptor and last mapping are gone, like the last fput() of the kernel's shm file.
#pragma once

#include "core/bytes.h"

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

namespace teescope::teesim {

struct Shm {
    int32_t id = 0;
    uint64_t cookie = 0; // unique for the daemon's life (ids are reused)
    int device = 0;      // the personality's device number: ids are per device
    uint64_t ctx = 0;    // serial of the owning context
    uint64_t size = 0;   // as written back: page-rounded for SHM_ALLOC, exact for SHM_REGISTER
    enum class Type { Alloc, Register, RegisterFd } type = Type::Alloc;
    int own_fd = -1;     // the daemon's own open of the watched file
    int src_fd = -1;     // RegisterFd: the registered descriptor
    int wd = -1;
    pid_t pid = 0;       // Register: the process whose memory it is
    uint64_t addr = 0;   // Register: its address there
    bool file_alive = true;
    bool ready = true;   // false while the driver registers it: no call can name it yet
    int users = 0;       // memory objects and in-flight memrefs holding it
};

class ShmTable {
public:
    // `freed` runs (with the driver lock held) when an shm is gone, to drop its context reference.
    ShmTable(std::mutex &lock, std::function<void(const Shm &)> freed);
    ~ShmTable();
    ShmTable(const ShmTable &) = delete;
    ShmTable &operator=(const ShmTable &) = delete;

    // Starts the watcher thread; stop() ends it.
    void start();
    void stop();
    // Frees at once what inotify has already reported closed. In the kernel the last fput() of
    // an shm frees it before close() returns; here the report comes later, so every ioctl first
    // takes in what is queued: a descriptor closed before the call is gone for the call (its id
    // free again) however fast the watcher thread is. The caller holds the lock.
    void sync();

    // Creates a watched file and a new shm with the lowest free id from 1 of its device (ids are
    // per device, shared by all its contexts, tee_shm.c: idr_alloc(&teedev->idr, NULL, 1, 0)).
    // Returns the descriptor for the client, or -errno. The caller holds the lock.
    int create(Shm &s, uint64_t file_size);
    // Drops an shm whose creation the driver refused, before anyone saw it (no `freed` call).
    void discard(int device, int32_t id);

    const Shm *find(int device, int32_t id) const;
    Shm *find(int device, int32_t id);
    // A holder (memory object, in-flight memref) let go: frees the shm when nothing else holds it.
    void unuse(int device, int32_t id);
    size_t live() const { return shms_.size(); }
    // Reads the content the secure world sees (RegisterFd: the registered descriptor's).
    bool read(const Shm &s, Bytes &out) const;
    // Reads or writes `len` bytes at `offset` of the memory behind an shm (registered memory in
    // the client's process). False when that memory cannot be reached.
    bool read_at(const Shm &s, uint64_t offset, void *to, uint64_t len) const;
    bool write_at(const Shm &s, uint64_t offset, const void *from, uint64_t len) const;

private:
    void watch();
    void closed(int wd);
    void maybe_free(Shm &s);

    std::mutex &mu_;
    std::function<void(const Shm &)> freed_;
    std::map<std::pair<int, int32_t>, Shm> shms_; // by (device, id)
    int inotify_fd_ = -1;
    int wake_[2] = {-1, -1};
    std::thread watcher_;
};

} // namespace teescope::teesim
