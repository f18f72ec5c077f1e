// SPDX-License-Identifier: MIT
// Helpers of the OP-TEE conformance tests: the session ioctls as libteec issues them, and a
// supplicant on its own /dev/teepriv0 descriptor that serves the secure world's requests the way
// tee-supplicant does (receive with a META slot, answer in the same buffer; LOAD_TA from a TA
// directory, application shm registered from its own heap, a file system directory), with a
// hook for tests that answer a request their own way.
#pragma once

#include "sim_client.h"

#include "optee_tas/catalogue.h"
#include "optee_tas/image.h"

#include <dirent.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>

namespace optee_conf {

using namespace sim_client;
using teescope::optee::Uuid;

constexpr uint64_t kMeta = TEE_IOCTL_PARAM_ATTR_META;
constexpr uint64_t kMetaValueInout = TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT | TEE_IOCTL_PARAM_ATTR_META;

inline int errno_of(int r) { return r == 0 ? 0 : errno; }

// A directory that is removed with what it holds.
struct TempDir {
    std::string path;
    TempDir()
    {
        char name[] = "/tmp/teescope-optee-XXXXXX";
        path = ::mkdtemp(name) ? name : "";
    }
    ~TempDir() { remove_all(path); }
    static void remove_all(const std::string &p)
    {
        if (DIR *d = ::opendir(p.c_str())) {
            while (dirent *e = ::readdir(d)) {
                std::string n = e->d_name;
                if (n == "." || n == "..")
                    continue;
                std::string child = p + "/" + n;
                struct stat st{};
                if (::lstat(child.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
                    remove_all(child);
                else
                    ::unlink(child.c_str());
            }
            ::closedir(d);
        }
        ::rmdir(p.c_str());
    }
};

inline int open_client() { return ::open("/dev/tee0", O_RDWR | O_CLOEXEC); }
inline int open_supplicant() { return ::open("/dev/teepriv0", O_RDWR | O_CLOEXEC); }

// The device is busy until the previous supplicant's context is released, which follows its
// close (and its shm's) a moment later.
inline int open_supplicant_when_free()
{
    int fd = -1;
    for (int i = 0; i < 200; ++i) {
        fd = open_supplicant();
        if (fd >= 0 || errno != EBUSY)
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return fd;
}

inline tee_ioctl_param value(uint64_t attr, uint64_t a = 0, uint64_t b = 0, uint64_t c = 0) { return {attr, a, b, c}; }
inline tee_ioctl_param memref(uint64_t attr, int32_t shm, uint64_t offset, uint64_t size)
{
    return {attr, offset, size, shm < 0 ? TEE_MEMREF_NULL : static_cast<uint64_t>(shm)};
}

// ------------------------------------------------------------------------- the client side

// The fixed parts of tee_ioctl_open_session_arg and tee_ioctl_invoke_arg, without the flexible
// array.
struct OpenHead {
    uint8_t uuid[16];
    uint8_t clnt_uuid[16];
    uint32_t clnt_login, cancel_id, session, ret, ret_origin, num_params;
};
struct InvokeHeadArg {
    uint32_t func, session, cancel_id, ret, ret_origin, num_params;
};
static_assert(sizeof(OpenHead) == sizeof(tee_ioctl_open_session_arg));
static_assert(sizeof(InvokeHeadArg) == sizeof(tee_ioctl_invoke_arg));

// OPEN_SESSION / INVOKE argument in one buffer, as libteec lays it out (`buf_len` 0: exact).
template <typename Head>
struct BufArg {
    alignas(8) unsigned char bytes[TEE_MAX_ARG_SIZE + 64] = {};
    Head head{};
    std::vector<tee_ioctl_param> params;
    uint64_t buf_len = 0;

    int call(int fd, unsigned long request)
    {
        head.num_params = static_cast<uint32_t>(params.size());
        std::memcpy(bytes, &head, sizeof head);
        std::memcpy(bytes + sizeof head, params.data(), params.size() * sizeof(tee_ioctl_param));
        tee_ioctl_buf_data buf{reinterpret_cast<uintptr_t>(bytes),
                               buf_len ? buf_len : sizeof head + params.size() * sizeof(tee_ioctl_param)};
        errno = 0;
        int r = ioctl(fd, request, &buf);
        int err = errno_of(r);
        std::memcpy(&head, bytes, sizeof head);
        std::memcpy(params.data(), bytes + sizeof head, params.size() * sizeof(tee_ioctl_param));
        return err;
    }
};

struct Opened {
    int err = 0;
    uint32_t session = 0, ret = 0, origin = 0;
    std::vector<tee_ioctl_param> params;
};

inline std::vector<tee_ioctl_param> none4() { return std::vector<tee_ioctl_param>(4); }

inline Opened open_session(int fd, const Uuid &uuid, uint32_t login = TEE_IOCTL_LOGIN_PUBLIC,
                           std::vector<tee_ioctl_param> params = none4(), uint64_t buf_len = 0,
                           uint32_t gid = 0)
{
    BufArg<OpenHead> a;
    std::memcpy(a.head.uuid, uuid.data(), 16);
    a.head.clnt_login = login;
    std::memcpy(a.head.clnt_uuid, &gid, sizeof gid);
    a.params = std::move(params);
    a.buf_len = buf_len;
    Opened o;
    o.err = a.call(fd, TEE_IOC_OPEN_SESSION);
    o.session = a.head.session;
    o.ret = a.head.ret;
    o.origin = a.head.ret_origin;
    o.params = a.params;
    return o;
}

struct Invoked {
    int err = 0;
    uint32_t ret = 0, origin = 0, session = 0;
    std::vector<tee_ioctl_param> params;
};

inline Invoked invoke(int fd, uint32_t session, uint32_t func, std::vector<tee_ioctl_param> params = none4(),
                      uint64_t buf_len = 0)
{
    BufArg<InvokeHeadArg> a;
    a.head.session = session;
    a.head.func = func;
    a.params = std::move(params);
    a.buf_len = buf_len;
    Invoked v;
    v.err = a.call(fd, TEE_IOC_INVOKE);
    v.ret = a.head.ret;
    v.origin = a.head.ret_origin;
    v.session = a.head.session;
    v.params = a.params;
    return v;
}

inline int close_session(int fd, uint32_t session)
{
    tee_ioctl_close_session_arg a{session};
    errno = 0;
    return errno_of(ioctl(fd, TEE_IOC_CLOSE_SESSION, &a));
}

inline int cancel(int fd, uint32_t session, uint32_t cancel_id = 0)
{
    tee_ioctl_cancel_arg a{cancel_id, session};
    errno = 0;
    return errno_of(ioctl(fd, TEE_IOC_CANCEL, &a));
}

inline tee_ioctl_version_data version(int fd)
{
    tee_ioctl_version_data v{};
    EXPECT_EQ(ioctl(fd, TEE_IOC_VERSION, &v), 0) << strerror(errno);
    return v;
}

// Heap memory registered as shm (what libteec does with REG_MEM).
struct Registered {
    void *mem = nullptr;
    size_t size = 0;
    int fd = -1;
    int32_t id = -1;

    Registered(int ctx, size_t n) : size(n)
    {
        if (::posix_memalign(&mem, 4096, std::max<size_t>(n, 1)) != 0)
            return;
        std::memset(mem, 0, n);
        tee_ioctl_shm_register_data d{reinterpret_cast<uintptr_t>(mem), n, 0, 0};
        fd = ioctl(ctx, TEE_IOC_SHM_REGISTER, &d);
        if (fd >= 0)
            id = d.id;
    }
    ~Registered()
    {
        if (fd >= 0)
            ::close(fd);
        std::free(mem);
    }
    Registered(const Registered &) = delete;
    Registered &operator=(const Registered &) = delete;
    char *bytes() { return static_cast<char *>(mem); }
};

// ------------------------------------------------------------------------- the supplicant side

// A request as the supplicant received it (after the META slot).
struct SuppRequest {
    uint32_t func = 0;
    uint32_t id = 0;
    std::vector<tee_ioctl_param> params;
};

// The receive / send buffer of tee-supplicant: one META slot and four for the request.
struct SuppBuffer {
    static constexpr uint32_t kSlots = 5;
    alignas(8) unsigned char bytes[8 + kSlots * sizeof(tee_ioctl_param)] = {};

    uint32_t &first() { return *reinterpret_cast<uint32_t *>(bytes); }
    uint32_t &num_params() { return *reinterpret_cast<uint32_t *>(bytes + 4); }
    tee_ioctl_param &param(size_t i) { return *reinterpret_cast<tee_ioctl_param *>(bytes + 8 + i * 32); }

    int recv(int fd, uint32_t slots = kSlots, uint64_t slot0 = kMeta)
    {
        std::memset(bytes, 0, sizeof bytes);
        num_params() = slots;
        param(0).attr = slot0;
        tee_ioctl_buf_data buf{reinterpret_cast<uintptr_t>(bytes), 8 + slots * sizeof(tee_ioctl_param)};
        errno = 0;
        return errno_of(ioctl(fd, TEE_IOC_SUPPL_RECV, &buf));
    }
    SuppRequest request()
    {
        SuppRequest r;
        r.func = first();
        r.id = static_cast<uint32_t>(param(0).a);
        for (uint32_t i = 1; i < num_params(); ++i)
            r.params.push_back(param(i));
        return r;
    }
    // Answers in place: `ret`, the params as they are now, the count as received.
    int send(int fd, uint32_t ret)
    {
        first() = ret;
        tee_ioctl_buf_data buf{reinterpret_cast<uintptr_t>(bytes), 8 + num_params() * sizeof(tee_ioctl_param)};
        errno = 0;
        return errno_of(ioctl(fd, TEE_IOC_SUPPL_SEND, &buf));
    }
};

// A signal that interrupts a blocked SUPPL_RECV (a handler without SA_RESTART).
inline void install_interrupt_signal()
{
    static std::once_flag once;
    std::call_once(once, [] {
        struct sigaction sa{};
        sa.sa_handler = [](int) {};
        sigaction(SIGUSR2, &sa, nullptr);
    });
}

class OpteeSupplicant {
public:
    // Returns true when it answered the request itself (already sent).
    using Hook = std::function<bool(int fd, SuppBuffer &b, const SuppRequest &r)>;

    // Serving starts at once, or with start() when constructed with kDeferred: the device is held
    // (the previous supplicant's release is over) while requests queue unserved.
    static constexpr bool kDeferred = true;
    OpteeSupplicant(std::string ta_dir, std::string fs_dir, Hook hook = {}, bool deferred = false)
        : ta_dir_(std::move(ta_dir)), fs_dir_(std::move(fs_dir)), hook_(std::move(hook))
    {
        install_interrupt_signal();
        fd = open_supplicant_when_free();
        EXPECT_GE(fd, 0) << strerror(errno);
        if (!deferred)
            start();
    }
    void start()
    {
        if (!thread_.joinable())
            thread_ = std::thread([this] { run(); });
    }
    ~OpteeSupplicant() { stop(); }
    OpteeSupplicant(const OpteeSupplicant &) = delete;
    OpteeSupplicant &operator=(const OpteeSupplicant &) = delete;

    // Ends the receive loop and closes the descriptor (its release fails what is pending).
    void stop()
    {
        if (thread_.joinable()) {
            stopping_ = true;
            while (!exited_) {
                pthread_kill(thread_.native_handle(), SIGUSR2);
                std::this_thread::sleep_for(std::chrono::milliseconds(5));
            }
            thread_.join();
        }
        std::lock_guard lk(mu_);
        for (auto &[id, s] : shms_) {
            ::close(s.fd);
            std::free(s.mem);
        }
        shms_.clear();
        if (fd >= 0)
            ::close(fd);
        fd = -1;
    }

    // The requests served, in order (func of each).
    std::vector<uint32_t> funcs()
    {
        std::lock_guard lk(mu_);
        return funcs_;
    }
    std::vector<SuppRequest> requests()
    {
        std::lock_guard lk(mu_);
        return requests_;
    }
    size_t live_shm()
    {
        std::lock_guard lk(mu_);
        return shms_.size();
    }

    int fd = -1;
    std::atomic<int> last_error{0}; // the errno that ended the receive loop

private:
    struct Shm {
        void *mem = nullptr;
        size_t size = 0;
        int fd = -1;
    };

    // The memory a memref of the request names, if it lies in one of our shm.
    char *resolve(const tee_ioctl_param &p)
    {
        if (p.c == TEE_MEMREF_NULL)
            return nullptr;
        auto it = shms_.find(static_cast<int32_t>(p.c));
        if (it == shms_.end() || p.a + p.b > it->second.size)
            return nullptr;
        return static_cast<char *>(it->second.mem) + p.a;
    }

    uint32_t load_ta(SuppBuffer &b)
    {
        Uuid u;
        std::memcpy(u.data(), &b.param(1).a, 8);
        std::memcpy(u.data() + 8, &b.param(1).b, 8);
        std::ifstream in(ta_dir_ + "/" + teescope::optee::ta_file_name(u), std::ios::binary);
        if (!in)
            return TEEC_ERROR_ITEM_NOT_FOUND;
        std::vector<char> image((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        tee_ioctl_param &out = b.param(2);
        char *to = resolve(out);
        if (to && out.b < image.size()) {
            out.b = image.size();
            return TEEC_ERROR_SHORT_BUFFER;
        }
        if (to)
            std::memcpy(to, image.data(), image.size());
        out.b = image.size();
        return TEEC_SUCCESS;
    }

    uint32_t shm_alloc(SuppBuffer &b)
    {
        Shm s;
        s.size = b.param(1).b;
        if (::posix_memalign(&s.mem, 4096, std::max<size_t>(s.size, 1)) != 0)
            return TEEC_ERROR_OUT_OF_MEMORY;
        tee_ioctl_shm_register_data d{reinterpret_cast<uintptr_t>(s.mem), s.size, 0, 0};
        s.fd = ioctl(fd, TEE_IOC_SHM_REGISTER, &d);
        if (s.fd < 0) {
            std::free(s.mem);
            return TEEC_ERROR_OUT_OF_MEMORY;
        }
        shms_[d.id] = s;
        b.param(1).c = static_cast<uint64_t>(d.id);
        return TEEC_SUCCESS;
    }

    uint32_t shm_free(SuppBuffer &b)
    {
        auto it = shms_.find(static_cast<int32_t>(b.param(1).b));
        if (it == shms_.end())
            return TEEC_ERROR_BAD_PARAMETERS;
        ::close(it->second.fd);
        std::free(it->second.mem);
        shms_.erase(it);
        return TEEC_SUCCESS;
    }

    uint32_t fs(SuppBuffer &b, uint32_t n)
    {
        ::mkdir(fs_dir_.c_str(), 0700);
        const uint64_t op = b.param(1).a;
        auto name = [&](size_t slot) -> std::string {
            char *s = resolve(b.param(slot));
            return s ? fs_dir_ + "/" + std::string(s, strnlen(s, b.param(slot).b)) : std::string();
        };
        switch (op) {
        case OPTEE_RPC_FS_OPEN:
        case OPTEE_RPC_FS_CREATE: {
            std::string path = name(2);
            if (path.empty() || n != 3)
                return TEEC_ERROR_BAD_PARAMETERS;
            int f = op == OPTEE_RPC_FS_OPEN ? ::open(path.c_str(), O_RDWR | O_CLOEXEC)
                                            : ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
            if (f < 0)
                return TEEC_ERROR_ITEM_NOT_FOUND;
            b.param(3).a = static_cast<uint64_t>(f);
            return TEEC_SUCCESS;
        }
        case OPTEE_RPC_FS_CLOSE:
            return ::close(static_cast<int>(b.param(1).b)) == 0 ? TEEC_SUCCESS : TEEC_ERROR_BAD_PARAMETERS;
        case OPTEE_RPC_FS_READ: {
            char *to = resolve(b.param(2));
            if (!to && b.param(2).b)
                return TEEC_ERROR_BAD_PARAMETERS;
            ssize_t got = ::pread(static_cast<int>(b.param(1).b), to, b.param(2).b, static_cast<off_t>(b.param(1).c));
            if (got < 0)
                return TEEC_ERROR_GENERIC;
            b.param(2).b = static_cast<uint64_t>(got);
            return TEEC_SUCCESS;
        }
        case OPTEE_RPC_FS_WRITE: {
            char *from = resolve(b.param(2));
            if (!from && b.param(2).b)
                return TEEC_ERROR_BAD_PARAMETERS;
            ssize_t put = ::pwrite(static_cast<int>(b.param(1).b), from, b.param(2).b, static_cast<off_t>(b.param(1).c));
            return put == static_cast<ssize_t>(b.param(2).b) ? TEEC_SUCCESS : TEEC_ERROR_GENERIC;
        }
        case OPTEE_RPC_FS_REMOVE: {
            std::string path = name(2);
            return !path.empty() && ::unlink(path.c_str()) == 0 ? TEEC_SUCCESS : TEEC_ERROR_ITEM_NOT_FOUND;
        }
        default:
            return TEEC_ERROR_BAD_PARAMETERS;
        }
    }

    void run()
    {
        SuppBuffer b;
        while (!stopping_) {
            int err = b.recv(fd);
            if (err == EINTR)
                continue;
            if (err) {
                last_error = err;
                break;
            }
            SuppRequest r = b.request();
            {
                std::lock_guard lk(mu_);
                funcs_.push_back(r.func);
                requests_.push_back(r);
            }
            if (hook_ && hook_(fd, b, r))
                continue;
            uint32_t ret = TEEC_ERROR_NOT_SUPPORTED;
            const uint32_t n = b.num_params() - 1;
            {
                std::lock_guard lk(mu_);
                switch (r.func) {
                case OPTEE_RPC_CMD_LOAD_TA:
                    ret = n == 2 ? load_ta(b) : TEEC_ERROR_BAD_PARAMETERS;
                    break;
                case OPTEE_RPC_CMD_SHM_ALLOC:
                    ret = n == 1 ? shm_alloc(b) : TEEC_ERROR_BAD_PARAMETERS;
                    break;
                case OPTEE_RPC_CMD_SHM_FREE:
                    ret = n == 1 ? shm_free(b) : TEEC_ERROR_BAD_PARAMETERS;
                    break;
                case OPTEE_RPC_CMD_FS:
                    ret = n >= 1 ? fs(b, n) : TEEC_ERROR_BAD_PARAMETERS;
                    break;
                default:
                    break;
                }
            }
            b.send(fd, ret);
        }
        exited_ = true;
    }

    std::string ta_dir_, fs_dir_;
    Hook hook_;
    std::mutex mu_;
    std::map<int32_t, Shm> shms_;
    std::vector<uint32_t> funcs_;
    std::vector<SuppRequest> requests_;
    std::atomic<bool> stopping_{false}, exited_{false};
    std::thread thread_;
};

// The TA images, written once per test program.
inline const std::string &ta_dir()
{
    static TempDir dir;
    static bool written = [] { return teescope::optee::write_ta_images(dir.path).empty(); }();
    EXPECT_TRUE(written);
    return dir.path;
}

} // namespace optee_conf
