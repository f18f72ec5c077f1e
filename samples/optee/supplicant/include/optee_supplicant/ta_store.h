// SPDX-License-Identifier: MIT
// LOAD_TA: trusted applications from disk, "<uuid>.ta" in the TA directories (first match). The
// secure world asks twice: first for the size (an output memref that is not in one of our shm),
// then into the shm it had us allocate for it.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "optee_supplicant/shm_table.h"

namespace teescope::optee::supplicant {

class TaStore
{
  public:
    TaStore(std::vector<std::string> dirs, const ShmTable &shm) : dirs_(std::move(dirs)), shm_(shm) {}

    // params: [0] VALUE (the uuid's 16 octets in a then b), [1] MEMREF_OUTPUT. The answer's
    // [1].b is the image size. SUCCESS, SHORT_BUFFER, ITEM_NOT_FOUND, BAD_PARAMETERS or GENERIC.
    uint32_t load(std::span<tee_ioctl_param> params) const;

  private:
    // An open descriptor of the TA's image, or -1 when no directory has it.
    int open_image(const uint8_t (&uuid)[16], std::string &path) const;

    std::vector<std::string> dirs_;
    const ShmTable &shm_;
};

// "8aaaf200-2450-11e4-abe2-0002a5d5c51b".
std::string uuid_text(const uint8_t (&uuid)[16]);

} // namespace teescope::optee::supplicant
