// SPDX-License-Identifier: MIT
// The tee core's parameter handling (drivers/tee/tee_core.c: params_from_user, params_to_user,
// params_to_supp, params_from_supp): the checks every TEE driver gets before its own, and what is
// written back afterwards. samples/teesim/CONFORMANCE.md lists each rule with its test.
#pragma once

#include "core/bytes.h"
#include "teescope/tee_uapi.h"

#include <cstdint>
#include <span>
#include <vector>

namespace teescope::teesim {

class ShmTable;

// A parameter as the tee core hands it to a driver (the kernel's struct tee_param).
//   VALUE:  a, b, c
//   UBUF:   a = user address, b = size
//   OBJREF: a = object id, b = flags
//   MEMREF: a = offset, b = size, c = shm id (shm = that id, or -1 for a NULL memref)
struct TeeParam {
    uint64_t attr = 0;
    uint64_t a = 0, b = 0, c = 0;
    int32_t shm = -1;
    // The bytes the caller passed: UBUF_INPUT / UBUF_INOUT of an invocation, UBUF_OUTPUT /
    // UBUF_INOUT of a supplicant's answer. `unreadable` when the caller's memory could not be
    // read (the driver's copy_from_user fails).
    std::span<const uint8_t> in;
    bool unreadable = false;
    // UBUF_OUTPUT / UBUF_INOUT: bytes the driver copies to the caller's buffer; `copied` says
    // whether a copy happens at all (a failed invocation writes no output).
    Bytes out;
    bool copied = false;

    uint32_t type() const { return static_cast<uint32_t>(attr & TEE_IOCTL_PARAM_ATTR_TYPE_MASK); }
};

// Highest user address + 1 that access_ok() accepts (x86-64 TASK_SIZE_MAX; arm64 48-bit VA).
#if defined(__aarch64__)
constexpr uint64_t kUserAddressEnd = uint64_t{1} << 48;
#else
constexpr uint64_t kUserAddressEnd = (uint64_t{1} << 47) - 4096;
#endif

// access_ok(addr, size): the range lies in user space (mapped or not).
bool user_range_ok(uint64_t addr, uint64_t size);

// params_from_user(): decodes `count` parameters of the raw argument `raw` (after its header).
// UBUF input bytes are taken in order from `data` (see simlink/protocol.h); when `data` runs
// short, the remaining input buffers are marked unreadable. MEMREF shm ids are looked up in
// `shm` among the shm of context `ctx` on device `device`. Returns 0 or the errno of the first
// failing parameter.
int params_from_user(std::span<const uint8_t> raw, uint32_t count, std::span<const uint8_t> data,
                     const ShmTable &shm, int device, uint64_t ctx, bool memref_null_ok,
                     std::vector<TeeParam> &out);

// params_to_user(): writes back what the kernel writes after a successful call, into `arg`
// (whose parameters start at `header`), and appends the output bytes of every UBUF_OUTPUT /
// UBUF_INOUT parameter to `data` (each as a u64 length, then the bytes).
void params_to_user(std::span<const TeeParam> params, Bytes &arg, size_t header, Bytes &data);

// params_to_supp(): whole entries for the first `count` parameters of a SUPPL_RECV, and the
// payload of every UBUF_INPUT in order (the transport writes each at its `a`).
void params_to_supp(std::span<const TeeParam> params, uint32_t count, Bytes &arg, size_t header, Bytes &data);

// params_from_supp(): decodes a SUPPL_SEND's parameters. UBUF_OUTPUT / UBUF_INOUT bytes are taken
// in order from `data`; a buffer whose bytes are missing is marked unreadable. Input types and
// unknown type numbers are accepted and zeroed, as the kernel does.
int params_from_supp(std::span<const uint8_t> raw, uint32_t count, std::span<const uint8_t> data,
                     std::vector<TeeParam> &out);

// The parameter `i` of a raw argument whose parameters start at `header`.
tee_ioctl_param raw_param(std::span<const uint8_t> raw, size_t header, size_t i);

} // namespace teescope::teesim
