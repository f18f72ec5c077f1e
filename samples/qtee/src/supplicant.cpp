// SPDX-License-Identifier: MIT
#include "qtee/callback.h"
#include "qtee/transport.h"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>

#include "qtee/services.h"

namespace teescope::qtee {

namespace {

// The receive argument has room for the largest request the driver can hand over: the meta
// parameter and 16 parameters of each class.
constexpr size_t kRecvSlots = 1 + kMaxInvokeParams;

// SUPPL_RECV / SUPPL_SEND arguments: an 8-byte header directly followed by the parameters
// (the UAPI structs end in a flexible array, so they are assembled in a buffer). One buffer
// serves both: the answer is written over the request and sent whole.
struct alignas(8) ArgBuffer {
    uint8_t bytes[8 + kRecvSlots * sizeof(tee_ioctl_param)];
};
static_assert(sizeof(tee_iocl_supp_recv_arg) == 8 && sizeof(tee_iocl_supp_send_arg) == 8);

void on_wake_signal(int) {}

// The signal that interrupts a supplicant thread's SUPPL_RECV (EINTR) so that it sees stop():
// installed without SA_RESTART, once per process.
int wake_signal()
{
    static const int sig = [] {
        const int s = SIGRTMIN + 5;
        struct sigaction sa {};
        sa.sa_handler = on_wake_signal;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = 0;
        sigaction(s, &sa, nullptr);
        return s;
    }();
    return sig;
}

} // namespace

Supplicant::Supplicant(Context &ctx, unsigned threads, size_t payload_size) : ctx_(ctx), payload_size_(payload_size)
{
    if (threads == 0)
        throw std::invalid_argument("a supplicant needs at least one thread");
    wake_signal();
    std::lock_guard lock(mutex_);
    running_ = threads;
    for (unsigned i = 0; i < threads; ++i)
        threads_.emplace_back([this] { run(); });
}

Supplicant::~Supplicant()
{
    if (joined_)
        return;
    try {
        stop();
    } catch (const std::exception &e) {
        std::fprintf(stderr, "qtee: %s; leaving the supplicant threads blocked\n", e.what());
        abandon();
    }
}

unsigned Supplicant::running() const
{
    std::lock_guard lock(mutex_);
    return running_;
}

void Supplicant::abandon()
{
    for (std::thread &t : threads_)
        if (t.joinable())
            t.detach();
    joined_ = true;
}

void Supplicant::stop()
{
    if (joined_)
        return;
    stopping_ = true;
    std::unique_lock lock(mutex_);
    // A thread that was busy when the signal came blocks in SUPPL_RECV again: signal until all
    // have seen the stop flag.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (running_ > 0) {
        for (std::thread &t : threads_)
            if (t.joinable())
                pthread_kill(t.native_handle(), wake_signal());
        if (exited_cv_.wait_for(lock, std::chrono::milliseconds(20), [&] { return running_ == 0; }))
            break;
        if (std::chrono::steady_clock::now() > deadline)
            throw std::runtime_error("supplicant thread did not stop");
    }
    lock.unlock();
    for (std::thread &t : threads_)
        if (t.joinable())
            t.join();
    joined_ = true;
}

void Supplicant::run()
{
    std::vector<uint8_t> payload(payload_size_);
    try {
        while (!stopping_ && serve_one(payload)) {
        }
    } catch (const std::exception &e) {
        std::fprintf(stderr, "qtee: supplicant thread stopped: %s\n", e.what());
    }
    std::lock_guard lock(mutex_);
    --running_;
    exited_cv_.notify_all();
}

