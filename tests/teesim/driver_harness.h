// SPDX-License-Identifier: MIT
// Test harness for teesim's Driver: builds ioctl arguments, records driver events, and runs a
// supplicant thread that serves callback requests like libqcomtee does.
#pragma once

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic"
#include "teescope/tee_uapi.h"
#pragma GCC diagnostic pop

#include "teescope/teescope_events.h"
#include "teesim/driver.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace teesim_test {

using teescope::teesim::Caller;
using teescope::teesim::Driver;
using teescope::teesim::DriverEvent;
using teescope::teesim::IoctlReply;
using Bytes = std::vector<uint8_t>;

inline tee_ioctl_param param(uint64_t attr, uint64_t a = 0, uint64_t b = 0, uint64_t c = 0)
{
    return tee_ioctl_param{attr, a, b, c};
}
inline tee_ioctl_param ubuf_in(uint64_t size) { return param(TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_INPUT, 0x5000, size); }
inline tee_ioctl_param ubuf_out(uint64_t cap) { return param(TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_OUTPUT, 0x6000, cap); }
inline tee_ioctl_param obj_in(uint64_t id, uint64_t flags)
{
    return param(TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_INPUT, id, flags);
}
inline tee_ioctl_param obj_out() { return param(TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_OUTPUT); }

inline Bytes u32(uint32_t v)
{
    Bytes b(4);
    std::memcpy(b.data(), &v, 4);
    return b;
}
inline uint32_t as_u32(const Bytes &b, size_t off = 0)
{
    if (b.size() < off + 4)
        return UINT32_MAX;
    uint32_t v = 0;
    std::memcpy(&v, b.data() + off, 4);
    return v;
}

inline Bytes invoke_arg(uint64_t id, uint32_t op, const std::vector<tee_ioctl_param> &params)
{
    Bytes arg(sizeof(tee_ioctl_object_invoke_arg) + params.size() * sizeof(tee_ioctl_param));
    tee_ioctl_object_invoke_arg head{id, op, 0, static_cast<uint32_t>(params.size()), 0};
    std::memcpy(arg.data(), &head, sizeof head);
    if (!params.empty())
        std::memcpy(arg.data() + sizeof head, params.data(), params.size() * sizeof(tee_ioctl_param));
    return arg;
}

struct InvokeResult {
    IoctlReply reply;
    int32_t ret = 0;
    std::vector<tee_ioctl_param> params;
    std::vector<Bytes> out; // the bytes copied to each output buffer, in order
};

inline InvokeResult invoke(Driver &d, const Caller &c, uint64_t token, uint64_t id, uint32_t op,
                           const std::vector<tee_ioctl_param> &params, const Bytes &data = {})
{
    Bytes arg = invoke_arg(id, op, params);
    InvokeResult r;
    r.reply = d.ioctl(c, token, TEE_IOC_OBJECT_INVOKE, arg.size(), arg, data);
    if (r.reply.arg.size() == arg.size()) {
        tee_ioctl_object_invoke_arg head;
        std::memcpy(&head, r.reply.arg.data(), sizeof head);
        r.ret = static_cast<int32_t>(head.ret);
        r.params.resize(params.size());
        if (!params.empty())
            std::memcpy(r.params.data(), r.reply.arg.data() + sizeof head, params.size() * sizeof(tee_ioctl_param));
        // Each output buffer's bytes travel as a u64 count and the bytes (simlink/protocol.h).
        size_t at = 0;
        while (at + 8 <= r.reply.data.size()) {
            uint64_t n = 0;
            std::memcpy(&n, r.reply.data.data() + at, 8);
            at += 8;
            if (n > r.reply.data.size() - at)
                break;
            r.out.emplace_back(r.reply.data.begin() + at, r.reply.data.begin() + at + n);
            at += n;
        }
    }
    return r;
}

