// SPDX-License-Identifier: MIT
// scenario_optee_clean: well-behaved OP-TEE clients, each its own process, with the supplicant as
// another. Two hello_world clients count 42 → 43 → 42 (INC, DEC) a few times; an echo client
// has the workload TA copy bytes through every kind of memref: allocated shared memory (whole and
// partial), temporary memrefs, a registered client buffer, and an output too small at first
// (SHORT_BUFFER, the size needed, then a retry). Every session is closed, every shm released,
// every context finalized.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "scenarios/common.h"
#include "scenarios/optee.h"

using namespace teescope;
using namespace teescope::optee;
using namespace teescope::scenarios;

namespace {

int hello_world_client(uint64_t rounds)
{
    Context ctx;
    initialize(ctx);
    Session session;
    open_session(session, ctx, kHelloWorldUuid);
    for (uint64_t i = 0; i < rounds; ++i) {
        Operation op;
        op.value(0, ParamType::ValueInout, 42);
        expect_success(session.invoke(kHelloWorldCmdInc, &op), "hello_world INC");
        check(op.params[0].value.a == 43,
              "hello_world INC of 42 gave " + std::to_string(op.params[0].value.a));
        expect_success(session.invoke(kHelloWorldCmdDec, &op), "hello_world DEC");
        check(op.params[0].value.a == 42,
              "hello_world DEC of 43 gave " + std::to_string(op.params[0].value.a));
    }
    session.close();
    ctx.finalize();
    std::printf("%s: 42 -> 43 -> 42, %llu times\n", program().c_str(),
                static_cast<unsigned long long>(rounds));
    return 0;
}

std::vector<uint8_t> pattern(size_t size, uint8_t seed)
{
    std::vector<uint8_t> bytes(size);
    for (size_t i = 0; i < size; ++i)
        bytes[i] = static_cast<uint8_t>(seed + i * 7);
    return bytes;
}

// ECHO through two allocated shm, whole: the output's size is what was copied.
void echo_whole(Session &session, Context &ctx)
{
    SharedMemory in, out;
    expect_code(in.allocate(ctx, 256, kMemInput), "allocating the input shm");
    expect_code(out.allocate(ctx, 256, kMemOutput), "allocating the output shm");
    const auto data = pattern(256, 1);
    std::memcpy(in.buffer(), data.data(), data.size());
    Operation op;
    op.whole(0, in).whole(1, out);
    expect_success(session.invoke(kWorkloadCmdEcho, &op), "ECHO between whole shm");
    check(op.params[1].memref.size == 256,
          "ECHO reports " + std::to_string(op.params[1].memref.size) + " bytes");
    check(std::memcmp(out.buffer(), data.data(), data.size()) == 0,
          "ECHO between whole shm copied other bytes");
    in.release();
    out.release();
}

// ECHO between two ranges of one input-output shm.
void echo_partial(Session &session, Context &ctx)
{
    SharedMemory shm;
    expect_code(shm.allocate(ctx, 4096, kMemInput | kMemOutput), "allocating a shm");
    const auto data = pattern(64, 9);
    std::memset(shm.buffer(), 0, shm.size());
    std::memcpy(shm.bytes().data() + 100, data.data(), data.size());
    Operation op;
    op.partial(0, ParamType::MemrefPartialInput, shm, 100, 64);
    op.partial(1, ParamType::MemrefPartialOutput, shm, 2048, 64);
    expect_success(session.invoke(kWorkloadCmdEcho, &op), "ECHO between partial memrefs");
    check(op.params[1].memref.size == 64,
          "ECHO into a partial memref reports " + std::to_string(op.params[1].memref.size) + " bytes");
    check(std::memcmp(shm.bytes().data() + 2048, data.data(), data.size()) == 0,
          "ECHO between partial memrefs copied other bytes");
    shm.release();
}

// ECHO between temporary memrefs; the output first too small.
void echo_temp(Session &session)
{
    const auto data = pattern(100, 3);
    std::vector<uint8_t> small(10);
    Operation op;
    op.temp(0, ParamType::MemrefTempInput, const_cast<uint8_t *>(data.data()), data.size());
    op.temp(1, ParamType::MemrefTempOutput, small.data(), small.size());
    expect_result(session.invoke(kWorkloadCmdEcho, &op), TEEC_ERROR_SHORT_BUFFER, TEEC_ORIGIN_TRUSTED_APP,
                  "ECHO into a 10-byte buffer");
    check(op.params[1].tmpref.size == data.size(),
          "SHORT_BUFFER asks for " + std::to_string(op.params[1].tmpref.size) + " bytes, not 100");
    std::vector<uint8_t> out(op.params[1].tmpref.size);
    op.temp(1, ParamType::MemrefTempOutput, out.data(), out.size());
    expect_success(session.invoke(kWorkloadCmdEcho, &op), "ECHO retried with the size asked for");
    check(out == data, "ECHO between temporary memrefs copied other bytes");
}

// ECHO from the client's own buffer, registered as shared memory.
void echo_registered(Session &session, Context &ctx)
{
    auto data = pattern(512, 5);
    SharedMemory in;
    expect_code(in.register_memory(ctx, data.data(), data.size(), kMemInput), "registering a client buffer");
    std::vector<uint8_t> out(512);
    Operation op;
    op.whole(0, in).temp(1, ParamType::MemrefTempOutput, out.data(), out.size());
    expect_success(session.invoke(kWorkloadCmdEcho, &op), "ECHO from a registered buffer");
    check(out == data, "ECHO from a registered buffer copied other bytes");
    in.release();
}

int echo_client()
{
    Context ctx;
    initialize(ctx);
    Session session;
    open_session(session, ctx, kWorkloadUuid);
    echo_whole(session, ctx);
    echo_partial(session, ctx);
    echo_temp(session);
    echo_registered(session, ctx);
    session.close();
    ctx.finalize();
    std::printf("%s: ECHO through whole, partial, temporary and registered memrefs; SHORT_BUFFER retried\n",
                program().c_str());
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    set_program("scenario_optee_clean");
    const std::string supplicant = take_supplicant_option(argc, argv);
    uint64_t rounds = 3;
    if (!parse_options(
            argc, argv,
            "Well-behaved OP-TEE clients (hello_world, workload ECHO) with teescope-optee-supplicant "
            "(--supplicant PATH).",
            {{"--rounds", &rounds, "INC/DEC rounds of each hello_world client"}}))
        return 0;
    return run_main("scenario_optee_clean", [&] {
        OpteeWorld world(supplicant);
        const pid_t first = spawn("hello_world-1", [&] { return hello_world_client(rounds); });
        const pid_t second = spawn("hello_world-2", [&] { return hello_world_client(rounds); });
        const pid_t echo = spawn("echo", [] { return echo_client(); });
        expect_success(first, "the first hello_world client");
        expect_success(second, "the second hello_world client");
        expect_success(echo, "the echo client");
        world.supplicant().stop();
        std::printf("scenario_optee_clean: every session closed, every shm released\n");
    });
}
