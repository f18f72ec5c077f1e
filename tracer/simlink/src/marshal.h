// SPDX-License-Identifier: MIT
// One TEE ioctl over a channel: what the kernel would copy from the caller is read here and sent,
// what it would copy back is written from the reply (see protocol.h).
#pragma once

#include "channel.h"
#include "teescope/simlink/client.h"

#include <cstdint>

namespace teescope::simlink::detail {

// VERSION, CANCEL, CLOSE_SESSION and the SHM ioctls: a fixed struct. Returns the ioctl's result
// (a descriptor for the SHM ioctls) or -errno.
long fixed_ioctl(Channel &ch, const ContextRef &ctx, unsigned long cmd, void *arg);

// OPEN_SESSION, INVOKE, OBJECT_INVOKE, SUPPL_RECV, SUPPL_SEND: a tee_ioctl_buf_data that points
// at a header and parameters. Returns 0 or -errno.
long buffer_ioctl(Channel &ch, const ContextRef &ctx, unsigned long cmd, void *arg, ArgumentTap *tap);

} // namespace teescope::simlink::detail
