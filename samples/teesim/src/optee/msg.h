// SPDX-License-Identifier: MIT
// What the OP-TEE driver and OP-TEE OS exchange (optee_msg.h): a message argument of a standard
// call, its parameters, the SMC result, and the normal world's side of an RPC. teesim passes them
// as objects instead of physical addresses; a memref names the shm behind it directly (the
// kernel's struct tee_shm pointer in shm_ref).
#pragma once

#include "core/bytes.h"

#include <cstdint>
#include <mutex>
#include <vector>

namespace teescope::teesim {

class Core;
using Lock = std::unique_lock<std::mutex>;

namespace optee {

// An shm of one driver instance (under Xen, of one guest). `cookie` is unique for the daemon's
// life (the kernel passes the struct tee_shm pointer): an id may be reused, a cookie is not.
struct ShmRef {
    Core *core = nullptr;
    int device = 0;
    int32_t id = -1;
    uint64_t cookie = 0;

    explicit operator bool() const { return core != nullptr && id >= 0; }
};

// struct optee_msg_param as the driver fills it. `type` uses the UAPI numbering (NONE, VALUE_*,
// MEMREF_*): the driver's RMEM/TMEM distinction does not matter here. A memref without `shm` is
// a NULL memref (OP-TEE sees size 0).
struct MsgParam {
    uint32_t type = 0;
    bool meta = false;
    uint64_t a = 0, b = 0, c = 0; // VALUE_*
    ShmRef shm;                   // MEMREF_*
    bool tmem = false;            // in OP-TEE's reserved pool: no registration to look up
    uint64_t offset = 0;
    uint64_t size = 0;

    bool is_value() const { return type >= 1 && type <= 3; }
    bool is_memref() const { return type >= 5 && type <= 7; }
};

// optee_msg_arg.
struct MsgArg {
    uint32_t cmd = 0;
    uint32_t func = 0;
    uint32_t session = 0;
    uint32_t cancel_id = 0;
    uint32_t ret = 0;
    uint32_t ret_origin = 0;
    std::vector<MsgParam> params;
};

// OPTEE_MSG_CMD_*.
constexpr uint32_t kCmdOpenSession = 0;
constexpr uint32_t kCmdInvoke = 1;
constexpr uint32_t kCmdCloseSession = 2;
constexpr uint32_t kCmdCancel = 3;
constexpr uint32_t kCmdRegisterShm = 4;
constexpr uint32_t kCmdUnregisterShm = 5;

// What a standard call's SMC returns in a0 (OPTEE_SMC_RETURN_*).
enum class Smc { Ok, ThreadLimit, BadAddr, BadCmd, NoMem };

// The normal world's side of the secure world's RPCs during one standard call (the Linux
// driver's optee_handle_rpc / handle_rpc_func_cmd). Called on the calling thread, lock held.
class RpcHandler {
public:
    // OPTEE_RPC_CMD_SHM_ALLOC of application memory: 0 and the shm, or a TEE result.
    virtual uint32_t shm_alloc(uint64_t size, ShmRef &shm) = 0;
    // OPTEE_RPC_CMD_SHM_FREE.
    virtual void shm_free(const ShmRef &shm) = 0;
    // Any other command: the result the secure world sees; params updated with the answer.
    virtual uint32_t cmd(uint32_t cmd, std::vector<MsgParam> &params) = 0;
    // The lock of the call: dropped while the secure world waits.
    virtual Lock &lock() = 0;
    // The secure world took a thread for the call and runs it.
    virtual void started() {}

protected:
    ~RpcHandler() = default;
};

// Where a standard call goes: OP-TEE OS itself, or the Xen mediator in front of it.
class SecureMonitor {
public:
    virtual ~SecureMonitor() = default;
    // OPTEE_SMC_CALL_WITH_ARG from the normal world of client `client` (0 without Xen).
    virtual Smc std_call(uint32_t client, MsgArg &arg, RpcHandler &rpc) = 0;
    // OPTEE_SMC_GET_THREAD_COUNT as the normal world sees it; 0 when it is not available (the
    // Xen mediator does not forward it).
    virtual unsigned thread_count() const = 0;
};

} // namespace optee
} // namespace teescope::teesim
