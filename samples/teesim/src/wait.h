// SPDX-License-Identifier: MIT
#pragma once

#include <poll.h>

#include <cerrno>

namespace teescope::teesim {

// Waits until `fd` is readable. False when `stop` became readable first (the thread should end)
// or poll failed for good.
inline bool wait_readable(int fd, int stop)
{
    for (;;) {
        pollfd fds[2] = {{fd, POLLIN, 0}, {stop, POLLIN, 0}};
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        return !fds[1].revents;
    }
}

} // namespace teescope::teesim