// Records the driver's events.
class Recorder {
public:
    explicit Recorder(Driver &d) : d_(d)
    {
        d.set_observer([this](const DriverEvent &e) {
            std::lock_guard lk(mu_);
            events_.push_back(e);
        });
    }
    ~Recorder() { d_.set_observer(nullptr); }
    std::vector<DriverEvent> all() const
    {
        std::lock_guard lk(mu_);
        return events_;
    }
    std::vector<DriverEvent> named(const std::string &name) const
    {
        std::vector<DriverEvent> out;
        for (auto &e : all())
            if (e.name == name)
                out.push_back(e);
        return out;
    }
    // Waits until `pred` holds on the events recorded so far.
    bool wait(const std::function<bool(const std::vector<DriverEvent> &)> &pred, int ms = 3000) const
    {
        auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
        while (std::chrono::steady_clock::now() < until) {
            if (pred(all()))
                return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
        return pred(all());
    }
    bool wait_named(const std::string &name, size_t count = 1, int ms = 3000) const
    {
        return wait(
            [&](const std::vector<DriverEvent> &ev) {
                size_t n = 0;
                for (auto &e : ev)
                    n += e.name == name;
                return n >= count;
            },
            ms);
    }

private:
    Driver &d_;
    mutable std::mutex mu_;
    std::vector<DriverEvent> events_;
};

// A supplicant thread of one context: SUPPL_RECV / handler / SUPPL_SEND until stopped.
class Supplicant {
public:
    using Handler = std::function<int32_t(uint32_t op, uint64_t user_id, const std::vector<Bytes> &in,
                                          const std::vector<uint64_t> &caps, std::vector<Bytes> &out)>;
    static constexpr uint64_t kBufAddr = 0x10000;

    Supplicant(Driver &d, uint64_t token, Handler h, int32_t tid = 900)
        : d_(d), token_(token), handler_(std::move(h)), caller_{100, tid, [this] { return stop_.load(); }}
    {
        thread_ = std::thread([this] { run(); });
    }
    ~Supplicant() { stop(); }
    void stop()
    {
        stop_ = true;
        if (thread_.joinable())
            thread_.join();
    }
    std::atomic<int> served{0};
    std::atomic<int> releases{0};

private:
    void run()
    {
        constexpr uint32_t slots = 8;
        while (!stop_) {
            Bytes arg(sizeof(tee_iocl_supp_recv_arg) + slots * sizeof(tee_ioctl_param), 0);
            tee_iocl_supp_recv_arg head{0, slots};
            std::memcpy(arg.data(), &head, sizeof head);
            auto meta = param(TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT | TEE_IOCTL_PARAM_ATTR_META, kBufAddr, 4096);
            std::memcpy(arg.data() + sizeof head, &meta, sizeof meta);
            IoctlReply r = d_.ioctl(caller_, token_, TEE_IOC_SUPPL_RECV, arg.size(), arg, {});
            if (r.no_reply || r.err) {
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
                continue;
            }
            std::memcpy(&head, r.arg.data(), sizeof head);
            // The driver writes back how many parameters it filled: the meta one, then the request's.
            const uint32_t filled = std::min(head.num_params, slots);
            std::vector<tee_ioctl_param> p(filled);
            std::memcpy(p.data(), r.arg.data() + sizeof head, filled * sizeof(tee_ioctl_param));
            uint64_t user_id = p[0].a, request = p[0].b;
            if (head.func == QCOMTEE_OBJREF_OP_RELEASE) {
                ++releases;
                continue;
            }
            std::vector<Bytes> in;
            std::vector<uint64_t> caps;
            size_t payload = 0; // input payloads arrive in parameter order
            for (uint32_t i = 1; i < filled; ++i) {
                uint32_t type = tee_param_type(p[i].attr);
                if (type == TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_INPUT) {
                    in.emplace_back(r.data.begin() + payload, r.data.begin() + payload + p[i].b);
                    payload += p[i].b;
                } else if (type == TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_OUTPUT) {
                    caps.push_back(p[i].b);
                }
            }
            std::vector<Bytes> out;
            int32_t ret = handler_(head.func, user_id, in, caps, out);
            // The answer mirrors the request: inputs as received, outputs filled in.
            std::vector<tee_ioctl_param> sp{param(TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT | TEE_IOCTL_PARAM_ATTR_META,
                                                  request)};
            Bytes data;
            size_t next_out = 0;
            for (uint32_t i = 1; i < filled && ret == 0; ++i) {
                tee_ioctl_param q = p[i];
                uint32_t type = tee_param_type(q.attr);
                if (type == TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_OUTPUT) {
                    Bytes o = next_out < out.size() ? out[next_out] : Bytes{};
                    ++next_out;
                    q.a = 0x20000;
                    q.b = o.size();
                    data.insert(data.end(), o.begin(), o.end());
                } else if (type == TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_OUTPUT) {
                    q.a = TEE_OBJREF_NULL;
                    q.b = 0;
                }
                sp.push_back(q);
            }
            Bytes sarg(sizeof(tee_iocl_supp_send_arg) + sp.size() * sizeof(tee_ioctl_param));
            tee_iocl_supp_send_arg sh{static_cast<uint32_t>(ret), static_cast<uint32_t>(sp.size())};
            std::memcpy(sarg.data(), &sh, sizeof sh);
            std::memcpy(sarg.data() + sizeof sh, sp.data(), sp.size() * sizeof(tee_ioctl_param));
            d_.ioctl(caller_, token_, TEE_IOC_SUPPL_SEND, sarg.size(), sarg, data);
            ++served;
        }
    }

