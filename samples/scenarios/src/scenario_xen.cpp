// SPDX-License-Identifier: MIT
// scenario_xen: two Xen guests sharing one OP-TEE through the mediator. Run it as
//   teescope record --sim=optee --guests 2 -- scenario_xen
// which starts it once per guest with TEESCOPE_GUEST=1 or 2; each guest runs its own supplicant.
// Guest 1 is a normal workload: hello_world INC/DEC and a secure storage round trip, everything
// closed. Guest 2 overloads its share of OP-TEE: --callers concurrent workload SLEEPs, more than
// its thread limit, so calls wait at the mediator (ETHREAD_LIMIT); then it leaves a child holding
// a session and shm, and its supplicant running, when its main process exits: the guest's
// destruction has something to clean up.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include "scenarios/common.h"
#include "scenarios/optee.h"

using namespace teescope;
using namespace teescope::optee;
using namespace teescope::scenarios;
using Clock = std::chrono::steady_clock;

namespace {

constexpr uint64_t kGuestThreads = 2; // OP-TEE threads of a guest partition, its limit of calls

void hello_world(Context &ctx)
{
    Session session;
    open_session(session, ctx, kHelloWorldUuid);
    Operation op;
    op.value(0, ParamType::ValueInout, 42);
    expect_success(session.invoke(kHelloWorldCmdInc, &op), "hello_world INC");
    check(op.params[0].value.a == 43, "hello_world INC of 42 gave " + std::to_string(op.params[0].value.a));
    expect_success(session.invoke(kHelloWorldCmdDec, &op), "hello_world DEC");
    check(op.params[0].value.a == 42, "hello_world DEC of 43 gave " + std::to_string(op.params[0].value.a));
}

void storage_round_trip(Context &ctx)
{
    std::string id = "guest-object";
    std::vector<uint8_t> data(500);
    for (size_t i = 0; i < data.size(); ++i)
        data[i] = static_cast<uint8_t>(i ^ 0x3c);
    Session session;
    open_session(session, ctx, kSecureStorageUuid);
    Operation write;
    write.temp(0, ParamType::MemrefTempInput, id.data(), id.size());
    write.temp(1, ParamType::MemrefTempInput, data.data(), data.size());
    expect_success(session.invoke(kSecureStorageCmdWriteRaw, &write), "WRITE_RAW");
    std::vector<uint8_t> out(data.size());
    Operation read;
    read.temp(0, ParamType::MemrefTempInput, id.data(), id.size());
    read.temp(1, ParamType::MemrefTempOutput, out.data(), out.size());
    expect_success(session.invoke(kSecureStorageCmdReadRaw, &read), "READ_RAW");
    check(out == data, "READ_RAW returned other bytes than were written");
    Operation remove;
    remove.temp(0, ParamType::MemrefTempInput, id.data(), id.size());
    expect_success(session.invoke(kSecureStorageCmdDelete, &remove), "DELETE");
}

void normal_guest(OpteeWorld &world)
{
    Context ctx;
    initialize(ctx);
    hello_world(ctx);
    storage_round_trip(ctx);
    ctx.finalize();
    world.supplicant().stop();
    std::printf("scenario_xen guest 1: hello_world 42 -> 43 -> 42, secure storage round trip, all closed\n");
}

// `callers` threads, each with its own session, SLEEP at once: more than the guest may run.
void overload(uint64_t callers, uint64_t sleep_ms)
{
    Context ctx;
    initialize(ctx);
    std::latch opened(static_cast<std::ptrdiff_t>(callers));
    std::latch go(1);
    std::vector<std::string> failures(callers);
    std::vector<std::thread> threads;
    for (uint64_t i = 0; i < callers; ++i)
        threads.emplace_back([&, i] {
            try {
                Session session;
                try {
                    open_session(session, ctx, kWorkloadUuid);
                } catch (...) {
                    opened.count_down();
                    throw;
                }
                opened.count_down();
                go.wait();
                Operation op;
                op.value(0, ParamType::ValueInput, static_cast<uint32_t>(sleep_ms));
                expect_success(session.invoke(kWorkloadCmdSleep, &op), "SLEEP");
            } catch (const std::exception &e) {
                failures[i] = e.what();
            }
        });
    opened.wait();
    const auto begin = Clock::now();
    go.count_down();
    for (auto &t : threads)
        t.join();
    const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - begin).count();
    for (uint64_t i = 0; i < callers; ++i)
        check(failures[i].empty(), "caller " + std::to_string(i) + ": " + failures[i]);
    const uint64_t floor_ms = (callers + kGuestThreads - 1) / kGuestThreads * sleep_ms;
    check(static_cast<uint64_t>(elapsed) >= floor_ms,
          std::to_string(callers) + " SLEEPs took " + std::to_string(elapsed) + " ms, less than a " +
              std::to_string(kGuestThreads) + "-call limit allows (" + std::to_string(floor_ms) + " ms)");
    std::printf("scenario_xen guest 2: %llu concurrent SLEEPs of %llu ms took %lld ms\n",
                static_cast<unsigned long long>(callers), static_cast<unsigned long long>(sleep_ms),
                static_cast<long long>(elapsed));
}

