// SPDX-License-Identifier: MIT
// The driver's side of the secure world's RPCs during one standard call (smc_abi.c:
// optee_handle_rpc, handle_rpc_func_cmd; rpc.c: optee_rpc_cmd, handle_rpc_supp_cmd,
// optee_rpc_cmd_alloc_suppl, optee_rpc_cmd_free_suppl): what the kernel answers itself and what
// becomes a request for the supplicant.
#pragma once

#include "optee/driver.h"

#include <functional>

namespace teescope::teesim::optee {

class CallRpc final : public RpcHandler {
public:
    CallRpc(OpteeDriver &driver, Lock &lk, const OpteeDriver::CallSite &site) : drv_(driver), lk_(lk), site_(site) {}

    uint32_t shm_alloc(uint64_t size, ShmRef &shm) override;
    void shm_free(const ShmRef &shm) override;
    uint32_t cmd(uint32_t cmd, std::vector<MsgParam> &params) override;
    Lock &lock() override { return lk_; }
    void started() override
    {
        if (on_started)
            on_started();
    }

    std::function<void()> on_started;

private:
    uint32_t to_supplicant(uint32_t cmd, std::vector<MsgParam> &params);

    OpteeDriver &drv_;
    Lock &lk_;
    OpteeDriver::CallSite site_;
};

} // namespace teescope::teesim::optee
