// SPDX-License-Identifier: MIT
// The GP examples' hello_world TA (optee_examples/hello_world/ta): opening takes no parameters;
// INC and DEC change value a of a VALUE_INOUT.
#include "optee/tas/tas.h"

namespace teescope::teesim::optee {

namespace {

class HelloWorld final : public Ta {
public:
    uint32_t open_session(TaCall &, uint32_t types, TaParams &) override
    {
        return types == param_types(kNone) ? TEEC_SUCCESS : TEEC_ERROR_BAD_PARAMETERS;
    }

    uint32_t invoke(TaCall &, uint32_t cmd, uint32_t types, TaParams &p) override
    {
        if (types != param_types(kValueInout))
            return TEEC_ERROR_BAD_PARAMETERS;
        switch (cmd) {
        case teescope::optee::kHelloWorldCmdInc:
            ++p[0].a;
            return TEEC_SUCCESS;
        case teescope::optee::kHelloWorldCmdDec:
            --p[0].a;
            return TEEC_SUCCESS;
        default:
            return TEEC_ERROR_BAD_PARAMETERS;
        }
    }
};

} // namespace

std::unique_ptr<Ta> make_hello_world() { return std::make_unique<HelloWorld>(); }

} // namespace teescope::teesim::optee
