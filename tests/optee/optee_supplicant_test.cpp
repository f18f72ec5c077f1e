// SPDX-License-Identifier: MIT
// teescope-optee-supplicant against teesim: TAs loaded from its directory, secure storage in its
// root, the services it refuses, one supplicant at a time, and what a call sees when the
// supplicant is missing or dies under it.
#include "optee_harness.h"

#include <sys/stat.h>
#include <sys/syscall.h>

#include <fstream>
#include <future>
#include <map>

namespace optee_test {
namespace {

using SupplicantTest = OpteeTest;

std::vector<std::string> files_under(const std::string &dir)
{
    std::vector<std::string> files;
    std::error_code ec;
    for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec))
        if (it->is_regular_file())
            files.push_back(it->path().lexically_relative(dir).string());
    return files;
}

// Waits until a thread of `pid` is blocked in system call `number` (/proc/PID/task/TID/syscall
// starts with the number of the call a blocked thread is in).
bool wait_for_syscall(pid_t pid, long number, std::chrono::seconds timeout)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    const std::string tasks = "/proc/" + std::to_string(pid) + "/task";
    while (std::chrono::steady_clock::now() < deadline) {
        std::error_code ec;
        for (const auto &t : std::filesystem::directory_iterator(tasks, ec)) {
            std::ifstream in(t.path() / "syscall");
            long current = -1;
            if (in >> current && current == number)
                return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return false;
}

Result open_hello_world(Context &ctx, Session &session)
{
    return session.open(ctx, uuid_of(kHelloWorldUuid));
}

TEST_F(SupplicantTest, LoadsTrustedApplicationsFromItsDirectory)
{
    start();
    Context ctx;
    initialize(ctx);
    Session session;
    const Result r = open_hello_world(ctx, session);
    ASSERT_TRUE(r.ok()) << describe(r);
    Operation op;
    op.value(0, ParamType::ValueInout, 42);
    ASSERT_TRUE(session.invoke(kHelloWorldCmdInc, &op).ok());
    EXPECT_EQ(op.params[0].value.a, 43u);
}

TEST_F(SupplicantTest, MissingImageIsItemNotFoundFromTheTee)
{
    std::filesystem::remove(ta_dir + "/" + ta_file_name(kPanicUuid));
    start();
    Context ctx;
    initialize(ctx);
    Session panic;
    const Result r = panic.open(ctx, uuid_of(kPanicUuid));
    EXPECT_EQ(r.code, TEEC_ERROR_ITEM_NOT_FOUND) << describe(r);
    EXPECT_EQ(r.origin, TEEC_ORIGIN_TEE);
    EXPECT_FALSE(panic.is_open());
    Session hello;
    EXPECT_TRUE(open_hello_world(ctx, hello).ok()) << "the other images are still served";
}

TEST_F(SupplicantTest, CorruptImageIsRefusedBySecureWorld)
{
    // The supplicant serves whatever the file holds; the secure world checks the signed header.
    const std::string path = ta_dir + "/" + ta_file_name(kHelloWorldUuid);
    std::filesystem::resize_file(path, std::filesystem::file_size(path) - 1);
    start();
    Context ctx;
    initialize(ctx);
    Session session;
    const Result r = open_hello_world(ctx, session);
    EXPECT_EQ(r.code, TEEC_ERROR_SECURITY) << describe(r);
    EXPECT_EQ(r.origin, TEEC_ORIGIN_TEE);
}

TEST_F(SupplicantTest, SecureStorageLivesInItsRoot)
{
    start();
    EXPECT_FALSE(std::filesystem::exists(fs_dir)) << "the root is made at the first FS request";
    Context ctx;
    initialize(ctx);
    Session session;
    ASSERT_TRUE(session.open(ctx, uuid_of(kSecureStorageUuid)).ok());
    std::string id = "test-object";
    std::string data(5000, 'q');
    Operation write;
    write.temp(0, ParamType::MemrefTempInput, id.data(), id.size());
    write.temp(1, ParamType::MemrefTempInput, data.data(), data.size());
    Result r = session.invoke(kSecureStorageCmdWriteRaw, &write);
    ASSERT_TRUE(r.ok()) << describe(r);
    struct stat st {
    };
    ASSERT_EQ(stat(fs_dir.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u);
    const auto files = files_under(fs_dir);
    EXPECT_FALSE(files.empty()) << "the object is stored in files under the root";

    std::string back(data.size(), '\0');
    Operation read;
    read.temp(0, ParamType::MemrefTempInput, id.data(), id.size());
    read.temp(1, ParamType::MemrefTempOutput, back.data(), back.size());
    r = session.invoke(kSecureStorageCmdReadRaw, &read);
    ASSERT_TRUE(r.ok()) << describe(r);
    EXPECT_EQ(back, data);

    Operation remove;
    remove.temp(0, ParamType::MemrefTempInput, id.data(), id.size());
    ASSERT_TRUE(session.invoke(kSecureStorageCmdDelete, &remove).ok());
    r = session.invoke(kSecureStorageCmdReadRaw, &read);
    EXPECT_EQ(r.code, TEEC_ERROR_ITEM_NOT_FOUND) << describe(r);
    EXPECT_LT(files_under(fs_dir).size(), files.size() + 1) << "no file is left over from the object";
}

TEST_F(SupplicantTest, UnwritableStorageRootIsNotAvailable)
{
    // A file where the root should be: it cannot be made.
    {
        std::ofstream(fs_dir) << "in the way";
    }
    start();
    Context ctx;
    initialize(ctx);
    Session session;
    ASSERT_TRUE(session.open(ctx, uuid_of(kSecureStorageUuid)).ok());
    std::string id = "object", data = "data";
    Operation write;
    write.temp(0, ParamType::MemrefTempInput, id.data(), id.size());
    write.temp(1, ParamType::MemrefTempInput, data.data(), data.size());
    const Result r = session.invoke(kSecureStorageCmdWriteRaw, &write);
    EXPECT_FALSE(r.ok()) << "storage without a root";
}

TEST_F(SupplicantTest, ProfilingOutputGoesToFiles)
{
    start();
    Context ctx;
    initialize(ctx);
    Session session;
    ASSERT_TRUE(session.open(ctx, uuid_of(kSuppServicesUuid)).ok());
    Result r = session.invoke(kSuppServicesCmdGprof);
    EXPECT_TRUE(r.ok()) << "GPROF: " << describe(r);
    r = session.invoke(kSuppServicesCmdFtrace);
    EXPECT_TRUE(r.ok()) << "FTRACE: " << describe(r);
    r = session.invoke(kSuppServicesCmdGprof);
    EXPECT_TRUE(r.ok()) << "a second GPROF run: " << describe(r);
    // One file per run and kind, named after the TA: "<prefix><uuid>[.N].out", the data as sent.
    std::map<std::string, int> runs;
    for (const auto &f : files_under(prof_dir)) {
        const std::string kind = f.substr(0, f.find('-') + 1);
        EXPECT_TRUE(kind == "gmon-" || kind == "ftrace-") << f;
        EXPECT_EQ(f.substr(f.size() - 4), ".out") << f;
        EXPECT_EQ(std::filesystem::file_size(prof_dir + "/" + f), 256u) << f;
        ++runs[kind];
    }
    EXPECT_EQ(runs["gmon-"], 2);
    EXPECT_EQ(runs["ftrace-"], 1);
}

TEST_F(SupplicantTest, RefusedServicesAreNotSupported)
{
    start();
    Context ctx;
    initialize(ctx);
    Session session;
    ASSERT_TRUE(session.open(ctx, uuid_of(kSuppServicesUuid)).ok());
    for (uint32_t cmd : {kSuppServicesCmdRpmb, kSuppServicesCmdSocket, kSuppServicesCmdPlugin}) {
        Operation op;
        op.value(0, ParamType::ValueInput, 1);
        const Result r = session.invoke(cmd, cmd == kSuppServicesCmdRpmb ? nullptr : &op);
        EXPECT_EQ(r.code, TEEC_ERROR_NOT_SUPPORTED) << "command " << cmd << ": " << describe(r);
    }
}

TEST_F(SupplicantTest, OnlyOneSupplicantAtATime)
{
    start();
    try {
        SupplicantProcess second(supplicant_executable(), ta_dir, fs_dir);
        ADD_FAILURE() << "a second supplicant opened the device";
    } catch (const SupplicantFailed &e) {
        EXPECT_EQ(e.status, 1) << e.what();
    }
    errno = 0;
    const int fd = open("/dev/teepriv0", O_RDWR);
    EXPECT_EQ(fd, -1);
    EXPECT_EQ(errno, EBUSY);
    if (fd >= 0)
        close(fd);
    // The first one still serves.
    Context ctx;
    initialize(ctx);
    Session session;
    EXPECT_TRUE(open_hello_world(ctx, session).ok());
}

TEST_F(SupplicantTest, ThreadsAreAddedWhenNoneWaits)
{
    start();
    Context ctx;
    initialize(ctx);
    Session session;
    ASSERT_TRUE(open_hello_world(ctx, session).ok());
    // The main thread, the first request thread, and the one it added when it took a request.
    const std::string tasks = "/proc/" + std::to_string(supplicant->pid()) + "/task";
    size_t threads = 0;
    for ([[maybe_unused]] const auto &t : std::filesystem::directory_iterator(tasks))
        ++threads;
    EXPECT_GE(threads, 3u);
}

// Tests that need a device no supplicant has opened yet: their own daemon (see CMakeLists.txt).
using FreshDeviceTest = OpteeTest;

TEST_F(FreshDeviceTest, CallWaitsForASupplicant)
{
    // No supplicant yet: the open waits in the driver until one serves its LOAD_TA.
    Context ctx;
    initialize(ctx);
    Session session;
    auto opening = std::async(std::launch::async, [&] { return open_hello_world(ctx, session); });
    EXPECT_EQ(opening.wait_for(std::chrono::milliseconds(0)), std::future_status::timeout);
    start();
    ASSERT_EQ(opening.wait_for(std::chrono::seconds(20)), std::future_status::ready);
    const Result r = opening.get();
    EXPECT_TRUE(r.ok()) << describe(r);
}

TEST_F(SupplicantTest, KilledSupplicantFailsTheWaitingCall)
{
    // The image is a FIFO that nobody writes: the supplicant's LOAD_TA blocks opening it.
    const std::string image = ta_dir + "/" + ta_file_name(kHelloWorldUuid);
    std::filesystem::remove(image);
    ASSERT_EQ(mkfifo(image.c_str(), 0600), 0);
    start();
    Context ctx;
    initialize(ctx);
    Session session;
    auto opening = std::async(std::launch::async, [&] { return open_hello_world(ctx, session); });
    // Once a supplicant thread sits in openat, it holds the LOAD_TA request of the open.
    ASSERT_TRUE(wait_for_syscall(supplicant->pid(), SYS_openat, std::chrono::seconds(20)))
        << "the supplicant never opened the image";
    EXPECT_EQ(opening.wait_for(std::chrono::milliseconds(0)), std::future_status::timeout);
    EXPECT_EQ(supplicant->kill(SIGKILL), 128 + SIGKILL);
    ASSERT_EQ(opening.wait_for(std::chrono::seconds(20)), std::future_status::ready)
        << "the call is failed when the supplicant's device is released";
    const Result r = opening.get();
    EXPECT_EQ(r.code, TEEC_ERROR_COMMUNICATION) << describe(r);
    EXPECT_EQ(r.origin, TEEC_ORIGIN_TEE);
}

} // namespace
} // namespace optee_test

int main(int argc, char **argv)
{
    ::testing::InitGoogleTest(&argc, argv);
    ::testing::AddGlobalTestEnvironment(new sim_client::SimDaemon);
    return RUN_ALL_TESTS();
}
