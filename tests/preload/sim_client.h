// SPDX-License-Identifier: MIT
// Test programs that run with LD_PRELOAD=libteescope-preload.so and TEESCOPE_SIM=<socket>
// against a real teesim daemon: the daemon itself (started by the test environment from
// TEESCOPE_TEST_SIM_CMD, without the preload), and a client written against the raw UAPI the way
// libqcomtee uses it — plain ioctl() calls, a supplicant thread that receives into a fixed
// argument and answers in the same buffer.
#pragma once

#include "teescope/tee_uapi.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

extern char **environ;

namespace sim_client {

// ------------------------------------------------------------------------- the daemon

class SimDaemon : public ::testing::Environment {
public:
    void SetUp() override
    {
        const char *socket = std::getenv("TEESCOPE_SIM");
        const char *command = std::getenv("TEESCOPE_TEST_SIM_CMD");
        ASSERT_TRUE(socket && *socket) << "TEESCOPE_SIM is not set";
        ASSERT_TRUE(command && *command) << "TEESCOPE_TEST_SIM_CMD is not set";
        ::unlink(socket);
        // The daemon must not run under the preload: build its environment without it.
        std::vector<std::string> env_store;
        for (char **e = environ; *e; ++e)
            if (std::strncmp(*e, "LD_PRELOAD=", 11) != 0 && std::strncmp(*e, "TEESCOPE_SIM=", 13) != 0)
                env_store.emplace_back(*e);
        std::vector<char *> env;
        for (auto &s : env_store)
            env.push_back(s.data());
        env.push_back(nullptr);
        std::string sock = socket;
        std::vector<std::string> words{command, "sim", "--socket", sock};
        // More arguments for the daemon (e.g. "--tee optee --xen"), space-separated.
        if (const char *extra = std::getenv("TEESCOPE_TEST_SIM_ARGS")) {
            std::string all = extra;
            for (size_t at = 0; at < all.size();) {
                size_t end = all.find(' ', at);
                if (end == std::string::npos)
                    end = all.size();
                if (end > at)
                    words.push_back(all.substr(at, end - at));
                at = end + 1;
            }
        }
        std::vector<char *> argv;
        for (auto &w : words)
            argv.push_back(w.data());
        argv.push_back(nullptr);
        pid_ = fork();
        ASSERT_GE(pid_, 0);
        if (pid_ == 0) {
            execve(command, argv.data(), env.data());
            _exit(127);
        }
        // Ready once the socket accepts connections.
        for (int i = 0; i < 200; ++i) {
            if (connectable(socket))
                return;
            std::this_thread::sleep_for(std::chrono::milliseconds(25));
        }
        FAIL() << "teesim did not come up on " << socket;
    }

    void TearDown() override
    {
        if (pid_ > 0) {
            kill(pid_, SIGTERM);
            int status = 0;
            waitpid(pid_, &status, 0);
            EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "teesim status " << status;
        }
    }

private:
    static bool connectable(const char *path)
    {
        int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strncpy(addr.sun_path, path, sizeof addr.sun_path - 1);
        bool ok = connect(s, reinterpret_cast<sockaddr *>(&addr), sizeof addr) == 0;
        close(s);
        return ok;
    }

    pid_t pid_ = -1;
};

// ------------------------------------------------------------------------- invocation helpers

// The fixed part of tee_ioctl_object_invoke_arg, without the flexible array.
struct InvokeHead {
    uint64_t id;
    uint32_t op, ret, num_params, pad;
};
static_assert(sizeof(InvokeHead) == sizeof(tee_ioctl_object_invoke_arg));

// An OBJECT_INVOKE argument in one contiguous buffer, as the kernel wants it. `buf.buf_len` 0
// means the exact size; set it (or `storage`) to build malformed calls.
struct Invoke {
    InvokeHead head{};
    tee_ioctl_param params[130]{};
    tee_ioctl_buf_data buf{};
    alignas(8) unsigned char storage[TEE_MAX_ARG_SIZE + 64];

    Invoke(uint64_t object, uint32_t op, std::initializer_list<tee_ioctl_param> ps)
    {
        head.id = object;
        head.op = op;
        head.num_params = static_cast<uint32_t>(ps.size());
        uint32_t i = 0;
        for (const auto &p : ps)
            params[i++] = p;
    }

