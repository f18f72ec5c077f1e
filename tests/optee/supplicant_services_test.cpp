// SPDX-License-Identifier: MIT
// The supplicant's services one request at a time, as the request loop hands them over: FS
// sub-commands the secure world rarely sends (RENAME, the directory ones), LOAD_TA's answers and
// the shm table, with shared memory made on the real supplicant device — registered heap memory
// and SHM_ALLOC + mmap both, the two ways a supplicant gets it.
#include "optee_harness.h"

#include "optee_supplicant/file_service.h"
#include "optee_supplicant/shm_table.h"
#include "optee_supplicant/ta_store.h"

#include <sys/stat.h>

namespace optee_test {
namespace {

using teescope::optee::supplicant::FileService;
using teescope::optee::supplicant::ShmTable;
using teescope::optee::supplicant::TaStore;

constexpr uint32_t kAccessConflict = 0xFFFF0003u;

tee_ioctl_param value(uint32_t type, uint64_t a = 0, uint64_t b = 0, uint64_t c = 0)
{
    return {type, a, b, c};
}

// The supplicant device for the test's own use: a test process is the supplicant here. The
// previous test's supplicant may still hold it a moment (teesim releases it asynchronously).
int open_supplicant_device()
{
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    for (;;) {
        const int fd = open("/dev/teepriv0", O_RDWR | O_CLOEXEC);
        if (fd >= 0 || errno != EBUSY || std::chrono::steady_clock::now() > deadline)
            return fd;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

class ServicesTest : public OpteeTest, public ::testing::WithParamInterface<bool>
{
  protected:
    void SetUp() override
    {
        OpteeTest::SetUp();
        device = open_supplicant_device();
        ASSERT_GE(device, 0) << strerror(errno);
        shm = std::make_unique<ShmTable>(device, GetParam());
        files = std::make_unique<FileService>(fs_dir, *shm);
    }
    void TearDown() override
    {
        files.reset();
        shm.reset();
        if (device >= 0)
            close(device);
        OpteeTest::TearDown();
    }

    // A memref of a fresh shm of ours holding `bytes` (the secure world's 350-byte name buffer
    // for names).
    tee_ioctl_param memref(uint32_t type, const std::string &bytes, size_t size = 0)
    {
        int32_t id = -1;
        const size_t n = size ? size : bytes.size() + 1;
        EXPECT_EQ(shm->allocate(n, id), TEEC_SUCCESS);
        tee_ioctl_param p{type, 0, n, static_cast<uint64_t>(id)};
        std::span<uint8_t> mem;
        EXPECT_EQ(shm->resolve(p, mem), ShmTable::Lookup::Found);
        std::fill(mem.begin(), mem.end(), 0);
        std::memcpy(mem.data(), bytes.data(), std::min(bytes.size(), mem.size()));
        return p;
    }
    tee_ioctl_param name(const std::string &text)
    {
        return memref(TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT, text, 350);
    }
    std::string text_of(const tee_ioctl_param &p)
    {
        std::span<uint8_t> mem;
        EXPECT_EQ(shm->resolve(p, mem), ShmTable::Lookup::Found);
        return std::string(reinterpret_cast<const char *>(mem.data()), mem.size());
    }

    uint32_t fs(std::vector<tee_ioctl_param> &params) { return files->serve(params); }

    // OPEN or CREATE: the descriptor, or -1.
    int64_t open_file(const std::string &file, bool create, uint32_t *ret = nullptr)
    {
        std::vector<tee_ioctl_param> p{
            value(TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT, create ? OPTEE_RPC_FS_CREATE : OPTEE_RPC_FS_OPEN),
            name(file), value(TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT)};
        const uint32_t r = fs(p);
        if (ret)
            *ret = r;
        return r == TEEC_SUCCESS ? static_cast<int64_t>(p[2].a) : -1;
    }
    uint32_t simple(uint32_t subcommand, uint64_t b = 0, uint64_t c = 0)
    {
        std::vector<tee_ioctl_param> p{value(TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT, subcommand, b, c)};
        return fs(p);
    }

    int device = -1;
    std::unique_ptr<ShmTable> shm;
    std::unique_ptr<FileService> files;
};

TEST_P(ServicesTest, FilesAreMadeWrittenReadAndRemovedUnderTheRoot)
{
    const int64_t fd = open_file("a/b/object", true);
    ASSERT_GE(fd, 0) << "CREATE makes the missing directories";
    struct stat st {
    };
    ASSERT_EQ(stat((fs_dir + "/a/b").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u);

    std::vector<tee_ioctl_param> write{
        value(TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT, OPTEE_RPC_FS_WRITE, fd, 4),
        memref(TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT, "payload", 7)};
    EXPECT_EQ(fs(write), TEEC_SUCCESS);
    std::vector<tee_ioctl_param> read{value(TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT, OPTEE_RPC_FS_READ, fd, 0),
                                      memref(TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_OUTPUT, "", 64)};
    EXPECT_EQ(fs(read), TEEC_SUCCESS);
    EXPECT_EQ(read[1].b, 11u) << "bytes read up to the end of the file";
    EXPECT_EQ(text_of(read[1]).substr(4, 7), "payload");
    EXPECT_EQ(simple(OPTEE_RPC_FS_TRUNCATE, fd, 2), TEEC_SUCCESS);
    EXPECT_EQ(std::filesystem::file_size(fs_dir + "/a/b/object"), 2u);
    EXPECT_EQ(simple(OPTEE_RPC_FS_CLOSE, fd), TEEC_SUCCESS);
    EXPECT_EQ(simple(OPTEE_RPC_FS_CLOSE, fd), TEEC_ERROR_BAD_PARAMETERS) << "a descriptor it no longer holds";

    const int64_t again = open_file("a/b/object", false);
    EXPECT_GE(again, 0);
    EXPECT_EQ(simple(OPTEE_RPC_FS_CLOSE, again), TEEC_SUCCESS);
    uint32_t ret = 0;
    EXPECT_EQ(open_file("a/b/missing", false, &ret), -1);
    EXPECT_EQ(ret, TEEC_ERROR_ITEM_NOT_FOUND);

    std::vector<tee_ioctl_param> remove{value(TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT, OPTEE_RPC_FS_REMOVE),
                                        name("a/b/object")};
    EXPECT_EQ(fs(remove), TEEC_SUCCESS);
    EXPECT_FALSE(std::filesystem::exists(fs_dir + "/a")) << "emptied directories go with the file";
    EXPECT_TRUE(std::filesystem::exists(fs_dir)) << "the root stays";
    EXPECT_EQ(fs(remove), TEEC_ERROR_ITEM_NOT_FOUND);
}

TEST_P(ServicesTest, RenameRespectsOverwrite)
{
    for (const char *f : {"old", "taken"}) {
        const int64_t fd = open_file(f, true);
        ASSERT_GE(fd, 0);
        simple(OPTEE_RPC_FS_CLOSE, fd);
    }
    std::vector<tee_ioctl_param> keep{value(TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT, OPTEE_RPC_FS_RENAME, 0),
                                      name("old"), name("taken")};
    EXPECT_EQ(fs(keep), kAccessConflict);
    std::vector<tee_ioctl_param> overwrite{
        value(TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT, OPTEE_RPC_FS_RENAME, 1), name("old"), name("taken")};
    EXPECT_EQ(fs(overwrite), TEEC_SUCCESS);
    EXPECT_FALSE(std::filesystem::exists(fs_dir + "/old"));
    EXPECT_EQ(fs(overwrite), TEEC_ERROR_ITEM_NOT_FOUND);
}

TEST_P(ServicesTest, DirectoriesAreListedByHandle)
{
    for (const char *f : {"dir/entry-one", "dir/entry-two"}) {
        const int64_t fd = open_file(f, true);
        ASSERT_GE(fd, 0);
        simple(OPTEE_RPC_FS_CLOSE, fd);
    }
    ASSERT_TRUE(std::filesystem::create_directory(fs_dir + "/empty"));
    std::vector<tee_ioctl_param> empty{value(TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT, OPTEE_RPC_FS_OPENDIR),
                                       name("empty"), value(TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT)};
    EXPECT_EQ(fs(empty), TEEC_ERROR_ITEM_NOT_FOUND) << "an empty directory reads as a missing one";

    std::vector<tee_ioctl_param> open_dir{value(TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT, OPTEE_RPC_FS_OPENDIR),
                                          name("dir"), value(TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT)};
    ASSERT_EQ(fs(open_dir), TEEC_SUCCESS);
    const uint64_t handle = open_dir[2].a;
    EXPECT_EQ(handle, 0u) << "the lowest free handle";

    std::vector<std::string> names;
    for (;;) {
        std::vector<tee_ioctl_param> small{
            value(TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT, OPTEE_RPC_FS_READDIR, handle),
            memref(TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_OUTPUT, "", 4)};
        const uint32_t r = fs(small);
        if (r == TEEC_ERROR_ITEM_NOT_FOUND)
            break;
        ASSERT_EQ(r, TEEC_ERROR_SHORT_BUFFER);
        EXPECT_EQ(small[1].b, std::string("entry-one").size() + 1) << "the size with its NUL";
        std::vector<tee_ioctl_param> big{
            value(TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT, OPTEE_RPC_FS_READDIR, handle),
            memref(TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_OUTPUT, "", 64)};
        ASSERT_EQ(fs(big), TEEC_SUCCESS) << "the refused name is offered again";
        names.push_back(text_of(big[1]).c_str());
    }
    std::sort(names.begin(), names.end());
    EXPECT_EQ(names, (std::vector<std::string>{"entry-one", "entry-two"}));
    EXPECT_EQ(simple(OPTEE_RPC_FS_CLOSEDIR, handle), TEEC_SUCCESS);
    EXPECT_EQ(simple(OPTEE_RPC_FS_CLOSEDIR, handle), TEEC_ERROR_BAD_PARAMETERS);
}

TEST_P(ServicesTest, NamesStayInsideTheRootAndInOurShm)
{
    uint32_t ret = 0;
    EXPECT_EQ(open_file("../escape", true, &ret), -1);
    EXPECT_EQ(ret, TEEC_ERROR_BAD_PARAMETERS);
    EXPECT_EQ(open_file("a/../../escape", true, &ret), -1);
    EXPECT_EQ(ret, TEEC_ERROR_BAD_PARAMETERS);
    EXPECT_FALSE(std::filesystem::exists(dir.path() + "/escape"));

    // Not NUL-terminated within the memref.
    std::vector<tee_ioctl_param> unterminated{
        value(TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT, OPTEE_RPC_FS_CREATE),
        memref(TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT, "abcd", 4),
        value(TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT)};
    EXPECT_EQ(fs(unterminated), TEEC_ERROR_BAD_PARAMETERS);
    // A range beyond the shm, and a shm that is not ours.
    std::vector<tee_ioctl_param> beyond{value(TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT, OPTEE_RPC_FS_CREATE),
                                        name("x"), value(TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT)};
    beyond[1].a = 300;
    EXPECT_EQ(fs(beyond), TEEC_ERROR_BAD_PARAMETERS);
    beyond[1].a = 0;
    beyond[1].c = 999;
    EXPECT_EQ(fs(beyond), TEEC_ERROR_BAD_PARAMETERS);
    // Types are checked exactly.
    std::vector<tee_ioctl_param> wrong{value(TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT, OPTEE_RPC_FS_OPEN),
                                       name("x"), value(TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT)};
    EXPECT_EQ(fs(wrong), TEEC_ERROR_BAD_PARAMETERS);
    EXPECT_EQ(simple(99), TEEC_ERROR_BAD_PARAMETERS) << "an unknown sub-command";
}

TEST_P(ServicesTest, LoadTaAnswersSizeThenImage)
{
    TaStore store({dir.path() + "/nowhere", ta_dir}, *shm);
    const auto octets = kHelloWorldUuid;
    uint64_t a = 0, b = 0;
    std::memcpy(&a, octets.data(), 8);
    std::memcpy(&b, octets.data() + 8, 8);
    const auto size = std::filesystem::file_size(ta_dir + "/" + ta_file_name(kHelloWorldUuid));

    std::vector<tee_ioctl_param> query{value(TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT, a, b),
                                       {TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_OUTPUT, 0, 0, TEE_MEMREF_NULL}};
    EXPECT_EQ(store.load(query), TEEC_SUCCESS);
    EXPECT_EQ(query[1].b, size) << "the size, from the second directory";

    std::vector<tee_ioctl_param> small{value(TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT, a, b),
                                       memref(TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_OUTPUT, "", size - 1)};
    EXPECT_EQ(store.load(small), TEEC_ERROR_SHORT_BUFFER);
    EXPECT_EQ(small[1].b, size);

    std::vector<tee_ioctl_param> load{value(TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT, a, b),
                                      memref(TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_OUTPUT, "", size)};
    EXPECT_EQ(store.load(load), TEEC_SUCCESS);
    const std::string image = text_of(load[1]);
    EXPECT_EQ(check_ta_image(std::span(reinterpret_cast<const uint8_t *>(image.data()), image.size()),
                             kHelloWorldUuid),
              TEEC_SUCCESS)
        << "the image arrives intact";

    std::vector<tee_ioctl_param> input{value(TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT, a, b),
                                       {TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT, 0, 0, TEE_MEMREF_NULL}};
    EXPECT_EQ(store.load(input), TEEC_ERROR_BAD_PARAMETERS) << "an input memref outside our shm";
    std::vector<tee_ioctl_param> missing{value(TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT, ~a, b), query[1]};
    EXPECT_EQ(store.load(missing), TEEC_ERROR_ITEM_NOT_FOUND);
}

TEST_P(ServicesTest, ShmIsFreedOnlyOnce)
{
    int32_t id = -1;
    ASSERT_EQ(shm->allocate(100, id), TEEC_SUCCESS);
    EXPECT_GE(id, 1);
    std::span<uint8_t> mem;
    EXPECT_EQ(shm->resolve({TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INOUT, 40, 60, static_cast<uint64_t>(id)}, mem),
              ShmTable::Lookup::Found);
    EXPECT_EQ(mem.size(), 60u);
    EXPECT_EQ(shm->resolve({TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INOUT, 41, 60, static_cast<uint64_t>(id)}, mem),
              ShmTable::Lookup::OutOfRange);
    EXPECT_EQ(shm->free(id), TEEC_SUCCESS);
    EXPECT_EQ(shm->free(id), TEEC_ERROR_BAD_PARAMETERS);
    EXPECT_EQ(shm->resolve({TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INOUT, 0, 1, static_cast<uint64_t>(id)}, mem),
              ShmTable::Lookup::NotOurs);
}

INSTANTIATE_TEST_SUITE_P(Shm, ServicesTest, ::testing::Values(true, false),
                         [](const auto &info) { return info.param ? "registered" : "allocated"; });

} // namespace
} // namespace optee_test
