// SPDX-License-Identifier: MIT
// The same TEE ioctls, valid and invalid, printed with everything they gave back: what ioctl()
// returned, errno, and the argument's bytes afterwards (with output buffers). Run through the
// preload (tracing or not) or straight through the teesim transport (--direct SOCKET), the
// outputs must be byte-identical: the preload only watches (differential.py compares them).
//   ioctl_differential [--direct SOCKET] [--tee qtee|optee] [--out FILE]
#include "teescope/simlink/client.h"
#include "teescope/tee_uapi.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

const char *direct_socket = nullptr;

// open() and ioctl() as the program sees them: libc (which the preload routes) or the transport.
int dev_open(const char *path)
{
    if (!direct_socket)
        return ::open(path, O_RDWR | O_CLOEXEC);
    const char *slash = std::strrchr(path, '/');
    int fd = teescope::simlink::client_open(direct_socket, slash ? slash + 1 : path, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        errno = -fd;
        return -1;
    }
    return fd;
}

int dev_ioctl(int fd, unsigned long request, void *arg)
{
    if (!direct_socket)
        return ::ioctl(fd, request, arg);
    long r = teescope::simlink::client_ioctl(fd, request, arg);
    if (r < 0) {
        errno = static_cast<int>(-r);
        return -1;
    }
    return static_cast<int>(r);
}

std::string hex(const void *p, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    std::string s;
    for (size_t i = 0; i < n; ++i) {
        const auto b = static_cast<const unsigned char *>(p)[i];
        s += digits[b >> 4];
        s += digits[b & 15];
    }
    return s;
}

// One line per call: name, result (a new descriptor shows as "fd"), errno, the bytes given back.
int report(const char *name, int fd, unsigned long request, void *arg, std::initializer_list<std::pair<const void *, size_t>> shown)
{
    errno = 0;
    const int r = dev_ioctl(fd, request, arg);
    const int err = r < 0 ? errno : 0;
    std::printf("%-34s %-3s errno=%-3d", name, r < 0 ? "-1" : r > 0 ? "fd" : "0", err);
    for (auto [p, n] : shown)
        std::printf(" %s", hex(p, n).c_str());
    std::printf("\n");
    std::fflush(stdout);
    return r;
}

// An OBJECT_INVOKE / SUPPL argument in one buffer: a head, then parameters.
template <typename Head> struct Arg {
    alignas(8) unsigned char bytes[sizeof(Head) + 70 * sizeof(tee_ioctl_param)] = {};
    tee_ioctl_buf_data buf{};
    Head &head() { return *reinterpret_cast<Head *>(bytes); }
    tee_ioctl_param &param(size_t i) { return reinterpret_cast<tee_ioctl_param *>(bytes + sizeof(Head))[i]; }
    tee_ioctl_buf_data *with(uint32_t num_params, uint64_t len = 0)
    {
        buf.buf_ptr = reinterpret_cast<uintptr_t>(bytes);
        buf.buf_len = len ? len : sizeof(Head) + num_params * sizeof(tee_ioctl_param);
        return &buf;
    }
    size_t size(uint32_t n) const { return sizeof(Head) + n * sizeof(tee_ioctl_param); }
};
using ObjectArg = Arg<tee_ioctl_object_invoke_arg>;
using SuppArg = Arg<tee_iocl_supp_recv_arg>;

constexpr uint64_t kCredentials = 77;
constexpr char kCredentialBytes[] = "uid=1000;name=differential";

