// SPDX-License-Identifier: MIT
// The OP-TEE rows of samples/teesim/CONFORMANCE.md against the daemon through the real preload
// path: a client and a supplicant (its own /dev/teepriv0 descriptor) in one test process, each
// test named after its row. The XEN rows run against a daemon started with --xen (ctest runs this
// program twice, filtered).
#include "optee_harness.h"

#include "teescope/simlink/protocol.h"

#include <future>

using namespace optee_conf;
namespace cat = teescope::optee;

namespace {

// A client descriptor and a running supplicant with the TA images.
struct World {
    TempDir fs;
    OpteeSupplicant supp;
    int fd;
    explicit World(OpteeSupplicant::Hook hook = {}) : supp(ta_dir(), fs.path, std::move(hook)), fd(open_client())
    {
        EXPECT_GE(fd, 0) << strerror(errno);
    }
    ~World()
    {
        if (fd >= 0)
            ::close(fd);
    }
};

uint32_t open_ok(int fd, const Uuid &uuid)
{
    Opened o = open_session(fd, uuid);
    EXPECT_EQ(o.err, 0);
    EXPECT_EQ(o.ret, TEEC_SUCCESS);
    return o.session;
}

std::vector<tee_ioctl_param> inout(uint64_t a)
{
    auto p = none4();
    p[0] = value(TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT, a, 7, 9);
    return p;
}

// The daemon this run has: "native", "xen" (XEN rows) or "static" (rows about OP-TEE without
// dynamic shm, whose names end in StaticShm).
std::string daemon_mode()
{
    const char *m = std::getenv("TEESCOPE_TEST_OPTEE_MODE");
    return m ? m : "native";
}

// Xen destroys a guest: the controller's message on the daemon's socket (simlink/protocol.h).
int destroy_guest(uint32_t domain)
{
    namespace sl = teescope::simlink;
    int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, std::getenv("TEESCOPE_SIM"), sizeof addr.sun_path - 1);
    if (connect(s, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0) {
        close(s);
        return errno;
    }
    sl::Hello h{};
    h.magic = sl::kMagic;
    h.version = sl::kVersion;
    h.kind = sl::Kind::DestroyGuest;
    h.domain = domain;
    sl::Welcome w{};
    int err = send(s, &h, sizeof h, 0) == sizeof h && recv(s, &w, sizeof w, 0) == sizeof w ? w.err : EIO;
    close(s);
    return err;
}

// Runs with TEESCOPE_GUEST set for the opens it makes.
struct InGuest {
    explicit InGuest(uint32_t domain) { setenv("TEESCOPE_GUEST", std::to_string(domain).c_str(), 1); }
    ~InGuest() { unsetenv("TEESCOPE_GUEST"); }
};

class OpteeRows : public ::testing::Test {
protected:
    void SetUp() override
    {
        const std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
        const std::string wants = name.rfind("XEN_", 0) == 0                                  ? "xen"
                                  : name.size() > 9 && name.substr(name.size() - 9) == "StaticShm" ? "static"
                                                                                                   : "native";
        if (wants != daemon_mode())
            GTEST_SKIP() << "runs against the " << wants << " daemon";
    }
};

} // namespace

// ------------------------------------------------------------------------- devices, VERSION

TEST_F(OpteeRows, ODV_01_ClientVersionIsOpteeWithGpRegMemMemrefNull)
{
    int fd = open_client();
    ASSERT_GE(fd, 0);
    tee_ioctl_version_data v = version(fd);
    EXPECT_EQ(v.impl_id, TEE_IMPL_ID_OPTEE);
    EXPECT_EQ(v.impl_caps, TEE_OPTEE_CAP_TZ);
    EXPECT_EQ(v.gen_caps, TEE_GEN_CAP_GP | TEE_GEN_CAP_REG_MEM | TEE_GEN_CAP_MEMREF_NULL);
    close(fd);
}

TEST_F(OpteeRows, ODV_02_SupplicantVersionAddsPrivileged)
{
    int fd = open_supplicant_when_free();
    ASSERT_GE(fd, 0) << strerror(errno);
    tee_ioctl_version_data v = version(fd);
    EXPECT_EQ(v.impl_id, TEE_IMPL_ID_OPTEE);
    EXPECT_EQ(v.gen_caps, TEE_GEN_CAP_GP | TEE_GEN_CAP_REG_MEM | TEE_GEN_CAP_MEMREF_NULL | TEE_GEN_CAP_PRIVILEGED);
    close(fd);
}