// A child that keeps a session and shm until the guest is destroyed.
void leave_holder()
{
    Pipe ready;
    spawn("holder", [&] {
        ready.close_read();
        Context ctx;
        initialize(ctx);
        Session session;
        open_session(session, ctx, kWorkloadUuid);
        SharedMemory shm;
        expect_code(shm.allocate(ctx, 4096, kMemInput), "holder: allocating a shm");
        std::memset(shm.buffer(), 0x11, shm.size());
        Operation op;
        op.whole(0, shm).temp(1, ParamType::MemrefTempOutput, nullptr, 0);
        // Only the size is wanted back: SHORT_BUFFER with a NULL output is the TA's answer.
        const Result r = session.invoke(kWorkloadCmdEcho, &op);
        check(r.code == TEEC_ERROR_SHORT_BUFFER && op.params[1].tmpref.size == shm.size(),
              "holder: ECHO into a NULL memref: " + describe(r));
        ready.send('r');
        // Until the guest is destroyed and the recorder ends what is left of it.
        for (int i = 0; i < 60; ++i)
            std::this_thread::sleep_for(std::chrono::seconds(1));
        session.leak();
        shm.leak();
        ctx.leak();
        return 0;
    });
    ready.close_write();
    ready.expect('r', "the holder to hold its session");
}

void overloaded_guest(OpteeWorld &world, uint64_t callers, uint64_t sleep_ms)
{
    overload(callers, sleep_ms);
    leave_holder();
    world.supplicant().abandon();
    std::printf("scenario_xen guest 2: leaves a holder with a session and shm, and its supplicant\n");
}

} // namespace

int main(int argc, char **argv)
{
    set_program("scenario_xen");
    const std::string supplicant = take_supplicant_option(argc, argv);
    uint64_t callers = 5;
    uint64_t sleep_ms = 100;
    if (!parse_options(argc, argv,
                       "Two Xen guests on one OP-TEE; run under `teescope record --sim=optee --guests 2` "
                       "(--supplicant PATH).",
                       {{"--callers", &callers, "concurrent callers of guest 2"},
                        {"--sleep-ms", &sleep_ms, "milliseconds of each SLEEP of guest 2"}}))
        return 0;
    return run_main("scenario_xen", [&] {
        const char *guest = std::getenv("TEESCOPE_GUEST");
        check(guest && *guest, "TEESCOPE_GUEST is not set: run under teescope record --sim=optee --guests 2");
        const std::string which = guest;
        check(which == "1" || which == "2",
              "TEESCOPE_GUEST is " + which + ", this scenario has guests 1 and 2");
        set_program("scenario_xen/guest-" + which);
        OpteeWorld world(supplicant);
        if (which == "1")
            normal_guest(world);
        else
            overloaded_guest(world, callers, sleep_ms);
    });
}
