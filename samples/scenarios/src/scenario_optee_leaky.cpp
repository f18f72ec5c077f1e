// SPDX-License-Identifier: MIT
// scenario_optee_leaky: the OP-TEE leaks teescope reports. A "quitter" process opens sessions with
// hello_world and workload, allocates and registers shared memory, uses them and exits without
// closing or releasing anything: the driver closes its sessions when the context is released at
// exit. A "holder" process keeps a workload session and its shm and is still alive when the
// recording stops (it waits up to --hold-seconds, in the same process group, so the recorder
// ends it).
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "scenarios/common.h"
#include "scenarios/optee.h"

using namespace teescope;
using namespace teescope::optee;
using namespace teescope::scenarios;

namespace {

// One ECHO of `shm` into a temporary buffer.
void echo_once(Session &session, SharedMemory &shm, const std::string &who)
{
    std::memset(shm.buffer(), 0x5a, shm.size());
    std::vector<uint8_t> out(shm.size());
    Operation op;
    op.whole(0, shm).temp(1, ParamType::MemrefTempOutput, out.data(), out.size());
    expect_success(session.invoke(kWorkloadCmdEcho, &op), who + ": ECHO");
    check(out == std::vector<uint8_t>(shm.size(), 0x5a), who + ": ECHO copied other bytes");
}

int quitter()
{
    auto *ctx = new Context(); // never finalized: the process exit releases it
    initialize(*ctx);
    auto *hello = new Session();
    open_session(*hello, *ctx, kHelloWorldUuid);
    Operation op;
    op.value(0, ParamType::ValueInout, 7);
    expect_success(hello->invoke(kHelloWorldCmdInc, &op), "quitter: hello_world INC");
    check(op.params[0].value.a == 8,
          "quitter: hello_world INC of 7 gave " + std::to_string(op.params[0].value.a));
    auto *workload = new Session();
    open_session(*workload, *ctx, kWorkloadUuid);
    auto *allocated = new SharedMemory();
    expect_code(allocated->allocate(*ctx, 8192, kMemInput), "quitter: allocating a shm");
    echo_once(*workload, *allocated, "quitter");
    static std::vector<uint8_t> buffer(4096, 1);
    auto *registered = new SharedMemory();
    expect_code(registered->register_memory(*ctx, buffer.data(), buffer.size(), kMemInput),
                "quitter: registering a buffer");
    echo_once(*workload, *registered, "quitter");
    std::printf("%s: exits with 2 sessions open, 2 shm and its context\n", program().c_str());
    return 0;
}

int holder(Pipe &ready, uint64_t hold_seconds)
{
    Context ctx;
    initialize(ctx);
    Session session;
    open_session(session, ctx, kWorkloadUuid);
    SharedMemory shm;
    expect_code(shm.allocate(ctx, 4096, kMemInput), "holder: allocating a shm");
    echo_once(session, shm, "holder");
    ready.send('r');
    // A long-lived service: still holding its session and shm when the recording ends.
    for (uint64_t i = 0; i < hold_seconds; ++i)
        std::this_thread::sleep_for(std::chrono::seconds(1));
    session.leak();
    shm.leak();
    ctx.leak();
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    set_program("scenario_optee_leaky");
    const std::string supplicant = take_supplicant_option(argc, argv);
    uint64_t hold_seconds = 60;
    if (!parse_options(argc, argv,
                       "OP-TEE clients that leak sessions and shared memory, one still alive at the end "
                       "(--supplicant PATH).",
                       {{"--hold-seconds", &hold_seconds, "how long the holder keeps its session"}}))
        return 0;
    return run_main("scenario_optee_leaky", [&] {
        OpteeWorld world(supplicant);
        Pipe ready;
        const pid_t held = spawn("holder", [&] {
            ready.close_read();
            return holder(ready, hold_seconds);
        });
        ready.close_write();
        ready.expect('r', "the holder to hold its session");
        note("holder " + std::to_string(held) + " keeps its session and shm (up to " +
             std::to_string(hold_seconds) + " s)");
        expect_success(spawn("quitter", [] { return quitter(); }), "the quitter");
        world.supplicant().stop();
        std::printf("scenario_optee_leaky: sessions left to the context's release, shm never released, "
                    "a holder still alive\n");
    });
}