TEST_F(OpteeRows, ODV_03_SecondSupplicantIsEbusyUntilTheFirstIsReleased)
{
    int first = open_supplicant_when_free();
    ASSERT_GE(first, 0);
    errno = 0;
    EXPECT_EQ(open_supplicant(), -1);
    EXPECT_EQ(errno, EBUSY);
    close(first);
    int again = -1;
    for (int i = 0; i < 100 && again < 0; ++i) {
        again = open_supplicant();
        if (again < 0)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_GE(again, 0) << "the device is free once the first supplicant's context is released";
    close(again);
}

TEST_F(OpteeRows, ODV_04_EachDeviceHasOnlyItsOwnDriverOps)
{
    int client = open_client(), supp = open_supplicant_when_free();
    ASSERT_GE(client, 0);
    ASSERT_GE(supp, 0);
    // SUPPL_RECV on tee0 and OPEN_SESSION on teepriv0: EINVAL, even with an unreadable argument.
    tee_ioctl_buf_data bad{0x10, 64};
    errno = 0;
    EXPECT_EQ(ioctl(client, TEE_IOC_SUPPL_RECV, &bad), -1);
    EXPECT_EQ(errno, EINVAL);
    errno = 0;
    EXPECT_EQ(ioctl(supp, TEE_IOC_OPEN_SESSION, &bad), -1);
    EXPECT_EQ(errno, EINVAL);
    tee_ioctl_close_session_arg c{1};
    errno = 0;
    EXPECT_EQ(ioctl(supp, TEE_IOC_CLOSE_SESSION, &c), -1);
    EXPECT_EQ(errno, EINVAL);
    close(client);
    close(supp);
}

TEST_F(OpteeRows, ODV_05_ObjectInvokeIsEinval)
{
    int fd = open_client();
    Invoke call(TEE_OBJREF_NULL, 0, {});
    EXPECT_EQ(call.err(fd), EINVAL);
    close(fd);
}

TEST_F(OpteeRows, ODV_06_RegisteredPagesArePinnedForWriting)
{
    int fd = open_client();
    void *pages = mmap(nullptr, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ASSERT_NE(pages, MAP_FAILED);
    char *p = static_cast<char *>(pages);
    ASSERT_EQ(mprotect(p + 2 * 4096, 4096, PROT_READ), 0);
    auto reg = [&](char *at, size_t n) {
        tee_ioctl_shm_register_data d{reinterpret_cast<uintptr_t>(at), n, 0, 0};
        errno = 0;
        int r = ioctl(fd, TEE_IOC_SHM_REGISTER, &d);
        int err = r < 0 ? errno : 0;
        if (r >= 0)
            close(r);
        return err;
    };
    EXPECT_EQ(reg(p, 2 * 4096), 0);
    EXPECT_EQ(reg(p + 100, 2 * 4096), ENOMEM) << "the first two pages pin, the read-only third does not";
    EXPECT_EQ(reg(p + 2 * 4096, 64), EFAULT) << "no page pins";
    EXPECT_EQ(reg(reinterpret_cast<char *>(0x1000), 64), EFAULT) << "nothing mapped";
    munmap(pages, 3 * 4096);
    close(fd);
}

TEST_F(OpteeRows, ODV_07_WithoutDynamicShmNoRegMemNorRegister_StaticShm)
{
    TempDir fs;
    OpteeSupplicant supp(ta_dir(), fs.path);
    int fd = open_client();
    EXPECT_EQ(version(fd).gen_caps, TEE_GEN_CAP_GP | TEE_GEN_CAP_MEMREF_NULL);
    Registered reg(fd, 64);
    EXPECT_LT(reg.fd, 0) << "the secure world refuses REGISTER_SHM";
    EXPECT_EQ(errno, EINVAL);
    // SHM_ALLOC from the reserved pool works, memrefs into it too.
    tee_ioctl_shm_alloc_data d{64, 0, 0};
    int shm = ioctl(fd, TEE_IOC_SHM_ALLOC, &d);
    ASSERT_GE(shm, 0);
    char *m = static_cast<char *>(mmap(nullptr, d.size, PROT_READ | PROT_WRITE, MAP_SHARED, shm, 0));
    std::strcpy(m, "pool");
    uint32_t s = open_ok(fd, cat::kWorkloadUuid);
    auto p = none4();
    p[0] = memref(TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT, static_cast<int32_t>(d.id), 0, 5);
    p[1] = memref(TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_OUTPUT, static_cast<int32_t>(d.id), 100, 16);
    EXPECT_EQ(invoke(fd, s, cat::kWorkloadCmdEcho, p).ret, TEEC_SUCCESS);
    EXPECT_STREQ(m + 100, "pool");
    munmap(m, d.size);
    close(shm);
    close(fd);
}

// ------------------------------------------------------------------------- OPEN_SESSION

TEST_F(OpteeRows, OSE_01_BufLenOutOfBoundsIsEinval)
{
    World w;
    EXPECT_EQ(open_session(w.fd, cat::kHelloWorldUuid, 0, none4(), 40).err, EINVAL);
    EXPECT_EQ(open_session(w.fd, cat::kHelloWorldUuid, 0, none4(), 4097).err, EINVAL);
}

TEST_F(OpteeRows, OSE_02_BufLenMustMatchTheParameters)
{
    World w;
    EXPECT_EQ(open_session(w.fd, cat::kHelloWorldUuid, 0, none4(), 56 + 3 * 32).err, EINVAL);
}

TEST_F(OpteeRows, OSE_03_MemrefOfAnotherContextOrBeyondItsShmIsEinval)
{
    World w;
    int other = open_client();
    Registered theirs(other, 64), mine(w.fd, 64);
    auto p = none4();
    p[0] = memref(TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT, theirs.id, 0, 16);
    EXPECT_EQ(open_session(w.fd, cat::kWorkloadUuid, 0, p).err, EINVAL);
    p[0] = memref(TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT, mine.id, 60, 16);
    EXPECT_EQ(open_session(w.fd, cat::kWorkloadUuid, 0, p).err, EINVAL);
    close(other);
}

TEST_F(OpteeRows, OSE_04_KernelLoginsAreEpermAfterTheParameters)
{
    World w;
    EXPECT_EQ(open_session(w.fd, cat::kHelloWorldUuid, TEE_IOCTL_LOGIN_REE_KERNEL).err, EPERM);
    EXPECT_EQ(open_session(w.fd, cat::kHelloWorldUuid, 0xBFFFFFFFu).err, EPERM);
    auto p = none4();
    p[0] = memref(TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT, 999, 0, 16);
    EXPECT_EQ(open_session(w.fd, cat::kHelloWorldUuid, TEE_IOCTL_LOGIN_REE_KERNEL, p).err, EINVAL)
        << "a bad parameter is found first";
}

TEST_F(OpteeRows, OSE_05_MoreThanFourParametersIsEinval)
{
    World w;
    EXPECT_EQ(open_session(w.fd, cat::kHelloWorldUuid, 0, std::vector<tee_ioctl_param>(5)).err, EINVAL);
}

TEST_F(OpteeRows, OSE_06_LoginsApplicationAreEinvalGroupNeedsMembership)
{
    World w;
    for (uint32_t login : {uint32_t{TEE_IOCTL_LOGIN_APPLICATION}, uint32_t{TEE_IOCTL_LOGIN_USER_APPLICATION},
                           uint32_t{TEE_IOCTL_LOGIN_GROUP_APPLICATION}, 3u, 0x7fffffffu})
        EXPECT_EQ(open_session(w.fd, cat::kHelloWorldUuid, login).err, EINVAL) << "login " << login;
    // A group the caller is not in (gids this high are never ours).
    EXPECT_EQ(open_session(w.fd, cat::kHelloWorldUuid, TEE_IOCTL_LOGIN_GROUP, none4(), 0, 4000000).err, EPERM);
    Opened g = open_session(w.fd, cat::kHelloWorldUuid, TEE_IOCTL_LOGIN_GROUP, none4(), 0, getegid());
    EXPECT_EQ(g.err, 0);
    EXPECT_EQ(g.ret, TEEC_SUCCESS);
    Opened u = open_session(w.fd, cat::kHelloWorldUuid, TEE_IOCTL_LOGIN_USER);
    EXPECT_EQ(u.ret, TEEC_SUCCESS);
}

TEST_F(OpteeRows, OSE_07_SuccessWritesSessionRetAndOrigin)
{
    World w;
    Opened o = open_session(w.fd, cat::kHelloWorldUuid);
    EXPECT_EQ(o.err, 0);
    EXPECT_EQ(o.ret, TEEC_SUCCESS);
    EXPECT_EQ(o.origin, TEEC_ORIGIN_TRUSTED_APP);
    EXPECT_NE(o.session, 0u);
    EXPECT_EQ(close_session(w.fd, o.session), 0);
}

TEST_F(OpteeRows, OSE_08_SessionIdsFollowTheLastOpenAndAreReused)
{
    World w;
    int other = open_client();
    uint32_t a = open_ok(w.fd, cat::kHelloWorldUuid);
    uint32_t b = open_ok(other, cat::kHelloWorldUuid);
    EXPECT_EQ(b, a + 1) << "ids are the TEE's, shared by every context";
    EXPECT_EQ(close_session(other, b), 0);
    uint32_t c = open_ok(w.fd, cat::kHelloWorldUuid);
    EXPECT_EQ(c, a + 1) << "the last open one plus one: a closed id is reused";
    EXPECT_EQ(close_session(w.fd, a), 0);
    EXPECT_EQ(close_session(w.fd, c), 0);
    close(other);
}

TEST_F(OpteeRows, OSE_09_UnknownTaIsItemNotFoundFromTheTee)
{
    World w;
    Uuid unknown{};
    unknown[0] = 0x42;
    Opened o = open_session(w.fd, unknown);
    EXPECT_EQ(o.err, 0);
    EXPECT_EQ(o.ret, TEEC_ERROR_ITEM_NOT_FOUND);
    EXPECT_EQ(o.origin, TEEC_ORIGIN_TEE);
    EXPECT_EQ(o.session, 0u);
    auto f = w.supp.funcs();
    ASSERT_FALSE(f.empty());
    EXPECT_EQ(f.front(), static_cast<uint32_t>(OPTEE_RPC_CMD_LOAD_TA));
}

TEST_F(OpteeRows, OSE_10_MetaUbufAndObjrefParametersAreEinval)
{
    World w;
    char buf[8];
    for (tee_ioctl_param p : {value(TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT | kMeta),
                              value(TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_INPUT, reinterpret_cast<uintptr_t>(buf), 8),
                              value(TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_INPUT, 1, 0)}) {
        auto ps = none4();
        ps[1] = p;
        EXPECT_EQ(open_session(w.fd, cat::kHelloWorldUuid, 0, ps).err, EINVAL) << "attr " << p.attr;
    }
}

TEST_F(OpteeRows, OSE_11_TaRefusingTheOpenGivesItsResult)
{
    World w;
    auto p = none4();
    p[0] = value(TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT, 1);
    Opened o = open_session(w.fd, cat::kHelloWorldUuid, 0, p);
    EXPECT_EQ(o.err, 0);
    EXPECT_EQ(o.ret, TEEC_ERROR_BAD_PARAMETERS);
    EXPECT_EQ(o.origin, TEEC_ORIGIN_TRUSTED_APP);
    EXPECT_EQ(o.session, 0u);
}

TEST_F(OpteeRows, OSE_12_SecondSessionOfSingleSessionTaIsBusy)
{
    World w;
    uint32_t s = open_ok(w.fd, cat::kSecureStorageUuid);
    Opened o = open_session(w.fd, cat::kSecureStorageUuid);
    EXPECT_EQ(o.ret, TEEC_ERROR_BUSY);
    EXPECT_EQ(o.origin, TEEC_ORIGIN_TEE);
    EXPECT_EQ(close_session(w.fd, s), 0);
    uint32_t again = open_ok(w.fd, cat::kSecureStorageUuid);
    EXPECT_EQ(close_session(w.fd, again), 0);
}

TEST_F(OpteeRows, OSE_13_NullMemrefIsAccepted)
{
    World w;
    uint32_t s = open_ok(w.fd, cat::kWorkloadUuid);
    auto p = none4();
    p[0] = memref(TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT, -1, 0, 0);
    p[1] = memref(TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_OUTPUT, -1, 0, 0);
    Invoked v = invoke(w.fd, s, cat::kWorkloadCmdEcho, p);
    EXPECT_EQ(v.err, 0);
    EXPECT_EQ(v.ret, TEEC_SUCCESS) << "an empty echo";
    EXPECT_EQ(close_session(w.fd, s), 0);
}

// ------------------------------------------------------------------------- INVOKE

TEST_F(OpteeRows, OIV_01_BufLenOutOfBoundsIsEinval)
{
    World w;
    uint32_t s = open_ok(w.fd, cat::kHelloWorldUuid);
    EXPECT_EQ(invoke(w.fd, s, 0, inout(1), 16).err, EINVAL);
    EXPECT_EQ(invoke(w.fd, s, 0, inout(1), 5000).err, EINVAL);
}

TEST_F(OpteeRows, OIV_02_BufLenMustMatchTheParameters)
{
    World w;
    uint32_t s = open_ok(w.fd, cat::kHelloWorldUuid);
    EXPECT_EQ(invoke(w.fd, s, 0, inout(1), 24 + 5 * 32).err, EINVAL);
}

TEST_F(OpteeRows, OIV_03_SessionOfAnotherContextIsEinval)
{
    World w;
    int other = open_client();
    uint32_t s = open_ok(w.fd, cat::kHelloWorldUuid);
    EXPECT_EQ(invoke(other, s, 0, inout(1)).err, EINVAL) << "sessions are per context in Linux";
    EXPECT_EQ(invoke(w.fd, s + 1000, 0, inout(1)).err, EINVAL);
    close(other);
}

TEST_F(OpteeRows, OIV_04_ParameterCountLimitsOfDriverAndOptee)
{
    World w;
    uint32_t s = open_ok(w.fd, cat::kHelloWorldUuid);
    EXPECT_EQ(invoke(w.fd, s, 0, std::vector<tee_ioctl_param>(7)).err, EINVAL);
    Invoked v = invoke(w.fd, s, 0, std::vector<tee_ioctl_param>(5));
    EXPECT_EQ(v.err, 0);
    EXPECT_EQ(v.ret, TEEC_ERROR_BAD_PARAMETERS);
    EXPECT_EQ(v.origin, TEEC_ORIGIN_TEE);
}

TEST_F(OpteeRows, OIV_05_ValuesRetAndOriginWrittenBackNotTheSession)
{
    World w;
    uint32_t s = open_ok(w.fd, cat::kHelloWorldUuid);
    BufArg<InvokeHeadArg> a;
    a.head.session = s;
    a.head.func = cat::kHelloWorldCmdInc;
    a.params = inout(42);
    ASSERT_EQ(a.call(w.fd, TEE_IOC_INVOKE), 0);
    EXPECT_EQ(a.head.ret, TEEC_SUCCESS);
    EXPECT_EQ(a.head.ret_origin, TEEC_ORIGIN_TRUSTED_APP);
    EXPECT_EQ(a.params[0].a, 43u);
    EXPECT_EQ(a.params[0].b, 7u);
    EXPECT_EQ(a.params[0].c, 9u) << "c is not OP-TEE's: it comes back as sent";
    EXPECT_EQ(a.head.session, s);
    // The session field is not written back: a caller's other value in the buffer stays.
    BufArg<InvokeHeadArg> b;
    b.head.session = s;
    b.head.func = cat::kHelloWorldCmdDec;
    b.params = inout(43);
    ASSERT_EQ(b.call(w.fd, TEE_IOC_INVOKE), 0);
    EXPECT_EQ(b.params[0].a, 42u);
}

TEST_F(OpteeRows, OIV_06_ShortBufferWritesTheSizeNeeded)
{
    World w;
    uint32_t s = open_ok(w.fd, cat::kWorkloadUuid);
    Registered in(w.fd, 100), out(w.fd, 100);
    std::memset(in.bytes(), 'x', 100);
    auto p = none4();
    p[0] = memref(TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT, in.id, 0, 100);
    p[1] = memref(TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_OUTPUT, out.id, 0, 10);
    Invoked v = invoke(w.fd, s, cat::kWorkloadCmdEcho, p);
    EXPECT_EQ(v.err, 0);
    EXPECT_EQ(v.ret, TEEC_ERROR_SHORT_BUFFER);
    EXPECT_EQ(v.origin, TEEC_ORIGIN_TRUSTED_APP);
    EXPECT_EQ(v.params[1].b, 100u);
    EXPECT_EQ(out.bytes()[0], 0) << "nothing was written";
}

TEST_F(OpteeRows, OIV_07_TheTaReadsAndWritesTheClientsMemory)
{
    World w;
    uint32_t s = open_ok(w.fd, cat::kWorkloadUuid);
    Registered reg(w.fd, 8192);
    std::strcpy(reg.bytes() + 100, "hello from registered memory");
    tee_ioctl_shm_alloc_data d{8192, 0, 0};
    int shm_fd = ioctl(w.fd, TEE_IOC_SHM_ALLOC, &d);
    ASSERT_GE(shm_fd, 0);
    void *mapped = mmap(nullptr, d.size, PROT_READ | PROT_WRITE, MAP_SHARED, shm_fd, 0);
    ASSERT_NE(mapped, MAP_FAILED);
    auto p = none4();
    p[0] = memref(TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT, reg.id, 100, 29);
    p[1] = memref(TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_OUTPUT, static_cast<int32_t>(d.id), 4000, 200);
    Invoked v = invoke(w.fd, s, cat::kWorkloadCmdEcho, p);
    EXPECT_EQ(v.ret, TEEC_SUCCESS);
    EXPECT_EQ(v.params[1].b, 29u);
    EXPECT_STREQ(static_cast<char *>(mapped) + 4000, "hello from registered memory");
    // And back into registered memory.
    std::strcpy(static_cast<char *>(mapped), "and from allocated shm");
    p[0] = memref(TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT, static_cast<int32_t>(d.id), 0, 23);
    p[1] = memref(TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INOUT, reg.id, 5000, 64);
    v = invoke(w.fd, s, cat::kWorkloadCmdEcho, p);
    EXPECT_EQ(v.ret, TEEC_ERROR_BAD_PARAMETERS) << "ECHO wants an output memref, not in/out";
    p[1] = memref(TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_OUTPUT, reg.id, 5000, 64);
    v = invoke(w.fd, s, cat::kWorkloadCmdEcho, p);
    EXPECT_EQ(v.ret, TEEC_SUCCESS);
    EXPECT_STREQ(reg.bytes() + 5000, "and from allocated shm");
    munmap(mapped, d.size);
    close(shm_fd);
}

TEST_F(OpteeRows, OIV_08_PanicKillsTheTaNotTheSession)
{
    World w;
    uint32_t s = open_ok(w.fd, cat::kPanicUuid);
    EXPECT_EQ(invoke(w.fd, s, cat::kPanicCmdOk).ret, TEEC_SUCCESS);
    Invoked dead = invoke(w.fd, s, cat::kPanicCmdPanic);
    EXPECT_EQ(dead.err, 0);
    EXPECT_EQ(dead.ret, TEEC_ERROR_TARGET_DEAD);
    EXPECT_EQ(dead.origin, TEEC_ORIGIN_TEE);
    Invoked after = invoke(w.fd, s, cat::kPanicCmdOk);
    EXPECT_EQ(after.ret, TEEC_ERROR_TARGET_DEAD) << "the session stays, dead";
    EXPECT_EQ(after.origin, TEEC_ORIGIN_TEE);
    EXPECT_EQ(close_session(w.fd, s), 0);
    uint32_t fresh = open_ok(w.fd, cat::kPanicUuid);
    EXPECT_EQ(invoke(w.fd, fresh, cat::kPanicCmdOk).ret, TEEC_SUCCESS) << "a new open loads a new instance";
}

// ------------------------------------------------------------------------- CANCEL, CLOSE_SESSION

TEST_F(OpteeRows, OCL_01_CancelNeedsASessionOfTheContext)
{
    World w;
    int other = open_client();
    uint32_t s = open_ok(w.fd, cat::kWorkloadUuid);
    EXPECT_EQ(cancel(other, s), EINVAL);
    EXPECT_EQ(cancel(w.fd, s + 500), EINVAL);
    EXPECT_EQ(cancel(w.fd, s, 1234), 0);
    close(other);
}

TEST_F(OpteeRows, OCL_02_CancelEndsARunningCancellableEntry)
{
    World w;
    uint32_t s = open_ok(w.fd, cat::kWorkloadUuid);
    auto sleeping = std::async(std::launch::async, [&] {
        auto p = none4();
        p[0] = value(TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT, 10000);
        return invoke(w.fd, s, cat::kWorkloadCmdSleep, p);
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    EXPECT_EQ(cancel(w.fd, s), 0);
    ASSERT_EQ(sleeping.wait_for(std::chrono::seconds(5)), std::future_status::ready) << "the cancel ends the sleep";
    Invoked v = sleeping.get();
    EXPECT_EQ(v.ret, TEEC_ERROR_CANCEL);
    EXPECT_EQ(v.origin, TEEC_ORIGIN_TRUSTED_APP);
}

TEST_F(OpteeRows, OCL_03_CloseOfUnknownSessionIsEinvalCloseEndsTheSession)
{
    World w;
    uint32_t s = open_ok(w.fd, cat::kHelloWorldUuid);
    EXPECT_EQ(close_session(w.fd, s + 77), EINVAL);
    EXPECT_EQ(close_session(w.fd, s), 0);
    EXPECT_EQ(close_session(w.fd, s), EINVAL);
    EXPECT_EQ(invoke(w.fd, s, 0, inout(1)).err, EINVAL);
}

TEST_F(OpteeRows, OCL_04_ReleaseClosesTheSessionsLeft)
{
    World w;
    uint32_t keeper = open_ok(w.fd, cat::kHelloWorldUuid);
    int leaky = open_client();
    uint32_t a = open_ok(leaky, cat::kHelloWorldUuid);
    uint32_t b = open_ok(leaky, cat::kHelloWorldUuid);
    EXPECT_EQ(b, a + 1);
    close(leaky); // the sessions are closed by the release, in the secure world
    // Once they are, the next id follows the keeper again.
    uint32_t next = 0;
    for (int i = 0; i < 100; ++i) {
        next = open_ok(w.fd, cat::kHelloWorldUuid);
        close_session(w.fd, next);
        if (next == keeper + 1)
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_EQ(next, keeper + 1) << "sessions " << a << " and " << b << " were closed by the release";
}

// ------------------------------------------------------------------------- the supplicant

TEST_F(OpteeRows, OSU_01_RecvSlotsMustBeEmptyOrMeta)
{
    int supp = open_supplicant_when_free();
    ASSERT_GE(supp, 0);
    SuppBuffer b;
    EXPECT_EQ(b.recv(supp, 0), EINVAL);
    EXPECT_EQ(b.recv(supp, 5, TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT), EINVAL);
    EXPECT_EQ(b.recv(supp, 5, TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT | kMeta), EINVAL);
    close(supp);
}

TEST_F(OpteeRows, OSU_02_RecvWaitsAndASignalInterruptsIt)
{
    install_interrupt_signal();
    int supp = open_supplicant_when_free();
    ASSERT_GE(supp, 0);
    std::atomic<int> err{-1};
    std::thread t([&] {
        SuppBuffer b;
        err = b.recv(supp);
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    EXPECT_EQ(err.load(), -1) << "no request: it waits";
    while (err.load() == -1) {
        pthread_kill(t.native_handle(), SIGUSR2);
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    t.join();
    EXPECT_EQ(err.load(), EINTR);
    close(supp);
}

// A supplicant driven by hand: the first request of an open, answered as the test likes.
struct Manual {
    int supp = open_supplicant_when_free();
    int fd = open_client();
    std::future<Opened> opening;
    explicit Manual(const Uuid &uuid = cat::kHelloWorldUuid)
    {
        EXPECT_GE(supp, 0);
        opening = std::async(std::launch::async, [this, uuid] { return open_session(fd, uuid); });
    }
    ~Manual()
    {
        if (supp >= 0)
            close(supp); // fails what is pending, so the open returns
        if (opening.valid())
            opening.wait();
        close(fd);
    }
};

TEST_F(OpteeRows, OSU_03_RecvWithMetaGetsTheRequestIdAndItsParameters)
{
    Manual m;
    SuppBuffer b;
    ASSERT_EQ(b.recv(m.supp), 0);
    EXPECT_EQ(b.first(), static_cast<uint32_t>(OPTEE_RPC_CMD_LOAD_TA));
    EXPECT_EQ(b.num_params(), 3u);
    EXPECT_EQ(b.param(0).attr, kMetaValueInout);
    EXPECT_EQ(b.param(0).a, 1u) << "the lowest free id from 1";
    EXPECT_EQ(b.param(1).attr, static_cast<uint64_t>(TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT));
    Uuid u;
    std::memcpy(u.data(), &b.param(1).a, 8);
    std::memcpy(u.data() + 8, &b.param(1).b, 8);
    EXPECT_EQ(u, cat::kHelloWorldUuid) << "the uuid's octets in a and b";
    EXPECT_EQ(b.param(2).attr, static_cast<uint64_t>(TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_OUTPUT));
    EXPECT_EQ(b.param(2).c, TEE_MEMREF_NULL) << "the size query names no shm";
    EXPECT_EQ(b.param(2).b, 0u);
}

TEST_F(OpteeRows, OSU_04_TooFewSlotsIsEinvalAndTheRequestStays)
{
    Manual m;
    SuppBuffer b;
    // A META slot and one more: LOAD_TA has two parameters. The receive waits for the request,
    // then refuses it.
    EXPECT_EQ(b.recv(m.supp, 2), EINVAL);
    EXPECT_EQ(b.recv(m.supp, 2), EINVAL);
    ASSERT_EQ(b.recv(m.supp), 0);
    EXPECT_EQ(b.first(), static_cast<uint32_t>(OPTEE_RPC_CMD_LOAD_TA)) << "still at the head";
}

TEST_F(OpteeRows, OSU_05_RecvWithoutMetaHoldsOneRequest)
{
    Manual m;
    SuppBuffer b;
    ASSERT_EQ(b.recv(m.supp, 4, 0), 0);
    EXPECT_EQ(b.first(), static_cast<uint32_t>(OPTEE_RPC_CMD_LOAD_TA));
    EXPECT_EQ(b.num_params(), 2u) << "no META slot";
    SuppBuffer again;
    EXPECT_EQ(again.recv(m.supp, 4, 0), EINVAL) << "its answer is due first";
    b.param(1).b = 0;
    EXPECT_EQ(b.send(m.supp, TEEC_ERROR_ITEM_NOT_FOUND), 0);
    EXPECT_EQ(m.opening.get().ret, TEEC_ERROR_ITEM_NOT_FOUND);
}

TEST_F(OpteeRows, OSU_06_SendNamesItsRequestWithTheRightCount)
{
    Manual m;
    SuppBuffer b;
    ASSERT_EQ(b.recv(m.supp), 0);
    const tee_ioctl_param meta = b.param(0);
    b.param(0).attr = TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT | kMeta;
    EXPECT_EQ(b.send(m.supp, 0), EINVAL) << "META must be VALUE_INOUT exactly";
    b.param(0) = meta;
    b.param(0).a = 99;
    EXPECT_EQ(b.send(m.supp, 0), ENOENT);
    b.param(0) = meta;
    b.num_params() = 2;
    EXPECT_EQ(b.send(m.supp, 0), EINVAL) << "one parameter short";
    b.num_params() = 3;
    EXPECT_EQ(b.send(m.supp, TEEC_ERROR_ITEM_NOT_FOUND), 0);
    Opened o = m.opening.get();
    EXPECT_EQ(o.ret, TEEC_ERROR_ITEM_NOT_FOUND);
}

TEST_F(OpteeRows, OSU_07_OnlyOutputsFlowBack)
{
    // The size the supplicant writes in the output memref reaches the secure world (it then asks
    // for that much shm); what it writes in the input value does not.
    Manual m;
    SuppBuffer b;
    ASSERT_EQ(b.recv(m.supp), 0);
    b.param(1).a = 0xdead; // an input: ignored
    b.param(2).b = 12345;
    ASSERT_EQ(b.send(m.supp, 0), 0);
    ASSERT_EQ(b.recv(m.supp), 0);
    EXPECT_EQ(b.first(), static_cast<uint32_t>(OPTEE_RPC_CMD_SHM_ALLOC));
    EXPECT_EQ(b.num_params(), 2u);
    EXPECT_EQ(b.param(1).attr, static_cast<uint64_t>(TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT));
    EXPECT_EQ(b.param(1).a, static_cast<uint64_t>(OPTEE_RPC_SHM_TYPE_APPL));
    EXPECT_EQ(b.param(1).b, 12345u);
    ASSERT_EQ(b.send(m.supp, TEEC_ERROR_OUT_OF_MEMORY), 0);
    Opened o = m.opening.get();
    EXPECT_EQ(o.ret, TEEC_ERROR_OUT_OF_MEMORY);
    EXPECT_EQ(o.origin, TEEC_ORIGIN_TEE);
}

TEST_F(OpteeRows, OSU_08_ReleaseFailsWhatIsPendingWithCommunication)
{
    Manual m;
    SuppBuffer b;
    ASSERT_EQ(b.recv(m.supp), 0); // taken, never answered
    close(m.supp);
    m.supp = -1;
    ASSERT_EQ(m.opening.wait_for(std::chrono::seconds(5)), std::future_status::ready);
    Opened o = m.opening.get();
    EXPECT_EQ(o.err, 0);
    EXPECT_EQ(o.ret, TEEC_ERROR_COMMUNICATION);
    EXPECT_EQ(o.origin, TEEC_ORIGIN_TEE);
}

// ------------------------------------------------------------------------- RPC

TEST_F(OpteeRows, ORP_01_TaLoadSizeQueryAllocLoadFree)
{
    World w;
    uint32_t s = open_ok(w.fd, cat::kHelloWorldUuid);
    auto reqs = w.supp.requests();
    ASSERT_EQ(reqs.size(), 4u);
    EXPECT_EQ(reqs[0].func, static_cast<uint32_t>(OPTEE_RPC_CMD_LOAD_TA));
    EXPECT_EQ(reqs[0].params[1].c, TEE_MEMREF_NULL);
    EXPECT_EQ(reqs[1].func, static_cast<uint32_t>(OPTEE_RPC_CMD_SHM_ALLOC));
    const uint64_t size = reqs[1].params[0].b;
    EXPECT_GT(size, 1024u);
    EXPECT_EQ(reqs[2].func, static_cast<uint32_t>(OPTEE_RPC_CMD_LOAD_TA));
    EXPECT_NE(reqs[2].params[1].c, TEE_MEMREF_NULL) << "the supplicant's shm";
    EXPECT_EQ(reqs[2].params[1].a, 0u);
    EXPECT_EQ(reqs[2].params[1].b, size);
    EXPECT_EQ(reqs[3].func, static_cast<uint32_t>(OPTEE_RPC_CMD_SHM_FREE));
    EXPECT_EQ(reqs[3].params[0].b, reqs[2].params[1].c) << "the shm it allocated";
    EXPECT_EQ(w.supp.live_shm(), 0u);
    // Multi-instance: every session loads the TA again.
    uint32_t t = open_ok(w.fd, cat::kHelloWorldUuid);
    EXPECT_EQ(w.supp.requests().size(), 8u);
    close_session(w.fd, s);
    close_session(w.fd, t);
}

TEST_F(OpteeRows, ORP_02_AllocAnswerNamingNoSupplicantShmFailsTheLoad)
{
    World w([](int fd, SuppBuffer &b, const SuppRequest &r) {
        if (r.func != OPTEE_RPC_CMD_SHM_ALLOC)
            return false;
        b.param(1).c = 4242; // no such shm
        b.send(fd, 0);
        return true;
    });
    Opened o = open_session(w.fd, cat::kHelloWorldUuid);
    EXPECT_EQ(o.ret, TEEC_ERROR_OUT_OF_MEMORY);
    EXPECT_EQ(o.origin, TEEC_ORIGIN_TEE);
}

TEST_F(OpteeRows, ORP_03_ImageThatFailsItsCheckIsSecurity)
{
    TempDir tas;
    {
        std::ofstream bad(tas.path + "/" + cat::ta_file_name(cat::kHelloWorldUuid), std::ios::binary);
        auto image = cat::build_ta_image(*cat::find_ta(cat::kHelloWorldUuid));
        image.back() ^= 0xff; // the hash no longer matches
        bad.write(reinterpret_cast<const char *>(image.data()), static_cast<std::streamsize>(image.size()));
    }
    TempDir fs;
    OpteeSupplicant supp(tas.path, fs.path);
    int fd = open_client();
    Opened o = open_session(fd, cat::kHelloWorldUuid);
    EXPECT_EQ(o.ret, TEEC_ERROR_SECURITY);
    EXPECT_EQ(o.origin, TEEC_ORIGIN_TEE);
    close(fd);
}

TEST_F(OpteeRows, ORP_04_WithoutSupplicantTheCallWaitsForOne)
{
    int fd = open_client();
    auto opening = std::async(std::launch::async, [&] { return open_session(fd, cat::kHelloWorldUuid); });
    EXPECT_EQ(opening.wait_for(std::chrono::milliseconds(300)), std::future_status::timeout)
        << "no supplicant: the request waits";
    TempDir fs;
    OpteeSupplicant supp(ta_dir(), fs.path);
    ASSERT_EQ(opening.wait_for(std::chrono::seconds(5)), std::future_status::ready);
    EXPECT_EQ(opening.get().ret, TEEC_SUCCESS);
    close(fd);
}

TEST_F(OpteeRows, ORP_05_SecureStorageGoesThroughTheFsRpc)
{
    World w;
    uint32_t s = open_ok(w.fd, cat::kSecureStorageUuid);
    Registered id(w.fd, 16), data(w.fd, 64), out(w.fd, 64);
    std::strcpy(id.bytes(), "object#1");
    std::strcpy(data.bytes(), "secret data");
    auto p = none4();
    p[0] = memref(TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT, id.id, 0, 8);
    p[1] = memref(TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT, data.id, 0, 12);
    const size_t before = w.supp.requests().size();
    EXPECT_EQ(invoke(w.fd, s, cat::kSecureStorageCmdWriteRaw, p).ret, TEEC_SUCCESS);
    auto reqs = w.supp.requests();
    reqs.erase(reqs.begin(), reqs.begin() + static_cast<long>(before));
    ASSERT_GE(reqs.size(), 4u);
    EXPECT_EQ(reqs.front().func, static_cast<uint32_t>(OPTEE_RPC_CMD_SHM_ALLOC)) << "the thread's RPC buffer first";
    EXPECT_EQ(reqs.back().func, static_cast<uint32_t>(OPTEE_RPC_CMD_SHM_FREE)) << "freed at the end of the call";
    bool named = false;
    for (auto &r : reqs)
        if (r.func == OPTEE_RPC_CMD_FS && (r.params[0].a == OPTEE_RPC_FS_OPEN || r.params[0].a == OPTEE_RPC_FS_CREATE))
            named = named || r.params[1].b == TEE_FS_NAME_MAX;
    EXPECT_TRUE(named) << "names travel in a TEE_FS_NAME_MAX memref";
    p[1] = memref(TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_OUTPUT, out.id, 0, 64);
    Invoked r = invoke(w.fd, s, cat::kSecureStorageCmdReadRaw, p);
    EXPECT_EQ(r.ret, TEEC_SUCCESS);
    EXPECT_EQ(r.params[1].b, 12u);
    EXPECT_STREQ(out.bytes(), "secret data");
    p[1] = none4()[1];
    EXPECT_EQ(invoke(w.fd, s, cat::kSecureStorageCmdDelete, p).ret, TEEC_SUCCESS);
    p[1] = memref(TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_OUTPUT, out.id, 0, 64);
    EXPECT_EQ(invoke(w.fd, s, cat::kSecureStorageCmdReadRaw, p).ret, TEEC_ERROR_ITEM_NOT_FOUND);
}

TEST_F(OpteeRows, ORP_06_OtherCommandsReachTheSupplicantAsTheyAre)
{
    World w;
    uint32_t s = open_ok(w.fd, cat::kSuppServicesUuid);
    struct Case {
        uint32_t cmd, rpc;
    };
    for (Case c : {Case{cat::kSuppServicesCmdSocket, OPTEE_RPC_CMD_SOCKET}, Case{cat::kSuppServicesCmdRpmb, OPTEE_RPC_CMD_RPMB},
                   Case{cat::kSuppServicesCmdGprof, OPTEE_RPC_CMD_GPROF}, Case{cat::kSuppServicesCmdFtrace, OPTEE_RPC_CMD_FTRACE},
                   Case{cat::kSuppServicesCmdPlugin, OPTEE_RPC_CMD_SUPP_PLUGIN}}) {
        auto p = none4();
        p[0] = value(TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT, 1);
        if (c.cmd == cat::kSuppServicesCmdRpmb || c.cmd == cat::kSuppServicesCmdGprof || c.cmd == cat::kSuppServicesCmdFtrace)
            p[0] = {};
        Invoked v = invoke(w.fd, s, c.cmd, p);
        EXPECT_EQ(v.ret, TEEC_ERROR_NOT_SUPPORTED) << "the supplicant's answer, as the TA's result (cmd " << c.cmd << ")";
        EXPECT_EQ(v.origin, TEEC_ORIGIN_TRUSTED_APP);
        auto funcs = w.supp.funcs();
        EXPECT_NE(std::find(funcs.begin(), funcs.end(), c.rpc), funcs.end()) << "func " << c.rpc;
    }
}

TEST_F(OpteeRows, ORP_07_CallWaitingForTheSupplicantHoldsItsThread)
{
    // Two opens wait for a supplicant that does not serve: both threads are held, so a third call
    // (an invoke that needs no supplicant) waits too. The late supplicant holds the device before
    // the opens start: a close reaches the daemon later than the kernel's release would, and
    // requests queued before the early one's release would be failed by it.
    TempDir fs;
    int a = open_client(), b = open_client(), c = open_client();
    uint32_t s = 0;
    {
        OpteeSupplicant early(ta_dir(), fs.path);
        s = open_ok(c, cat::kWorkloadUuid);
    }
    OpteeSupplicant late(ta_dir(), fs.path, {}, OpteeSupplicant::kDeferred);
    auto o1 = std::async(std::launch::async, [&] { return open_session(a, cat::kHelloWorldUuid); });
    auto o2 = std::async(std::launch::async, [&] { return open_session(b, cat::kHelloWorldUuid); });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    auto third = std::async(std::launch::async, [&] { return invoke(c, s, cat::kWorkloadCmdWork); });
    EXPECT_EQ(third.wait_for(std::chrono::milliseconds(300)), std::future_status::timeout);
    late.start();
    ASSERT_EQ(third.wait_for(std::chrono::seconds(5)), std::future_status::ready);
    EXPECT_EQ(third.get().ret, TEEC_SUCCESS);
    EXPECT_EQ(o1.get().ret, TEEC_SUCCESS);
    EXPECT_EQ(o2.get().ret, TEEC_SUCCESS);
    close(a);
    close(b);
    close(c);
}

// ------------------------------------------------------------------------- OP-TEE threads

TEST_F(OpteeRows, OTH_01_CallsBeyondTheThreadsWaitForOne)
{
    World w;
    uint32_t s = open_ok(w.fd, cat::kWorkloadUuid);
    std::atomic<int> sleeps_done{0};
    auto sleeper = [&] {
        auto p = none4();
        p[0] = value(TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT, 1500);
        Invoked v = invoke(w.fd, s, cat::kWorkloadCmdSleep, p);
        ++sleeps_done;
        return v;
    };
    // The workload TA is concurrent but a session is taken exclusively: one session each.
    uint32_t s2 = open_ok(w.fd, cat::kWorkloadUuid), s3 = open_ok(w.fd, cat::kWorkloadUuid);
    auto one = std::async(std::launch::async, sleeper);
    auto two = std::async(std::launch::async, [&] {
        auto p = none4();
        p[0] = value(TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT, 1500);
        Invoked v = invoke(w.fd, s2, cat::kWorkloadCmdSleep, p);
        ++sleeps_done;
        return v;
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    const auto asked = std::chrono::steady_clock::now();
    Invoked third = invoke(w.fd, s3, cat::kWorkloadCmdWork);
    const auto waited = std::chrono::steady_clock::now() - asked;
    EXPECT_EQ(third.ret, TEEC_SUCCESS);
    // The sleeps end 1.2 s after it was asked at the earliest.
    EXPECT_GE(waited, std::chrono::milliseconds(1000)) << "two OP-TEE threads, both sleeping: the third call waits for one";
    one.get();
    two.get();
}

// ------------------------------------------------------------------------- Xen

TEST_F(OpteeRows, XEN_01_GuestsHaveTheirOwnSessionsAndShmIds)
{
    TempDir fs1, fs2;
    int fd1, fd2;
    {
        InGuest g(1);
        fd1 = open_client();
    }
    {
        InGuest g(2);
        fd2 = open_client();
    }
    ASSERT_GE(fd1, 0);
    ASSERT_GE(fd2, 0);
    Registered a(fd1, 64), b(fd2, 64);
    EXPECT_EQ(a.id, b.id) << "each guest's kernel has its own shm ids";
    std::unique_ptr<OpteeSupplicant> s1, s2;
    {
        InGuest g(1);
        s1 = std::make_unique<OpteeSupplicant>(ta_dir(), fs1.path);
    }
    {
        InGuest g(2);
        s2 = std::make_unique<OpteeSupplicant>(ta_dir(), fs2.path);
    }
    uint32_t x = open_ok(fd1, cat::kHelloWorldUuid);
    uint32_t y = open_ok(fd2, cat::kHelloWorldUuid);
    EXPECT_EQ(x, y) << "each guest's partition has its own session ids";
    EXPECT_FALSE(s1->requests().empty());
    EXPECT_FALSE(s2->requests().empty()) << "each guest's TA load went to its own supplicant";
    close_session(fd1, x);
    close_session(fd2, y);
    close(fd1);
    close(fd2);
}

TEST_F(OpteeRows, XEN_02_CallsInFlightPerGuestAreBoundedByTheThreads)
{
    TempDir fs;
    InGuest g(3);
    OpteeSupplicant supp(ta_dir(), fs.path);
    int fd = open_client();
    uint32_t s1 = open_ok(fd, cat::kWorkloadUuid), s2 = open_ok(fd, cat::kWorkloadUuid);
    uint32_t s3 = open_ok(fd, cat::kWorkloadUuid);
    std::atomic<int> sleeps_done{0};
    auto sleep_on = [&](uint32_t s) {
        return std::async(std::launch::async, [&, s] {
            auto p = none4();
            p[0] = value(TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT, 1500);
            Invoked v = invoke(fd, s, cat::kWorkloadCmdSleep, p);
            ++sleeps_done;
            return v;
        });
    };
    auto one = sleep_on(s1), two = sleep_on(s2);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    // Another guest is not held back.
    int other;
    {
        InGuest h(4);
        other = open_client();
    }
    Registered r(other, 16);
    EXPECT_GE(r.id, 0) << "guest 4's REGISTER_SHM runs while guest 3 is at its limit";
    EXPECT_EQ(sleeps_done.load(), 0);
    const auto asked = std::chrono::steady_clock::now();
    Invoked third = invoke(fd, s3, cat::kWorkloadCmdWork);
    const auto waited = std::chrono::steady_clock::now() - asked;
    EXPECT_EQ(third.ret, TEEC_SUCCESS);
    EXPECT_GE(waited, std::chrono::milliseconds(1000)) << "the guest's third call waits for one of its own";
    one.get();
    two.get();
    close(other);
    close(fd);
}

TEST_F(OpteeRows, XEN_03_SharedBuffersPerGuestAreBounded)
{
    InGuest g(5);
    int fd = open_client();
    std::vector<std::unique_ptr<Registered>> held;
    for (int i = 0; i < 16; ++i) {
        held.push_back(std::make_unique<Registered>(fd, 4096));
        EXPECT_GE(held.back()->id, 0) << "buffer " << i;
    }
    errno = 0;
    Registered seventeenth(fd, 4096);
    EXPECT_LT(seventeenth.fd, 0);
    EXPECT_EQ(errno, EINVAL) << "the mediator refuses a 17th buffer";
    held.pop_back();
    std::this_thread::sleep_for(std::chrono::milliseconds(200)); // the unregister is the driver's
    Registered big(fd, 130 * 4096);
    EXPECT_LT(big.fd, 0) << "130 pages: more than one buffer may pin";
    Registered fits(fd, 129 * 4096 - 4096);
    EXPECT_GE(fits.fd, 0);
    close(fd);
}

TEST_F(OpteeRows, XEN_04_DestroyedGuestDropsEverythingItHeld)
{
    TempDir fs;
    int fd, supp_fd;
    std::unique_ptr<OpteeSupplicant> supp;
    {
        InGuest g(6);
        supp = std::make_unique<OpteeSupplicant>(ta_dir(), fs.path);
        fd = open_client();
    }
    uint32_t s = open_ok(fd, cat::kHelloWorldUuid);
    Registered held(fd, 64);
    supp_fd = supp->fd;
    (void)supp_fd;
    EXPECT_EQ(destroy_guest(6), 0);
    EXPECT_EQ(invoke(fd, s, 0, inout(1)).err, EIO) << "the guest is gone";
    for (int i = 0; i < 200 && supp->last_error == 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    EXPECT_EQ(supp->last_error.load(), EIO) << "the supplicant's waiting receive ends with the device";
    {
        InGuest g(6);
        errno = 0;
        EXPECT_EQ(open_client(), -1);
        EXPECT_EQ(errno, ENODEV);
    }
    EXPECT_EQ(destroy_guest(6), ENOENT);
    supp.reset();
    close(fd);
}

int main(int argc, char **argv)
{
    ::testing::InitGoogleTest(&argc, argv);
    ::testing::AddGlobalTestEnvironment(new SimDaemon);
    return RUN_ALL_TESTS();
}
