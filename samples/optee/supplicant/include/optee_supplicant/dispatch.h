// SPDX-License-Identifier: MIT
// What the supplicant answers to each RPC command of the secure world: LOAD_TA, SHM_ALLOC and
// SHM_FREE, FS, GPROF and FTRACE. RPMB, SOCKET and PLUGIN answer NOT_SUPPORTED, as a
// tee-supplicant built without RPMB emulation, GP sockets and plugins does; so does any other
// command.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "optee_supplicant/file_service.h"
#include "optee_supplicant/options.h"
#include "optee_supplicant/profiling.h"
#include "optee_supplicant/shm_table.h"
#include "optee_supplicant/ta_store.h"

namespace teescope::optee::supplicant {

class Dispatcher
{
  public:
    Dispatcher(int device_fd, uint32_t gen_caps, const Options &options);

    // Serves one request; `params` (after the META slot) are answered in place. Returns the
    // result for SUPPL_SEND.
    uint32_t serve(uint32_t func, std::span<tee_ioctl_param> params);

    // "LOAD_TA", "FS READ", … for logging.
    static std::string describe(uint32_t func, std::span<const tee_ioctl_param> params);

  private:
    uint32_t shm_alloc(std::span<tee_ioctl_param> params);
    uint32_t shm_free(std::span<tee_ioctl_param> params);

    ShmTable shm_;
    TaStore tas_;
    FileService files_;
    ProfileWriter gprof_;
    ProfileWriter ftrace_;
};

} // namespace teescope::optee::supplicant
