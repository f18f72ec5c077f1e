// SPDX-License-Identifier: MIT
// The supplicant device: /dev/teepriv0..9 (or the one given), accepted when its implementation is
// OP-TEE. The driver lets one supplicant at a time open it (EBUSY for the next).
#pragma once

#include <cstdint>
#include <string>

namespace teescope::optee::supplicant {

struct Device {
    int fd = -1;
    uint32_t gen_caps = 0;
    std::string path;
};

// Opens `path`, or the first OP-TEE device of /dev/teepriv0..9 when it is empty. On failure
// returns fd -1 and `error` says why.
Device open_device(const std::string &path, std::string &error);

} // namespace teescope::optee::supplicant
