// SPDX-License-Identifier: MIT
// Callback objects hosted by a context and the supplicant threads that serve QTEE's requests.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "qtee/context.h"
#include "qtee/marshal.h"

namespace teescope::qtee {

// What a callback object's invoke() fills in. out_buffers has one entry per output buffer of
// the request, each pre-sized to QTEE's capacity: resize it down (never up) to the bytes written.
struct CallbackOutputs {
    std::vector<std::vector<uint8_t>> buffers;
    std::vector<ObjectRef> objects; // one per output object, NULL by default
};

class CallbackObject {
public:
    virtual ~CallbackObject() = default;
    // Serves one request; returns the QTEE result (QCOMTEE_MSG_OK ...).
    virtual int32_t invoke(uint32_t op, const CallbackRequest &request, CallbackOutputs &outputs) = 0;
    // QTEE dropped its last reference (a RELEASE request); the object is forgotten afterwards.
    virtual void released() {}
};

// Threads looping SUPPL_RECV / dispatch / SUPPL_SEND on a context, the way libqcomtee's
// supplicant does it: a receive argument with room for the largest request, a payload buffer for
// the request's input buffers, the parameter count read from what the driver writes back, and
// the answer written over the request in the same buffer.
//
// Stopping: SUPPL_RECV waits interruptibly, like the kernel's. stop() sets a stop flag and
// signals each thread (a real-time signal, SIGRTMIN+5, whose handler does nothing and is
// installed without SA_RESTART), so that a thread waiting in SUPPL_RECV returns with EINTR and
// ends. A program that exits without stop() (leaky workloads) calls abandon() instead.
class Supplicant {
public:
    Supplicant(Context &ctx, unsigned threads = 1, size_t payload_size = 4096);
    ~Supplicant();
    Supplicant(const Supplicant &) = delete;
    Supplicant &operator=(const Supplicant &) = delete;

    Context &context() const { return ctx_; }
    // Wakes and joins every thread (see above). Throws if a thread did not stop in time.
    void stop();
    // Leaves the threads blocked in SUPPL_RECV (they die with the process).
    void abandon();

    unsigned running() const;
    uint64_t requests_served() const { return served_.load(); }
    uint64_t send_errors() const { return send_errors_.load(); }
    int last_send_errno() const { return last_send_errno_.load(); }

private:
    void run();
    bool serve_one(std::vector<uint8_t> &payload);

    Context &ctx_;
    size_t payload_size_;
    std::vector<std::thread> threads_;
    std::atomic<bool> stopping_{false};
    std::atomic<uint64_t> served_{0};
    std::atomic<uint64_t> send_errors_{0};
    std::atomic<int> last_send_errno_{0};
    mutable std::mutex mutex_;
    std::condition_variable exited_cv_;
    unsigned running_ = 0;
    bool joined_ = false;
};

} // namespace teescope::qtee