// Serves the credentials' callback requests of one context until a signal ends its wait.
class Supplicant {
public:
    explicit Supplicant(int fd) : fd_(fd)
    {
        struct sigaction a{};
        a.sa_handler = [](int) {};
        sigaction(SIGUSR2, &a, nullptr); // no SA_RESTART: the wait ends with EINTR
        thread_ = std::thread([this] { run(); });
    }
    ~Supplicant()
    {
        stop_ = true;
        while (!exited_) {
            pthread_kill(thread_.native_handle(), SIGUSR2);
            usleep(2000);
        }
        thread_.join();
    }

private:
    void run()
    {
        alignas(8) unsigned char payload[1024];
        std::vector<unsigned char> answer;
        while (!stop_) {
            SuppArg a;
            a.head().num_params = 6;
            a.param(0) = {TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT | TEE_IOCTL_PARAM_ATTR_META,
                          reinterpret_cast<uintptr_t>(payload), sizeof payload, 0};
            if (dev_ioctl(fd_, TEE_IOC_SUPPL_RECV, a.with(6)) != 0)
                continue; // EINTR: asked to stop, or a spurious wake-up
            const uint32_t op = a.head().func, n = a.head().num_params;
            const uint64_t object = a.param(0).a, id = a.param(0).b;
            if (op == QCOMTEE_OBJREF_OP_RELEASE)
                continue;
            uint32_t ret = QCOMTEE_MSG_ERROR_INVALID;
            if (object == kCredentials && op == QCOMTEE_IIO_OP_GET_LENGTH && n == 2) {
                const uint64_t len = sizeof kCredentialBytes;
                answer.assign(reinterpret_cast<const unsigned char *>(&len), reinterpret_cast<const unsigned char *>(&len) + 8);
                ret = QCOMTEE_MSG_OK;
            } else if (object == kCredentials && op == QCOMTEE_IIO_OP_READ_AT_OFFSET && n == 3) {
                uint64_t offset = 0;
                std::memcpy(&offset, reinterpret_cast<void *>(a.param(1).a), 8);
                const size_t len = offset < sizeof kCredentialBytes ? std::min<size_t>(a.param(2).b, sizeof kCredentialBytes - offset) : 0;
                answer.assign(kCredentialBytes + offset, kCredentialBytes + offset + len);
                ret = QCOMTEE_MSG_OK;
            }
            // The answer over the request: the one output buffer names our bytes.
            a.head().func = ret;
            a.param(0) = {TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT | TEE_IOCTL_PARAM_ATTR_META, id, 0, 0};
            for (uint32_t i = 1; i < n; ++i)
                if ((a.param(i).attr & TEE_IOCTL_PARAM_ATTR_TYPE_MASK) == TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_OUTPUT) {
                    a.param(i).a = reinterpret_cast<uintptr_t>(answer.data());
                    a.param(i).b = answer.size();
                }
            a.head().num_params = ret == QCOMTEE_MSG_OK ? n : 1;
            dev_ioctl(fd_, TEE_IOC_SUPPL_SEND, a.with(6));
        }
        exited_ = true;
    }

    int fd_;
    std::atomic<bool> stop_{false}, exited_{false};
    std::thread thread_;
};

void common_cases(int fd)
{
    tee_ioctl_version_data v{};
    report("VERSION", fd, TEE_IOC_VERSION, &v, {{&v, sizeof v}});
    report("VERSION to a bad pointer", fd, TEE_IOC_VERSION, reinterpret_cast<void *>(8), {});
    report("unknown request", fd, _IOR(TEE_IOC_MAGIC, 0x7f, tee_ioctl_buf_data), &v, {});
    report("TEE request of a wrong size", fd, _IOR(TEE_IOC_MAGIC, 0, uint64_t), &v, {});
    report("another magic", fd, _IO('x', 1), nullptr, {});

    tee_ioctl_shm_alloc_data a{4096, 0, -1};
    int shm = report("SHM_ALLOC 4096", fd, TEE_IOC_SHM_ALLOC, &a, {{&a, sizeof a}});
    if (shm > 0)
        ::close(shm);
    tee_ioctl_shm_alloc_data flags{4096, 1, -1};
    report("SHM_ALLOC with flags", fd, TEE_IOC_SHM_ALLOC, &flags, {{&flags, sizeof flags}});
    tee_ioctl_shm_alloc_data none{0, 0, -1};
    report("SHM_ALLOC of 0 bytes", fd, TEE_IOC_SHM_ALLOC, &none, {{&none, sizeof none}});
    tee_ioctl_shm_alloc_data huge{1ULL << 40, 0, -1};
    report("SHM_ALLOC of 1 TiB", fd, TEE_IOC_SHM_ALLOC, &huge, {{&huge, sizeof huge}});
    report("SHM_ALLOC to a bad pointer", fd, TEE_IOC_SHM_ALLOC, reinterpret_cast<void *>(8), {});

    alignas(4096) static unsigned char pages[2 * 4096];
    tee_ioctl_shm_register_data reg{reinterpret_cast<uintptr_t>(pages), sizeof pages, 0, -1};
    int rfd = report("SHM_REGISTER", fd, TEE_IOC_SHM_REGISTER, &reg, {{&reg.length, 16}});
    if (rfd > 0)
        ::close(rfd);
    tee_ioctl_shm_register_data unmapped{8, 4096, 0, -1};
    report("SHM_REGISTER of unmapped memory", fd, TEE_IOC_SHM_REGISTER, &unmapped, {{&unmapped.length, 16}});
    tee_ioctl_shm_register_fd_data rfdd{-1, 4096, 0, -1};
    report("SHM_REGISTER_FD of a bad fd", fd, TEE_IOC_SHM_REGISTER_FD, &rfdd, {{&rfdd, sizeof rfdd}});

    tee_ioctl_cancel_arg cancel{1, 1};
    report("CANCEL", fd, TEE_IOC_CANCEL, &cancel, {{&cancel, sizeof cancel}});
    tee_ioctl_close_session_arg close_arg{12345};
    report("CLOSE_SESSION of no session", fd, TEE_IOC_CLOSE_SESSION, &close_arg, {{&close_arg, sizeof close_arg}});

    Arg<tee_ioctl_invoke_arg> inv;
    inv.head().session = 12345;
    inv.head().num_params = 1;
    report("INVOKE of no session", fd, TEE_IOC_INVOKE, inv.with(1), {{inv.bytes, inv.size(1)}});
    report("INVOKE of a wrong length", fd, TEE_IOC_INVOKE, inv.with(1, 7), {{inv.bytes, inv.size(1)}});
    Arg<tee_ioctl_open_session_arg> open_arg;
    open_arg.head().num_params = 2;
    open_arg.head().clnt_login = 99; // no such login method
    report("OPEN_SESSION of a bad login", fd, TEE_IOC_OPEN_SESSION, open_arg.with(2), {{open_arg.bytes, open_arg.size(2)}});

    SuppArg recv;
    recv.head().num_params = 1;
    report("SUPPL_RECV without META", fd, TEE_IOC_SUPPL_RECV, recv.with(1), {{recv.bytes, recv.size(1)}});
    report("SUPPL_SEND of nothing", fd, TEE_IOC_SUPPL_SEND, recv.with(0), {{recv.bytes, recv.size(0)}});
}

