// SPDX-License-Identifier: MIT
// GPROF and FTRACE requests: a TA's profile (gmon data) or function trace, written to
// "<dir>/<prefix><ta uuid>[.N].out". The first request of a run (id 0) makes a new file and
// answers its id; later requests with that id append to it.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "optee_supplicant/shm_table.h"

namespace teescope::optee::supplicant {

class ProfileWriter
{
  public:
    // prefix: "gmon-" or "ftrace-".
    ProfileWriter(std::string dir, std::string prefix, const ShmTable &shm)
        : dir_(std::move(dir)), prefix_(std::move(prefix)), shm_(shm)
    {
    }

    // params: [0] VALUE_INOUT a = file id (0: a new file), [1] MEMREF_INPUT the TA's uuid (a
    // TEE_UUID), [2] MEMREF_INPUT the data. SUCCESS with [0].a = the file id, BAD_PARAMETERS or
    // GENERIC.
    uint32_t write(std::span<tee_ioctl_param> params) const;

  private:
    std::string path(const std::string &uuid, uint64_t id) const;

    std::string dir_;
    std::string prefix_;
    const ShmTable &shm_;
};

} // namespace teescope::optee::supplicant
