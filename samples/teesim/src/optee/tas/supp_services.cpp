// SPDX-License-Identifier: MIT
// A TA that reaches the supplicant services other than storage, each with the RPC layout OP-TEE
// uses (core/pta/socket.c, core/tee/tee_rpmb_fs.c, core/kernel/ftrace and gprof, the supplicant
// plugin PTA), and returns what the supplicant answered as its own result: the way a TA that uses
// one of them sees a supplicant that lacks it.
#include "optee/tas/tas.h"

#include <algorithm>
#include <cstring>

namespace teescope::teesim::optee {

namespace {

constexpr uint32_t kSocketOpen = 0;          // OPTEE_RPC_SOCKET_OPEN
constexpr uint16_t kRpmbGetDevInfo = 1;      // RPMB_CMD_GET_DEV_INFO
constexpr uint64_t kRpmbRequestSize = 8;     // struct rpmb_req without frames
constexpr uint64_t kRpmbDevInfoSize = 20;    // struct rpmb_dev_info
constexpr uint64_t kResponseAt = 512;        // where the output lies in the RPC buffer

MsgParam value(uint32_t type, uint64_t a, uint64_t b = 0, uint64_t c = 0)
{
    MsgParam p;
    p.type = type;
    p.a = a, p.b = b, p.c = c;
    return p;
}

MsgParam memref(uint32_t type, const ShmRef &shm, uint64_t offset, uint64_t size)
{
    MsgParam p;
    p.type = type;
    p.shm = shm;
    p.offset = offset;
    p.size = size;
    return p;
}

class SuppServices final : public Ta {
public:
    uint32_t invoke(TaCall &call, uint32_t cmd, uint32_t types, TaParams &p) override
    {
        ShmRef buf;
        if (call.rpc_buffer(4096, buf))
            return TEEC_ERROR_OUT_OF_MEMORY;
        const Uuid &self = teescope::optee::kSuppServicesUuid;
        std::vector<MsgParam> params;
        uint32_t rpc = 0;
        switch (cmd) {
        case teescope::optee::kSuppServicesCmdSocket: {
            if (types != param_types(kValueInput))
                return TEEC_ERROR_BAD_PARAMETERS;
            static const char host[] = "127.0.0.1";
            call.write_rpc(buf, 0, std::span(reinterpret_cast<const uint8_t *>(host), sizeof host));
            params = {value(kValueInput, kSocketOpen, 1), value(kValueInput, p[0].a, 0 /* TCP */, 4 /* IPv4 */),
                      memref(kMemrefInput, buf, 0, sizeof host), value(kValueOutput, 0)};
            rpc = OPTEE_RPC_CMD_SOCKET;
            break;
        }
        case teescope::optee::kSuppServicesCmdRpmb: {
            uint8_t req[kRpmbRequestSize] = {};
            std::memcpy(req, &kRpmbGetDevInfo, sizeof kRpmbGetDevInfo);
            call.write_rpc(buf, 0, req);
            params = {memref(kMemrefInput, buf, 0, sizeof req),
                      memref(kMemrefOutput, buf, kResponseAt, kRpmbDevInfoSize)};
            rpc = OPTEE_RPC_CMD_RPMB;
            break;
        }
        case teescope::optee::kSuppServicesCmdGprof:
        case teescope::optee::kSuppServicesCmdFtrace: {
            uint8_t data[256];
            for (size_t i = 0; i < sizeof data; ++i)
                data[i] = static_cast<uint8_t>(i);
            // A TEE_UUID as the TA holds it (gprof_send_rpc copies the struct): the first three
            // fields in the CPU's byte order.
            Uuid native = self;
            std::reverse(native.begin(), native.begin() + 4);
            std::reverse(native.begin() + 4, native.begin() + 6);
            std::reverse(native.begin() + 6, native.begin() + 8);
            call.write_rpc(buf, 0, native);
            call.write_rpc(buf, 64, data);
            params = {value(kValueInout, 0), memref(kMemrefInput, buf, 0, self.size()),
                      memref(kMemrefInput, buf, 64, sizeof data)};
            rpc = cmd == teescope::optee::kSuppServicesCmdGprof ? OPTEE_RPC_CMD_GPROF : OPTEE_RPC_CMD_FTRACE;
            break;
        }
        case teescope::optee::kSuppServicesCmdPlugin: {
            if (types != param_types(kValueInput))
                return TEEC_ERROR_BAD_PARAMETERS;
            uint32_t d1, d2, d3, d4;
            std::memcpy(&d1, self.data(), 4), std::memcpy(&d2, self.data() + 4, 4);
            std::memcpy(&d3, self.data() + 8, 4), std::memcpy(&d4, self.data() + 12, 4);
            params = {value(kValueInput, 0, d1, d2), value(kValueInput, d3, d4, p[0].a), value(kValueInout, 0, 0),
                      memref(kMemrefInout, buf, 0, 64)};
            rpc = OPTEE_RPC_CMD_SUPP_PLUGIN;
            break;
        }
        default:
            return TEEC_ERROR_BAD_PARAMETERS;
        }
        return call.rpc(rpc, params);
    }
};

} // namespace

std::unique_ptr<Ta> make_supp_services() { return std::make_unique<SuppServices>(); }

} // namespace teescope::teesim::optee
