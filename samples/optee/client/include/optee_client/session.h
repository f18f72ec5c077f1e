// SPDX-License-Identifier: MIT
// A session with a trusted application (TEEC_Session): OPEN_SESSION, INVOKE and CLOSE_SESSION
// on the context's device, four parameters on the wire whatever the operation uses, cancel id 0
// (libteec never sets one). The result and its origin are those the driver returned; a failed
// ioctl becomes a COMMS result from its errno.
#pragma once

#include <cstdint>
#include <optional>
#include <sys/types.h>

#include "optee_client/operation.h"
#include "optee_client/result.h"
#include "optee_client/uuid.h"

namespace teescope::optee {

class Context;

// Connection methods (TEEC_LOGIN_*).
enum class Login : uint32_t {
    Public = 0,
    User = 1,
    Group = 2,
    Application = 4,
    UserApplication = 5,
    GroupApplication = 6,
};

class Session
{
  public:
    Session() = default;
    // Closes the session if it is still open (unless leaked).
    ~Session() { close(); }
    Session(const Session &) = delete;
    Session &operator=(const Session &) = delete;

    // TEEC_OpenSession. `group` is the connection data of the GROUP logins (a gid).
    Result open(Context &ctx, const TeecUuid &destination, Login login = Login::Public,
                std::optional<gid_t> group = std::nullopt, Operation *operation = nullptr);
    // TEEC_InvokeCommand.
    Result invoke(uint32_t command, Operation *operation = nullptr);
    // TEEC_CloseSession; a failure is only reported on stderr, as libteec does.
    void close();
    // Forgets the session without closing it: the driver closes it when the context is released.
    void leak();

    bool is_open() const { return ctx_ != nullptr; }
    uint32_t id() const { return id_; }

  private:
    Context *ctx_ = nullptr;
    uint32_t id_ = 0;
};

// TEEC_RequestCancellation: asks the TEE to cancel `operation` if an invoke of it is in
// progress (CANCEL on its session; a failure is only reported on stderr). Returns whether a
// CANCEL was sent (GP's returns nothing; a caller racing the start of the invoke retries on false).
bool request_cancellation(Operation &operation);

} // namespace teescope::optee
