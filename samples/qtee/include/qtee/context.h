// SPDX-License-Identifier: MIT
// A QTEE context (one open of /dev/tee0), its object handles and the callback objects it hosts.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>

#include "qtee/types.h"

namespace teescope::qtee {

class CallbackObject;

// Adopt an already open context descriptor (received over a UNIX socket, inherited across
// fork or exec). The Context takes ownership and closes it.
struct Adopt {
    int fd;
};

class Context {
public:
    explicit Context(const std::string &path = "/dev/tee0");
    explicit Context(Adopt adopt);
    ~Context();
    Context(const Context &) = delete;
    Context &operator=(const Context &) = delete;

    int fd() const { return fd_; }
    tee_ioctl_version_data version() const;

    // OBJECT_INVOKE on `handle` (kRootHandle for the root object). Output buffer sizes are
    // written to out_sizes (if given), output objects to out_objects. Returns the QTEE result;
    // throws TeeError when the ioctl itself fails.
    int32_t invoke(uint64_t handle, uint32_t op, std::span<const InBuffer> in_buffers = {},
                   std::span<const OutBuffer> out_buffers = {}, std::span<const ObjectRef> in_objects = {},
                   std::span<ObjectRef> out_objects = {}, std::span<size_t> out_sizes = {});
    // Drops a handle (op RELEASE). The driver answers 0 even for an unknown handle.
    void release(uint64_t handle);

    // Makes `object` invocable by QTEE; returns its user id, unique in this context.
    uint64_t host(std::shared_ptr<CallbackObject> object);
    std::shared_ptr<CallbackObject> hosted(uint64_t user_id) const;
    void forget(uint64_t user_id);
    size_t hosted_count() const;

    // Closes the descriptor now (the destructor would). Further calls fail with EBADF.
    void close();
    // Gives up the descriptor without closing it: the context stays open until the process
    // exits (the leak the leaky workload wants).
    int leak();

private:
    int fd_ = -1;
    mutable std::mutex hosted_mutex_;
    std::map<uint64_t, std::shared_ptr<CallbackObject>> hosted_;
    uint64_t next_user_id_ = 1;
};

// An owned handle to a QTEE object: released (op RELEASE) on destruction unless leaked.
class Object {
public:
    Object() = default;
    Object(Context &ctx, uint64_t handle) : ctx_(&ctx), handle_(handle) {}
    ~Object() { reset(); }
    Object(Object &&other) noexcept : ctx_(other.ctx_), handle_(other.handle_) { other.ctx_ = nullptr; }
    Object &operator=(Object &&other) noexcept;
    Object(const Object &) = delete;
    Object &operator=(const Object &) = delete;

    bool valid() const { return ctx_ != nullptr; }
    uint64_t handle() const { return handle_; }
    Context &context() const { return *ctx_; }
    ObjectRef ref() const { return ObjectRef::tee(handle_); }

    int32_t invoke(uint32_t op, std::span<const InBuffer> in_buffers = {}, std::span<const OutBuffer> out_buffers = {},
                   std::span<const ObjectRef> in_objects = {}, std::span<ObjectRef> out_objects = {},
                   std::span<size_t> out_sizes = {}) const;
    // Releases now (errors are reported by the driver's errno channel and thrown).
    void reset();
    // Forgets the handle without releasing it; returns it.
    uint64_t leak();

private:
    Context *ctx_ = nullptr;
    uint64_t handle_ = 0;
};

} // namespace teescope::qtee