bool Supplicant::serve_one(std::vector<uint8_t> &payload)
{
    ArgBuffer arg;
    tee_ioctl_param params[kRecvSlots];
    prepare_recv(params, payload);
    tee_iocl_supp_recv_arg recv{};
    recv.num_params = kRecvSlots;
    std::memcpy(arg.bytes, &recv, sizeof(recv));
    std::memcpy(arg.bytes + sizeof(recv), params, sizeof(params));
    tee_ioctl_buf_data buf{reinterpret_cast<uintptr_t>(arg.bytes), sizeof(arg.bytes)};
    while (transport().ioctl(ctx_.fd(), TEE_IOC_SUPPL_RECV, &buf) != 0) {
        if (errno != EINTR)
            throw TeeError("TEE_IOC_SUPPL_RECV", errno);
        if (stopping_)
            return false;
    }
    // The driver says how many parameters it filled: the meta one and the request's own.
    std::memcpy(&recv, arg.bytes, sizeof(recv));
    if (recv.num_params == 0 || recv.num_params > kRecvSlots)
        throw std::runtime_error("SUPPL_RECV filled " + std::to_string(recv.num_params) + " parameters");
    const size_t filled = recv.num_params;
    std::memcpy(params, arg.bytes + sizeof(recv), filled * sizeof(tee_ioctl_param));
    CallbackRequest request = decode_request(recv.func, std::span<const tee_ioctl_param>(params, filled), payload);
    request.context = &ctx_;
    std::shared_ptr<CallbackObject> object = ctx_.hosted(request.user_id);
    ++served_;

    if (request.op == QCOMTEE_OBJREF_OP_RELEASE) {
        // QTEE dropped the object: nothing to answer.
        if (object) {
            object->released();
            ctx_.forget(request.user_id);
        }
        return true;
    }

    CallbackOutputs outputs;
    for (size_t capacity : request.out_capacities)
        outputs.buffers.emplace_back(capacity);
    outputs.objects.assign(request.out_object_count, ObjectRef::null());
    int32_t ret = QCOMTEE_MSG_ERROR_DEFUNCT; // no such object here
    if (object) {
        try {
            ret = object->invoke(request.op, request, outputs);
        } catch (const std::exception &e) {
            std::fprintf(stderr, "qtee: callback object %llu op %u failed: %s\n",
                         static_cast<unsigned long long>(request.user_id), request.op, e.what());
            ret = QCOMTEE_MSG_ERROR;
        }
    }
    if (ret == QCOMTEE_MSG_OK) {
        for (size_t i = 0; i < outputs.buffers.size() && i < request.out_capacities.size(); ++i)
            if (outputs.buffers[i].size() > request.out_capacities[i])
                ret = QCOMTEE_MSG_ERROR_SIZE_OUT;
        if (outputs.buffers.size() != request.out_capacities.size() || outputs.objects.size() != request.out_object_count)
            ret = QCOMTEE_MSG_ERROR_INVALID;
    }

    // The answer is written over the request in the same buffer, which is sent whole: the
    // driver reads only the parameters num_params names.
    tee_iocl_supp_send_arg send{};
    send.ret = static_cast<uint32_t>(ret);
    if (ret == QCOMTEE_MSG_OK) {
        std::vector<InBuffer> out_buffers;
        for (const auto &b : outputs.buffers)
            out_buffers.emplace_back(b.data(), b.size());
        send.num_params = static_cast<uint32_t>(
            encode_answer(std::span<tee_ioctl_param>(params, filled), request.request_id, out_buffers, outputs.objects));
    } else {
        send.num_params = static_cast<uint32_t>(encode_answer(std::span<tee_ioctl_param>(params, 1), request.request_id, {}, {}));
    }
    std::memcpy(arg.bytes, &send, sizeof(send));
    std::memcpy(arg.bytes + sizeof(send), params, send.num_params * sizeof(tee_ioctl_param));
    tee_ioctl_buf_data send_buf{reinterpret_cast<uintptr_t>(arg.bytes), sizeof(arg.bytes)};
    if (transport().ioctl(ctx_.fd(), TEE_IOC_SUPPL_SEND, &send_buf) != 0) {
        // The invoker may be gone (request abandoned): tolerated, counted.
        const int err = errno;
        ++send_errors_;
        last_send_errno_ = err;
        std::fprintf(stderr, "qtee: answer to callback request %llu (op %u) refused: %s\n",
                     static_cast<unsigned long long>(request.request_id), request.op, std::strerror(err));
    }
    return true;
}

} // namespace teescope::qtee