void qtee_cases()
{
    int fd = dev_open("/dev/tee0");
    std::printf("open /dev/tee0: %s\n", fd >= 0 ? "ok" : std::strerror(errno));
    if (fd < 0)
        return;
    common_cases(fd);

    ObjectArg bad;
    bad.head().id = TEE_OBJREF_NULL;
    bad.head().num_params = 65;
    report("OBJECT_INVOKE of 65 parameters", fd, TEE_IOC_OBJECT_INVOKE, bad.with(65), {{bad.bytes, bad.size(2)}});
    report("OBJECT_INVOKE of a wrong length", fd, TEE_IOC_OBJECT_INVOKE, bad.with(1, 40), {{bad.bytes, bad.size(1)}});
    ObjectArg unknown;
    unknown.head().id = 4242;
    unknown.head().op = 1;
    report("OBJECT_INVOKE of an unknown id", fd, TEE_IOC_OBJECT_INVOKE, unknown.with(0), {{unknown.bytes, unknown.size(0)}});
    ObjectArg fault;
    fault.head().id = TEE_OBJREF_NULL;
    fault.head().op = QCOMTEE_ROOT_OP_REGISTER_AS_CLIENT;
    fault.head().num_params = 1;
    fault.param(0) = {TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_INPUT, 8, 64, 0};
    report("OBJECT_INVOKE with an unreadable buffer", fd, TEE_IOC_OBJECT_INVOKE, fault.with(1), {{fault.bytes, fault.size(1)}});

    uint64_t env = 0, diagnostics = 0;
    {
        Supplicant supplicant(fd);
        ObjectArg r;
        r.head().id = TEE_OBJREF_NULL;
        r.head().op = QCOMTEE_ROOT_OP_REGISTER_AS_CLIENT;
        r.head().num_params = 2;
        r.param(0) = {TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_INPUT, kCredentials, QCOMTEE_OBJREF_FLAG_USER, 0};
        r.param(1) = {TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_OUTPUT, 0, 0, 0};
        report("OBJECT_INVOKE register as client", fd, TEE_IOC_OBJECT_INVOKE, r.with(2), {{r.bytes, r.size(2)}});
        env = r.param(1).a;

        uint32_t uid = QCOMTEE_UID_DIAGNOSTICS;
        ObjectArg o;
        o.head().id = env;
        o.head().op = QCOMTEE_CLIENT_ENV_OP_OPEN;
        o.head().num_params = 2;
        o.param(0) = {TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_INPUT, reinterpret_cast<uintptr_t>(&uid), sizeof uid, 0};
        o.param(1) = {TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_OUTPUT, 0, 0, 0};
        report("OBJECT_INVOKE open Diagnostics", fd, TEE_IOC_OBJECT_INVOKE, o.with(2),
               {{o.bytes, sizeof(tee_ioctl_object_invoke_arg)}, {&o.param(1), sizeof(tee_ioctl_param)}});
        diagnostics = o.param(1).a;

        unsigned char heap[64] = {};
        ObjectArg q;
        q.head().id = diagnostics;
        q.head().op = 0;
        q.head().num_params = 1;
        q.param(0) = {TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_OUTPUT, reinterpret_cast<uintptr_t>(heap), sizeof heap, 0};
        report("OBJECT_INVOKE Diagnostics op 0", fd, TEE_IOC_OBJECT_INVOKE, q.with(1),
               {{q.bytes, sizeof(tee_ioctl_object_invoke_arg)}, {&q.param(0).b, 8}, {heap, sizeof heap}});
        unsigned char tiny[2] = {};
        q.param(0) = {TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_OUTPUT, reinterpret_cast<uintptr_t>(tiny), sizeof tiny, 0};
        report("OBJECT_INVOKE with a short output", fd, TEE_IOC_OBJECT_INVOKE, q.with(1),
               {{q.bytes, sizeof(tee_ioctl_object_invoke_arg)}, {&q.param(0).b, 8}, {tiny, sizeof tiny}});

        for (const char *what : {"OBJECT_INVOKE RELEASE of Diagnostics", "OBJECT_INVOKE RELEASE again"}) {
            ObjectArg rel;
            rel.head().id = diagnostics;
            rel.head().op = QCOMTEE_OBJREF_OP_RELEASE;
            rel.head().ret = 0x5a5a;
            report(what, fd, TEE_IOC_OBJECT_INVOKE, rel.with(0), {{rel.bytes, rel.size(0)}});
        }
        ObjectArg rel;
        rel.head().id = env;
        rel.head().op = QCOMTEE_OBJREF_OP_RELEASE;
        report("OBJECT_INVOKE RELEASE of the env", fd, TEE_IOC_OBJECT_INVOKE, rel.with(0), {{rel.bytes, rel.size(0)}});
    }
    ::close(fd);
    std::printf("close: ok\n");
}