    Driver &d_;
    uint64_t token_;
    Handler handler_;
    std::atomic<bool> stop_{false};
    Caller caller_;
    std::thread thread_;
};

// Serves IIO credentials (getLength / readAtOffset) and listener events.
inline Supplicant::Handler credentials_handler(Bytes creds, std::atomic<int> *events = nullptr)
{
    return [creds, events](uint32_t op, uint64_t, const std::vector<Bytes> &in, const std::vector<uint64_t> &caps,
                           std::vector<Bytes> &out) -> int32_t {
        if (op == QCOMTEE_IIO_OP_GET_LENGTH && caps.size() == 1) {
            uint64_t n = creds.size();
            Bytes b(8);
            std::memcpy(b.data(), &n, 8);
            out.push_back(b);
            return QCOMTEE_MSG_OK;
        }
        if (op == QCOMTEE_IIO_OP_READ_AT_OFFSET && in.size() == 1 && caps.size() == 1) {
            uint64_t off;
            std::memcpy(&off, in[0].data(), 8);
            uint64_t n = std::min<uint64_t>(caps[0], creds.size() - off);
            out.emplace_back(creds.begin() + off, creds.begin() + off + n);
            return QCOMTEE_MSG_OK;
        }
        if (events && op == TEESIM_LISTENER_OP_ON_EVENT) {
            ++*events;
            return QCOMTEE_MSG_OK;
        }
        return QCOMTEE_MSG_ERROR_INVALID;
    };
}

// Registers the context as a client (root op 2) and returns the client env handle.
inline uint64_t register_client(Driver &d, const Caller &c, uint64_t token, InvokeResult *out = nullptr)
{
    Supplicant s(d, token, credentials_handler(Bytes(3000, 'c')));
    InvokeResult r = invoke(d, c, token, TEE_OBJREF_NULL, QCOMTEE_ROOT_OP_REGISTER_AS_CLIENT,
                            {obj_in(7, QCOMTEE_OBJREF_FLAG_USER), obj_out()});
    if (out)
        *out = r;
    return r.reply.err == 0 && r.ret == 0 ? r.params[1].a : ~uint64_t{0};
}

inline uint64_t open_service(Driver &d, const Caller &c, uint64_t token, uint64_t env, uint32_t uid)
{
    InvokeResult r = invoke(d, c, token, env, QCOMTEE_CLIENT_ENV_OP_OPEN, {ubuf_in(4), obj_out()}, u32(uid));
    return r.reply.err == 0 && r.ret == 0 ? r.params[1].a : ~uint64_t{0};
}

} // namespace teesim_test
