// SPDX-License-Identifier: MIT
// Copies between the caller's memory and the transport's buffers that fail instead of crashing:
// a bad address becomes EFAULT, as a kernel's copy_from_user / copy_to_user would.
#pragma once

#include "teescope/tee_uapi.h"

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>

namespace teescope::simlink::detail {

bool copy_in(void *to, uint64_t from, size_t len);
bool copy_out(uint64_t to, const void *from, size_t len);

// Scattered user segments to or from one contiguous local buffer.
struct Segments {
    static constexpr int kMax = 1 + TEE_MAX_ARG_SIZE / sizeof(tee_ioctl_param);
    iovec remote[kMax];
    int count = 0;
    size_t total = 0;

    void add(uint64_t addr, size_t len);
    bool read_into(unsigned char *local_buf) const;
    bool write_from(const unsigned char *local_buf) const;
};

} // namespace teescope::simlink::detail
