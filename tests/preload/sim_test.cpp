// SPDX-License-Identifier: MIT
// The preload against a real teesim daemon: runs with LD_PRELOAD=libteescope-preload.so and
// TEESCOPE_SIM=<socket>; the test environment starts `teescope sim --socket <socket>` (given in
// TEESCOPE_TEST_SIM_CMD) without the preload, and stops it at the end.
#include "teescope/tee_uapi.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

extern char **environ;

namespace {

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
        char *argv[] = {const_cast<char *>(command), const_cast<char *>("sim"), const_cast<char *>("--socket"),
                        sock.data(), nullptr};
        pid_ = fork();
        ASSERT_GE(pid_, 0);
        if (pid_ == 0) {
            execve(command, argv, env.data());
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

struct Invoke {
    InvokeHead head{};
    tee_ioctl_param params[40]{};
    tee_ioctl_buf_data buf{};

    Invoke(uint64_t object, uint32_t op, std::initializer_list<tee_ioctl_param> ps)
    {
        head.id = object;
        head.op = op;
        head.num_params = static_cast<uint32_t>(ps.size());
        uint32_t i = 0;
        for (const auto &p : ps)
            params[i++] = p;
    }

    // The argument as the kernel wants it: one contiguous header + parameters.
    int call(int fd)
    {
        std::memcpy(storage, &head, sizeof head);
        std::memcpy(storage + sizeof head, params, head.num_params * sizeof(tee_ioctl_param));
        buf.buf_ptr = reinterpret_cast<uintptr_t>(storage);
        if (buf.buf_len == 0)
            buf.buf_len = sizeof head + head.num_params * sizeof(tee_ioctl_param);
        int r = ioctl(fd, TEE_IOC_OBJECT_INVOKE, &buf);
        int saved = errno;
        std::memcpy(&head, storage, sizeof head);
        std::memcpy(params, storage + sizeof head, head.num_params * sizeof(tee_ioctl_param));
        errno = saved;
        return r;
    }

    alignas(8) unsigned char storage[TEE_MAX_ARG_SIZE + 64];
};

tee_ioctl_param ubuf_in(const void *p, size_t n)
{
    return {TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_INPUT, reinterpret_cast<uintptr_t>(p), n, 0};
}
tee_ioctl_param ubuf_out(void *p, size_t n)
{
    return {TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_OUTPUT, reinterpret_cast<uintptr_t>(p), n, 0};
}
tee_ioctl_param obj_in(uint64_t id, uint64_t flags) { return {TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_INPUT, id, flags, 0}; }
tee_ioctl_param obj_out() { return {TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_OUTPUT, 0, 0, 0}; }

int open_context()
{
    int fd = open("/dev/tee0", O_RDWR | O_CLOEXEC);
    EXPECT_GE(fd, 0) << strerror(errno);
    return fd;
}

// A supplicant thread serving this context's callback objects: the credentials (IIO) and a
// listener whose onEvent with kStopEvent ends the loop.
constexpr uint64_t kCredentialsId = 77;
constexpr uint64_t kListenerId = 88;
constexpr uint32_t kStopEvent = 0xdead;
const char kCredentials[] = "uid=1000;name=preload-test";

class Supplicant {
public:
    explicit Supplicant(int fd) : fd_(fd), thread_([this] { run(); }) {}
    ~Supplicant()
    {
        if (thread_.joinable())
            thread_.join();
    }
    std::atomic<int> served{0};
    std::atomic<int> error{0};
    std::atomic<bool> waiting{false};

    void join() { thread_.join(); }
    void signal(int sig) { pthread_kill(thread_.native_handle(), sig); }

private:
    void run()
    {
        alignas(8) unsigned char payload[4096];
        for (;;) {
            alignas(8) unsigned char recv_raw[sizeof(tee_iocl_supp_recv_arg) + 5 * sizeof(tee_ioctl_param)] = {};
            auto &recv = *reinterpret_cast<tee_iocl_supp_recv_arg *>(recv_raw);
            recv.num_params = 5;
            recv.params[0] = {TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT | TEE_IOCTL_PARAM_ATTR_META,
                              reinterpret_cast<uintptr_t>(payload), sizeof payload, 0};
            tee_ioctl_buf_data buf{reinterpret_cast<uintptr_t>(recv_raw), sizeof recv_raw};
            waiting = true;
            int r = ioctl(fd_, TEE_IOC_SUPPL_RECV, &buf);
            waiting = false;
            if (r != 0) {
                error = errno;
                return;
            }
            uint64_t object = recv.params[0].a;
            uint64_t request = recv.params[0].b;
            uint32_t op = recv.func;
            if (op == QCOMTEE_OBJREF_OP_RELEASE)
                continue; // no answer needed
            ++served;
            alignas(8) unsigned char send_raw[sizeof(tee_iocl_supp_send_arg) + 2 * sizeof(tee_ioctl_param)] = {};
            auto &send = *reinterpret_cast<tee_iocl_supp_send_arg *>(send_raw);
            send.params[0] = {TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT | TEE_IOCTL_PARAM_ATTR_META, request, 0, 0};
            uint64_t u64 = 0;
            bool stop = false;
            send.num_params = 1;
            if (object == kCredentialsId && op == QCOMTEE_IIO_OP_GET_LENGTH) {
                u64 = sizeof kCredentials;
                send.params[1] = ubuf_out(&u64, sizeof u64);
                send.num_params = 2;
            } else if (object == kCredentialsId && op == QCOMTEE_IIO_OP_READ_AT_OFFSET) {
                uint64_t offset = 0;
                std::memcpy(&offset, reinterpret_cast<void *>(recv.params[1].a), sizeof offset);
                size_t capacity = recv.params[2].b;
                size_t n = offset < sizeof kCredentials ? std::min(capacity, sizeof kCredentials - offset) : 0;
                send.params[1] = ubuf_out(const_cast<char *>(kCredentials + offset), n);
                send.num_params = 2;
            } else if (object == kListenerId && op == TEESIM_LISTENER_OP_ON_EVENT) {
                uint32_t event = 0;
                std::memcpy(&event, reinterpret_cast<void *>(recv.params[1].a), sizeof event);
                stop = event == kStopEvent;
            } else {
                send.ret = QCOMTEE_MSG_ERROR_INVALID;
            }
            tee_ioctl_buf_data sbuf{reinterpret_cast<uintptr_t>(send_raw),
                                    sizeof(tee_iocl_supp_send_arg) + send.num_params * sizeof(tee_ioctl_param)};
            if (ioctl(fd_, TEE_IOC_SUPPL_SEND, &sbuf) != 0) {
                error = errno;
                return;
            }
            if (stop)
                return;
        }
    }

    int fd_;
    std::thread thread_;
};

// A context with a supplicant, registered as a client, holding the Diagnostics service.
struct Client {
    int fd = -1;
    uint64_t env = 0, diagnostics = 0;
    std::unique_ptr<Supplicant> supplicant;

    void start()
    {
        fd = open_context();
        ASSERT_GE(fd, 0);
        supplicant = std::make_unique<Supplicant>(fd);
        Invoke reg(TEE_OBJREF_NULL, QCOMTEE_ROOT_OP_REGISTER_AS_CLIENT,
                   {obj_in(kCredentialsId, QCOMTEE_OBJREF_FLAG_USER), obj_out()});
        ASSERT_EQ(reg.call(fd), 0) << strerror(errno);
        ASSERT_EQ(reg.head.ret, 0u);
        ASSERT_EQ(reg.params[1].b, QCOMTEE_OBJREF_FLAG_TEE);
        env = reg.params[1].a;
        uint32_t uid = QCOMTEE_UID_DIAGNOSTICS;
        Invoke open_service(env, QCOMTEE_CLIENT_ENV_OP_OPEN, {ubuf_in(&uid, sizeof uid), obj_out()});
        ASSERT_EQ(open_service.call(fd), 0) << strerror(errno);
        ASSERT_EQ(open_service.head.ret, 0u);
        diagnostics = open_service.params[1].a;
    }

    // Stops the supplicant through the listener registry: notify makes QTEE call our listener.
    void stop()
    {
        uint32_t uid = TEESIM_UID_LISTENER_REGISTRY;
        Invoke open_registry(env, QCOMTEE_CLIENT_ENV_OP_OPEN, {ubuf_in(&uid, sizeof uid), obj_out()});
        ASSERT_EQ(open_registry.call(fd), 0);
        ASSERT_EQ(open_registry.head.ret, 0u);
        uint64_t registry = open_registry.params[1].a;
        uint32_t token = 0;
        Invoke reg(registry, TEESIM_REGISTRY_OP_REGISTER,
                   {ubuf_out(&token, sizeof token), obj_in(kListenerId, QCOMTEE_OBJREF_FLAG_USER)});
        ASSERT_EQ(reg.call(fd), 0) << strerror(errno);
        ASSERT_EQ(reg.head.ret, 0u);
        uint32_t event = kStopEvent, reached = 0;
        Invoke notify(registry, TEESIM_REGISTRY_OP_NOTIFY, {ubuf_in(&event, sizeof event), ubuf_out(&reached, sizeof reached)});
        ASSERT_EQ(notify.call(fd), 0) << strerror(errno);
        EXPECT_EQ(notify.head.ret, 0u);
        EXPECT_EQ(reached, 1u);
        supplicant->join();
        EXPECT_EQ(supplicant->error.load(), 0);
    }

    ~Client()
    {
        if (fd >= 0)
            close(fd);
    }
};

uint32_t heap_total(int fd, uint64_t diagnostics, int *err = nullptr)
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

// ------------------------------------------------------------------------- tests

TEST(PreloadSim, OpenVersionClose)
{
    int fd = open_context();
    ASSERT_GE(fd, 0);
    EXPECT_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
    tee_ioctl_version_data v{};
    ASSERT_EQ(ioctl(fd, TEE_IOC_VERSION, &v), 0) << strerror(errno);
    EXPECT_EQ(v.impl_id, static_cast<uint32_t>(TEE_IMPL_ID_QTEE));
    EXPECT_TRUE(v.gen_caps & TEE_GEN_CAP_OBJREF);
    // A duplicate names the same context.
    int d = dup(fd);
    ASSERT_GE(d, 0);
    tee_ioctl_version_data v2{};
    EXPECT_EQ(ioctl(d, TEE_IOC_VERSION, &v2), 0);
    EXPECT_EQ(v2.impl_id, v.impl_id);
    EXPECT_EQ(close(d), 0);
    EXPECT_EQ(close(fd), 0);
    errno = 0;
    EXPECT_EQ(ioctl(fd, TEE_IOC_VERSION, &v), -1);
    EXPECT_EQ(errno, EBADF);
}

TEST(PreloadSim, MalformedCallsGetKernelErrnos)
{
    int fd = open_context();
    ASSERT_GE(fd, 0);
    auto invoke_errno = [&](Invoke &inv) {
        errno = 0;
        int r = inv.call(fd);
        return r == 0 ? 0 : errno;
    };
    {
        Invoke inv(TEE_OBJREF_NULL, 0, {});
        inv.buf.buf_len = 8; // shorter than the header
        EXPECT_EQ(invoke_errno(inv), EINVAL);
    }
    {
        Invoke inv(TEE_OBJREF_NULL, 0, {});
        inv.buf.buf_len = TEE_MAX_ARG_SIZE + 32; // too large
        EXPECT_EQ(invoke_errno(inv), EINVAL);
    }
    {
        Invoke inv(TEE_OBJREF_NULL, 0, {obj_out()});
        inv.buf.buf_len = sizeof(tee_ioctl_object_invoke_arg) + 2 * sizeof(tee_ioctl_param); // != num_params
        EXPECT_EQ(invoke_errno(inv), EINVAL);
    }
    {
        Invoke inv(12345, 0, {}); // unknown handle
        EXPECT_EQ(invoke_errno(inv), EINVAL);
    }
    {
        Invoke inv(TEE_OBJREF_NULL, QCOMTEE_ROOT_OP_REGISTER_AS_CLIENT,
                   {{TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT, 1, 2, 3}}); // a type qcomtee refuses
        EXPECT_EQ(invoke_errno(inv), EINVAL);
    }
    {
        Invoke inv(TEE_OBJREF_NULL, 0, {obj_out(), obj_in(1, QCOMTEE_OBJREF_FLAG_USER)}); // out of order
        EXPECT_EQ(invoke_errno(inv), EINVAL);
    }
    {
        uint32_t word = 0;
        Invoke inv(TEE_OBJREF_NULL, 0, {});
        inv.head.num_params = 17; // more than 16 input buffers
        for (int i = 0; i < 17; ++i)
            inv.params[i] = ubuf_in(&word, sizeof word);
        EXPECT_EQ(invoke_errno(inv), EINVAL);
    }
    {
        Invoke inv(TEE_OBJREF_NULL, QCOMTEE_OBJREF_OP_RETAIN, {});
        EXPECT_EQ(invoke_errno(inv), EINVAL);
    }
    {
        Invoke inv(TEE_OBJREF_NULL, 0x10000, {}); // op beyond 16 bits
        EXPECT_EQ(invoke_errno(inv), EINVAL);
    }
    // RELEASE of an unknown handle succeeds, as in qcomtee.
    {
        Invoke inv(999, QCOMTEE_OBJREF_OP_RELEASE, {});
        EXPECT_EQ(invoke_errno(inv), 0);
        EXPECT_EQ(inv.head.ret, 0u);
    }
    // Bad pointers: EFAULT, never a crash.
    errno = 0;
    EXPECT_EQ(ioctl(fd, TEE_IOC_OBJECT_INVOKE, reinterpret_cast<void *>(8)), -1);
    EXPECT_EQ(errno, EFAULT);
    errno = 0;
    EXPECT_EQ(ioctl(fd, TEE_IOC_VERSION, reinterpret_cast<void *>(8)), -1);
    EXPECT_EQ(errno, EFAULT);
    {
        tee_ioctl_buf_data buf{8, sizeof(tee_ioctl_object_invoke_arg)};
        errno = 0;
        EXPECT_EQ(ioctl(fd, TEE_IOC_OBJECT_INVOKE, &buf), -1);
        EXPECT_EQ(errno, EFAULT);
        buf.buf_len = 8; // rejected on size before the pointer is used
        errno = 0;
        EXPECT_EQ(ioctl(fd, TEE_IOC_OBJECT_INVOKE, &buf), -1);
        EXPECT_EQ(errno, EINVAL);
    }
    {
        Invoke inv(TEE_OBJREF_NULL, QCOMTEE_ROOT_OP_REGISTER_AS_CLIENT,
                   {{TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_INPUT, 8, 64, 0}}); // unreadable input buffer
        EXPECT_EQ(invoke_errno(inv), EFAULT);
    }
    {
        Invoke inv(TEE_OBJREF_NULL, 0, {{TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_INPUT, 0, uint64_t{1} << 40, 0}});
        EXPECT_EQ(invoke_errno(inv), EINVAL); // more data than one call may move
    }
    // Other TEE requests: not part of the UAPI, or sessions that qcomtee does not have.
    errno = 0;
    EXPECT_EQ(ioctl(fd, _IO(TEE_IOC_MAGIC, 42), nullptr), -1);
    EXPECT_EQ(errno, EINVAL);
    uint64_t wide = 0;
    errno = 0;
    EXPECT_EQ(ioctl(fd, _IOR(TEE_IOC_MAGIC, 0, uint64_t), &wide), -1);
    EXPECT_EQ(errno, EINVAL);
    tee_ioctl_close_session_arg close_arg{1};
    errno = 0;
    EXPECT_EQ(ioctl(fd, TEE_IOC_CLOSE_SESSION, &close_arg), -1);
    EXPECT_EQ(errno, EINVAL);
    // Foreign requests on the context descriptor: EINVAL like tee_ioctl(), except the generic ones.
    int pending = 0;
    errno = 0;
    EXPECT_EQ(ioctl(fd, FIONREAD, &pending), -1);
    EXPECT_EQ(errno, EINVAL);
    ASSERT_EQ(ioctl(fd, FIONCLEX), 0);
    EXPECT_EQ(fcntl(fd, F_GETFD), 0);
    ASSERT_EQ(ioctl(fd, FIOCLEX), 0);
    EXPECT_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
    // The context still works after all that.
    tee_ioctl_version_data v{};
    EXPECT_EQ(ioctl(fd, TEE_IOC_VERSION, &v), 0);
    close(fd);
}

TEST(PreloadSim, SharedMemory)
{
    int fd = open_context();
    ASSERT_GE(fd, 0);
    tee_ioctl_shm_alloc_data alloc{8192, 0, -1};
    int shm_fd = ioctl(fd, TEE_IOC_SHM_ALLOC, &alloc);
    ASSERT_GE(shm_fd, 0) << strerror(errno);
    EXPECT_GT(alloc.id, 0);
    EXPECT_EQ(fcntl(shm_fd, F_GETFD), FD_CLOEXEC);
    void *p = mmap(nullptr, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, shm_fd, 0);
    ASSERT_NE(p, MAP_FAILED) << strerror(errno);
    std::memset(p, 0x5a, 8192);
    munmap(p, 8192);
    EXPECT_EQ(close(shm_fd), 0);
    tee_ioctl_shm_alloc_data zero{0, 0, -1};
    errno = 0;
    EXPECT_EQ(ioctl(fd, TEE_IOC_SHM_ALLOC, &zero), -1);
    EXPECT_EQ(errno, EINVAL);
    close(fd);
}

TEST(PreloadSim, ThreadsShareOneContextWhileASupplicantWaits)
{
    Client client;
    ASSERT_NO_FATAL_FAILURE(client.start());
    EXPECT_GE(client.supplicant->served.load(), 2); // getLength + readAtOffset at least
    // The supplicant is blocked in SUPPL_RECV on the same context while these threads invoke.
    std::atomic<int> ok{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 25; ++i) {
                int err = 0;
                if (heap_total(client.fd, client.diagnostics, &err) > 0)
                    ++ok;
            }
        });
    }
    for (auto &t : threads)
        t.join();
    EXPECT_EQ(ok.load(), 100);
    EXPECT_TRUE(client.supplicant->waiting.load());
    // Signals delivered to the waiting supplicant (handler without SA_RESTART) do not end its wait.
    struct sigaction action{};
    action.sa_handler = [](int) {};
    struct sigaction old_action{};
    ASSERT_EQ(sigaction(SIGUSR1, &action, &old_action), 0);
    for (int i = 0; i < 5; ++i) {
        client.supplicant->signal(SIGUSR1);
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    EXPECT_TRUE(client.supplicant->waiting.load());
    EXPECT_EQ(client.supplicant->error.load(), 0);
    sigaction(SIGUSR1, &old_action, nullptr);
    ASSERT_NO_FATAL_FAILURE(client.stop());
}

