// SPDX-License-Identifier: MIT
// The workload TA: its time comes from the latency rules of the configuration (applied by the
// OS to every command), plus what each command does itself.
#include "optee/tas/tas.h"

namespace teescope::teesim::optee {

namespace {

class Workload final : public Ta {
public:
    uint32_t invoke(TaCall &call, uint32_t cmd, uint32_t types, TaParams &p) override
    {
        switch (cmd) {
        case teescope::optee::kWorkloadCmdWork:
            if (types != param_types(kNone) && types != param_types(kValueInput))
                return TEEC_ERROR_BAD_PARAMETERS;
            return TEEC_SUCCESS;
        case teescope::optee::kWorkloadCmdEcho:
            return echo(call, types, p);
        case teescope::optee::kWorkloadCmdSleep:
            if (types != param_types(kValueInput))
                return TEEC_ERROR_BAD_PARAMETERS;
            // TEE_Wait() with cancellation unmasked.
            return call.run_for(p[0].a * 1000.0, true) ? TEEC_SUCCESS : TEEC_ERROR_CANCEL;
        default:
            return TEEC_ERROR_BAD_PARAMETERS;
        }
    }

private:
    static uint32_t echo(TaCall &call, uint32_t types, TaParams &p)
    {
        if (types != param_types(kMemrefInput, kMemrefOutput))
            return TEEC_ERROR_BAD_PARAMETERS;
        if (p[1].size < p[0].size) {
            p[1].size = p[0].size; // the size needed
            return TEEC_ERROR_SHORT_BUFFER;
        }
        Bytes data;
        if (p[0].size && !call.read(p[0], data))
            return TEEC_ERROR_BAD_PARAMETERS;
        if (p[0].size && !call.write(p[1], data))
            return TEEC_ERROR_BAD_PARAMETERS;
        p[1].size = p[0].size;
        return TEEC_SUCCESS;
    }
};

} // namespace

std::unique_ptr<Ta> make_workload() { return std::make_unique<Workload>(); }

} // namespace teescope::teesim::optee
