// SPDX-License-Identifier: MIT
#include "user_memory.h"

#include "channel.h"

#include <cerrno>
#include <cstring>

namespace teescope::simlink::detail {

namespace {

// process_vm_readv/writev on our own pid: a bad address fails with EFAULT instead of SIGSEGV.
// Where a sandbox forbids these calls (EPERM, ENOSYS) we fall back to plain copies, which work
// for every valid pointer but cannot turn a bad one into EFAULT.
bool transfer(bool to_user, const iovec &local, const iovec *remote, int count, size_t total)
{
    ssize_t n = to_user ? ::process_vm_writev(own_pid(), &local, 1, remote, count, 0)
                        : ::process_vm_readv(own_pid(), &local, 1, remote, count, 0);
    if (n >= 0)
        return static_cast<size_t>(n) == total;
    if (errno != EPERM && errno != ENOSYS)
        return false;
    auto *cursor = static_cast<unsigned char *>(local.iov_base);
    for (int i = 0; i < count; ++i) {
        if (to_user)
            std::memcpy(remote[i].iov_base, cursor, remote[i].iov_len);
        else
            std::memcpy(cursor, remote[i].iov_base, remote[i].iov_len);
        cursor += remote[i].iov_len;
    }
    return true;
}

} // namespace

bool copy_in(void *to, uint64_t from, size_t len)
{
    if (len == 0)
        return true;
    iovec local{to, len};
    iovec remote{reinterpret_cast<void *>(static_cast<uintptr_t>(from)), len};
    return transfer(false, local, &remote, 1, len);
}

bool copy_out(uint64_t to, const void *from, size_t len)
{
    if (len == 0)
        return true;
    iovec local{const_cast<void *>(from), len};
    iovec remote{reinterpret_cast<void *>(static_cast<uintptr_t>(to)), len};
    return transfer(true, local, &remote, 1, len);
}

void Segments::add(uint64_t addr, size_t len)
{
    if (len == 0)
        return;
    remote[count++] = {reinterpret_cast<void *>(static_cast<uintptr_t>(addr)), len};
    total += len;
}

bool Segments::read_into(unsigned char *local_buf) const
{
    if (total == 0)
        return true;
    iovec local{local_buf, total};
    return transfer(false, local, remote, count, total);
}

bool Segments::write_from(const unsigned char *local_buf) const
{
    if (total == 0)
        return true;
    iovec local{const_cast<unsigned char *>(local_buf), total};
    return transfer(true, local, remote, count, total);
}

} // namespace teescope::simlink::detail
