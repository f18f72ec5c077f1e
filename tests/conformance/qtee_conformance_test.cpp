// SPDX-License-Identifier: MIT
// samples/teesim/CONFORMANCE.md, row by row: each test starts with its row's id and checks,
// through the preload against a real teesim daemon, that the same input gives the errno and the
// write-back the Linux tee core and qcomtee give.
#include "conformance_harness.h"

#include <sys/ioctl.h>

using namespace conformance;

namespace {

constexpr uint64_t kMeta = TEE_IOCTL_PARAM_ATTR_META;

// ------------------------------------------------------------------------------------ GEN

TEST(Conformance, GEN_01_UnknownRequestNumberIsEinval)
{
    int fd = open_context();
    EXPECT_EQ(ioctl_errno(fd, _IO(TEE_IOC_MAGIC, 42), nullptr), EINVAL);
    uint64_t wide = 0;
    EXPECT_EQ(ioctl_errno(fd, _IOR(TEE_IOC_MAGIC, 0, uint64_t), &wide), EINVAL) << "VERSION with another size";
    close(fd);
}

TEST(Conformance, GEN_02_OtherMagicOnlyGenericFileRequests)
{
    int fd = open_context();
    int pending = 0;
    EXPECT_EQ(ioctl_errno(fd, FIONREAD, &pending), EINVAL);
    EXPECT_EQ(ioctl_errno(fd, FIONCLEX, nullptr), 0);
    EXPECT_EQ(fcntl(fd, F_GETFD), 0);
    EXPECT_EQ(ioctl_errno(fd, FIOCLEX, nullptr), 0);
    EXPECT_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
    close(fd);
}

TEST(Conformance, GEN_03_ClosedDescriptorIsEbadf)
{
    int fd = open_context();
    close(fd);
    tee_ioctl_version_data v{};
    EXPECT_EQ(ioctl_errno(fd, TEE_IOC_VERSION, &v), EBADF);
}

TEST(Conformance, GEN_04_SessionRequestsAreEinvalBeforeTheArgumentIsRead)
{
    int fd = open_context();
    void *bad = unmapped_page();
    for (unsigned long req : {TEE_IOC_OPEN_SESSION, TEE_IOC_INVOKE, TEE_IOC_CANCEL, TEE_IOC_CLOSE_SESSION})
        EXPECT_EQ(ioctl_errno(fd, req, bad), EINVAL) << std::hex << req;
    tee_ioctl_close_session_arg close_arg{1};
    EXPECT_EQ(ioctl_errno(fd, TEE_IOC_CLOSE_SESSION, &close_arg), EINVAL);
    close(fd);
}

// ------------------------------------------------------------------------------------ VER

TEST(Conformance, VER_01_VersionIsQteeWithObjrefOnly)
{
    int fd = open_context();
    tee_ioctl_version_data v{7, 7, 7};
    ASSERT_EQ(ioctl_errno(fd, TEE_IOC_VERSION, &v), 0);
    EXPECT_EQ(v.impl_id, static_cast<uint32_t>(TEE_IMPL_ID_QTEE));
    EXPECT_EQ(v.impl_caps, 0u);
    EXPECT_EQ(v.gen_caps, static_cast<uint32_t>(TEE_GEN_CAP_OBJREF));
    close(fd);
}

TEST(Conformance, VER_02_UnwritableResultIsEfault)
{
    int fd = open_context();
    EXPECT_EQ(ioctl_errno(fd, TEE_IOC_VERSION, unmapped_page()), EFAULT);
    close(fd);
}

// ------------------------------------------------------------------------------------ SHM

TEST(Conformance, SHM_01_UnreadableArgumentIsEfault)
{
    int fd = open_context();
    EXPECT_EQ(ioctl_errno(fd, TEE_IOC_SHM_ALLOC, unmapped_page()), EFAULT);
    close(fd);
}

TEST(Conformance, SHM_02_FlagsAreEinval)
{
    int fd = open_context();
    tee_ioctl_shm_alloc_data d{4096, 1, 0};
    EXPECT_EQ(ioctl_errno(fd, TEE_IOC_SHM_ALLOC, &d), EINVAL);
    close(fd);
}

TEST(Conformance, SHM_03_SizeZeroIsEnomem)
{
    int fd = open_context();
    tee_ioctl_shm_alloc_data d{0, 0, 0};
    EXPECT_EQ(ioctl_errno(fd, TEE_IOC_SHM_ALLOC, &d), ENOMEM);
    close(fd);
}

TEST(Conformance, SHM_04_MoreThanFourMegabytesIsEnomem)
{
    int fd = open_context();
    tee_ioctl_shm_alloc_data big{(4u << 20) + 1, 0, 0};
    EXPECT_EQ(ioctl_errno(fd, TEE_IOC_SHM_ALLOC, &big), ENOMEM);
    tee_ioctl_shm_alloc_data max{4u << 20, 0, 0};
    int shm = ioctl(fd, TEE_IOC_SHM_ALLOC, &max);
    EXPECT_GE(shm, 0) << strerror(errno);
    close(shm);
    close(fd);
}

TEST(Conformance, SHM_05_AllocReturnsDescriptorIdAndPageRoundedSize)
{
    int fd = open_context();
    tee_ioctl_shm_alloc_data d{5000, 0, -7};
    int shm = ioctl(fd, TEE_IOC_SHM_ALLOC, &d);
    ASSERT_GE(shm, 0) << strerror(errno);
    EXPECT_GT(d.id, 0);
    EXPECT_EQ(d.size, 8192u);
    EXPECT_EQ(d.flags, 0u);
    void *p = mmap(nullptr, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, shm, 0);
    ASSERT_NE(p, MAP_FAILED) << strerror(errno);
    static_cast<char *>(p)[8191] = 1;
    munmap(p, 8192);
    close(shm);
    close(fd);
}

TEST(Conformance, SHM_06_IdsAreLowestFreeAcrossContexts)
{
    int a = open_context(), b = open_context();
    {
        SharedMemory first(a), second(b);
        EXPECT_NE(first.id, second.id) << "one id space for the device";
        EXPECT_EQ(second.id, first.id + 1);
        int32_t freed = first.id;
        close(first.fd);
        first.fd = -1;
        // Freed when its descriptor is closed, before close() returns: the very next call gets
        // its id, the lowest free again.
        SharedMemory probe(b);
        EXPECT_EQ(probe.id, freed);
    }
    close(a);
    close(b);
}

TEST(Conformance, SHM_07_ShmLivesWhileMappedAndOutlivesItsContext)
{
    int fd = open_context();
    SharedMemory m(fd);
    void *p = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, m.fd, 0);
    ASSERT_NE(p, MAP_FAILED);
    close(m.fd);
    m.fd = -1;
    close(fd);
    // The mapping still works; the id is still taken (not the lowest free) while it lives.
    static_cast<char *>(p)[0] = 'x';
    int other = open_context();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    {
        SharedMemory probe(other);
        EXPECT_NE(probe.id, m.id);
    }
    munmap(p, 4096);
    close(other);
}

TEST(Conformance, SHM_08_MappingBeyondTheShmIsEinval)
{
    int fd = open_context();
    SharedMemory m(fd, 4096);
    errno = 0;
    EXPECT_EQ(mmap(nullptr, 8192, PROT_READ, MAP_SHARED, m.fd, 0), MAP_FAILED);
    EXPECT_EQ(errno, EINVAL);
    errno = 0;
    EXPECT_EQ(mmap(nullptr, 4096, PROT_READ, MAP_SHARED, m.fd, 4096), MAP_FAILED);
    EXPECT_EQ(errno, EINVAL);
    void *p = mmap(nullptr, 4096, PROT_READ, MAP_SHARED, m.fd, 0);
    EXPECT_NE(p, MAP_FAILED);
    munmap(p, 4096);
    close(fd);
}