    // Lays the argument out in `storage`; call() does it too.
    void build()
    {
        std::memcpy(storage, &head, sizeof head);
        std::memcpy(storage + sizeof head, params, std::min<size_t>(head.num_params, 127) * sizeof(tee_ioctl_param));
        buf.buf_ptr = reinterpret_cast<uintptr_t>(storage);
        if (buf.buf_len == 0)
            buf.buf_len = sizeof head + head.num_params * sizeof(tee_ioctl_param);
    }

    // Returns ioctl()'s result; errno as the call left it. `head` and `params` show what the
    // driver wrote back.
    int call(int fd)
    {
        build();
        return send(fd);
    }

    // Calls with `storage` as it is.
    int send(int fd)
    {
        int r = ioctl(fd, TEE_IOC_OBJECT_INVOKE, &buf);
        int saved = errno;
        std::memcpy(&head, storage, sizeof head);
        std::memcpy(params, storage + sizeof head, std::min<size_t>(head.num_params, 127) * sizeof(tee_ioctl_param));
        errno = saved;
        return r;
    }

    // 0 or the errno of the call.
    int err(int fd)
    {
        errno = 0;
        return call(fd) == 0 ? 0 : errno;
    }
};

inline tee_ioctl_param ubuf_in(const void *p, size_t n)
{
    return {TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_INPUT, reinterpret_cast<uintptr_t>(p), n, 0};
}
inline tee_ioctl_param ubuf_out(void *p, size_t n)
{
    return {TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_OUTPUT, reinterpret_cast<uintptr_t>(p), n, 0};
}
inline tee_ioctl_param obj_in(uint64_t id, uint64_t flags) { return {TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_INPUT, id, flags, 0}; }
inline tee_ioctl_param obj_out() { return {TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_OUTPUT, 0, 0, 0}; }

inline int open_context()
{
    int fd = open("/dev/tee0", O_RDWR | O_CLOEXEC);
    EXPECT_GE(fd, 0) << strerror(errno);
    return fd;
}

// ------------------------------------------------------------------------- the supplicant

constexpr uint64_t kRecvMeta = TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT | TEE_IOCTL_PARAM_ATTR_META;
constexpr uint64_t kSendMeta = TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT | TEE_IOCTL_PARAM_ATTR_META;

// A SUPPL_RECV / SUPPL_SEND argument of up to `kSlots` parameters, in one aligned buffer.
struct SuppArg {
    static constexpr uint32_t kSlots = 65;
    alignas(8) unsigned char bytes[8 + kSlots * sizeof(tee_ioctl_param)] = {};

    uint32_t &first() { return *reinterpret_cast<uint32_t *>(bytes); }       // func / ret
    uint32_t &num_params() { return *reinterpret_cast<uint32_t *>(bytes + 4); }
    tee_ioctl_param &param(size_t i) { return *reinterpret_cast<tee_ioctl_param *>(bytes + 8 + i * sizeof(tee_ioctl_param)); }

    // A receive argument of `slots` parameters: the meta one naming `payload`, the rest empty.
    void prepare_recv(uint32_t slots, void *payload, size_t payload_size)
    {
        std::memset(bytes, 0, sizeof bytes);
        num_params() = slots;
        param(0) = {kRecvMeta, reinterpret_cast<uintptr_t>(payload), payload_size, 0};
    }
    int recv(int fd, uint32_t slots)
    {
        tee_ioctl_buf_data buf{reinterpret_cast<uintptr_t>(bytes), 8 + slots * sizeof(tee_ioctl_param)};
        return ioctl(fd, TEE_IOC_SUPPL_RECV, &buf);
    }
    int send(int fd, uint64_t buf_len = sizeof(SuppArg::bytes))
    {
        tee_ioctl_buf_data buf{reinterpret_cast<uintptr_t>(bytes), buf_len};
        return ioctl(fd, TEE_IOC_SUPPL_SEND, &buf);
    }
};

// A callback request as the supplicant received it.
struct Request {
    uint32_t op = 0;
    uint64_t object = 0, id = 0;
    uint32_t num_params = 0;
    std::vector<tee_ioctl_param> params; // the request's own, after the meta parameter
    std::vector<std::vector<uint8_t>> in;
};

// Serves callback requests of one context: the credentials (IIO), and listeners. Each request is
// received into a fixed argument with room for 65 parameters and answered in the same buffer,
// inputs echoed in place, outputs filled in — what the kernel expects and libqcomtee does.
class Supplicant {
public:
    // Returns the result; fills `out` (one entry per output buffer of the request).
    using Handler = std::function<int32_t(const Request &, std::vector<std::vector<uint8_t>> &out)>;
    static constexpr uint64_t kCredentialsId = 77;
    static constexpr uint64_t kListenerId = 88;
    static constexpr const char kCredentials[] = "uid=1000;name=preload-test";

