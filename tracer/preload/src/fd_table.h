// SPDX-License-Identifier: MIT
// Which descriptors of the process are TEE contexts or shm, so that everything else passes
// straight through after one lookup.
#pragma once

#include <cstdint>

namespace teescope::preload {

enum class FdKind : uint8_t {
    None = 0,
    Device = 1, // a real /dev/tee* or /dev/teepriv* context
    Sim = 2,    // a teesim context connection
    Shm = 3,    // a shm descriptor returned by SHM_ALLOC / SHM_REGISTER*
};

inline bool is_context(FdKind kind) { return kind == FdKind::Device || kind == FdKind::Sim; }

// Lock-free below kFastFds; larger descriptors go to a small locked table.
FdKind fd_kind(int fd);
// Records fd's kind and returns the previous one (None clears it). Keeps the context count.
FdKind fd_track(int fd, FdKind kind);
// Contexts (Device or Sim) currently open.
unsigned fd_context_count();
// One past the highest descriptor ever tracked: bounds scans such as close_range.
int fd_tracked_limit();
// True once a teesim context has been seen (enables the EINVAL answer to foreign ioctls).
bool fd_any_sim();

} // namespace teescope::preload