TEST(PreloadSim, ContextSharedAcrossFork)
{
    Client client;
    ASSERT_NO_FATAL_FAILURE(client.start());
    ASSERT_GT(heap_total(client.fd, client.diagnostics), 0u);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        // The child's first call opens its own channel; the handle is valid in the shared context.
        int err = 0;
        uint32_t total = heap_total(client.fd, client.diagnostics, &err);
        tee_ioctl_version_data v{};
        bool version_ok = ioctl(client.fd, TEE_IOC_VERSION, &v) == 0 && v.impl_id == TEE_IMPL_ID_QTEE;
        _exit(total > 0 && version_ok ? 0 : 10 + err);
    }
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status)) << status;
    EXPECT_EQ(WEXITSTATUS(status), 0);
    EXPECT_GT(heap_total(client.fd, client.diagnostics), 0u); // the parent's channel still works
    ASSERT_NO_FATAL_FAILURE(client.stop());
}

TEST(PreloadSim, ContextPassedOverUnixSocket)
{
    int pair[2];
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0);
    // The receiver exists before the context does: it only ever sees the descriptor it receives.
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        close(pair[0]);
        uint64_t diagnostics = 0;
        iovec iov{&diagnostics, sizeof diagnostics};
        alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
        msghdr msg{};
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control;
        msg.msg_controllen = sizeof control;
        if (recvmsg(pair[1], &msg, 0) != sizeof diagnostics)
            _exit(20);
        cmsghdr *c = CMSG_FIRSTHDR(&msg);
        if (!c || c->cmsg_type != SCM_RIGHTS)
            _exit(21);
        int fd;
        std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
        int err = 0;
        uint32_t total = heap_total(fd, diagnostics, &err);
        char done = 'd';
        (void)!write(pair[1], &done, 1);
        _exit(total > 0 ? 0 : 30 + err);
    }
    close(pair[1]);
    Client client;
    ASSERT_NO_FATAL_FAILURE(client.start());
    iovec iov{&client.diagnostics, sizeof client.diagnostics};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &client.fd, sizeof(int));
    ASSERT_EQ(sendmsg(pair[0], &msg, 0), static_cast<ssize_t>(sizeof client.diagnostics));
    char done = 0;
    EXPECT_EQ(read(pair[0], &done, 1), 1);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status)) << status;
    EXPECT_EQ(WEXITSTATUS(status), 0);
    close(pair[0]);
    ASSERT_NO_FATAL_FAILURE(client.stop());
}

} // namespace

int main(int argc, char **argv)
{
    ::testing::InitGoogleTest(&argc, argv);
    ::testing::AddGlobalTestEnvironment(new SimDaemon);
    return RUN_ALL_TESTS();
}
