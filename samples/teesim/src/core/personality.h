// SPDX-License-Identifier: MIT
// A TEE personality: what a TEE driver adds to the tee core (the kernel's struct tee_driver_ops)
// together with the secure world behind it. The core (core.h) owns contexts, shm and the
// ioctl entry, and calls the personality where tee_core.c calls teedev->desc->ops.
#pragma once

#include "core/params.h"
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

class Personality {
public:
    virtual ~Personality() = default;

    // Called once the core exists, before any context: probe-time objects, worker threads.
    virtual void attach(Core &core) = 0;
    // Stops workers; every blocked caller has been woken already.
    virtual void shutdown() = 0;

    // Device nodes it serves ("tee0", ...).
    virtual bool serves(const std::string &dev) const = 0;
    // ops->get_version. The core adds TEE_GEN_CAP_PRIVILEGED for a privileged device.
    virtual tee_ioctl_version_data version() const = 0;
    virtual bool privileged(const std::string &dev) const { return dev.rfind("teepriv", 0) == 0; }
    // ctx->cap_memref_null: a MEMREF may name no shm.
    virtual bool memref_null_ok() const { return false; }

    // ops->open, ops->close_context, ops->release.
    virtual void open(const Caller &caller, Context &ctx) = 0;
    virtual void close(Context &ctx) = 0;
    virtual void release(Context &ctx) = 0;

    // Which driver ops exist; the core answers EINVAL, before reading the argument, for one that
    // does not (tee_core.c checks ops->xxx first).
    enum class Op { ObjectInvoke, OpenSession, Invoke, Cancel, CloseSession, SuppRecv, SuppSend, ShmRegister };
    virtual bool has(Op op) const = 0;

    // ops->object_invoke_func: returns 0 (arg.ret and params updated) or an errno.
    virtual int object_invoke(CallFrame &f, ObjectInvokeArg &arg, std::vector<TeeParam> &params)
    {
        (void)f, (void)arg, (void)params;
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
};

} // namespace teescope::teesim
