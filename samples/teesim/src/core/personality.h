// SPDX-License-Identifier: MIT
// A TEE personality: what a TEE driver adds to the tee core (the kernel's struct tee_driver_ops)
// together with the secure world behind it. The core (core.h) owns contexts, shm and the
// ioctl entry, and calls the personality where tee_core.c calls teedev->desc->ops.
#pragma once

#include "core/params.h"
#include "core/shm.h"
#include "teesim/driver.h"

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace teescope::teesim {

class Core;
struct Context;
using Lock = std::unique_lock<std::mutex>;

// What a personality keeps per context (the kernel's ctx->data).
struct ContextData {
    virtual ~ContextData() = default;
};

// The ioctl being served: who calls, on which context, and the driver lock (held; a personality
// drops it only while it blocks).
struct CallFrame {
    const Caller &caller;
    Context &ctx;
    Lock &lk;
    bool caller_gone = false; // set when the caller went away: no reply is sent
};

// OBJECT_INVOKE's header as the driver sees it (tee_ioctl_object_invoke_arg without params).
struct ObjectInvokeArg {
    uint64_t id = 0;
    uint32_t op = 0;
    uint32_t ret = 0; // in: the caller's value (kept when the driver does not set it)
};

// OPEN_SESSION's argument as the driver sees it (tee_ioctl_open_session_arg without params).
struct OpenSessionArg {
    uint8_t uuid[TEE_IOCTL_UUID_LEN] = {};
    uint8_t clnt_uuid[TEE_IOCTL_UUID_LEN] = {};
    uint32_t clnt_login = 0;
    uint32_t cancel_id = 0;
    uint32_t session = 0;    // in: the caller's value (written back as is unless the driver sets it)
    uint32_t ret = 0;
    uint32_t ret_origin = 0;
    uint64_t invocation = 0; // the serial the core gave the call
};

// INVOKE's argument as the driver sees it (tee_ioctl_invoke_arg without params).
struct InvokeArg {
    uint32_t func = 0;
    uint32_t session = 0;
    uint32_t cancel_id = 0;
    uint32_t ret = 0;
    uint32_t ret_origin = 0;
    uint64_t invocation = 0;
};

class Personality {
public:
    virtual ~Personality() = default;

    // Called once the core exists, before any context: probe-time objects, worker threads.
    virtual void attach(Core &core) = 0;
    // Stops workers; every blocked caller has been woken already.
    virtual void shutdown() = 0;

    // The device a node name stands for (0, 1, ... in the personality's own numbering), or -1 when
    // it serves no such node. Each device has its own shm ids (teedev->idr).
    virtual int device(const std::string &dev) const = 0;
    // ops->get_version. The core adds TEE_GEN_CAP_PRIVILEGED for a privileged device.
    virtual tee_ioctl_version_data version(int device) const = 0;
    virtual bool privileged(int device) const { (void)device; return false; }
    // ctx->cap_memref_null: a MEMREF may name no shm.
    virtual bool memref_null_ok() const { return false; }
    // impl_id of context_open events.
    virtual uint32_t impl_id() const = 0;

    // The part of ops->open that can fail (an errno: the open() fails with it and no context is
    // made), checked before the context exists; then ops->open, ops->close_context, ops->release.
    virtual int admit(int device) { (void)device; return 0; }
    virtual void open(const Caller &caller, Context &ctx) = 0;
    virtual void close(Context &ctx) = 0;
    virtual void release(Context &ctx) = 0;

    // Which driver ops a device has; the core answers EINVAL, before reading the argument, for
    // one it lacks (tee_core.c checks ops->xxx first).
    enum class Op { ObjectInvoke, OpenSession, Invoke, Cancel, CloseSession, SuppRecv, SuppSend, ShmRegister };
    virtual bool has(Op op, int device) const = 0;

    // ops->object_invoke_func: returns 0 (arg.ret and params updated) or an errno.
    virtual int object_invoke(CallFrame &f, ObjectInvokeArg &arg, std::vector<TeeParam> &params)
    {
        (void)f, (void)arg, (void)params;
        return EINVAL;
    }
    // ops->open_session: 0 (session, ret, ret_origin and params updated) or an errno.
    virtual int open_session(CallFrame &f, OpenSessionArg &arg, std::vector<TeeParam> &params)
    {
        (void)f, (void)arg, (void)params;
        return EINVAL;
    }
    // ops->invoke_func: 0 (ret, ret_origin and params updated) or an errno.
    virtual int invoke(CallFrame &f, InvokeArg &arg, std::vector<TeeParam> &params)
    {
        (void)f, (void)arg, (void)params;
        return EINVAL;
    }
    // ops->cancel_req and ops->close_session: 0 or an errno.
    virtual int cancel(CallFrame &f, uint32_t cancel_id, uint32_t session)
    {
        (void)f, (void)cancel_id, (void)session;
        return EINVAL;
    }
    virtual int close_session(CallFrame &f, uint32_t session)
    {
        (void)f, (void)session;
        return EINVAL;
    }
    // ops->supp_recv: on success `num_params` is the count of parameters filled (params[0] the
    // meta parameter), `func` the request's function.
    virtual int supp_recv(CallFrame &f, uint32_t &func, uint32_t &num_params, std::vector<TeeParam> &params)
    {
        (void)f, (void)func, (void)num_params, (void)params;
        return EINVAL;
    }
    // ops->supp_send.
    virtual int supp_send(CallFrame &f, uint32_t ret, std::vector<TeeParam> &params)
    {
        (void)f, (void)ret, (void)params;
        return EINVAL;
    }
    // ops->shm_register for a new shm of a context (SHM_ALLOC and SHM_REGISTER): 0, or an errno
    // that fails the ioctl (the shm is then freed). The driver lock is held; it may be dropped
    // only through the frame's lock while the shm is not yet visible to anyone.
    virtual int shm_register(CallFrame &f, const Shm &shm)
    {
        (void)f, (void)shm;
        return 0;
    }
    // ops->shm_unregister: the shm is being freed (lock held, must not block).
    virtual void shm_unregister(const Shm &shm) { (void)shm; }
    // The driver stops (or its guest is gone): wake whoever waits on conditions of the
    // personality's own (lock held).
    virtual void wake_waiters() {}
};

} // namespace teescope::teesim