    // A listener event of 0xdead0000 | fd ends the loop: every client stops its own supplicant only.
    static uint32_t stop_event(int fd) { return 0xdead0000u | static_cast<uint32_t>(fd & 0xffff); }

    explicit Supplicant(int fd, Handler extra = {}) : fd_(fd), extra_(std::move(extra)), thread_([this] { run(); }) {}
    ~Supplicant()
    {
        if (thread_.joinable())
            thread_.join();
    }
    std::atomic<int> served{0};
    std::atomic<int> released{0};
    std::atomic<int> error{0};
    std::atomic<int> interrupted{0};
    std::atomic<bool> waiting{false};

    void join() { thread_.join(); }
    void signal(int sig) { pthread_kill(thread_.native_handle(), sig); }

private:
    int32_t handle(const Request &r, std::vector<std::vector<uint8_t>> &out, bool &stop)
    {
        if (r.object == kCredentialsId && r.op == QCOMTEE_IIO_OP_GET_LENGTH && r.num_params == 2) {
            uint64_t n = sizeof kCredentials;
            out.push_back(std::vector<uint8_t>(reinterpret_cast<uint8_t *>(&n), reinterpret_cast<uint8_t *>(&n) + 8));
            return QCOMTEE_MSG_OK;
        }
        if (r.object == kCredentialsId && r.op == QCOMTEE_IIO_OP_READ_AT_OFFSET && r.num_params == 3 &&
            r.in.size() == 1 && r.in[0].size() == 8) {
            uint64_t offset = 0;
            std::memcpy(&offset, r.in[0].data(), 8);
            size_t n = offset < sizeof kCredentials ? std::min<size_t>(r.params[1].b, sizeof kCredentials - offset) : 0;
            out.emplace_back(kCredentials + offset, kCredentials + offset + n);
            return QCOMTEE_MSG_OK;
        }
        if (r.object == kListenerId && r.op == TEESIM_LISTENER_OP_ON_EVENT && r.in.size() == 1 && r.in[0].size() == 4) {
            uint32_t event = 0;
            std::memcpy(&event, r.in[0].data(), 4);
            stop = event == stop_event(fd_);
            return QCOMTEE_MSG_OK;
        }
        if (extra_)
            return extra_(r, out);
        return QCOMTEE_MSG_ERROR_INVALID;
    }

    void run()
    {
        alignas(8) unsigned char payload[4096];
        SuppArg arg;
        for (;;) {
            arg.prepare_recv(SuppArg::kSlots, payload, sizeof payload);
            waiting = true;
            int r = arg.recv(fd_, SuppArg::kSlots);
            waiting = false;
            if (r != 0) {
                if (errno == EINTR) {
                    ++interrupted; // a signal ended the wait, as in the kernel: wait again
                    continue;
                }
                error = errno;
                return;
            }
            Request req;
            req.op = arg.first();
            req.num_params = arg.num_params();
            req.object = arg.param(0).a;
            req.id = arg.param(0).b;
            for (uint32_t i = 1; i < req.num_params; ++i) {
                tee_ioctl_param p = arg.param(i);
                req.params.push_back(p);
                if (tee_param_type(p.attr) == TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_INPUT) {
                    auto *at = reinterpret_cast<const uint8_t *>(p.a);
                    req.in.emplace_back(at, at + p.b);
                }
            }
            if (req.op == QCOMTEE_OBJREF_OP_RELEASE) {
                ++released;
                continue; // no answer needed
            }
            ++served;
            std::vector<std::vector<uint8_t>> out;
            bool stop = false;
            int32_t ret = handle(req, out, stop);
            // The answer over the request: inputs stay, outputs point at the answer's bytes.
            arg.first() = static_cast<uint32_t>(ret);
            arg.param(0) = {kSendMeta, req.id, 0, 0};
            size_t next = 0;
            for (uint32_t i = 1; i < req.num_params; ++i) {
                tee_ioctl_param &p = arg.param(i);
                if (tee_param_type(p.attr) == TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_OUTPUT) {
                    std::vector<uint8_t> &o = next < out.size() ? out[next] : out.emplace_back();
                    ++next;
                    p.a = reinterpret_cast<uintptr_t>(o.data());
                    p.b = o.size();
                } else if (tee_param_type(p.attr) == TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_OUTPUT) {
                    p.a = TEE_OBJREF_NULL;
                    p.b = 0;
                }
            }
            arg.num_params() = ret == 0 ? req.num_params : 1;
            if (arg.send(fd_) != 0) {
                error = errno;
                return;
            }
            if (stop)
                return;
        }
    }

