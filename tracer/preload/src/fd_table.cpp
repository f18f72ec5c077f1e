// SPDX-License-Identifier: MIT
#include "fd_table.h"

#include <atomic>
#include <mutex>

namespace teescope::preload {

namespace {

constexpr int kFastFds = 65536;
constexpr int kSlowFds = 256;

std::atomic<uint8_t> g_fast[kFastFds];

struct SlowEntry {
    int fd;
    FdKind kind;
};
std::mutex g_slow_mutex;
SlowEntry g_slow[kSlowFds];
int g_slow_count;
std::atomic<int> g_slow_used{0}; // skips the lock when no large descriptor was ever tracked

std::atomic<unsigned> g_contexts{0};
std::atomic<int> g_limit{0};
std::atomic<bool> g_any_sim{false};

FdKind slow_exchange(int fd, FdKind kind)
{
    std::lock_guard lock(g_slow_mutex);
    for (int i = 0; i < g_slow_count; ++i) {
        if (g_slow[i].fd != fd)
            continue;
        FdKind old = g_slow[i].kind;
        if (kind == FdKind::None)
            g_slow[i] = g_slow[--g_slow_count];
        else
            g_slow[i].kind = kind;
        return old;
    }
    // Beyond the table's capacity the descriptor stays untracked (traced as adopted if used).
    if (kind != FdKind::None && g_slow_count < kSlowFds) {
        g_slow[g_slow_count++] = {fd, kind};
        g_slow_used.store(1, std::memory_order_relaxed);
    }
    return FdKind::None;
}

} // namespace

FdKind fd_kind(int fd)
{
    if (fd < 0)
        return FdKind::None;
    if (fd < kFastFds)
        return static_cast<FdKind>(g_fast[fd].load(std::memory_order_relaxed));
    if (!g_slow_used.load(std::memory_order_relaxed))
        return FdKind::None;
    std::lock_guard lock(g_slow_mutex);
    for (int i = 0; i < g_slow_count; ++i)
        if (g_slow[i].fd == fd)
            return g_slow[i].kind;
    return FdKind::None;
}

FdKind fd_track(int fd, FdKind kind)
{
    if (fd < 0)
        return FdKind::None;
    FdKind old;
    if (fd < kFastFds)
        old = static_cast<FdKind>(g_fast[fd].exchange(static_cast<uint8_t>(kind), std::memory_order_relaxed));
    else
        old = slow_exchange(fd, kind);
    if (is_context(kind) && !is_context(old))
        g_contexts.fetch_add(1, std::memory_order_relaxed);
    else if (!is_context(kind) && is_context(old))
        g_contexts.fetch_sub(1, std::memory_order_relaxed);
    if (kind == FdKind::Sim)
        g_any_sim.store(true, std::memory_order_relaxed);
    if (kind != FdKind::None) {
        int limit = g_limit.load(std::memory_order_relaxed);
        while (fd >= limit && !g_limit.compare_exchange_weak(limit, fd + 1, std::memory_order_relaxed)) {
        }
    }
    return old;
}

unsigned fd_context_count() { return g_contexts.load(std::memory_order_relaxed); }

int fd_tracked_limit() { return g_limit.load(std::memory_order_relaxed); }

bool fd_any_sim() { return g_any_sim.load(std::memory_order_relaxed); }

} // namespace teescope::preload
