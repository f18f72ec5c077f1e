// SPDX-License-Identifier: MIT
// Value types shared by the QTEE client library: object references, buffers and errors.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>

#include "teescope/tee_uapi.h"

namespace teescope::qtee {

// An object as it travels in an OBJREF parameter: a = id, b = flags.
struct ObjectRef {
    uint64_t id = TEE_OBJREF_NULL;
    uint64_t flags = 0;

    static constexpr ObjectRef null() { return {}; }
    // A QTEE object bound to a handle in this context.
    static constexpr ObjectRef tee(uint64_t handle) { return {handle, QCOMTEE_OBJREF_FLAG_TEE}; }
    // A callback object hosted by this context, named by its user id.
    static constexpr ObjectRef user(uint64_t user_id) { return {user_id, QCOMTEE_OBJREF_FLAG_USER}; }
    // A memory object: shared memory named by its shm id.
    static constexpr ObjectRef memory(int32_t shm_id) { return {static_cast<uint64_t>(shm_id), QCOMTEE_OBJREF_FLAG_MEM}; }

    bool is_null() const { return id == TEE_OBJREF_NULL && flags == 0; }
    bool is_tee() const { return flags == QCOMTEE_OBJREF_FLAG_TEE; }
    bool is_user() const { return flags == QCOMTEE_OBJREF_FLAG_USER; }
    bool is_memory() const { return flags == QCOMTEE_OBJREF_FLAG_MEM; }
    bool operator==(const ObjectRef &) const = default;
};

// The root object of a context: OBJECT_INVOKE with id TEE_OBJREF_NULL.
constexpr uint64_t kRootHandle = TEE_OBJREF_NULL;

using InBuffer = std::span<const uint8_t>;
using OutBuffer = std::span<uint8_t>;

// The ioctl itself failed (the driver's errno channel).
class TeeError : public std::runtime_error {
public:
    TeeError(const std::string &what, int err);
    int error() const { return err_; }

private:
    int err_;
};

// The call went through but the TEE answered with a non-OK result (the `ret` channel).
class QteeResultError : public std::runtime_error {
public:
    QteeResultError(const std::string &what, int32_t result);
    int32_t result() const { return result_; }

private:
    int32_t result_;
};

// Name of a QTEE result code ("OK", "ERROR_INVALID", "DEFUNCT", ...), or "result N".
std::string result_name(int32_t result);

} // namespace teescope::qtee
