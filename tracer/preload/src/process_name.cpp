// SPDX-License-Identifier: MIT
#include "process_name.h"

#include "runtime.h"

#include "teescope/trace.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>

namespace teescope::preload {

namespace {

// The bound of exe and cmdline in the event (with the terminating NUL), as schemas/events.json says.
constexpr long kTextMax = 4096;

std::atomic<bool> g_announced{false};

// Raw system calls: the interposed open/close must not see our own reads.
long read_link(const char *path, char *out, long size)
{
    long n = ::syscall(SYS_readlinkat, AT_FDCWD, path, out, size - 1);
    n = n < 0 ? 0 : n;
    out[n] = '\0';
    return n;
}

// /proc/self/cmdline with its NUL separators as spaces, cut to size - 1 bytes; returns the
// length of the whole command line.
uint32_t read_cmdline(char *out, long size)
{
    out[0] = '\0';
    long fd = ::syscall(SYS_openat, AT_FDCWD, "/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    long kept = 0;
    uint64_t total = 0;
    char last = '\0';
    char chunk[512];
    for (;;) {
        long n = ::syscall(SYS_read, fd, chunk, sizeof chunk);
        if (n <= 0)
            break;
        for (long i = 0; i < n; ++i, ++total)
            if (kept < size - 1)
                out[kept++] = chunk[i] == '\0' ? ' ' : chunk[i];
        last = chunk[n - 1];
    }
    ::syscall(SYS_close, fd);
    // The last argument's terminator is no separator (a program that rewrote its arguments may
    // have left none).
    if (total > 0 && last == '\0') {
        if (kept == static_cast<long>(total))
            --kept;
        --total;
    }
    out[kept] = '\0';
    return total > UINT32_MAX ? UINT32_MAX : static_cast<uint32_t>(total);
}

} // namespace

void announce_process()
{
    if (g_announced.load(std::memory_order_relaxed) || t_guard)
        return;
    if (!TS_USER_ENABLED(proc_name))
        return;
    if (g_announced.exchange(true))
        return; // another thread is telling it
    Guard guard;
    char exe[kTextMax];
    char cmdline[kTextMax];
    read_link("/proc/self/exe", exe, sizeof exe);
    const uint32_t bytes = read_cmdline(cmdline, sizeof cmdline);
    TS_USER(proc_name, .exe = exe, .cmdline = cmdline, .cmdline_bytes = bytes);
}

} // namespace teescope::preload
