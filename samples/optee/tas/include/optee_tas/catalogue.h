// SPDX-License-Identifier: MIT
// The trusted applications teesim's OP-TEE runs, by uuid: what each does is implemented in
// samples/teesim/src/optee/tas/; clients use the uuids and command numbers here. The first two
// have the interfaces of the public OP-TEE examples (optee_examples: hello_world and
// secure_storage), so their unmodified client programs work.
#pragma once

#include "optee_tas/uuid.h"

#include <cstdint>
#include <span>
#include <string_view>

namespace teescope::optee {

// hello_world: command INC adds one to value a of a VALUE_INOUT, DEC subtracts one. Opening a
// session takes no parameters. Multi-instance: every session loads it.
inline constexpr Uuid kHelloWorldUuid = {0x8a, 0xaa, 0xf2, 0x00, 0x24, 0x50, 0x11, 0xe4,
                                         0xab, 0xe2, 0x00, 0x02, 0xa5, 0xd5, 0xc5, 0x1b};
inline constexpr uint32_t kHelloWorldCmdInc = 0;
inline constexpr uint32_t kHelloWorldCmdDec = 1;

// secure_storage: persistent objects in the REE file system through tee-supplicant's FS RPC.
//   READ_RAW  (MEMREF_INPUT object id, MEMREF_OUTPUT data): SHORT_BUFFER with the size needed
//   WRITE_RAW (MEMREF_INPUT object id, MEMREF_INPUT data): creates or overwrites
//   DELETE    (MEMREF_INPUT object id)
// A missing object answers ITEM_NOT_FOUND. Single instance, one session at a time (as the public
// example: a second session gets TEE_ERROR_BUSY).
inline constexpr Uuid kSecureStorageUuid = {0xf4, 0xe7, 0x50, 0xbb, 0x14, 0x37, 0x4f, 0xbf,
                                            0x87, 0x85, 0x8d, 0x35, 0x80, 0xc3, 0x49, 0x94};
inline constexpr uint32_t kSecureStorageCmdReadRaw = 0;
inline constexpr uint32_t kSecureStorageCmdWriteRaw = 1;
inline constexpr uint32_t kSecureStorageCmdDelete = 2;

// workload: a TA whose time in the secure world follows the sim configuration (latency and
// outlier rules naming it), for latency analysis. Single instance, multi-session, kept alive,
// concurrent (its sessions run in parallel on as many OP-TEE threads as there are).
//   WORK  (VALUE_INPUT a = work units, or NONE): runs for the configured latency
//   ECHO  (MEMREF_INPUT in, MEMREF_OUTPUT out): copies in to out; SHORT_BUFFER with the size
//   SLEEP (VALUE_INPUT a = milliseconds): cancellable: TEEC_ERROR_CANCEL when a CANCEL comes
inline constexpr Uuid kWorkloadUuid = {0x1e, 0x82, 0x4d, 0xb6, 0xec, 0xfe, 0x48, 0x46,
                                       0xa6, 0x77, 0xf1, 0x02, 0xd9, 0x9e, 0xe1, 0x74};
inline constexpr uint32_t kWorkloadCmdWork = 0;
inline constexpr uint32_t kWorkloadCmdEcho = 1;
inline constexpr uint32_t kWorkloadCmdSleep = 2;

// panic: OK returns success; PANIC makes the TA panic: TARGET_DEAD (origin TEE) and the session
// is dead afterwards. Multi-instance.
inline constexpr Uuid kPanicUuid = {0xb0, 0xac, 0xe2, 0xa6, 0x70, 0x47, 0x40, 0x5d,
                                    0x8a, 0x98, 0x56, 0x5c, 0x0e, 0x83, 0xb1, 0x92};
inline constexpr uint32_t kPanicCmdOk = 0;
inline constexpr uint32_t kPanicCmdPanic = 1;

// supp_services: uses the supplicant services a TA can reach besides storage — each command
// makes one RPC and returns what the supplicant answered, as the TA's own result.
//   SOCKET (VALUE_INPUT a = port): OPTEE_RPC_CMD_SOCKET open of a TCP socket to 127.0.0.1
//   RPMB   (none): OPTEE_RPC_CMD_RPMB device-info request
//   GPROF  (none): OPTEE_RPC_CMD_GPROF of a small profile
//   FTRACE (none): OPTEE_RPC_CMD_FTRACE of a small trace buffer
//   PLUGIN (VALUE_INPUT a = plugin command): OPTEE_RPC_CMD_SUPP_PLUGIN to a plugin uuid
inline constexpr Uuid kSuppServicesUuid = {0x45, 0xe4, 0x8b, 0x12, 0xaf, 0x2e, 0x44, 0x93,
                                           0xbb, 0xfb, 0x5b, 0xbd, 0x0e, 0x02, 0xcf, 0x3b};
inline constexpr uint32_t kSuppServicesCmdSocket = 0;
inline constexpr uint32_t kSuppServicesCmdRpmb = 1;
inline constexpr uint32_t kSuppServicesCmdGprof = 2;
inline constexpr uint32_t kSuppServicesCmdFtrace = 3;
inline constexpr uint32_t kSuppServicesCmdPlugin = 4;

// The TA's flags (TA_FLAG_SINGLE_INSTANCE, TA_FLAG_MULTI_SESSION, TA_FLAG_INSTANCE_KEEP_ALIVE,
// TA_FLAG_CONCURRENT): a single-instance TA without multi-session refuses a second session with
// TEE_ERROR_BUSY; a TA that is not concurrent runs one entry at a time.
struct TaInfo {
    Uuid uuid;
    std::string_view name;
    bool single_instance;
    bool multi_session;
    bool keep_alive;
    bool concurrent;
};

// Every TA of the catalogue.
std::span<const TaInfo> catalogue();
// The catalogue entry of a uuid, or nullptr.
const TaInfo *find_ta(const Uuid &uuid);
// By name ("hello_world") or uuid text; nullptr if neither.
const TaInfo *find_ta(std::string_view name_or_uuid);

} // namespace teescope::optee
