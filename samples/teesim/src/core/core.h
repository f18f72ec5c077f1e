// SPDX-License-Identifier: MIT
// The driver core of teesim: what drivers/tee/tee_core.c and tee_shm.c do for every TEE —
// contexts as open files, the ioctl entry with its generic checks, shared memory, caller
// identity, blocking waits — and the personality (QTEE, ...) that plays the driver and the
// secure world behind it. One lock serialises the whole device; a caller drops it only while it
// blocks.
#pragma once

#include "core/personality.h"
#include "core/shm.h"
#include "teesim/config.h"
#include "teesim/driver.h"

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>

namespace teescope::teesim {

// What the driver instances of one daemon share (under Xen, one per guest): one lock that
// serialises them all and the secure world behind them, the condition every blocked caller waits
// on, and the serials, unique across guests.
struct Sync {
    std::mutex mu;
    std::condition_variable cv;
    uint64_t next_ctx = 1;
    uint64_t next_invocation = 1;
};

// One open file of a device: a struct tee_context.
struct Context {
    uint64_t serial = 0;   // from 1, never reused
    std::string dev;
    int device = 0;        // the personality's number of `dev`
    bool file_open = true; // a descriptor or mapping of the file is still open
    bool closed = false;   // ops->close_context ran
    int in_flight = 0;     // ioctls running: each holds the file, so it cannot close meanwhile
    int refs = 0;          // teedev_ctx_get() holders besides the file (shm, callback objects)
    std::unique_ptr<ContextData> data;

    template <typename T> T &as() { return static_cast<T &>(*data); }
};

class Core {
public:
    // `guest` is the Xen client id of the guest whose driver this is (0 without Xen).
    Core(Config config, std::unique_ptr<Personality> personality, std::shared_ptr<Sync> sync = nullptr,
         uint32_t guest = 0);
    ~Core();
    Core(const Core &) = delete;
    Core &operator=(const Core &) = delete;

    // ----- the Driver API (see teesim/driver.h)
    // 0 and *err set when the open fails (ENOENT: no such device).
    uint64_t open_context(int32_t pid, int32_t tid, const std::string &dev, int *err = nullptr);
    void close_context(uint64_t token);
    IoctlReply ioctl(const Caller &caller, uint64_t token, uint32_t cmd, uint64_t buf_len,
                     std::span<const uint8_t> arg, std::span<const uint8_t> data, int passed_fd);
    void shutdown();
    bool context_released(uint64_t token) const;
    // Bitmask of the ioctls that need a driver op which the context's device implements (bit =
    // number); that of device 0 for an unknown token.
    uint32_t driver_ioctls(uint64_t token) const;
    // The guest is gone (Xen destroyed it): every context is dropped without the driver running
    // again, blocked callers end, and later calls fail with EIO. Returns the contexts dropped.
    // The lock is held.
    uint32_t drop_all_contexts();
    bool owns(uint64_t token) const { return contexts_.count(token) != 0; }
    uint32_t guest() const { return guest_; }

    // ----- for the personality (lock held unless said otherwise)
    std::shared_ptr<Sync> sync;
    std::mutex &mu;
    std::condition_variable &cv;
    Config cfg;
    std::mt19937_64 rng;
    bool stopping = false;
    ShmTable shm;

    void set_observer(std::function<void(const DriverEvent &)> observer);
    void note(const DriverEvent &e) const
    {
        if (observer_)
            observer_(e);
    }
    Context *context(uint64_t serial);
    uint64_t next_invocation() { return sync->next_invocation++; }
    // teedev_ctx_get / teedev_ctx_put: the context stays until its file is closed and every
    // holder let go.
    void ctx_get(Context &ctx) { ++ctx.refs; }
    void ctx_put(uint64_t serial);

    // Blocks the caller until `ready()` holds. A blocked caller also stops waiting when the
    // daemon stops, when its thread went away, or — if `interruptible` — when a signal
    // interrupted its ioctl.
    enum class Wake { Ready, Stopping, Gone, Interrupted };
    // `on` is the condition its wakers notify (the core's by default).
    Wake wait(Lock &lk, const Caller &caller, const std::function<bool()> &ready, bool interruptible,
              std::condition_variable *on = nullptr);

    Personality &personality() { return *personality_; }

private:
    IoctlReply version(const Context &ctx);
    IoctlReply open_session(const Caller &c, Context &ctx, Lock &lk, uint64_t buf_len, std::span<const uint8_t> arg,
                            std::span<const uint8_t> data);
    IoctlReply invoke(const Caller &c, Context &ctx, Lock &lk, uint64_t buf_len, std::span<const uint8_t> arg,
                      std::span<const uint8_t> data);
    IoctlReply cancel(const Caller &c, Context &ctx, Lock &lk, std::span<const uint8_t> arg);
    IoctlReply close_session(const Caller &c, Context &ctx, Lock &lk, std::span<const uint8_t> arg);
    int register_with_driver(const Caller &c, Context &ctx, Lock &lk, int32_t id, int fd);
    void hold_memrefs(const std::vector<TeeParam> &params, int device, int delta);
    IoctlReply shm_alloc(const Caller &c, Context &ctx, Lock &lk, std::span<const uint8_t> arg);
    IoctlReply shm_register(const Caller &c, Context &ctx, Lock &lk, std::span<const uint8_t> arg);
    IoctlReply shm_register_fd(const Caller &c, Context &ctx, std::span<const uint8_t> arg, int passed_fd);
    IoctlReply object_invoke(const Caller &c, Context &ctx, Lock &lk, uint64_t buf_len,
                             std::span<const uint8_t> arg, std::span<const uint8_t> data);
    IoctlReply supp_recv(const Caller &c, Context &ctx, Lock &lk, uint64_t buf_len, std::span<const uint8_t> arg);
    IoctlReply supp_send(const Caller &c, Context &ctx, Lock &lk, uint64_t buf_len, std::span<const uint8_t> arg,
                         std::span<const uint8_t> data);
    void shm_freed(const Shm &s);
    void maybe_close(Context &ctx);
    void maybe_release(Context &ctx);

    std::unique_ptr<Personality> personality_;
    std::function<void(const DriverEvent &)> observer_;
    std::map<uint64_t, std::unique_ptr<Context>> contexts_;
    uint32_t guest_ = 0;
    bool dropped_ = false; // the guest is gone
};

} // namespace teescope::teesim