void optee_cases()
{
    int fd = dev_open("/dev/tee0");
    std::printf("open /dev/tee0: %s\n", fd >= 0 ? "ok" : std::strerror(errno));
    if (fd < 0)
        return;
    common_cases(fd);
    ObjectArg obj;
    report("OBJECT_INVOKE on OP-TEE", fd, TEE_IOC_OBJECT_INVOKE, obj.with(0), {});
    int priv = dev_open("/dev/teepriv0");
    std::printf("open /dev/teepriv0: %s\n", priv >= 0 ? "ok" : std::strerror(errno));
    if (priv >= 0) {
        tee_ioctl_version_data v{};
        report("VERSION of teepriv0", priv, TEE_IOC_VERSION, &v, {{&v, sizeof v}});
        int again = dev_open("/dev/teepriv0");
        std::printf("a second open of /dev/teepriv0: %s\n", again >= 0 ? "ok" : std::strerror(errno));
        if (again >= 0)
            ::close(again);
        SuppArg send;
        send.head().num_params = 1;
        send.param(0) = {TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT | TEE_IOCTL_PARAM_ATTR_META, 99, 0, 0};
        report("SUPPL_SEND of no request", priv, TEE_IOC_SUPPL_SEND, send.with(1), {{send.bytes, send.size(1)}});
        ::close(priv);
    }
    ::close(fd);
    std::printf("close: ok\n");
}

} // namespace

int main(int argc, char **argv)
{
    std::string tee = "qtee";
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--direct") && i + 1 < argc)
            direct_socket = argv[++i];
        else if (!std::strcmp(argv[i], "--tee") && i + 1 < argc)
            tee = argv[++i];
        else if (!std::strcmp(argv[i], "--out") && i + 1 < argc) {
            if (!std::freopen(argv[++i], "w", stdout)) {
                std::perror(argv[i]);
                return 1;
            }
        }
        else {
            std::fprintf(stderr, "usage: ioctl_differential [--direct SOCKET] [--tee qtee|optee] [--out FILE]\n");
            return 2;
        }
    }
    if (tee == "optee")
        optee_cases();
    else
        qtee_cases();
    return 0;
}
