// SPDX-License-Identifier: MIT
#include "optee_supplicant/request_loop.h"

#include <cerrno>
#include <cstring>
#include <sys/ioctl.h>
#include <system_error>
#include <thread>

#include "optee_supplicant/log.h"
#include "optee_supplicant/params.h"

namespace teescope::optee::supplicant {

std::string RequestLoop::run()
{
    if (spawn_thread()) {
        std::unique_lock lock(mutex_);
        failed_.wait(lock, [this] { return !failure_.empty(); });
    }
    std::lock_guard lock(mutex_);
    return failure_;
}

void RequestLoop::fail(const std::string &why)
{
    std::lock_guard lock(mutex_);
    if (failure_.empty())
        failure_ = why;
    failed_.notify_all();
}

bool RequestLoop::spawn_thread()
{
    {
        std::lock_guard lock(mutex_);
        ++waiting_;
    }
    try {
        std::thread([this] { serve_requests(true); }).detach();
    } catch (const std::system_error &e) {
        {
            std::lock_guard lock(mutex_);
            --waiting_;
        }
        fail(std::string("cannot start a thread: ") + e.what());
        return false;
    }
    return true;
}

void RequestLoop::serve_requests(bool counted)
{
    while (serve_one(counted)) {
    }
}

bool RequestLoop::serve_one(bool &counted)
{
    {
        std::lock_guard lock(mutex_);
        if (!failure_.empty())
            return false;
        if (!counted)
            ++waiting_;
        counted = false;
    }
    RpcBuffer request;
    request.prepare_receive();
    tee_ioctl_buf_data arg{reinterpret_cast<uintptr_t>(&request), sizeof request};
    if (::ioctl(fd_, TEE_IOC_SUPPL_RECV, &arg) != 0) {
        fail(std::string("TEE_IOC_SUPPL_RECV: ") + std::strerror(errno));
        return false;
    }
    const uint32_t n = request.num_params;
    if (n > kRpcSlots) {
        fail("TEE_IOC_SUPPL_RECV returned " + std::to_string(n) + " parameters for " +
             std::to_string(kRpcSlots) + " slots");
        return false;
    }
    // Leading META parameters carry the request id; they go back unchanged with the answer.
    uint32_t num_meta = 0;
    while (num_meta < n && (request.params[num_meta].attr & TEE_IOCTL_PARAM_ATTR_META))
        ++num_meta;
    for (uint32_t i = num_meta; i < n; ++i) {
        if (request.params[i].attr & TEE_IOCTL_PARAM_ATTR_META) {
            fail("unexpected meta parameter in a request");
            return false;
        }
    }
    // Only the asynchronous protocol (META) lets requests be served concurrently.
    if (num_meta) {
        bool spawn;
        {
            std::lock_guard lock(mutex_);
            spawn = --waiting_ == 0;
        }
        if (spawn && !spawn_thread())
            return false;
    }

    const uint32_t func = request.func_or_ret;
    const std::span<tee_ioctl_param> params(request.params + num_meta, n - num_meta);
    const std::string what = verbose() ? Dispatcher::describe(func, params) : std::string();
    const uint32_t ret = dispatcher_.serve(func, params);
    if (num_meta)
        log_verbose("request %llu %s: 0x%08x", static_cast<unsigned long long>(request.params[0].a),
                    what.c_str(), ret);
    else
        log_verbose("request %s: 0x%08x", what.c_str(), ret);

    request.func_or_ret = ret;
    arg.buf_len = sizeof(tee_iocl_supp_send_arg) + n * sizeof(tee_ioctl_param);
    if (::ioctl(fd_, TEE_IOC_SUPPL_SEND, &arg) != 0) {
        fail(std::string("TEE_IOC_SUPPL_SEND: ") + std::strerror(errno));
        return false;
    }
    return true;
}

} // namespace teescope::optee::supplicant
