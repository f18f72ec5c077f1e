// SPDX-License-Identifier: MIT
#include "optee_client/session.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <sys/ioctl.h>

#include "marshal.h"
#include "optee_client/context.h"
#include "teescope/tee_uapi.h"

namespace teescope::optee {

namespace {

// Guards Operation's running session between an invoke and a cancellation from another thread.
std::mutex cancellation_lock;

// The argument of OPEN_SESSION or INVOKE as the driver reads it: the fixed header directly
// followed by the four parameters (the UAPI structs end in a flexible array, so the bytes are
// assembled here).
template <typename Header> struct CallBuffer {
    alignas(8) uint8_t bytes[sizeof(Header) + kOperationParams * sizeof(tee_ioctl_param)];

    void store(const Header &header, const std::array<tee_ioctl_param, kOperationParams> &params)
    {
        std::memcpy(bytes, &header, sizeof header);
        std::memcpy(bytes + sizeof header, params.data(), sizeof(tee_ioctl_param) * kOperationParams);
    }
    void load(Header &header, std::array<tee_ioctl_param, kOperationParams> &params) const
    {
        std::memcpy(&header, bytes, sizeof header);
        std::memcpy(params.data(), bytes + sizeof header, sizeof(tee_ioctl_param) * kOperationParams);
    }
    // The ioctl's tee_ioctl_buf_data.
    tee_ioctl_buf_data descriptor() { return {reinterpret_cast<uintptr_t>(bytes), sizeof bytes}; }
};

Result api_error(uint32_t code)
{
    return {code, TEEC_ORIGIN_API};
}

} // namespace

Result Session::open(Context &ctx, const TeecUuid &destination, Login login, std::optional<gid_t> group,
                     Operation *operation)
{
    if (!ctx.initialized() || is_open())
        return api_error(TEEC_ERROR_BAD_PARAMETERS);
    CallParams call(ctx);
    if (const uint32_t res = call.prepare(operation); res != TEEC_SUCCESS)
        return api_error(res);

    tee_ioctl_open_session_arg header{};
    const auto octets = destination.to_octets();
    std::memcpy(header.uuid, octets.data(), octets.size());
    header.clnt_login = static_cast<uint32_t>(login);
    // The GROUP logins carry the gid in the first bytes of the client uuid.
    if ((login == Login::Group || login == Login::GroupApplication) && group) {
        const gid_t gid = *group;
        std::memcpy(header.clnt_uuid, &gid, sizeof gid);
    }
    header.num_params = kOperationParams;
    CallBuffer<tee_ioctl_open_session_arg> buffer;
    buffer.store(header, call.params);
    tee_ioctl_buf_data descriptor = buffer.descriptor();
    if (::ioctl(ctx.fd(), TEE_IOC_OPEN_SESSION, &descriptor) != 0) {
        const int err = errno;
        std::fprintf(stderr, "optee client: TEE_IOC_OPEN_SESSION failed: %s\n", std::strerror(err));
        return {result_from_errno(err), TEEC_ORIGIN_COMMS};
    }
    buffer.load(header, call.params);
    call.finish(operation);
    if (header.ret == TEEC_SUCCESS) {
        ctx_ = &ctx;
        id_ = header.session;
    }
    return {header.ret, header.ret_origin};
}

Result Session::invoke(uint32_t command, Operation *operation)
{
    if (!is_open())
        return api_error(TEEC_ERROR_BAD_PARAMETERS);
    CallParams call(*ctx_);
    if (const uint32_t res = call.prepare(operation); res != TEEC_SUCCESS)
        return api_error(res);

    tee_ioctl_invoke_arg header{};
    header.func = command;
    header.session = id_;
    header.num_params = kOperationParams;
    CallBuffer<tee_ioctl_invoke_arg> buffer;
    buffer.store(header, call.params);
    tee_ioctl_buf_data descriptor = buffer.descriptor();
    if (operation) {
        std::lock_guard lock(cancellation_lock);
        operation->running_ctx_fd_ = ctx_->fd();
        operation->running_session_ = id_;
    }
    const int rc = ::ioctl(ctx_->fd(), TEE_IOC_INVOKE, &descriptor);
    const int err = errno;
    if (operation) {
        // Cancelling a finished operation must not reach a session that may be gone by then.
        std::lock_guard lock(cancellation_lock);
        operation->running_ctx_fd_ = -1;
    }
    if (rc != 0) {
        std::fprintf(stderr, "optee client: TEE_IOC_INVOKE failed: %s\n", std::strerror(err));
        return {result_from_errno(err), TEEC_ORIGIN_COMMS};
    }
    buffer.load(header, call.params);
    call.finish(operation);
    return {header.ret, header.ret_origin};
}

void Session::close()
{
    if (!is_open())
        return;
    tee_ioctl_close_session_arg arg{};
    arg.session = id_;
    if (::ioctl(ctx_->fd(), TEE_IOC_CLOSE_SESSION, &arg) != 0)
        std::fprintf(stderr, "optee client: failed to close session 0x%x: %s\n", id_, std::strerror(errno));
    ctx_ = nullptr;
    id_ = 0;
}

void Session::leak()
{
    ctx_ = nullptr;
    id_ = 0;
}

bool request_cancellation(Operation &operation)
{
    // Held across the CANCEL so that the invoke cannot return and its context be closed (and the
    // descriptor reused) before the cancellation reached the driver.
    std::lock_guard lock(cancellation_lock);
    const int fd = operation.running_ctx_fd_;
    if (fd < 0)
        return false;
    tee_ioctl_cancel_arg arg{};
    arg.session = operation.running_session_;
    if (::ioctl(fd, TEE_IOC_CANCEL, &arg) != 0)
        std::fprintf(stderr, "optee client: TEE_IOC_CANCEL: %s\n", std::strerror(errno));
    return true;
}

} // namespace teescope::optee
