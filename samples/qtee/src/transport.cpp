// SPDX-License-Identifier: MIT
#include "qtee/transport.h"

#include <fcntl.h>
#include <sys/ioctl.h>

namespace teescope::qtee {

namespace {

int system_open(const char *path, int flags) { return ::open(path, flags); }
int system_ioctl(int fd, unsigned long request, void *arg) { return ::ioctl(fd, request, arg); }

Transport current{system_open, system_ioctl};

} // namespace

void set_transport(const Transport &transport) { current = transport; }
const Transport &transport() { return current; }

} // namespace teescope::qtee
