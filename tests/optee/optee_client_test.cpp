// SPDX-License-Identifier: MIT
// The OP-TEE client library against teesim through the preload: what libteec does on the wire and
// what a GP client gets back, with trusted applications loaded by the supplicant from disk.
#include "optee_harness.h"

#include <future>
#include <grp.h>

namespace optee_test {
namespace {

using ClientTest = OpteeTest;

TEST_F(ClientTest, ContextFindsTheOpteeDevice)
{
    Context ctx;
    ASSERT_EQ(ctx.initialize(), TEEC_SUCCESS);
    EXPECT_TRUE(ctx.registers_memory());
    EXPECT_TRUE(ctx.accepts_null_memref());
    EXPECT_EQ(ctx.initialize(), TEEC_ERROR_BAD_PARAMETERS) << "a context is initialised once";
    ctx.finalize();
    EXPECT_EQ(ctx.initialize("optee-tz"), TEEC_SUCCESS) << "OP-TEE on TrustZone answers to its name";
    ctx.finalize();
    EXPECT_EQ(ctx.initialize("another-tee"), TEEC_ERROR_ITEM_NOT_FOUND);
}

TEST_F(ClientTest, HelloWorldCountsUpAndDown)
{
    start();
    Context ctx;
    initialize(ctx);
    Session session;
    ASSERT_TRUE(session.open(ctx, uuid_of(kHelloWorldUuid)).ok());
    Operation op;
    op.value(0, ParamType::ValueInout, 42, 7);
    Result r = session.invoke(kHelloWorldCmdInc, &op);
    ASSERT_TRUE(r.ok()) << describe(r);
    EXPECT_EQ(op.params[0].value.a, 43u);
    EXPECT_EQ(op.params[0].value.b, 7u) << "the TA leaves b alone";
    r = session.invoke(kHelloWorldCmdDec, &op);
    ASSERT_TRUE(r.ok()) << describe(r);
    EXPECT_EQ(op.params[0].value.a, 42u);
}

TEST_F(ClientTest, TrustedApplicationErrorsComeFromIt)
{
    start();
    Context ctx;
    initialize(ctx);
    Session session;
    ASSERT_TRUE(session.open(ctx, uuid_of(kHelloWorldUuid)).ok());
    Operation op;
    op.value(0, ParamType::ValueInput, 42); // INC wants VALUE_INOUT
    const Result r = session.invoke(kHelloWorldCmdInc, &op);
    EXPECT_EQ(r.code, TEEC_ERROR_BAD_PARAMETERS) << describe(r);
    EXPECT_EQ(r.origin, TEEC_ORIGIN_TRUSTED_APP);
}

TEST_F(ClientTest, ParameterErrorsStopBeforeTheDriver)
{
    start();
    Context ctx;
    initialize(ctx);
    Session session;
    ASSERT_TRUE(session.open(ctx, uuid_of(kWorkloadUuid)).ok());
    SharedMemory shm;
    ASSERT_EQ(shm.allocate(ctx, 64, kMemInput), TEEC_SUCCESS);

    Operation bad_type;
    bad_type.types[0] = static_cast<ParamType>(4);
    Result r = session.invoke(kWorkloadCmdEcho, &bad_type);
    EXPECT_EQ(r.code, TEEC_ERROR_BAD_PARAMETERS);
    EXPECT_EQ(r.origin, TEEC_ORIGIN_API);

    Operation beyond;
    beyond.partial(0, ParamType::MemrefPartialInput, shm, 32, 64);
    r = session.invoke(kWorkloadCmdEcho, &beyond);
    EXPECT_EQ(r.code, TEEC_ERROR_BAD_PARAMETERS) << "a range beyond the shm";
    EXPECT_EQ(r.origin, TEEC_ORIGIN_API);

    Operation wrong_direction;
    wrong_direction.partial(0, ParamType::MemrefPartialOutput, shm, 0, 8);
    r = session.invoke(kWorkloadCmdEcho, &wrong_direction);
    EXPECT_EQ(r.code, TEEC_ERROR_BAD_PARAMETERS) << "an output range of an input-only shm";
    EXPECT_EQ(r.origin, TEEC_ORIGIN_API);

    Operation null_with_size;
    null_with_size.temp(0, ParamType::MemrefTempInput, nullptr, 8);
    r = session.invoke(kWorkloadCmdEcho, &null_with_size);
    EXPECT_EQ(r.code, TEEC_ERROR_BAD_PARAMETERS);
    EXPECT_EQ(r.origin, TEEC_ORIGIN_API);

    SharedMemory unflagged;
    EXPECT_EQ(unflagged.allocate(ctx, 64, 0), TEEC_ERROR_BAD_PARAMETERS);
    EXPECT_EQ(unflagged.allocate(ctx, 64, 4), TEEC_ERROR_BAD_PARAMETERS);
}

TEST_F(ClientTest, DriverRefusalsAreCommsErrors)
{
    start();
    Context ctx;
    initialize(ctx);
    // The APPLICATION logins are not supported by the driver: EINVAL.
    Session application;
    Result r = application.open(ctx, uuid_of(kHelloWorldUuid), Login::Application);
    EXPECT_EQ(r.code, TEEC_ERROR_BAD_PARAMETERS) << describe(r);
    EXPECT_EQ(r.origin, TEEC_ORIGIN_COMMS);
    EXPECT_FALSE(application.is_open());

    // A group the caller is not in: EPERM, which libteec reports as GENERIC.
    gid_t foreign = 54321;
    while (getegid() == foreign || getgrgid(foreign) != nullptr)
        ++foreign;
    Session group;
    r = group.open(ctx, uuid_of(kHelloWorldUuid), Login::Group, foreign);
    EXPECT_EQ(r.code, TEEC_ERROR_GENERIC) << describe(r);
    EXPECT_EQ(r.origin, TEEC_ORIGIN_COMMS);

    // The caller's own user and group are fine.
    Session user;
    r = user.open(ctx, uuid_of(kHelloWorldUuid), Login::User);
    EXPECT_TRUE(r.ok()) << describe(r);
    Session own_group;
    r = own_group.open(ctx, uuid_of(kHelloWorldUuid), Login::Group, getegid());
    EXPECT_TRUE(r.ok()) << describe(r);
}

TEST_F(ClientTest, SharedMemoryIsRegisteredHeapMemory)
{
    start();
    Context ctx;
    initialize(ctx);
    Session session;
    ASSERT_TRUE(session.open(ctx, uuid_of(kWorkloadUuid)).ok());

    SharedMemory allocated;
    ASSERT_EQ(allocated.allocate(ctx, 1000, kMemInput | kMemOutput), TEEC_SUCCESS);
    EXPECT_GE(allocated.id(), 0);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(allocated.buffer()) % 4096, 0u) << "page-aligned heap memory";
    EXPECT_EQ(allocated.shadow(), nullptr) << "registered in place";

