// SPDX-License-Identifier: MIT
// The simulated TEE device: the Linux tee core, a TEE driver and the secure world behind it
// (the qcomtee driver and QTEE, or the OP-TEE driver and OP-TEE OS — under Xen, one OP-TEE driver
// per guest in front of the Xen mediator), independent of any socket. Every public call may come
// from any thread; the driver serialises its state with one lock and drops it while a caller
// blocks (callback requests, SUPPL_RECV, secure-world latency, RPCs, OP-TEE threads).
#pragma once

#include "teesim/config.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace teescope::teesim {

// The thread on whose behalf the driver runs. `gone` tells whether that thread has gone away
// (its channel hung up); blocking waits poll it so a killed client abandons its wait.
// `interrupted` tells whether a signal interrupted the caller's ioctl: an interruptible wait
// (SUPPL_RECV) then ends with EINTR, as wait_for_completion_interruptible() does.
struct Caller {
    int32_t pid = 0;
    int32_t tid = 0;
    std::function<bool()> gone;
    std::function<bool()> interrupted;
};

// What an ioctl returns to the caller. `fd` is a new descriptor owned by the receiver (SHM
// ioctls); `no_reply` means the caller went away and nothing must be sent.
struct IoctlReply {
    int err = 0;
    std::vector<uint8_t> arg;
    std::vector<uint8_t> data;
    int fd = -1;
    bool no_reply = false;
};

// A driver event as seen by an observer (unit tests): `name` is the teescope_drv event name,
// pid / tid / ctx / object as in the event, and per event:
//   object_create   id = ref, value = kind, extra = sw_id, uid = uid
//   object_free     value = kind
//   handle_bind     id = handle, value = request, extra = invocation
//   handle_unbind   id = handle, value = reason
//   invoke_begin    id = invocation, value = op, extra = number of input objects
//   invoke_end      id = invocation, value = err, extra = ret
//   callback_export / callback_unexport   id = wire id, extra = user id
//   request_queue   id = request, value = op, extra = invocation
//   request_pick    id = request, value = op
//   request_answer  id = request, value = err, extra = ret
//   request_abandon id = request, value = reason
//   release_queue   extra = sw_id;  release_done  value = result, extra = retries
//   async_release   id = wire id, extra = owner ctx
//   context_close   id = handles, value = requests
//   shm_alloc / shm_register / shm_free   id = shm id, extra = size
// and for OP-TEE:
//   optee_open_begin   id = invocation, value = login, extra = number of parameters
//   optee_open_end     id = session, value = err, extra = ret
//   optee_invoke_begin id = invocation, value = func, extra = session
//   optee_invoke_end   id = invocation, value = err, extra = ret
//   optee_close        id = session
//   optee_wait_begin   id = invocation, value = reason;  optee_wait_end  id = invocation
//   optee_rpc_begin    id = invocation, value = cmd;  optee_rpc_end  id = request, value = ret,
//                      extra = invocation
//   request_pick       id = request, value = func;  request_answer  id = request, value = err,
//                      extra = ret
struct DriverEvent {
    std::string name;
    int32_t pid = 0;
    int32_t tid = 0;
    uint64_t ctx = 0;
    uint64_t object = 0;
    uint64_t id = 0;
    int64_t value = 0;
    int64_t extra = 0;
    uint32_t uid = 0; // object_create: service uid or class
};

class Core;

class Driver {
public:
    explicit Driver(Config config = {});
    ~Driver();
    Driver(const Driver &) = delete;
    Driver &operator=(const Driver &) = delete;

    // Called with the driver lock held: must not call back into the driver.
    void set_observer(std::function<void(const DriverEvent &)> observer);

    // A device open by a process of Xen domain `domain` (ignored without Xen): creates a context
    // and returns its serial (the token), or 0 and *err: ENOENT when the device does not exist,
    // EBUSY for a second OP-TEE supplicant, ENODEV when the guest is gone.
    uint64_t open_context(int32_t pid, int32_t tid, const std::string &dev = "tee0", uint32_t domain = 0,
                          int *err = nullptr);
    // The file's last reference is gone; the context closes once no call of it is in flight.
    void close_context(uint64_t token);

    // One ioctl. `buf_len` is tee_ioctl_buf_data.buf_len for the buffer ioctls; `arg` the
    // argument bytes; `data` the UBUF bytes (see simlink/protocol.h); `passed_fd` a descriptor
    // sent with the call (SHM_REGISTER_FD), borrowed.
    IoctlReply ioctl(const Caller &caller, uint64_t token, uint32_t cmd, uint64_t buf_len,
                     std::span<const uint8_t> arg, std::span<const uint8_t> data, int passed_fd = -1);

    // Wakes every blocked caller with EINTR and stops the worker threads.
    void shutdown();

    // Bitmask of the ioctls that need a driver op (bit = ioctl number) the driver of the
    // context's device implements: the transport leaves the argument of any other unread, as the
    // tee core answers EINVAL first.
    uint32_t driver_ioctls(uint64_t token) const;

    // Xen destroys a guest (domain id): its OP-TEE partition, calls, shm and contexts are dropped
    // (guest_destroy); its processes' later calls fail with EIO. ENOENT without such a guest.
    int destroy_guest(uint32_t domain);
    const Config &config() const;

    // Introspection for tests.
    bool context_released(uint64_t token) const;
    size_t live_shm() const;
    size_t pending_releases() const;

    struct Impl;

private:
    std::unique_ptr<Impl> d_;
};

} // namespace teescope::teesim