    int fd_;
    Handler extra_;
    std::thread thread_;
};

// A context with a supplicant, registered as a client, holding the Diagnostics service.
struct Client {
    int fd = -1;
    uint64_t env = 0, diagnostics = 0;
    std::unique_ptr<Supplicant> supplicant;

    void start(Supplicant::Handler extra = {})
    {
        fd = open_context();
        ASSERT_GE(fd, 0);
        supplicant = std::make_unique<Supplicant>(fd, std::move(extra));
        Invoke reg(TEE_OBJREF_NULL, QCOMTEE_ROOT_OP_REGISTER_AS_CLIENT,
                   {obj_in(Supplicant::kCredentialsId, QCOMTEE_OBJREF_FLAG_USER), obj_out()});
        ASSERT_EQ(reg.call(fd), 0) << strerror(errno);
        ASSERT_EQ(reg.head.ret, 0u);
        ASSERT_EQ(reg.params[1].b, QCOMTEE_OBJREF_FLAG_TEE);
        env = reg.params[1].a;
        diagnostics = open(QCOMTEE_UID_DIAGNOSTICS);
    }

    // Client env op 0 open(uid): the new handle (asserts success).
    uint64_t open(uint32_t uid)
    {
        Invoke open_service(env, QCOMTEE_CLIENT_ENV_OP_OPEN, {ubuf_in(&uid, sizeof uid), obj_out()});
        EXPECT_EQ(open_service.call(fd), 0) << strerror(errno);
        EXPECT_EQ(open_service.head.ret, 0u);
        EXPECT_EQ(open_service.params[1].b, QCOMTEE_OBJREF_FLAG_TEE);
        return open_service.params[1].a;
    }

    // Stops the supplicant through the listener registry: notify makes QTEE call our listener.
    void stop()
    {
        uint64_t registry = open(TEESIM_UID_LISTENER_REGISTRY);
        uint32_t token = 0;
        Invoke reg(registry, TEESIM_REGISTRY_OP_REGISTER,
                   {ubuf_out(&token, sizeof token), obj_in(Supplicant::kListenerId, QCOMTEE_OBJREF_FLAG_USER)});
        ASSERT_EQ(reg.call(fd), 0) << strerror(errno);
        ASSERT_EQ(reg.head.ret, 0u);
        uint32_t event = Supplicant::stop_event(fd), reached = 0;
        Invoke notify(registry, TEESIM_REGISTRY_OP_NOTIFY, {ubuf_in(&event, sizeof event), ubuf_out(&reached, sizeof reached)});
        ASSERT_EQ(notify.call(fd), 0) << strerror(errno);
        EXPECT_EQ(notify.head.ret, 0u);
        EXPECT_GE(reached, 1u);
        supplicant->join();
        EXPECT_EQ(supplicant->error.load(), 0);
    }

    ~Client()
    {
        if (fd >= 0)
            close(fd);
    }
};

inline uint32_t heap_total(int fd, uint64_t diagnostics, int *err = nullptr)
{
    uint32_t info[6] = {};
    Invoke query(diagnostics, QCOMTEE_DIAGNOSTICS_OP_QUERY_HEAP_INFO, {ubuf_out(info, sizeof info)});
    int r = query.call(fd);
    if (err)
        *err = r == 0 ? 0 : errno;
    if (r != 0 || query.head.ret != 0 || query.params[0].b != sizeof info)
        return 0;
    return info[0];
}

} // namespace sim_client
