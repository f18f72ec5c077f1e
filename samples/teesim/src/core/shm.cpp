// SPDX-License-Identifier: MIT
#include "core/shm.h"

#include "wait.h"

#include <fcntl.h>
#include <sys/inotify.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <string>

namespace teescope::teesim {

ShmTable::ShmTable(std::mutex &lock, std::function<void(const Shm &)> freed) : mu_(lock), freed_(std::move(freed))
{
    inotify_fd_ = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    if (pipe2(wake_, O_CLOEXEC) < 0)
        wake_[0] = wake_[1] = -1;
}

ShmTable::~ShmTable()
{
    stop();
    for (auto &[id, s] : shms_) {
        if (s.own_fd >= 0)
            ::close(s.own_fd);
        if (s.src_fd >= 0)
            ::close(s.src_fd);
    }
    if (inotify_fd_ >= 0)
        ::close(inotify_fd_);
    for (int fd : wake_)
        if (fd >= 0)
            ::close(fd);
}

void ShmTable::start()
{
    if (inotify_fd_ >= 0 && wake_[0] >= 0 && !watcher_.joinable())
        watcher_ = std::thread([this] { watch(); });
}

void ShmTable::stop()
{
    if (wake_[1] >= 0) {
        char b = 1;
        [[maybe_unused]] ssize_t n = write(wake_[1], &b, 1);
    }
    if (watcher_.joinable())
        watcher_.join();
}

// An unlinked file in /dev/shm, the daemon's own description of it, and an inotify watch that
// fires when every other description (the client's descriptors and mappings) is gone.
int ShmTable::create(Shm &s, uint64_t file_size)
{
    int fd = ::open("/dev/shm", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0)
        return -errno;
    if (file_size && ftruncate(fd, static_cast<off_t>(file_size)) < 0) {
        int err = errno;
        ::close(fd);
        return -err;
    }
    std::string self = "/proc/self/fd/" + std::to_string(fd);
    s.own_fd = ::open(self.c_str(), O_RDWR | O_CLOEXEC);
    if (s.own_fd < 0) {
        int err = errno;
        ::close(fd);
        return -err;
    }
    s.wd = inotify_add_watch(inotify_fd_, self.c_str(), IN_CLOSE_WRITE | IN_CLOSE_NOWRITE);
    if (s.wd < 0) {
        int err = errno;
        ::close(fd);
        ::close(s.own_fd);
        s.own_fd = -1;
        return -err;
    }
    int32_t id = 1;
    for (auto it = shms_.lower_bound({s.device, 1}); it != shms_.end() && it->first.first == s.device; ++it) {
        if (it->first.second != id)
            break;
        ++id;
    }
    static std::atomic<uint64_t> cookies{1};
    s.id = id;
    s.cookie = cookies.fetch_add(1, std::memory_order_relaxed);
    shms_[{s.device, id}] = s;
    return fd;
}

const Shm *ShmTable::find(int device, int32_t id) const
{
    auto it = shms_.find({device, id});
    return it == shms_.end() ? nullptr : &it->second;
}

Shm *ShmTable::find(int device, int32_t id)
{
    auto it = shms_.find({device, id});
    return it == shms_.end() ? nullptr : &it->second;
}

void ShmTable::unuse(int device, int32_t id)
{
    if (Shm *s = find(device, id)) {
        --s->users;
        maybe_free(*s);
    }
}

void ShmTable::discard(int device, int32_t id)
{
    Shm *s = find(device, id);
    if (!s)
        return;
    if (s->wd >= 0)
        inotify_rm_watch(inotify_fd_, s->wd);
    if (s->own_fd >= 0)
        ::close(s->own_fd);
    if (s->src_fd >= 0)
        ::close(s->src_fd);
    shms_.erase({device, id});
}

void ShmTable::maybe_free(Shm &s)
{
    if (s.file_alive || s.users > 0)
        return;
    if (s.wd >= 0)
        inotify_rm_watch(inotify_fd_, s.wd);
    if (s.own_fd >= 0)
        ::close(s.own_fd);
    if (s.src_fd >= 0)
        ::close(s.src_fd);
    Shm gone = s;
    shms_.erase({s.device, s.id});
    freed_(gone);
}

bool ShmTable::read(const Shm &s, Bytes &out) const
{
    out.resize(std::min<uint64_t>(s.size, 16 * 1024 * 1024));
    if (s.type == Shm::Type::Register) {
        iovec local{out.data(), out.size()};
        iovec remote{reinterpret_cast<void *>(s.addr), out.size()};
        ssize_t n = process_vm_readv(s.pid, &local, 1, &remote, 1, 0);
        return n == static_cast<ssize_t>(out.size());
    }
    ssize_t n = pread(s.type == Shm::Type::RegisterFd ? s.src_fd : s.own_fd, out.data(), out.size(), 0);
    if (n < 0)
        return false;
    out.resize(static_cast<size_t>(n));
    return true;
}

bool ShmTable::read_at(const Shm &s, uint64_t offset, void *to, uint64_t len) const
{
    if (offset > s.size || len > s.size - offset)
        return false;
    if (len == 0)
        return true;
    if (s.type == Shm::Type::Register) {
        iovec local{to, len};
        iovec remote{reinterpret_cast<void *>(s.addr + offset), len};
        return process_vm_readv(s.pid, &local, 1, &remote, 1, 0) == static_cast<ssize_t>(len);
    }
    int fd = s.type == Shm::Type::RegisterFd ? s.src_fd : s.own_fd;
    return pread(fd, to, len, static_cast<off_t>(offset)) == static_cast<ssize_t>(len);
}

bool ShmTable::write_at(const Shm &s, uint64_t offset, const void *from, uint64_t len) const
{
    if (offset > s.size || len > s.size - offset)
        return false;
    if (len == 0)
        return true;
    if (s.type == Shm::Type::Register) {
        iovec local{const_cast<void *>(from), len};
        iovec remote{reinterpret_cast<void *>(s.addr + offset), len};
        return process_vm_writev(s.pid, &local, 1, &remote, 1, 0) == static_cast<ssize_t>(len);
    }
    int fd = s.type == Shm::Type::RegisterFd ? s.src_fd : s.own_fd;
    return pwrite(fd, from, len, static_cast<off_t>(offset)) == static_cast<ssize_t>(len);
}

void ShmTable::watch()
{
    // Reads only under the lock, so that sync() sees every report the watcher has not handled.
    while (wait_readable(inotify_fd_, wake_[0])) {
        std::lock_guard lk(mu_);
        sync();
    }
}

void ShmTable::sync()
{
    if (inotify_fd_ < 0)
        return;
    alignas(inotify_event) char buf[4096];
    for (;;) {
        ssize_t n = ::read(inotify_fd_, buf, sizeof buf); // non-blocking
        if (n <= 0)
            return;
        for (char *p = buf; p < buf + n;) {
            auto *e = reinterpret_cast<inotify_event *>(p);
            p += sizeof(inotify_event) + e->len;
            if (e->mask & (IN_CLOSE_WRITE | IN_CLOSE_NOWRITE))
                closed(e->wd);
        }
    }
}

void ShmTable::closed(int wd)
{
    for (auto &[id, s] : shms_) {
        if (s.wd == wd) {
            s.file_alive = false;
            maybe_free(s);
            return;
        }
    }
}

} // namespace teescope::teesim
