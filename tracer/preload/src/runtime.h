// SPDX-License-Identifier: MIT
// Process-wide state of the preloaded tracer: the functions it wraps, its configuration and the
// per-thread re-entrancy guard.
#pragma once

#include <sys/types.h>

#include <cstddef>

namespace teescope::preload {

// The next definitions of the functions we interpose (libc's, normally).
struct RealFunctions {
    int (*open)(const char *, int, ...);
    int (*open64)(const char *, int, ...);
    int (*openat)(int, const char *, int, ...);
    int (*openat64)(int, const char *, int, ...);
    int (*open_2)(const char *, int);
    int (*open64_2)(const char *, int);
    int (*openat_2)(int, const char *, int);
    int (*openat64_2)(int, const char *, int);
    int (*close)(int);
    int (*close_range)(unsigned, unsigned, int);
    int (*ioctl)(int, unsigned long, ...);
    void *(*mmap)(void *, size_t, int, int, int, off_t);
    void *(*mmap64)(void *, size_t, int, int, int, off_t);
    int (*dup)(int);
    int (*dup2)(int, int);
    int (*dup3)(int, int, int);
    int (*fcntl)(int, int, ...);
    int (*fcntl64)(int, int, ...);
    pid_t (*fork)();
};

// Resolves the real functions once (dlsym(RTLD_NEXT)). Returns null while the resolution is under
// way (dlsym itself may call an interposed function): callers then use a raw system call.
const RealFunctions *real();

// Reads the configuration and loads the tracepoint providers; idempotent and thread-safe.
void initialize();

// The socket of the teesim daemon (TEESCOPE_SIM), or null when devices are real.
const char *sim_socket();

// Set while the tracer itself runs on this thread: calls made by LTTng or by us pass straight through.
extern thread_local int t_guard;

struct Guard {
    Guard() { ++t_guard; }
    ~Guard() { --t_guard; }
    Guard(const Guard &) = delete;
    Guard &operator=(const Guard &) = delete;
};

// Is path a TEE device node (/dev/teeN or /dev/teeprivN)? *client_device says whether it is a
// client device /dev/teeN.
bool is_tee_device_path(const char *path, bool *client_device);

} // namespace teescope::preload
