// SPDX-License-Identifier: MIT
// Helpers of the conformance tests: a callback request produced on demand (a register-as-client
// call in the background, whose credentials requests the test serves by hand), and small
// wrappers around the raw ioctls.
#pragma once

#include "sim_client.h"

#include <sys/mman.h>

#include <future>

namespace conformance {

using namespace sim_client;

constexpr uint64_t kCredentials = 77;

inline int ioctl_errno(int fd, unsigned long request, void *arg)
{
    errno = 0;
    return ioctl(fd, request, arg) == 0 ? 0 : errno;
}

// Root op 2 (register as client) on a fresh context, run on its own thread: QTEE reads the
// credentials object through callback requests on that very context, which the test receives
// and answers with SUPPL_RECV / SUPPL_SEND. Destroying it answers what is left and closes.
class Registration {
public:
    Registration() : fd(open_context())
    {
        result = std::async(std::launch::async, [this] {
            Invoke reg(TEE_OBJREF_NULL, QCOMTEE_ROOT_OP_REGISTER_AS_CLIENT,
                       {obj_in(kCredentials, QCOMTEE_OBJREF_FLAG_USER), obj_out()});
            int r = reg.call(fd);
            return std::make_pair(r == 0 ? 0 : errno, static_cast<int32_t>(reg.head.ret));
        });
    }
    // A registration still waiting gets every request refused until it returns (a request the
    // test received must have been answered). The refusing thread waits in SUPPL_RECV, which a
    // signal interrupts once the registration is over.
    ~Registration()
    {
        if (result.valid() && result.wait_for(std::chrono::milliseconds(0)) != std::future_status::ready) {
            struct sigaction action{}, old{};
            action.sa_handler = [](int) {};
            sigaction(SIGUSR2, &action, &old);
            std::atomic<bool> done{false}, exited{false};
            std::thread refuser([&] {
                alignas(8) unsigned char payload[1024];
                while (!done) {
                    SuppArg arg;
                    arg.prepare_recv(SuppArg::kSlots, payload, sizeof payload);
                    if (arg.recv(fd, SuppArg::kSlots) != 0 || arg.first() == QCOMTEE_OBJREF_OP_RELEASE)
                        continue;
                    const uint64_t id = arg.param(0).b;
                    arg.first() = QCOMTEE_MSG_ERROR;
                    arg.num_params() = 1;
                    arg.param(0) = {kSendMeta, id, 0, 0};
                    arg.send(fd);
                }
                exited = true;
            });
            result.wait_for(std::chrono::seconds(10));
            done = true;
            while (!exited) {
                pthread_kill(refuser.native_handle(), SIGUSR2);
                std::this_thread::sleep_for(std::chrono::milliseconds(5));
            }
            refuser.join();
            sigaction(SIGUSR2, &old, nullptr);
        }
        ::close(fd);
    }
    Registration(const Registration &) = delete;
    Registration &operator=(const Registration &) = delete;

    // The errno and QTEE result of the register-as-client call.
    std::pair<int, int32_t> outcome()
    {
        EXPECT_EQ(result.wait_for(std::chrono::seconds(10)), std::future_status::ready);
        return result.get();
    }

    int fd;
    std::future<std::pair<int, int32_t>> result;
};

// A receive buffer and argument; recv() takes the next request (blocking).
struct Receiver {
    alignas(8) unsigned char payload[1024] = {};
    SuppArg arg;

