// SPDX-License-Identifier: MIT
// A TA that panics on request (TEE_Panic): the instance dies; OP-TEE answers TARGET_DEAD.
#include "optee/tas/tas.h"

namespace teescope::teesim::optee {

namespace {

class Panic final : public Ta {
public:
    uint32_t invoke(TaCall &call, uint32_t cmd, uint32_t, TaParams &) override
    {
        switch (cmd) {
        case teescope::optee::kPanicCmdOk:
            return TEEC_SUCCESS;
        case teescope::optee::kPanicCmdPanic:
            call.panic();
            return TEEC_ERROR_GENERIC;
        default:
            return TEEC_ERROR_BAD_PARAMETERS;
        }
    }
};

} // namespace

std::unique_ptr<Ta> make_panic() { return std::make_unique<Panic>(); }

} // namespace teescope::teesim::optee
