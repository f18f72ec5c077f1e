// SPDX-License-Identifier: MIT
// How the library reaches the driver: open() and ioctl() by default. A program that talks to
// teesim without the preload library (the tracer benchmark's reference run) installs its own.
#pragma once

namespace teescope::qtee {

struct Transport {
    int (*open)(const char *path, int flags);                // descriptor, or -1 with errno
    int (*ioctl)(int fd, unsigned long request, void *arg);  // >= 0, or -1 with errno
};

// Replaces the transport for the whole process; call it before opening any context.
void set_transport(const Transport &transport);
const Transport &transport();

} // namespace teescope::qtee