    int recv(int fd, uint32_t slots = SuppArg::kSlots)
    {
        arg.prepare_recv(slots, payload, sizeof payload);
        errno = 0;
        return arg.recv(fd, slots) == 0 ? 0 : errno;
    }
    // The next request that wants an answer: RELEASE notifications (of callback objects QTEE
    // dropped meanwhile) are skipped.
    int recv_call(int fd)
    {
        for (;;) {
            if (int err = recv(fd))
                return err;
            if (arg.first() != QCOMTEE_OBJREF_OP_RELEASE)
                return 0;
        }
    }
};

// Answers the request in `rx` like a good supplicant (outputs filled, inputs echoed), with
// `bytes` for the single output buffer. Returns SUPPL_SEND's errno.
inline int answer(int fd, Receiver &rx, const std::vector<uint8_t> &bytes, uint32_t ret = 0)
{
    const uint32_t n = rx.arg.num_params();
    const uint64_t id = rx.arg.param(0).b;
    rx.arg.first() = ret;
    rx.arg.param(0) = {kSendMeta, id, 0, 0};
    for (uint32_t i = 1; i < n; ++i)
        if (rx.arg.param(i).attr == TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_OUTPUT)
            rx.arg.param(i) = {TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_OUTPUT, reinterpret_cast<uintptr_t>(bytes.data()),
                               bytes.size(), 0};
    rx.arg.num_params() = ret == 0 ? n : 1;
    errno = 0;
    return rx.arg.send(fd) == 0 ? 0 : errno;
}

inline std::vector<uint8_t> u64_bytes(uint64_t v)
{
    return std::vector<uint8_t>(reinterpret_cast<uint8_t *>(&v), reinterpret_cast<uint8_t *>(&v) + 8);
}

// Serves the credentials requests of a registration until its RELEASE notification.
inline void serve_credentials(int fd, Receiver &rx)
{
    static const char creds[] = "uid=0;name=conformance";
    for (;;) {
        ASSERT_EQ(rx.recv(fd), 0);
        const uint32_t op = rx.arg.first();
        if (op == QCOMTEE_OBJREF_OP_RELEASE)
            return;
        if (op == QCOMTEE_IIO_OP_GET_LENGTH) {
            ASSERT_EQ(answer(fd, rx, u64_bytes(sizeof creds)), 0);
        } else {
            uint64_t off = 0;
            std::memcpy(&off, reinterpret_cast<const void *>(rx.arg.param(1).a), 8);
            const size_t n = std::min<size_t>(rx.arg.param(2).b, sizeof creds - off);
            ASSERT_EQ(answer(fd, rx, std::vector<uint8_t>(creds + off, creds + off + n)), 0);
        }
    }
}

// A context registered as a client, served by hand: returns the client env handle.
inline uint64_t register_by_hand(Registration &reg)
{
    Receiver rx;
    serve_credentials(reg.fd, rx);
    auto [err, ret] = reg.outcome();
    EXPECT_EQ(err, 0);
    EXPECT_EQ(ret, 0);
    return 0; // the first TEE object id of a fresh context
}

// Client env op 0 open(uid) on `fd`.
inline uint64_t open_service(int fd, uint64_t env, uint32_t uid)
{
    Invoke open(env, QCOMTEE_CLIENT_ENV_OP_OPEN, {ubuf_in(&uid, sizeof uid), obj_out()});
    EXPECT_EQ(open.call(fd), 0) << strerror(errno);
    EXPECT_EQ(open.head.ret, 0u);
    EXPECT_EQ(open.params[1].b, QCOMTEE_OBJREF_FLAG_TEE);
    return open.params[1].a;
}

// An shm of `size` bytes on `fd`: its id and descriptor.
struct SharedMemory {
    int fd = -1;
    int32_t id = -1;
    uint64_t size = 0;
    explicit SharedMemory(int ctx, uint64_t bytes = 4096)
    {
        tee_ioctl_shm_alloc_data d{bytes, 0, 0};
        fd = ioctl(ctx, TEE_IOC_SHM_ALLOC, &d);
        EXPECT_GE(fd, 0) << strerror(errno);
        id = d.id;
        size = d.size;
    }
    ~SharedMemory()
    {
        if (fd >= 0)
            ::close(fd);
    }
};

// Memory that faults on every access (an unmapped page).
inline void *unmapped_page()
{
    static void *page = [] {
        void *p = mmap(nullptr, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        munmap(p, 4096);
        return p;
    }();
    return page;
}

// A context registered by hand, with a listener (user id kListener) in the registry whose
// callback requests the test receives and answers itself.
struct Listened {
    static constexpr uint64_t kListener = 99;
    Registration reg;
    uint64_t env = 0, registry = 0;
    uint32_t token = 0;

    Listened()
    {
        env = register_by_hand(reg);
        registry = open_service(reg.fd, env, TEESIM_UID_LISTENER_REGISTRY);
        Invoke add(registry, TEESIM_REGISTRY_OP_REGISTER, {ubuf_out(&token, 4), obj_in(kListener, QCOMTEE_OBJREF_FLAG_USER)});
        EXPECT_EQ(add.call(reg.fd), 0) << strerror(errno);
        EXPECT_EQ(add.head.ret, 0u);
    }
    int fd() const { return reg.fd; }
};

// A registry call made on its own thread, since it waits for the listener's answer. Returns
// the ioctl's errno and QTEE's result; `objects` gets the output object, if the op has one.
inline std::future<std::pair<int, int32_t>> registry_call(int fd, uint64_t registry, uint32_t op, uint32_t token,
                                                          tee_ioctl_param object = obj_in(TEE_OBJREF_NULL, 0),
                                                          tee_ioctl_param *result_object = nullptr)
{
    return std::async(std::launch::async, [=] {
        uint32_t t = token;
        Invoke inv(registry, op, {});
        if (op == TEESIM_REGISTRY_OP_RELAY)
            inv = Invoke(registry, op, {ubuf_in(&t, 4), object});
        else if (op == TEESIM_REGISTRY_OP_ASK || op == TEESIM_REGISTRY_OP_LISTENER)
            inv = Invoke(registry, op, {ubuf_in(&t, 4), obj_out()});
        else
            inv = Invoke(registry, op, {ubuf_in(&t, 4), ubuf_out(&t, 4)});
        int r = inv.call(fd);
        int err = r == 0 ? 0 : errno;
        if (result_object)
            *result_object = inv.params[1];
        return std::make_pair(err, static_cast<int32_t>(inv.head.ret));
    });
}

} // namespace conformance
