// SPDX-License-Identifier: MIT
#include "qtee/context.h"
#include "qtee/transport.h"

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/ioctl.h>
#include <unistd.h>

#include "qtee/callback.h"
#include "qtee/marshal.h"

namespace teescope::qtee {

namespace {

// The OBJECT_INVOKE argument as the driver reads it: the 24-byte header directly followed by
// the parameters (the UAPI struct ends in a flexible array, so it is assembled in a buffer).
struct alignas(8) InvokeArg {
    uint8_t bytes[sizeof(tee_ioctl_object_invoke_arg) + kMaxInvokeParams * sizeof(tee_ioctl_param)];
};

std::string describe_call(uint64_t handle, uint32_t op)
{
    std::string target = handle == kRootHandle ? std::string("root object") : "handle " + std::to_string(handle);
    return "OBJECT_INVOKE on " + target + " op " + std::to_string(op);
}

} // namespace

Context::Context(const std::string &path)
{
    fd_ = transport().open(path.c_str(), O_RDWR | O_CLOEXEC);
    if (fd_ < 0)
        throw TeeError("cannot open TEE device " + path, errno);
}

Context::Context(Adopt adopt) : fd_(adopt.fd)
{
    if (fd_ < 0)
        throw TeeError("cannot adopt context descriptor " + std::to_string(adopt.fd), EBADF);
}

Context::~Context()
{
    close();
}

void Context::close()
{
    if (fd_ >= 0)
        ::close(fd_);
    fd_ = -1;
}

int Context::leak()
{
    const int fd = fd_;
    fd_ = -1;
    return fd;
}

tee_ioctl_version_data Context::version() const
{
    tee_ioctl_version_data v{};
    if (transport().ioctl(fd_, TEE_IOC_VERSION, &v) != 0)
        throw TeeError("TEE_IOC_VERSION", errno);
    return v;
}

int32_t Context::invoke(uint64_t handle, uint32_t op, std::span<const InBuffer> in_buffers,
                        std::span<const OutBuffer> out_buffers, std::span<const ObjectRef> in_objects,
                        std::span<ObjectRef> out_objects, std::span<size_t> out_sizes)
{
    tee_ioctl_param params[kMaxInvokeParams];
    const size_t n = marshal_invoke(params, in_buffers, out_buffers, in_objects, out_objects.size());
    tee_ioctl_object_invoke_arg header{};
    header.id = handle;
    header.op = op;
    header.num_params = static_cast<uint32_t>(n);
    InvokeArg arg;
    std::memcpy(arg.bytes, &header, sizeof(header));
    std::memcpy(arg.bytes + sizeof(header), params, n * sizeof(tee_ioctl_param));
    tee_ioctl_buf_data buf{};
    buf.buf_ptr = reinterpret_cast<uintptr_t>(arg.bytes);
    buf.buf_len = sizeof(header) + n * sizeof(tee_ioctl_param);
    if (transport().ioctl(fd_, TEE_IOC_OBJECT_INVOKE, &buf) != 0)
        throw TeeError(describe_call(handle, op), errno);
    std::memcpy(&header, arg.bytes, sizeof(header));
    const int32_t ret = static_cast<int32_t>(header.ret);
    if (ret == QCOMTEE_MSG_OK) {
        std::memcpy(params, arg.bytes + sizeof(header), n * sizeof(tee_ioctl_param));
        unmarshal_invoke(std::span<const tee_ioctl_param>(params, n), in_buffers.size(), out_buffers.size(),
                         in_objects.size(), out_sizes, out_objects);
    }
    return ret;
}

void Context::release(uint64_t handle)
{
    invoke(handle, QCOMTEE_OBJREF_OP_RELEASE);
}

uint64_t Context::host(std::shared_ptr<CallbackObject> object)
{
    std::lock_guard lock(hosted_mutex_);
    const uint64_t id = next_user_id_++;
    hosted_.emplace(id, std::move(object));
    return id;
}

std::shared_ptr<CallbackObject> Context::hosted(uint64_t user_id) const
{
    std::lock_guard lock(hosted_mutex_);
    auto it = hosted_.find(user_id);
    return it == hosted_.end() ? nullptr : it->second;
}

void Context::forget(uint64_t user_id)
{
    std::lock_guard lock(hosted_mutex_);
    hosted_.erase(user_id);
}

size_t Context::hosted_count() const
{
    std::lock_guard lock(hosted_mutex_);
    return hosted_.size();
}

Object &Object::operator=(Object &&other) noexcept
{
    if (this != &other) {
        reset();
        ctx_ = other.ctx_;
        handle_ = other.handle_;
        other.ctx_ = nullptr;
    }
    return *this;
}

int32_t Object::invoke(uint32_t op, std::span<const InBuffer> in_buffers, std::span<const OutBuffer> out_buffers,
                       std::span<const ObjectRef> in_objects, std::span<ObjectRef> out_objects,
                       std::span<size_t> out_sizes) const
{
    if (!ctx_)
        throw TeeError("invoke on an empty object", EBADF);
    return ctx_->invoke(handle_, op, in_buffers, out_buffers, in_objects, out_objects, out_sizes);
}

void Object::reset()
{
    Context *ctx = ctx_;
    ctx_ = nullptr;
    if (ctx && ctx->fd() >= 0) {
        // A destructor must not throw: a failed release is reported and the handle forgotten.
        try {
            ctx->release(handle_);
        } catch (const std::exception &e) {
            std::fprintf(stderr, "qtee: release of handle %llu failed: %s\n",
                         static_cast<unsigned long long>(handle_), e.what());
        }
    }
}

uint64_t Object::leak()
{
    ctx_ = nullptr;
    return handle_;
}

} // namespace teescope::qtee