    std::vector<uint8_t> mine(300);
    for (size_t i = 0; i < mine.size(); ++i)
        mine[i] = static_cast<uint8_t>(i);
    SharedMemory registered;
    ASSERT_EQ(registered.register_memory(ctx, mine.data(), mine.size(), kMemInput), TEEC_SUCCESS);
    EXPECT_EQ(registered.buffer(), mine.data());
    EXPECT_NE(registered.id(), allocated.id());

    // The TA reads the client's buffer and writes into the allocated one at an offset.
    Operation op;
    op.whole(0, registered).partial(1, ParamType::MemrefPartialOutput, allocated, 500, 300);
    const Result r = session.invoke(kWorkloadCmdEcho, &op);
    ASSERT_TRUE(r.ok()) << describe(r);
    EXPECT_EQ(op.params[1].memref.size, 300u);
    EXPECT_EQ(std::memcmp(allocated.bytes().data() + 500, mine.data(), mine.size()), 0);
    registered.release();
    allocated.release();
    EXPECT_FALSE(allocated.active());
}

TEST_F(ClientTest, ShortBufferLeavesTheSizeNeeded)
{
    start();
    Context ctx;
    initialize(ctx);
    Session session;
    ASSERT_TRUE(session.open(ctx, uuid_of(kWorkloadUuid)).ok());
    std::string text = "the size comes back with SHORT_BUFFER";
    std::vector<char> out(8, 'x');
    Operation op;
    op.temp(0, ParamType::MemrefTempInput, text.data(), text.size());
    op.temp(1, ParamType::MemrefTempOutput, out.data(), out.size());
    Result r = session.invoke(kWorkloadCmdEcho, &op);
    EXPECT_EQ(r.code, TEEC_ERROR_SHORT_BUFFER) << describe(r);
    EXPECT_EQ(r.origin, TEEC_ORIGIN_TRUSTED_APP);
    EXPECT_EQ(op.params[1].tmpref.size, text.size());

    // A NULL output (MEMREF_NULL): still the size.
    op.temp(1, ParamType::MemrefTempOutput, nullptr, 0);
    r = session.invoke(kWorkloadCmdEcho, &op);
    EXPECT_EQ(r.code, TEEC_ERROR_SHORT_BUFFER) << describe(r);
    EXPECT_EQ(op.params[1].tmpref.size, text.size());

    out.assign(op.params[1].tmpref.size, 0);
    op.temp(1, ParamType::MemrefTempOutput, out.data(), out.size());
    r = session.invoke(kWorkloadCmdEcho, &op);
    ASSERT_TRUE(r.ok()) << describe(r);
    EXPECT_EQ(std::string(out.begin(), out.end()), text);
}

TEST_F(ClientTest, CancellationEndsASleep)
{
    start();
    Context ctx;
    initialize(ctx);
    Session session;
    ASSERT_TRUE(session.open(ctx, uuid_of(kWorkloadUuid)).ok());
    Operation op;
    op.value(0, ParamType::ValueInput, 30000);
    EXPECT_FALSE(request_cancellation(op)) << "nothing to cancel before the invoke";
    const auto begin = std::chrono::steady_clock::now();
    auto sleeping = std::async(std::launch::async, [&] { return session.invoke(kWorkloadCmdSleep, &op); });
    int sent = 0;
    while (sleeping.wait_for(std::chrono::milliseconds(sent ? 1000 : 1)) != std::future_status::ready) {
        ASSERT_LT(std::chrono::steady_clock::now() - begin, std::chrono::seconds(15)) << "not cancelled";
        sent += request_cancellation(op);
    }
    const Result r = sleeping.get();
    EXPECT_EQ(r.code, TEEC_ERROR_CANCEL) << describe(r);
    EXPECT_GE(sent, 1);
    EXPECT_FALSE(request_cancellation(op)) << "nothing to cancel after the invoke";
}

} // namespace
} // namespace optee_test
