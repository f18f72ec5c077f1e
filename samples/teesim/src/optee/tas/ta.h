// SPDX-License-Identifier: MIT
// A trusted application as OP-TEE runs it: entry points called with the GP parameter types and
// four parameters, and the services of the TEE Internal API a TA uses (its memrefs, time,
// cancellation, panic, RPCs to the supplicant) through TaCall.
#pragma once

#include "core/bytes.h"
#include "optee/msg.h"
#include "optee_tas/catalogue.h"
#include "teescope/tee_uapi.h"

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace teescope::teesim::optee {

using teescope::optee::TaInfo;
using teescope::optee::Uuid;

// TEE_PARAM_TYPE_* (the same numbers as the UAPI's parameter types).
constexpr uint32_t kNone = 0, kValueInput = 1, kValueOutput = 2, kValueInout = 3;
constexpr uint32_t kMemrefInput = 5, kMemrefOutput = 6, kMemrefInout = 7;

constexpr uint32_t param_types(uint32_t t0, uint32_t t1 = kNone, uint32_t t2 = kNone, uint32_t t3 = kNone)
{
    return t0 | t1 << 4 | t2 << 8 | t3 << 12;
}

// TEE_Param: a value (a, b: 32 bits for a TA) or a memref into a client's shm (`size` may be
// updated by the TA: the size it wants or wrote).
struct TaParam {
    uint32_t type = kNone;
    uint32_t a = 0, b = 0;
    ShmRef shm;
    uint64_t offset = 0;
    uint64_t size = 0;
};
using TaParams = std::array<TaParam, 4>;

// What a TA entry can do besides computing.
class TaCall {
public:
    // The memref's bytes (false: the memory cannot be reached, or a NULL memref).
    virtual bool read(const TaParam &p, Bytes &out) = 0;
    // Writes `data` at the start of the memref; false when it does not fit or cannot be reached.
    virtual bool write(const TaParam &p, std::span<const uint8_t> data) = 0;
    // Spends `us` microseconds in the secure world (the OP-TEE thread stays busy). With
    // `cancellable` (the TA unmasked cancellation) it ends early and returns false when a CANCEL
    // for the session arrives.
    virtual bool run_for(double us, bool cancellable) = 0;
    // TEE_Panic(): the entry ends; the TA instance is dead.
    virtual void panic() = 0;
    // An RPC to the supplicant (OPTEE_RPC_CMD_*): the result; memrefs must lie in `rpc_buffer`.
    virtual uint32_t rpc(uint32_t cmd, std::vector<MsgParam> &params) = 0;
    // The thread's RPC buffer of at least `size` bytes (an application shm from the supplicant,
    // kept for the rest of the standard call): 0 or a TEE result.
    virtual uint32_t rpc_buffer(uint64_t size, ShmRef &shm) = 0;
    virtual bool write_rpc(const ShmRef &shm, uint64_t offset, std::span<const uint8_t> data) = 0;
    virtual bool read_rpc(const ShmRef &shm, uint64_t offset, uint64_t len, Bytes &out) = 0;
    // The client's identity as the TA sees it (login method).
    virtual uint32_t login() const = 0;

protected:
    ~TaCall() = default;
};

class Ta {
public:
    virtual ~Ta() = default;
    virtual uint32_t open_session(TaCall &call, uint32_t types, TaParams &params)
    {
        (void)call, (void)types, (void)params;
        return TEEC_SUCCESS;
    }
    virtual void close_session(TaCall &call) { (void)call; }
    virtual uint32_t invoke(TaCall &call, uint32_t cmd, uint32_t types, TaParams &params) = 0;
};

// A new instance of a catalogue TA.
std::unique_ptr<Ta> make_ta(const TaInfo &info);

} // namespace teescope::teesim::optee