TEST(Conformance, SHM_09_UnwritableResultIsEfaultAndFreesTheShm)
{
    int fd = open_context();
    SharedMemory held(fd);
    // Readable, not writable: the kernel reads the request, then cannot write the result.
    void *ro = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    tee_ioctl_shm_alloc_data d{4096, 0, 0};
    std::memcpy(ro, &d, sizeof d);
    mprotect(ro, 4096, PROT_READ);
    EXPECT_EQ(ioctl_errno(fd, TEE_IOC_SHM_ALLOC, ro), EFAULT);
    munmap(ro, 4096);
    // The shm made for it is freed: its id, the next after `held`, comes free again.
    bool reused = false;
    for (int i = 0; i < 100 && !reused; ++i) {
        SharedMemory probe(fd);
        reused = probe.id == held.id + 1;
        if (!reused)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_TRUE(reused);
    close(fd);
}

// ------------------------------------------------------------------------------------ SHR / SHF

TEST(Conformance, SHR_01_RegisterFlagsAreEinval)
{
    int fd = open_context();
    static char bytes[64];
    tee_ioctl_shm_register_data d{reinterpret_cast<uintptr_t>(bytes), sizeof bytes, 1, 0};
    EXPECT_EQ(ioctl_errno(fd, TEE_IOC_SHM_REGISTER, &d), EINVAL);
    close(fd);
}

TEST(Conformance, SHR_02_RegisterOutsideUserSpaceIsEfault)
{
    int fd = open_context();
    tee_ioctl_shm_register_data d{~uint64_t{0} - 100, 4096, 0, 0};
    EXPECT_EQ(ioctl_errno(fd, TEE_IOC_SHM_REGISTER, &d), EFAULT);
    close(fd);
}

TEST(Conformance, SHR_03_RegisterIsNotSupportedByQcomtee)
{
    int fd = open_context();
    static char bytes[64];
    tee_ioctl_shm_register_data d{reinterpret_cast<uintptr_t>(bytes), sizeof bytes, 0, 0};
    EXPECT_EQ(ioctl_errno(fd, TEE_IOC_SHM_REGISTER, &d), 524); // ENOTSUPP
    close(fd);
}

TEST(Conformance, SHF_01_RegisterFdFlagsAreEinval)
{
    int fd = open_context();
    tee_ioctl_shm_register_fd_data d{0, 0, 1, 0};
    EXPECT_EQ(ioctl_errno(fd, TEE_IOC_SHM_REGISTER_FD, &d), EINVAL);
    close(fd);
}

TEST(Conformance, SHF_02_RegisterFdOfAnythingIsEinval)
{
    int fd = open_context();
    int file = memfd_create("conformance", 0);
    ASSERT_GE(file, 0);
    for (int64_t passed : {int64_t{file}, int64_t{-1}, int64_t{99999}}) {
        tee_ioctl_shm_register_fd_data d{passed, 4096, 0, 0};
        EXPECT_EQ(ioctl_errno(fd, TEE_IOC_SHM_REGISTER_FD, &d), EINVAL) << passed;
    }
    close(file);
    close(fd);
}

// ------------------------------------------------------------------------------------ OI

// A context registered as a client (its supplicant thread serves the credentials), holding
// Diagnostics.
class Invoked : public ::testing::Test {
protected:
    void SetUp() override { ASSERT_NO_FATAL_FAILURE(c.start()); }
    void TearDown() override { c.stop(); }
    int fd() const { return c.fd; }
    Client c;
};

using Oi = Invoked;

TEST_F(Oi, OI_01_UnreadableBufDataIsEfault)
{
    EXPECT_EQ(ioctl_errno(fd(), TEE_IOC_OBJECT_INVOKE, unmapped_page()), EFAULT);
}

TEST_F(Oi, OI_02_BufLenAboveMaxArgSizeIsEinval)
{
    Invoke inv(c.diagnostics, 0, {});
    inv.buf.buf_len = TEE_MAX_ARG_SIZE + 32;
    EXPECT_EQ(inv.err(fd()), EINVAL);
    // Checked before the pointer is used.
    tee_ioctl_buf_data buf{reinterpret_cast<uintptr_t>(unmapped_page()), TEE_MAX_ARG_SIZE + 8};
    EXPECT_EQ(ioctl_errno(fd(), TEE_IOC_OBJECT_INVOKE, &buf), EINVAL);
}

TEST_F(Oi, OI_03_BufLenBelowHeaderIsEinval)
{
    tee_ioctl_buf_data buf{reinterpret_cast<uintptr_t>(unmapped_page()), 16};
    EXPECT_EQ(ioctl_errno(fd(), TEE_IOC_OBJECT_INVOKE, &buf), EINVAL);
}

TEST_F(Oi, OI_04_UnreadableHeaderIsEfault)
{
    tee_ioctl_buf_data buf{reinterpret_cast<uintptr_t>(unmapped_page()), sizeof(tee_ioctl_object_invoke_arg)};
    EXPECT_EQ(ioctl_errno(fd(), TEE_IOC_OBJECT_INVOKE, &buf), EFAULT);
}

TEST_F(Oi, OI_05_NumParamsMustMatchBufLen)
{
    uint32_t info[6];
    Invoke inv(c.diagnostics, 0, {ubuf_out(info, sizeof info)});
    inv.buf.buf_len = sizeof(tee_ioctl_object_invoke_arg) + 2 * sizeof(tee_ioctl_param);
    EXPECT_EQ(inv.err(fd()), EINVAL);
    Invoke huge(c.diagnostics, 0, {});
    huge.build();
    huge.head.num_params = 0x08000001; // 32 × n wraps in 32 bits, not in the kernel's size_mul
    std::memcpy(huge.storage, &huge.head, sizeof huge.head);
    huge.buf.buf_len = sizeof(tee_ioctl_object_invoke_arg) + 32;
    errno = 0;
    EXPECT_EQ(huge.send(fd()), -1);
    EXPECT_EQ(errno, EINVAL);
}

TEST_F(Oi, OI_06_UnreadableParameterIsEfaultAfterEarlierChecks)
{
    // The header is readable, the parameters start on an unmapped page.
    auto *page = static_cast<unsigned char *>(mmap(nullptr, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    munmap(page + 4096, 4096);
    unsigned char *arg = page + 4096 - sizeof(tee_ioctl_object_invoke_arg) - sizeof(tee_ioctl_param);
    InvokeHead head{c.diagnostics, 0, 0, 2, 0};
    std::memcpy(arg, &head, sizeof head);
    tee_ioctl_param first = obj_out();
    std::memcpy(arg + sizeof head, &first, sizeof first);
    tee_ioctl_buf_data buf{reinterpret_cast<uintptr_t>(arg), sizeof head + 2 * sizeof(tee_ioctl_param)};
    EXPECT_EQ(ioctl_errno(fd(), TEE_IOC_OBJECT_INVOKE, &buf), EFAULT);
    // A readable first parameter that is itself wrong wins.
    tee_ioctl_param bad{uint64_t{1} << 12, 0, 0, 0};
    std::memcpy(arg + sizeof head, &bad, sizeof bad);
    EXPECT_EQ(ioctl_errno(fd(), TEE_IOC_OBJECT_INVOKE, &buf), EINVAL);
    munmap(page, 4096);
}

TEST_F(Oi, OI_07_ReservedAttributeBitsAreEinval)
{
    uint32_t uid = QCOMTEE_UID_DIAGNOSTICS;
    Invoke inv(c.env, 0, {{TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_INPUT | (uint64_t{1} << 9), reinterpret_cast<uintptr_t>(&uid), 4, 0}, obj_out()});
    EXPECT_EQ(inv.err(fd()), EINVAL);
}

TEST_F(Oi, OI_08_UnknownAttributeTypeIsEinval)
{
    for (uint64_t type : {uint64_t{4}, uint64_t{14}, uint64_t{255}}) {
        Invoke inv(c.env, 0, {{type, 0, 0, 0}});
        EXPECT_EQ(inv.err(fd()), EINVAL) << type;
    }
}

TEST_F(Oi, OI_09_UbufOutsideUserSpaceIsEfault)
{
    Invoke inv(c.diagnostics, 0, {{TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_OUTPUT, ~uint64_t{0} - 64, 24, 0}});
    EXPECT_EQ(inv.err(fd()), EFAULT);
    // Before qcomtee's own type check: an INOUT outside user space is EFAULT, not EINVAL.
    Invoke inout(c.diagnostics, 0, {{TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_INOUT, ~uint64_t{0} - 64, 24, 0}});
    EXPECT_EQ(inout.err(fd()), EFAULT);
}

TEST_F(Oi, OI_10_MemrefOfNoShmOfThisContextIsEinval)
{
    Invoke inv(c.env, 0, {{TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT, 0, 16, 777}});
    EXPECT_EQ(inv.err(fd()), EINVAL);
    int other = open_context();
    SharedMemory foreign(other);
    Invoke inv2(c.env, 0, {{TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT, 0, 16, static_cast<uint64_t>(foreign.id)}});
    EXPECT_EQ(inv2.err(fd()), EINVAL);
    close(other);
}

TEST_F(Oi, OI_11_MoreThan64ParametersIsEinval)
{
    Invoke inv(c.env, 0, {});
    inv.head.num_params = 65;
    for (int i = 0; i < 65; ++i)
        inv.params[i] = obj_out(); // 65 of one class would also break the per-class limit
    for (int i = 0; i < 16; ++i)
        inv.params[i] = ubuf_in(&inv, 0);
    for (int i = 16; i < 32; ++i)
        inv.params[i] = ubuf_out(&inv, 0);
    for (int i = 32; i < 48; ++i)
        inv.params[i] = obj_in(TEE_OBJREF_NULL, 0);
    EXPECT_EQ(inv.err(fd()), EINVAL);
}

TEST_F(Oi, OI_12_OnlyFourParameterTypesWholeAttributeCompared)
{
    uint32_t word = 0;
    const std::vector<tee_ioctl_param> refused = {
        {TEE_IOCTL_PARAM_ATTR_TYPE_NONE, 0, 0, 0},
        {TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT, 1, 2, 3},
        {TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT, 0, 0, 0},
        {TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_INOUT, reinterpret_cast<uintptr_t>(&word), 4, 0},
        {TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_INOUT, TEE_OBJREF_NULL, 0, 0},
        {TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_INPUT | kMeta, reinterpret_cast<uintptr_t>(&word), 4, 0},
    };
    for (const auto &p : refused) {
        Invoke inv(c.env, 0, {p});
        EXPECT_EQ(inv.err(fd()), EINVAL) << std::hex << p.attr;
    }
}

TEST_F(Oi, OI_13_MoreThan16OfAClassIsEinval)
{
    uint32_t word = 0;
    Invoke inv(c.env, 0, {});
    inv.head.num_params = 17;
    for (int i = 0; i < 17; ++i)
        inv.params[i] = ubuf_in(&word, sizeof word);
    EXPECT_EQ(inv.err(fd()), EINVAL);
}

TEST_F(Oi, OI_14_AnyOrderResultsByPosition)
{
    uint32_t uid = QCOMTEE_UID_DIAGNOSTICS;
    Invoke inv(c.env, QCOMTEE_CLIENT_ENV_OP_OPEN, {obj_out(), ubuf_in(&uid, sizeof uid)});
    ASSERT_EQ(inv.err(fd()), 0);
    EXPECT_EQ(inv.head.ret, 0u);
    EXPECT_EQ(inv.params[0].b, QCOMTEE_OBJREF_FLAG_TEE);
    uint32_t info[6] = {};
    EXPECT_GT(heap_total(fd(), inv.params[0].a), 0u) << "the id written back names the service";
    Invoke release(inv.params[0].a, QCOMTEE_OBJREF_OP_RELEASE, {});
    EXPECT_EQ(release.err(fd()), 0);
    (void)info;
}

TEST_F(Oi, OI_15_ReleaseDropsTheIdAndKeepsTheCallersValues)
{
    uint64_t loader = c.open(QCOMTEE_UID_APPLOADER);
    uint32_t out = 0;
    Invoke rel(loader, QCOMTEE_OBJREF_OP_RELEASE, {ubuf_out(&out, sizeof out), obj_out()});
    rel.head.ret = 0x1234;
    rel.params[1] = {TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_OUTPUT, 55, 66, 77};
    ASSERT_EQ(rel.err(fd()), 0);
    EXPECT_EQ(rel.head.ret, 0x1234u) << "ret is not set by RELEASE";
    EXPECT_EQ(rel.params[0].b, sizeof out) << "output size as passed";
    EXPECT_EQ(rel.params[1].a, 0u);
    EXPECT_EQ(rel.params[1].b, 0u);
    EXPECT_EQ(rel.params[1].c, 77u) << "c is never written";
    // The id is gone: invoking it is EINVAL, and it is the lowest free again.
    std::string image = "TAPPx";
    Invoke gone(loader, QCOMTEE_APPLOADER_OP_LOAD_FROM_BUFFER, {ubuf_in(image.data(), image.size()), obj_out()});
    EXPECT_EQ(gone.err(fd()), EINVAL);
    EXPECT_EQ(c.open(QCOMTEE_UID_APPLOADER), loader);
}

TEST_F(Oi, OI_16_ReleaseOfAnIdNotHeldSucceeds)
{
    for (uint64_t id : {uint64_t{999}, TEE_OBJREF_NULL, uint64_t{1} << 40}) {
        Invoke rel(id, QCOMTEE_OBJREF_OP_RELEASE, {});
        EXPECT_EQ(rel.err(fd()), 0) << id;
        EXPECT_EQ(rel.head.ret, 0u);
    }
    EXPECT_GT(heap_total(fd(), c.diagnostics), 0u);
}

TEST_F(Oi, OI_17_ReleaseChecksItsParametersFirst)
{
    Invoke rel(c.diagnostics, QCOMTEE_OBJREF_OP_RELEASE, {{TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT, 0, 0, 0}});
    EXPECT_EQ(rel.err(fd()), EINVAL);
    EXPECT_GT(heap_total(fd(), c.diagnostics), 0u) << "still held";
}

TEST_F(Oi, OI_18_RootOpsKeptByTheKernel)
{
    for (uint32_t op : {4u, 8u, 9u}) {
        Invoke inv(TEE_OBJREF_NULL, op, {});
        EXPECT_EQ(inv.err(fd()), EINVAL) << op;
    }
    Invoke creds(TEE_OBJREF_NULL, 5, {obj_in(TEE_OBJREF_NULL, 0), obj_out()});
    EXPECT_EQ(creds.err(fd()), EINVAL);
    // Another shape of op 5 reaches QTEE (which does not know it).
    Invoke other(TEE_OBJREF_NULL, 5, {obj_out()});
    EXPECT_EQ(other.err(fd()), 0);
    EXPECT_EQ(other.head.ret, static_cast<uint32_t>(QCOMTEE_MSG_ERROR_INVALID));
}

TEST_F(Oi, OI_19_UnknownTargetIsEinvalAndWritesNothing)
{
    uint32_t info[6];
    Invoke inv(4242, 0, {ubuf_out(info, sizeof info)});
    inv.head.ret = 0x55;
    EXPECT_EQ(inv.err(fd()), EINVAL);
    EXPECT_EQ(inv.head.ret, 0x55u);
    EXPECT_EQ(inv.params[0].b, sizeof info);
}

TEST_F(Oi, OI_20_NullInputObjectWhateverItsFlags)
{
    uint64_t loader = c.open(QCOMTEE_UID_APPLOADER);
    for (uint64_t flags : {uint64_t{0}, uint64_t{QCOMTEE_OBJREF_FLAG_TEE}, uint64_t{0xff}}) {
        Invoke inv(loader, QCOMTEE_APPLOADER_OP_LOAD_FROM_REGION, {obj_in(TEE_OBJREF_NULL, flags), obj_out()});
        ASSERT_EQ(inv.err(fd()), 0) << flags;
        EXPECT_EQ(inv.head.ret, static_cast<uint32_t>(QCOMTEE_MSG_ERROR_INVALID)) << "QTEE got the NULL object";
    }
}

TEST_F(Oi, OI_21_ObjrefFlagsUserThenTeeThenMem)
{
    // USER wins over TEE: id 0 is taken as a callback object, which the client env refuses.
    Invoke both(c.env, 0, {obj_in(0, QCOMTEE_OBJREF_FLAG_TEE | QCOMTEE_OBJREF_FLAG_USER)});
    ASSERT_EQ(both.err(fd()), 0);
    EXPECT_EQ(both.head.ret, static_cast<uint32_t>(QCOMTEE_MSG_ERROR_INVALID));
    // TEE wins over MEM, unknown bits are ignored: the loader gets a QTEE object, not a region.
    Invoke tee(c.open(QCOMTEE_UID_APPLOADER), QCOMTEE_APPLOADER_OP_LOAD_FROM_REGION,
               {obj_in(c.diagnostics, QCOMTEE_OBJREF_FLAG_TEE | QCOMTEE_OBJREF_FLAG_MEM | (1u << 7)), obj_out()});
    ASSERT_EQ(tee.err(fd()), 0);
    EXPECT_EQ(tee.head.ret, static_cast<uint32_t>(QCOMTEE_MSG_ERROR_INVALID));
    // None of the three.
    Invoke none(c.env, 0, {obj_in(3, 1u << 7)});
    EXPECT_EQ(none.err(fd()), EINVAL);
}

TEST_F(Oi, OI_22_UserObjrefOfAnyIdMakesACallbackObject)
{
    uint64_t registry = c.open(TEESIM_UID_LISTENER_REGISTRY);
    for (uint64_t id : {uint64_t{0}, uint64_t{1} << 60, uint64_t{Supplicant::kListenerId}}) {
        uint32_t token = 0;
        Invoke reg(registry, TEESIM_REGISTRY_OP_REGISTER, {ubuf_out(&token, 4), obj_in(id, QCOMTEE_OBJREF_FLAG_USER)});
        ASSERT_EQ(reg.err(fd()), 0) << id;
        EXPECT_EQ(reg.head.ret, 0u);
        Invoke unreg(registry, TEESIM_REGISTRY_OP_UNREGISTER, {ubuf_in(&token, 4)});
        EXPECT_EQ(unreg.err(fd()), 0);
        EXPECT_EQ(unreg.head.ret, 0u);
    }
}

TEST_F(Oi, OI_23_TeeObjrefMustBeAnIdOfThisContext)
{
    uint64_t loader = c.open(QCOMTEE_UID_APPLOADER);
    Invoke inv(loader, QCOMTEE_APPLOADER_OP_LOAD_FROM_REGION, {obj_in(4242, QCOMTEE_OBJREF_FLAG_TEE), obj_out()});
    EXPECT_EQ(inv.err(fd()), EINVAL);
}

TEST_F(Oi, OI_24_MemObjrefMustBeAnShmOfThisContext)
{
    uint64_t loader = c.open(QCOMTEE_UID_APPLOADER);
    int other = open_context();
    SharedMemory foreign(other);
    Invoke inv(loader, QCOMTEE_APPLOADER_OP_LOAD_FROM_REGION,
               {obj_in(static_cast<uint64_t>(foreign.id), QCOMTEE_OBJREF_FLAG_MEM), obj_out()});
    EXPECT_EQ(inv.err(fd()), EINVAL);
    Invoke none(loader, QCOMTEE_APPLOADER_OP_LOAD_FROM_REGION, {obj_in(9999, QCOMTEE_OBJREF_FLAG_MEM), obj_out()});
    EXPECT_EQ(none.err(fd()), EINVAL);
    close(other);
}

TEST_F(Oi, OI_25_OpAbove16BitsIsEinval)
{
    uint32_t info[6];
    Invoke inv(c.diagnostics, 0x10000, {ubuf_out(info, sizeof info)});
    EXPECT_EQ(inv.err(fd()), EINVAL);
}

TEST_F(Oi, OI_26_RetainIsEinval)
{
    Invoke inv(c.diagnostics, QCOMTEE_OBJREF_OP_RETAIN, {});
    EXPECT_EQ(inv.err(fd()), EINVAL);
    Invoke root(TEE_OBJREF_NULL, QCOMTEE_OBJREF_OP_RETAIN, {});
    EXPECT_EQ(root.err(fd()), EINVAL);
}

TEST_F(Oi, OI_27_MessageAboveFourMegabytesIsEinval)
{
    std::vector<uint8_t> big((4u << 20) - 16); // + the 24-byte output and a 32-byte header
    uint32_t info[6];
    Invoke inv(c.diagnostics, 0, {ubuf_in(big.data(), big.size()), ubuf_out(info, sizeof info)});
    EXPECT_EQ(inv.err(fd()), EINVAL);
    Invoke fits(c.diagnostics, 0, {ubuf_in(big.data(), 1024), ubuf_out(info, sizeof info)});
    EXPECT_EQ(fits.err(fd()), 0);
}

TEST_F(Oi, OI_28_UnreadableInputBufferIsEfault)
{
    Invoke inv(c.env, QCOMTEE_CLIENT_ENV_OP_OPEN, {ubuf_in(unmapped_page(), 4), obj_out()});
    EXPECT_EQ(inv.err(fd()), EFAULT);
    // A check before the copy wins.
    Invoke retain(c.env, QCOMTEE_OBJREF_OP_RETAIN, {ubuf_in(unmapped_page(), 4), obj_out()});
    EXPECT_EQ(retain.err(fd()), EINVAL);
}

TEST_F(Oi, OI_29_SuccessWritesRetOutputsAndNewIdsOnly)
{
    uint32_t info[8] = {};
    Invoke inv(c.diagnostics, QCOMTEE_DIAGNOSTICS_OP_QUERY_HEAP_INFO, {ubuf_out(info, sizeof info)});
    inv.head.ret = 0x77;
    ASSERT_EQ(inv.err(fd()), 0);
    EXPECT_EQ(inv.head.ret, 0u);
    EXPECT_EQ(inv.params[0].b, 24u) << "the bytes produced";
    EXPECT_EQ(info[0], 1u << 20);
    EXPECT_EQ(inv.head.id, c.diagnostics);
    EXPECT_EQ(inv.head.num_params, 1u);
    // New TEE object ids are the lowest free from 0.
    uint64_t a = c.open(QCOMTEE_UID_APPLOADER), b = c.open(QCOMTEE_UID_APPLOADER);
    EXPECT_EQ(b, a + 1);
    Invoke rel(a, QCOMTEE_OBJREF_OP_RELEASE, {});
    ASSERT_EQ(rel.err(fd()), 0);
    EXPECT_EQ(c.open(QCOMTEE_UID_APPLOADER), a);
}

TEST_F(Oi, OI_30_EveryReturnIsANewId)
{
    uint64_t a = c.open(QCOMTEE_UID_DIAGNOSTICS);
    EXPECT_NE(a, c.diagnostics);
    EXPECT_GT(heap_total(fd(), a), 0u);
}

TEST_F(Oi, OI_31_NullOutputObjectIsTeeObjrefNull)
{
    // The registry answers OK with the NULL object for a token nobody registered.
    uint64_t registry = c.open(TEESIM_UID_LISTENER_REGISTRY);
    uint32_t token = 0xfffff;
    Invoke get(registry, TEESIM_REGISTRY_OP_LISTENER, {ubuf_in(&token, 4), obj_out()});
    get.params[1] = {TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_OUTPUT, 5, 5, 0};
    ASSERT_EQ(get.err(fd()), 0);
    EXPECT_EQ(get.head.ret, 0u);
    EXPECT_EQ(get.params[1].a, TEE_OBJREF_NULL);
    EXPECT_EQ(get.params[1].b, 0u) << "the kernel never read the caller's flags";
}


TEST_F(Oi, OI_32_ErrorResultLeavesOutputsAsPassed)
{
    uint64_t loader = c.open(QCOMTEE_UID_APPLOADER);
    std::string junk = "ELF!";
    Invoke bad(loader, QCOMTEE_APPLOADER_OP_LOAD_FROM_BUFFER, {ubuf_in(junk.data(), junk.size()), obj_out()});
    bad.params[1] = {TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_OUTPUT, 5, 5, 5};
    ASSERT_EQ(bad.err(fd()), 0);
    EXPECT_EQ(bad.head.ret, static_cast<uint32_t>(QCOMTEE_MSG_ERROR_USERBASE));
    EXPECT_EQ(bad.params[1].a, 0u);
    EXPECT_EQ(bad.params[1].b, 0u);
    EXPECT_EQ(bad.params[1].c, 5u);
    uint32_t info[4] = {9, 9, 9, 9};
    Invoke small(c.diagnostics, QCOMTEE_DIAGNOSTICS_OP_QUERY_HEAP_INFO, {ubuf_out(info, sizeof info)});
    ASSERT_EQ(small.err(fd()), 0);
    EXPECT_EQ(small.head.ret, static_cast<uint32_t>(QCOMTEE_MSG_ERROR_SIZE_OUT));
    EXPECT_EQ(small.params[0].b, sizeof info) << "size as passed";
    EXPECT_EQ(info[0], 9u) << "nothing copied";
}

// A region kept by QTEE goes back only to the context whose shm it is.
TEST_F(Oi, OI_33_MemoryObjectReturnsOnlyToItsContext)
{
    SharedMemory m(fd());
    uint64_t store = c.open(TEESIM_UID_REGION_STORE);
    uint32_t token = 0;
    Invoke keep(store, TEESIM_REGION_STORE_OP_KEEP, {ubuf_out(&token, 4), obj_in(static_cast<uint64_t>(m.id), QCOMTEE_OBJREF_FLAG_MEM)});
    ASSERT_EQ(keep.err(fd()), 0);
    ASSERT_EQ(keep.head.ret, 0u);
    Invoke lend(store, TEESIM_REGION_STORE_OP_LEND, {ubuf_in(&token, 4), obj_out()});
    ASSERT_EQ(lend.err(fd()), 0);
    EXPECT_EQ(lend.head.ret, 0u);
    EXPECT_EQ(lend.params[1].a, static_cast<uint64_t>(m.id));
    EXPECT_EQ(lend.params[1].b, QCOMTEE_OBJREF_FLAG_MEM);
    Client other;
    ASSERT_NO_FATAL_FAILURE(other.start());
    uint64_t other_store = other.open(TEESIM_UID_REGION_STORE);
    Invoke foreign(other_store, TEESIM_REGION_STORE_OP_LEND, {ubuf_in(&token, 4), obj_out()});
    ASSERT_EQ(foreign.err(other.fd), 0);
    EXPECT_EQ(foreign.head.ret, static_cast<uint32_t>(QCOMTEE_MSG_ERROR_UNAVAIL));
    EXPECT_EQ(foreign.params[1].a, 0u);
    EXPECT_EQ(foreign.params[1].b, 0u);
    other.stop();
    Invoke drop(store, TEESIM_REGION_STORE_OP_DROP, {ubuf_in(&token, 4)});
    EXPECT_EQ(drop.err(fd()), 0);
    EXPECT_EQ(drop.head.ret, 0u);
}

TEST_F(Oi, OI_34_CallbackObjectReturnsToItsOwnContextAsUser)
{
    uint64_t registry = c.open(TEESIM_UID_LISTENER_REGISTRY);
    uint32_t token = 0;
    Invoke reg(registry, TEESIM_REGISTRY_OP_REGISTER, {ubuf_out(&token, 4), obj_in(4321, QCOMTEE_OBJREF_FLAG_USER)});
    ASSERT_EQ(reg.err(fd()), 0);
    ASSERT_EQ(reg.head.ret, 0u);
    Invoke get(registry, TEESIM_REGISTRY_OP_LISTENER, {ubuf_in(&token, 4), obj_out()});
    ASSERT_EQ(get.err(fd()), 0);
    EXPECT_EQ(get.head.ret, 0u);
    EXPECT_EQ(get.params[1].a, 4321u);
    EXPECT_EQ(get.params[1].b, QCOMTEE_OBJREF_FLAG_USER);
    Invoke unreg(registry, TEESIM_REGISTRY_OP_UNREGISTER, {ubuf_in(&token, 4)});
    EXPECT_EQ(unreg.err(fd()), 0);
}

TEST_F(Oi, OI_35_UnwritableOutputBufferIsUnavail)
{
    void *ro = mmap(nullptr, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    Invoke inv(c.diagnostics, QCOMTEE_DIAGNOSTICS_OP_QUERY_HEAP_INFO, {ubuf_out(ro, 24)});
    ASSERT_EQ(inv.err(fd()), 0);
    EXPECT_EQ(inv.head.ret, static_cast<uint32_t>(QCOMTEE_MSG_ERROR_UNAVAIL));
    EXPECT_EQ(inv.params[0].b, 24u);
    munmap(ro, 4096);
}

TEST_F(Oi, OI_36_TooSmallOutputBufferIsQteesSizeOut)
{
    uint32_t info[4];
    Invoke inv(c.diagnostics, QCOMTEE_DIAGNOSTICS_OP_QUERY_HEAP_INFO, {ubuf_out(info, 16)});
    ASSERT_EQ(inv.err(fd()), 0);
    EXPECT_EQ(inv.head.ret, static_cast<uint32_t>(QCOMTEE_MSG_ERROR_SIZE_OUT));
    EXPECT_EQ(inv.params[0].b, 16u);
}

// ------------------------------------------------------------------------------------ SR

// Raw SUPPL_RECV argument checks on a context with nothing queued: refused before any wait.
TEST(Conformance, SR_01_UnreadableBufDataIsEfault)
{
    int fd = open_context();
    EXPECT_EQ(ioctl_errno(fd, TEE_IOC_SUPPL_RECV, unmapped_page()), EFAULT);
    close(fd);
}

TEST(Conformance, SR_02_BufLenOutOfBoundsIsEinval)
{
    int fd = open_context();
    for (uint64_t len : {uint64_t{4}, uint64_t{TEE_MAX_ARG_SIZE + 8}}) {
        tee_ioctl_buf_data buf{reinterpret_cast<uintptr_t>(unmapped_page()), len};
        EXPECT_EQ(ioctl_errno(fd, TEE_IOC_SUPPL_RECV, &buf), EINVAL) << len;
    }
    close(fd);
}

TEST(Conformance, SR_03_NumParamsMustMatchBufLen)
{
    int fd = open_context();
    Receiver rx;
    rx.arg.prepare_recv(2, rx.payload, sizeof rx.payload);
    tee_ioctl_buf_data buf{reinterpret_cast<uintptr_t>(rx.arg.bytes), 8 + 3 * sizeof(tee_ioctl_param)};
    EXPECT_EQ(ioctl_errno(fd, TEE_IOC_SUPPL_RECV, &buf), EINVAL);
    close(fd);
}

TEST(Conformance, SR_04_SlotsGoThroughTheCoresChecks)
{
    int fd = open_context();
    Receiver rx;
    rx.arg.prepare_recv(2, rx.payload, sizeof rx.payload);
    rx.arg.param(1).attr = uint64_t{1} << 10;
    EXPECT_EQ((errno = 0, rx.arg.recv(fd, 2) == 0 ? 0 : errno), EINVAL);
    rx.arg.param(1).attr = 4;
    EXPECT_EQ((errno = 0, rx.arg.recv(fd, 2) == 0 ? 0 : errno), EINVAL);
    rx.arg.param(1) = {TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_INPUT, ~uint64_t{0} - 8, 64, 0};
    EXPECT_EQ((errno = 0, rx.arg.recv(fd, 2) == 0 ? 0 : errno), EFAULT) << "access_ok before qcomtee's empty-slot rule";
    close(fd);
}

TEST(Conformance, SR_05_NoParametersIsEinval)
{
    int fd = open_context();
    Receiver rx;
    rx.arg.prepare_recv(0, rx.payload, sizeof rx.payload);
    rx.arg.num_params() = 0;
    EXPECT_EQ((errno = 0, rx.arg.recv(fd, 0) == 0 ? 0 : errno), EINVAL);
    close(fd);
}

TEST(Conformance, SR_06_MetaParameterMustBeValueInoutMeta)
{
    int fd = open_context();
    Receiver rx;
    for (uint64_t attr : {uint64_t{TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT}, uint64_t{TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT | kMeta},
                          uint64_t{TEE_IOCTL_PARAM_ATTR_TYPE_NONE}}) {
        rx.arg.prepare_recv(1, rx.payload, sizeof rx.payload);
        rx.arg.param(0).attr = attr;
        EXPECT_EQ((errno = 0, rx.arg.recv(fd, 1) == 0 ? 0 : errno), EINVAL) << std::hex << attr;
    }
    close(fd);
}

TEST(Conformance, SR_07_OtherSlotsMustBeEmpty)
{
    int fd = open_context();
    Receiver rx;
    rx.arg.prepare_recv(3, rx.payload, sizeof rx.payload);
    rx.arg.param(2) = {TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT, 1, 2, 3};
    EXPECT_EQ((errno = 0, rx.arg.recv(fd, 3) == 0 ? 0 : errno), EINVAL);
    close(fd);
}

TEST(Conformance, SR_08_PayloadBufferMustBeEightByteAligned)
{
    int fd = open_context();
    Receiver rx;
    rx.arg.prepare_recv(2, rx.payload + 4, 64);
    EXPECT_EQ((errno = 0, rx.arg.recv(fd, 2) == 0 ? 0 : errno), EINVAL);
    close(fd);
}

TEST(Conformance, SR_09_SignalEndsTheWaitWithEintrAndLosesNothing)
{
    struct sigaction action{}, old{};
    action.sa_handler = [](int) {};
    ASSERT_EQ(sigaction(SIGUSR1, &action, &old), 0);
    Registration reg;
    Receiver rx;
    std::atomic<pthread_t> waiter{};
    // A first wait with nothing queued yet cannot be told from one that races the registration: the
    // test waits on a context of its own, with no request coming.
    int idle = open_context();
    auto waited = std::async(std::launch::async, [&] {
        waiter = pthread_self();
        Receiver r;
        return r.recv(idle);
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    pthread_kill(waiter.load(), SIGUSR1);
    ASSERT_EQ(waited.wait_for(std::chrono::seconds(5)), std::future_status::ready);
    EXPECT_EQ(waited.get(), EINTR);
    close(idle);
    sigaction(SIGUSR1, &old, nullptr);
    // The registration's requests are all still there.
    serve_credentials(reg.fd, rx);
    EXPECT_EQ(reg.outcome(), std::make_pair(0, 0));
}

TEST(Conformance, SR_10_TooFewSlotsKeepsTheRequestAtTheHead)
{
    Registration reg;
    Receiver rx;
    EXPECT_EQ(rx.recv(reg.fd, 1), EINVAL) << "getLength needs the meta slot and one more";
    EXPECT_EQ(rx.recv(reg.fd, 1), EINVAL) << "still at the head";
    ASSERT_EQ(rx.recv(reg.fd, 2), 0);
    EXPECT_EQ(rx.arg.first(), static_cast<uint32_t>(QCOMTEE_IIO_OP_GET_LENGTH));
    EXPECT_EQ(answer(reg.fd, rx, u64_bytes(4)), 0);
    serve_credentials(reg.fd, rx);
}

TEST(Conformance, SR_11_TooSmallPayloadBufferKeepsTheRequest)
{
    Registration reg;
    Receiver rx;
    ASSERT_EQ(rx.recv(reg.fd), 0);
    ASSERT_EQ(answer(reg.fd, rx, u64_bytes(4)), 0);
    // readAtOffset carries an 8-byte input buffer.
    rx.arg.prepare_recv(SuppArg::kSlots, rx.payload, 7);
    EXPECT_EQ((errno = 0, rx.arg.recv(reg.fd, SuppArg::kSlots) == 0 ? 0 : errno), EINVAL);
    rx.arg.prepare_recv(SuppArg::kSlots, rx.payload, 8);
    ASSERT_EQ(rx.arg.recv(reg.fd, SuppArg::kSlots), 0);
    EXPECT_EQ(rx.arg.first(), static_cast<uint32_t>(QCOMTEE_IIO_OP_READ_AT_OFFSET));
    EXPECT_EQ(rx.arg.param(1).a, reinterpret_cast<uintptr_t>(rx.payload));
    EXPECT_EQ(answer(reg.fd, rx, {'u', 'i', 'd', '='}), 0);
    serve_credentials(reg.fd, rx);
}

TEST(Conformance, SR_12_ReceiveWritesFuncCountMetaAndTheRequest)
{
    Registration reg;
    Receiver rx;
    rx.arg.prepare_recv(SuppArg::kSlots, rx.payload, sizeof rx.payload);
    rx.arg.first() = 0xffff0000;
    ASSERT_EQ(rx.arg.recv(reg.fd, SuppArg::kSlots), 0);
    EXPECT_EQ(rx.arg.first(), static_cast<uint32_t>(QCOMTEE_IIO_OP_GET_LENGTH));
    EXPECT_EQ(rx.arg.num_params(), 2u) << "meta + the output buffer";
    tee_ioctl_param meta = rx.arg.param(0);
    EXPECT_EQ(meta.attr, kRecvMeta);
    EXPECT_EQ(meta.a, kCredentials);
    EXPECT_EQ(meta.b, 0u) << "the first request id";
    EXPECT_EQ(meta.c, 0u);
    tee_ioctl_param untouched = rx.arg.param(2);
    EXPECT_EQ(untouched.attr, 0u);
    ASSERT_EQ(answer(reg.fd, rx, u64_bytes(4)), 0);
    serve_credentials(reg.fd, rx);
}

TEST(Conformance, SR_13_InputsArePlacedFromTheBufferEndEightAligned)
{
    Registration reg;
    Receiver rx;
    ASSERT_EQ(rx.recv(reg.fd), 0);
    ASSERT_EQ(answer(reg.fd, rx, u64_bytes(4)), 0);
    rx.arg.prepare_recv(SuppArg::kSlots, rx.payload, 100);
    ASSERT_EQ(rx.arg.recv(reg.fd, SuppArg::kSlots), 0);
    EXPECT_EQ(rx.arg.param(1).attr, uint64_t{TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_INPUT});
    EXPECT_EQ(rx.arg.param(1).a, reinterpret_cast<uintptr_t>(rx.payload) + 88) << "round_down(100 - 8, 8)";
    EXPECT_EQ(rx.arg.param(1).b, 8u);
    uint64_t offset = 1;
    std::memcpy(&offset, rx.payload + 88, 8);
    EXPECT_EQ(offset, 0u);
    EXPECT_EQ(answer(reg.fd, rx, {'u', 'i', 'd', '='}), 0);
    serve_credentials(reg.fd, rx);
}

TEST(Conformance, SR_14_OutputSlotsCarryTheCapacity)
{
    Registration reg;
    Receiver rx;
    ASSERT_EQ(rx.recv(reg.fd), 0);
    EXPECT_EQ(rx.arg.param(1).attr, uint64_t{TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_OUTPUT});
    EXPECT_EQ(rx.arg.param(1).a, 0u);
    EXPECT_EQ(rx.arg.param(1).b, 8u);
    ASSERT_EQ(answer(reg.fd, rx, u64_bytes(4)), 0);
    serve_credentials(reg.fd, rx);
}


using Sr = Invoked;

TEST_F(Sr, SR_14_ObjectOutputSlotsAreZero)
{
    Listened l;
    uint64_t registry = c.open(TEESIM_UID_LISTENER_REGISTRY);
    auto asked = registry_call(fd(), registry, TEESIM_REGISTRY_OP_ASK, l.token);
    Receiver rx;
    ASSERT_EQ(rx.recv(l.fd()), 0);
    EXPECT_EQ(rx.arg.first(), static_cast<uint32_t>(TEESIM_LISTENER_OP_GIVE));
    EXPECT_EQ(rx.arg.num_params(), 2u);
    tee_ioctl_param oo = rx.arg.param(1);
    EXPECT_EQ(oo.attr, uint64_t{TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_OUTPUT});
    EXPECT_EQ(oo.a, 0u);
    EXPECT_EQ(oo.b, 0u);
    EXPECT_EQ(oo.c, 0u);
    rx.arg.param(1) = {TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_OUTPUT, TEE_OBJREF_NULL, 0, 0};
    EXPECT_EQ(answer(l.fd(), rx, {}), 0);
    EXPECT_EQ(asked.get(), std::make_pair(0, 0));
}

TEST_F(Sr, SR_15_QteeObjectPassedInIsANewIdOfTheSupplicant)
{
    Listened l;
    uint64_t registry = c.open(TEESIM_UID_LISTENER_REGISTRY);
    auto published = std::async(std::launch::async, [&] {
        uint32_t uid = QCOMTEE_UID_DIAGNOSTICS, reached = 0;
        Invoke pub(registry, TEESIM_REGISTRY_OP_PUBLISH, {ubuf_in(&uid, 4), ubuf_out(&reached, 4)});
        EXPECT_EQ(pub.call(fd()), 0);
        return reached;
    });
    Receiver rx;
    ASSERT_EQ(rx.recv(l.fd()), 0);
    EXPECT_EQ(rx.arg.first(), static_cast<uint32_t>(TEESIM_LISTENER_OP_ON_SERVICE));
    ASSERT_EQ(rx.arg.num_params(), 2u);
    tee_ioctl_param in = rx.arg.param(1);
    EXPECT_EQ(in.attr, uint64_t{TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_INPUT});
    EXPECT_EQ(in.b, QCOMTEE_OBJREF_FLAG_TEE);
    EXPECT_EQ(in.a, 2u) << "the lowest free id: 0 and 1 hold the client env and the registry";
    EXPECT_GT(heap_total(l.fd(), in.a), 0u) << "the supplicant's context can invoke it";
    EXPECT_EQ(answer(l.fd(), rx, {}), 0);
    EXPECT_GE(published.get(), 1u);
}

TEST_F(Sr, SR_16_OwnObjectsPassedInKeepTheirIdsOthersAreRefused)
{
    Listened l;
    SharedMemory m(l.fd());
    Receiver rx;
    struct Case {
        tee_ioctl_param object;
        uint64_t a, b;
    } cases[] = {
        {obj_in(1234, QCOMTEE_OBJREF_FLAG_USER), 1234, QCOMTEE_OBJREF_FLAG_USER},
        {obj_in(static_cast<uint64_t>(m.id), QCOMTEE_OBJREF_FLAG_MEM), static_cast<uint64_t>(m.id), QCOMTEE_OBJREF_FLAG_MEM},
        {obj_in(TEE_OBJREF_NULL, 0), TEE_OBJREF_NULL, 0},
    };
    for (auto &k : cases) {
        // The listener's own context relays its own object.
        auto relayed = registry_call(l.fd(), l.registry, TEESIM_REGISTRY_OP_RELAY, l.token, k.object);
        ASSERT_EQ(rx.recv(l.fd()), 0);
        EXPECT_EQ(rx.arg.first(), static_cast<uint32_t>(TEESIM_LISTENER_OP_ON_OBJECT));
        EXPECT_EQ(rx.arg.param(1).a, k.a);
        EXPECT_EQ(rx.arg.param(1).b, k.b);
        EXPECT_EQ(answer(l.fd(), rx, {}), 0);
        EXPECT_EQ(relayed.get(), std::make_pair(0, 0));
        // A callback object relayed is dropped by QTEE afterwards: its RELEASE notification.
        if (k.b == QCOMTEE_OBJREF_FLAG_USER) {
            ASSERT_EQ(rx.recv(l.fd()), 0);
            EXPECT_EQ(rx.arg.first(), static_cast<uint32_t>(QCOMTEE_OBJREF_OP_RELEASE));
            EXPECT_EQ(rx.arg.param(0).a, 1234u);
        }
    }
    // Another context's callback object cannot be given to this supplicant: QTEE's call fails and
    // the supplicant's receive goes on waiting.
    uint64_t registry = c.open(TEESIM_UID_LISTENER_REGISTRY);
    auto refused = registry_call(fd(), registry, TEESIM_REGISTRY_OP_RELAY, l.token, obj_in(555, QCOMTEE_OBJREF_FLAG_USER));
    auto received = std::async(std::launch::async, [&] { return rx.recv(l.fd()); });
    EXPECT_EQ(refused.get(), std::make_pair(0, int32_t{QCOMTEE_MSG_ERROR_UNAVAIL}));
    EXPECT_EQ(received.wait_for(std::chrono::milliseconds(100)), std::future_status::timeout);
    auto next = registry_call(fd(), registry, TEESIM_REGISTRY_OP_RELAY, l.token);
    ASSERT_EQ(received.get(), 0);
    EXPECT_EQ(rx.arg.param(1).a, TEE_OBJREF_NULL) << "the next request";
    EXPECT_EQ(answer(l.fd(), rx, {}), 0);
    EXPECT_EQ(next.get(), std::make_pair(0, 0));
}

TEST(Conformance, SR_17_RequestIdsAreLowestFreeFromZero)
{
    Registration reg;
    Receiver rx;
    ASSERT_EQ(rx.recv(reg.fd), 0);
    EXPECT_EQ(rx.arg.param(0).b, 0u);
    ASSERT_EQ(answer(reg.fd, rx, u64_bytes(4)), 0);
    ASSERT_EQ(rx.recv(reg.fd), 0);
    EXPECT_EQ(rx.arg.param(0).b, 0u) << "reused once answered";
    ASSERT_EQ(answer(reg.fd, rx, {'u', 'i', 'd', '='}), 0);
    serve_credentials(reg.fd, rx);
}

TEST_F(Sr, SR_18_RequestsAreTakenInQueueOrder)
{
    Listened l;
    uint64_t registry = c.open(TEESIM_UID_LISTENER_REGISTRY);
    SharedMemory m(l.fd());
    auto first = registry_call(l.fd(), l.registry, TEESIM_REGISTRY_OP_RELAY, l.token, obj_in(TEE_OBJREF_NULL, 0));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    auto second = registry_call(fd(), registry, TEESIM_REGISTRY_OP_RELAY, l.token, obj_in(TEE_OBJREF_NULL, 0));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    Receiver rx1, rx2;
    ASSERT_EQ(rx1.recv(l.fd()), 0);
    ASSERT_EQ(rx2.recv(l.fd()), 0);
    EXPECT_EQ(rx1.arg.param(0).b, 0u);
    EXPECT_EQ(rx2.arg.param(0).b, 1u);
    EXPECT_EQ(answer(l.fd(), rx2, {}), 0);
    EXPECT_EQ(answer(l.fd(), rx1, {}), 0);
    EXPECT_EQ(first.get(), std::make_pair(0, 0));
    EXPECT_EQ(second.get(), std::make_pair(0, 0));
}

TEST(Conformance, SR_19_ReleaseNotificationNeedsNoAnswer)
{
    Registration reg;
    Receiver rx;
    ASSERT_EQ(rx.recv(reg.fd), 0);
    ASSERT_EQ(answer(reg.fd, rx, u64_bytes(4)), 0);
    ASSERT_EQ(rx.recv(reg.fd), 0);
    ASSERT_EQ(answer(reg.fd, rx, {'u', 'i', 'd', '='}), 0);
    ASSERT_EQ(rx.recv(reg.fd), 0);
    EXPECT_EQ(rx.arg.first(), static_cast<uint32_t>(QCOMTEE_OBJREF_OP_RELEASE));
    EXPECT_EQ(rx.arg.num_params(), 1u);
    EXPECT_EQ(rx.arg.param(0).attr, kRecvMeta);
    EXPECT_EQ(rx.arg.param(0).a, kCredentials);
    const uint64_t id = rx.arg.param(0).b;
    EXPECT_EQ(reg.outcome(), std::make_pair(0, 0));
    // Its id is free at once: an answer to it is refused.
    rx.arg.first() = 0;
    rx.arg.num_params() = 1;
    rx.arg.param(0) = {kSendMeta, id, 0, 0};
    EXPECT_EQ((errno = 0, rx.arg.send(reg.fd) == 0 ? 0 : errno), EINVAL);
}

TEST(Conformance, SR_20_UnwritablePayloadBufferFailsTheRequestAndWaitsOn)
{
    Registration reg;
    Receiver rx;
    ASSERT_EQ(rx.recv(reg.fd), 0);
    ASSERT_EQ(answer(reg.fd, rx, u64_bytes(4)), 0);
    // readAtOffset's input cannot be written: QTEE's call fails (the registration fails with it),
    // and the same receive returns the next request, the credentials' RELEASE.
    auto *ro = static_cast<unsigned char *>(mmap(nullptr, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    rx.arg.prepare_recv(SuppArg::kSlots, ro, 4096);
    ASSERT_EQ(rx.arg.recv(reg.fd, SuppArg::kSlots), 0);
    EXPECT_EQ(rx.arg.first(), static_cast<uint32_t>(QCOMTEE_OBJREF_OP_RELEASE));
    EXPECT_EQ(reg.outcome(), std::make_pair(0, int32_t{QCOMTEE_MSG_ERROR}));
    munmap(ro, 4096);
}

TEST(Conformance, SR_21_CancelledSupplicantThreadEndsAndTheWaitIsForgotten)
{
    Registration reg;
    // A thread waiting in SUPPL_RECV, cancelled asynchronously (libqcomtee's test stops its
    // supplicant this way).
    std::atomic<bool> waiting{false};
    pthread_t thread;
    struct Ctx {
        int fd;
        std::atomic<bool> *waiting;
    } ctx{open_context(), &waiting};
    ASSERT_EQ(pthread_create(
                  &thread, nullptr,
                  [](void *p) -> void * {
                      auto *c = static_cast<Ctx *>(p);
                      pthread_setcanceltype(PTHREAD_CANCEL_ASYNCHRONOUS, nullptr);
                      alignas(8) unsigned char payload[64];
                      SuppArg arg;
                      arg.prepare_recv(2, payload, sizeof payload);
                      c->waiting->store(true);
                      arg.recv(c->fd, 2);
                      return nullptr;
                  },
                  &ctx),
              0);
    while (!waiting.load())
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ASSERT_EQ(pthread_cancel(thread), 0);
    void *ret = nullptr;
    ASSERT_EQ(pthread_join(thread, &ret), 0);
    EXPECT_EQ(ret, PTHREAD_CANCELED);
    close(ctx.fd);
    // The daemon serves on: another context's requests reach its own supplicant.
    Receiver rx;
    serve_credentials(reg.fd, rx);
    EXPECT_EQ(reg.outcome(), std::make_pair(0, 0));
}

// ------------------------------------------------------------------------------------ SS

TEST(Conformance, SS_01_BufLenOutOfBoundsIsEinval)
{
    int fd = open_context();
    for (uint64_t len : {uint64_t{4}, uint64_t{TEE_MAX_ARG_SIZE + 8}}) {
        tee_ioctl_buf_data buf{reinterpret_cast<uintptr_t>(unmapped_page()), len};
        EXPECT_EQ(ioctl_errno(fd, TEE_IOC_SUPPL_SEND, &buf), EINVAL) << len;
    }
    close(fd);
}

TEST(Conformance, SS_02_LongerBufferIsAcceptedShorterIsNot)
{
    Registration reg;
    Receiver rx;
    ASSERT_EQ(rx.recv(reg.fd), 0);
    std::vector<uint8_t> length = u64_bytes(4);
    const uint64_t id = rx.arg.param(0).b;
    rx.arg.first() = 0;
    rx.arg.param(0) = {kSendMeta, id, 0, 0};
    rx.arg.param(1) = {TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_OUTPUT, reinterpret_cast<uintptr_t>(length.data()), 8, 0};
    rx.arg.num_params() = 2;
    EXPECT_EQ((errno = 0, rx.arg.send(reg.fd, 8 + 32) == 0 ? 0 : errno), EINVAL) << "shorter than two parameters";
    EXPECT_EQ((errno = 0, rx.arg.send(reg.fd, sizeof rx.arg.bytes) == 0 ? 0 : errno), 0) << "the whole buffer";
    serve_credentials(reg.fd, rx);
    EXPECT_EQ(reg.outcome(), std::make_pair(0, 0));
}

TEST(Conformance, SS_03_ReservedBitsRefusedUnknownTypesIgnored)
{
    Registration reg;
    Receiver rx;
    ASSERT_EQ(rx.recv(reg.fd), 0);
    std::vector<uint8_t> length = u64_bytes(4);
    const uint64_t id = rx.arg.param(0).b;
    rx.arg.first() = 0;
    rx.arg.param(0) = {kSendMeta, id, 0, 0};
    rx.arg.param(1) = {TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_OUTPUT, reinterpret_cast<uintptr_t>(length.data()), 8, 0};
    rx.arg.param(2) = {uint64_t{1} << 11, 0, 0, 0};
    rx.arg.num_params() = 3;
    EXPECT_EQ((errno = 0, rx.arg.send(reg.fd) == 0 ? 0 : errno), EINVAL);
    rx.arg.param(2) = {200, 1, 2, 3};
    EXPECT_EQ((errno = 0, rx.arg.send(reg.fd) == 0 ? 0 : errno), 0) << "an unknown type beyond the request";
    serve_credentials(reg.fd, rx);
    EXPECT_EQ(reg.outcome(), std::make_pair(0, 0));
}

TEST(Conformance, SS_04_OutputOutsideUserSpaceIsEfault)
{
    Registration reg;
    Receiver rx;
    ASSERT_EQ(rx.recv(reg.fd), 0);
    const uint64_t id = rx.arg.param(0).b;
    rx.arg.first() = 0;
    rx.arg.param(0) = {kSendMeta, id, 0, 0};
    rx.arg.param(1) = {TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_OUTPUT, ~uint64_t{0} - 4, 8, 0};
    rx.arg.num_params() = 2;
    EXPECT_EQ((errno = 0, rx.arg.send(reg.fd) == 0 ? 0 : errno), EFAULT);
    ASSERT_EQ(answer(reg.fd, rx, u64_bytes(4)), 0) << "refused before it was consumed";
    serve_credentials(reg.fd, rx);
    EXPECT_EQ(reg.outcome(), std::make_pair(0, 0));
}

TEST(Conformance, SS_05_NoParametersIsEinval)
{
    int fd = open_context();
    SuppArg arg;
    arg.num_params() = 0;
    EXPECT_EQ((errno = 0, arg.send(fd, 8) == 0 ? 0 : errno), EINVAL);
    close(fd);
}

TEST(Conformance, SS_06_MetaParameterMustBeValueOutputMeta)
{
    Registration reg;
    Receiver rx;
    ASSERT_EQ(rx.recv(reg.fd), 0);
    const uint64_t id = rx.arg.param(0).b;
    SuppArg bad;
    bad.num_params() = 1;
    bad.param(0) = {kRecvMeta, id, 0, 0};
    EXPECT_EQ((errno = 0, bad.send(reg.fd) == 0 ? 0 : errno), EINVAL);
    ASSERT_EQ(answer(reg.fd, rx, u64_bytes(4)), 0);
    serve_credentials(reg.fd, rx);
}

TEST(Conformance, SS_07_UnknownRequestIdIsEinval)
{
    Registration reg;
    Receiver rx;
    ASSERT_EQ(rx.recv(reg.fd), 0);
    SuppArg bad;
    bad.num_params() = 1;
    bad.first() = 1;
    bad.param(0) = {kSendMeta, 999, 0, 0};
    EXPECT_EQ((errno = 0, bad.send(reg.fd) == 0 ? 0 : errno), EINVAL);
    ASSERT_EQ(answer(reg.fd, rx, u64_bytes(4)), 0);
    serve_credentials(reg.fd, rx);
}

TEST(Conformance, SS_08_QueuedRequestCanBeAnsweredUnreceived)
{
    Registration reg;
    // getLength is request 0 once queued; answer it without receiving it.
    std::vector<uint8_t> length = u64_bytes(4);
    SuppArg ans;
    ans.num_params() = 2;
    ans.param(0) = {kSendMeta, 0, 0, 0};
    ans.param(1) = {TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_OUTPUT, reinterpret_cast<uintptr_t>(length.data()), 8, 0};
    int err = EINVAL;
    for (int i = 0; i < 200 && err == EINVAL; ++i) {
        err = (errno = 0, ans.send(reg.fd) == 0 ? 0 : errno);
        if (err == EINVAL)
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    EXPECT_EQ(err, 0);
    Receiver rx;
    ASSERT_EQ(rx.recv(reg.fd), 0);
    EXPECT_EQ(rx.arg.first(), static_cast<uint32_t>(QCOMTEE_IIO_OP_READ_AT_OFFSET)) << "getLength was consumed";
    ASSERT_EQ(answer(reg.fd, rx, {'u', 'i', 'd', '='}), 0);
    serve_credentials(reg.fd, rx);
    EXPECT_EQ(reg.outcome(), std::make_pair(0, 0));
}

using Ss = Invoked;

TEST_F(Ss, SS_09_ErrorAnswerIsNotParsedAndMappedForQtee)
{
    Listened l;
    uint64_t registry = c.open(TEESIM_UID_LISTENER_REGISTRY);
    const std::pair<int32_t, int32_t> cases[] = {
        {7, 7},
        {-ENOMEM, QCOMTEE_MSG_ERROR_KMEM},
        {-ENODEV, QCOMTEE_MSG_ERROR_DEFUNCT},
        {-EBUSY, QCOMTEE_MSG_ERROR_BUSY},
        {-ENOSPC, QCOMTEE_MSG_ERROR_BUSY},
        {-EINVAL, QCOMTEE_MSG_ERROR_UNAVAIL},
        {-EBADF, QCOMTEE_MSG_ERROR_UNAVAIL},
        {-EPERM, QCOMTEE_MSG_ERROR},
    };
    for (auto [ret, seen] : cases) {
        auto relayed = registry_call(fd(), registry, TEESIM_REGISTRY_OP_RELAY, l.token);
        Receiver rx;
        ASSERT_EQ(rx.recv(l.fd()), 0);
        // Garbage after the meta parameter: not looked at.
        rx.arg.param(1) = {TEE_IOCTL_PARAM_ATTR_TYPE_NONE, 0, 0, 0};
        rx.arg.first() = static_cast<uint32_t>(ret);
        rx.arg.param(0) = {kSendMeta, rx.arg.param(0).b, 0, 0};
        EXPECT_EQ((errno = 0, rx.arg.send(l.fd()) == 0 ? 0 : errno), 0) << ret;
        EXPECT_EQ(relayed.get(), std::make_pair(0, seen)) << ret;
    }
}

TEST(Conformance, SS_10_AnswerMustMirrorTheRequest)
{
    for (uint64_t wrong : {uint64_t{TEE_IOCTL_PARAM_ATTR_TYPE_NONE}, uint64_t{TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_INPUT | kMeta},
                           uint64_t{TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_OUTPUT}}) {
        Registration reg;
        Receiver rx;
        ASSERT_EQ(rx.recv(reg.fd), 0);
        ASSERT_EQ(answer(reg.fd, rx, u64_bytes(4)), 0);
        ASSERT_EQ(rx.recv(reg.fd), 0); // readAtOffset: [UBUF_INPUT, UBUF_OUTPUT]
        rx.arg.param(1).attr = wrong;
        EXPECT_EQ(answer(reg.fd, rx, {'u', 'i', 'd', '='}), EINVAL) << std::hex << wrong;
        // Consumed all the same: QTEE saw UNAVAIL and the registration failed.
        EXPECT_EQ(reg.outcome(), std::make_pair(0, int32_t{QCOMTEE_MSG_ERROR}));
    }
}

TEST(Conformance, SS_11_OutputLongerThanAcceptedOrUnreadable)
{
    {
        Registration reg;
        Receiver rx;
        ASSERT_EQ(rx.recv(reg.fd), 0);
        EXPECT_EQ(answer(reg.fd, rx, std::vector<uint8_t>(16)), EINVAL) << "capacity 8";
        EXPECT_EQ(reg.outcome(), std::make_pair(0, int32_t{QCOMTEE_MSG_ERROR}));
    }
    {
        Registration reg;
        Receiver rx;
        ASSERT_EQ(rx.recv(reg.fd), 0);
        const uint64_t id = rx.arg.param(0).b;
        rx.arg.first() = 0;
        rx.arg.param(0) = {kSendMeta, id, 0, 0};
        rx.arg.param(1) = {TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_OUTPUT, reinterpret_cast<uintptr_t>(unmapped_page()), 8, 0};
        EXPECT_EQ((errno = 0, rx.arg.send(reg.fd) == 0 ? 0 : errno), EINVAL);
        EXPECT_EQ(reg.outcome(), std::make_pair(0, int32_t{QCOMTEE_MSG_ERROR}));
    }
    {
        // Shorter is fine (QTEE's root then wants its 8 bytes and fails the registration).
        Registration reg;
        Receiver rx;
        ASSERT_EQ(rx.recv(reg.fd), 0);
        EXPECT_EQ(answer(reg.fd, rx, std::vector<uint8_t>(4)), 0);
        EXPECT_EQ(reg.outcome(), std::make_pair(0, int32_t{QCOMTEE_MSG_ERROR}));
    }
}

TEST(Conformance, SS_12_FewerParametersThanTheRequestIsEinval)
{
    Registration reg;
    Receiver rx;
    ASSERT_EQ(rx.recv(reg.fd), 0);
    ASSERT_EQ(answer(reg.fd, rx, u64_bytes(4)), 0);
    ASSERT_EQ(rx.recv(reg.fd), 0);
    const uint64_t id = rx.arg.param(0).b;
    rx.arg.first() = 0;
    rx.arg.param(0) = {kSendMeta, id, 0, 0};
    rx.arg.num_params() = 2; // the input buffer only, not the output
    EXPECT_EQ((errno = 0, rx.arg.send(reg.fd) == 0 ? 0 : errno), EINVAL);
    EXPECT_EQ(reg.outcome(), std::make_pair(0, int32_t{QCOMTEE_MSG_ERROR}));
}

TEST_F(Ss, SS_13_OutputObjectsOfAnAnswer)
{
    Listened l;
    uint64_t registry = c.open(TEESIM_UID_LISTENER_REGISTRY);
    uint64_t diagnostics = open_service(l.fd(), l.env, QCOMTEE_UID_DIAGNOSTICS);
    SharedMemory m(l.fd());
    struct Case {
        tee_ioctl_param given;
        int send_err;
        int32_t ret;         // what ask() returns to the fixture's context
        uint64_t flags_back; // the object it gets
    } cases[] = {
        {{TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_OUTPUT, TEE_OBJREF_NULL, 0, 0}, 0, 0, 0},
        {{TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_OUTPUT, diagnostics, QCOMTEE_OBJREF_FLAG_TEE, 0}, 0, 0, QCOMTEE_OBJREF_FLAG_TEE},
        // A callback object or memory of the listener's context cannot be given to another context.
        {{TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_OUTPUT, 777, QCOMTEE_OBJREF_FLAG_USER, 0}, 0, QCOMTEE_MSG_ERROR_UNAVAIL, 0},
        {{TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_OUTPUT, static_cast<uint64_t>(m.id), QCOMTEE_OBJREF_FLAG_MEM, 0}, 0,
         QCOMTEE_MSG_ERROR_UNAVAIL, 0},
        {{TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_OUTPUT, 4242, QCOMTEE_OBJREF_FLAG_TEE, 0}, EINVAL, QCOMTEE_MSG_ERROR_UNAVAIL, 0},
        {{TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_OUTPUT, 1, 0, 0}, EINVAL, QCOMTEE_MSG_ERROR_UNAVAIL, 0},
    };
    for (auto &k : cases) {
        tee_ioctl_param got{};
        auto asked = registry_call(fd(), registry, TEESIM_REGISTRY_OP_ASK, l.token, {}, &got);
        Receiver rx;
        ASSERT_EQ(rx.recv_call(l.fd()), 0);
        rx.arg.param(1) = k.given;
        EXPECT_EQ(answer(l.fd(), rx, {}), k.send_err) << k.given.a << "/" << k.given.b;
        EXPECT_EQ(asked.get(), std::make_pair(0, k.ret)) << k.given.a << "/" << k.given.b;
        EXPECT_EQ(got.b, k.flags_back);
        if (k.flags_back == QCOMTEE_OBJREF_FLAG_TEE) {
            EXPECT_GT(heap_total(fd(), got.a), 0u) << "the listener's Diagnostics, as a new id here";
            Invoke rel(got.a, QCOMTEE_OBJREF_OP_RELEASE, {});
            EXPECT_EQ(rel.err(fd()), 0);
        }
    }
    // A callback object given back to its own context comes as itself.
    tee_ioctl_param own{};
    auto asked = registry_call(l.fd(), l.registry, TEESIM_REGISTRY_OP_ASK, l.token, {}, &own);
    Receiver rx;
    ASSERT_EQ(rx.recv_call(l.fd()), 0);
    rx.arg.param(1) = {TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_OUTPUT, 778, QCOMTEE_OBJREF_FLAG_USER, 0};
    EXPECT_EQ(answer(l.fd(), rx, {}), 0);
    EXPECT_EQ(asked.get(), std::make_pair(0, 0));
    EXPECT_EQ(own.a, 778u);
    EXPECT_EQ(own.b, QCOMTEE_OBJREF_FLAG_USER);
}

TEST_F(Ss, SS_14_AnswerAfterTheInvokerDiedIsEinval)
{
    Listened l;
    uint64_t registry = c.open(TEESIM_UID_LISTENER_REGISTRY);
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        uint32_t t = l.token;
        Invoke relay(registry, TEESIM_REGISTRY_OP_RELAY, {ubuf_in(&t, 4), obj_in(TEE_OBJREF_NULL, 0)});
        relay.call(fd());
        _exit(0);
    }
    Receiver rx;
    ASSERT_EQ(rx.recv(l.fd()), 0);
    kill(child, SIGKILL);
    int status = 0;
    waitpid(child, &status, 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(100)); // the daemon notices the hang-up
    EXPECT_EQ(answer(l.fd(), rx, {}), EINVAL);
}

TEST(Conformance, SS_15_NothingIsWrittenBack)
{
    Registration reg;
    Receiver rx;
    ASSERT_EQ(rx.recv(reg.fd), 0);
    std::vector<uint8_t> length = u64_bytes(4);
    const uint64_t id = rx.arg.param(0).b;
    rx.arg.first() = 0;
    rx.arg.param(0) = {kSendMeta, id, 0, 0};
    rx.arg.param(1) = {TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_OUTPUT, reinterpret_cast<uintptr_t>(length.data()), 8, 0};
    rx.arg.num_params() = 2;
    SuppArg before = rx.arg;
    ASSERT_EQ(rx.arg.send(reg.fd), 0);
    EXPECT_EQ(std::memcmp(before.bytes, rx.arg.bytes, sizeof before.bytes), 0);
    serve_credentials(reg.fd, rx);
}

// ------------------------------------------------------------------------------------ CTX / ASY

using Ctx = Invoked;

TEST_F(Ctx, CTX_01_ClosingFailsPendingRequestsWithDefunct)
{
    uint64_t registry = c.open(TEESIM_UID_LISTENER_REGISTRY);
    std::future<std::pair<int, int32_t>> relayed;
    {
        Listened l;
        relayed = registry_call(fd(), registry, TEESIM_REGISTRY_OP_RELAY, l.token);
        std::this_thread::sleep_for(std::chrono::milliseconds(100)); // queued on l's context
    } // closes l's context
    EXPECT_EQ(relayed.get(), std::make_pair(0, int32_t{QCOMTEE_MSG_ERROR_DEFUNCT}));
}

TEST_F(Ctx, CTX_02_ClosingGivesUpEveryIdItHolds)
{
    uint32_t baseline = 0;
    auto used = [&] {
        uint32_t info[6] = {};
        Invoke q(c.diagnostics, QCOMTEE_DIAGNOSTICS_OP_QUERY_HEAP_INFO, {ubuf_out(info, sizeof info)});
        EXPECT_EQ(q.call(fd()), 0);
        return info[1];
    };
    baseline = used();
    {
        Registration reg;
        uint64_t env = register_by_hand(reg);
        uint64_t loader = open_service(reg.fd, env, QCOMTEE_UID_APPLOADER);
        std::string image = "TAPP" + std::string(4000, 'x');
        Invoke load(loader, QCOMTEE_APPLOADER_OP_LOAD_FROM_BUFFER, {ubuf_in(image.data(), image.size()), obj_out()});
        ASSERT_EQ(load.call(reg.fd), 0);
        ASSERT_EQ(load.head.ret, 0u);
        EXPECT_GT(used(), baseline + 4000);
    } // closed with the client env, the loader and the app controller still held
    bool back = false;
    for (int i = 0; i < 100 && !back; ++i) {
        back = used() <= baseline;
        if (!back)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_TRUE(back) << "the secure world released what the context held";
}

TEST_F(Ctx, CTX_04_CallbackOfAClosedContextIsDefunct)
{
    uint64_t registry = c.open(TEESIM_UID_LISTENER_REGISTRY);
    uint32_t token;
    {
        Listened l;
        token = l.token;
    }
    EXPECT_EQ(registry_call(fd(), registry, TEESIM_REGISTRY_OP_RELAY, token).get(),
              std::make_pair(0, int32_t{QCOMTEE_MSG_ERROR_DEFUNCT}));
}

TEST_F(Ctx, ASY_01_ReleaseArrivesWithAnotherContextsInvocation)
{
    Listened l;
    uint64_t registry = c.open(TEESIM_UID_LISTENER_REGISTRY);
    // Another context unregisters the listener: QTEE drops it, and the release rides on that
    // context's invocation; the owner's supplicant then gets the RELEASE notification.
    uint32_t token = l.token;
    Invoke unreg(registry, TEESIM_REGISTRY_OP_UNREGISTER, {ubuf_in(&token, 4)});
    ASSERT_EQ(unreg.call(fd()), 0);
    EXPECT_EQ(unreg.head.ret, 0u);
    Receiver rx;
    ASSERT_EQ(rx.recv(l.fd()), 0);
    EXPECT_EQ(rx.arg.first(), static_cast<uint32_t>(QCOMTEE_OBJREF_OP_RELEASE));
    EXPECT_EQ(rx.arg.param(0).a, Listened::kListener);
}

} // namespace

int main(int argc, char **argv)
{
    ::testing::InitGoogleTest(&argc, argv);
    ::testing::AddGlobalTestEnvironment(new sim_client::SimDaemon);
    return RUN_ALL_TESTS();
}
