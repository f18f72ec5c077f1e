// SPDX-License-Identifier: MIT
// scenario_optee_contention: more callers than OP-TEE has threads. --processes processes of
// --threads threads each, every thread with its own workload session, start together on a pipe
// signal and SLEEP --sleep-ms milliseconds --calls times: with 2 OP-TEE threads (the default)
// most calls wait in the driver for a thread, and the whole run cannot take less than the calls
// of the busiest thread pair would. Then a SLEEP of 30 s is cancelled from another thread
// (TEEC_RequestCancellation) and returns CANCEL long before.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <future>
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

constexpr uint64_t kOpteeThreads = 2; // CFG_NUM_THREADS of a default OP-TEE build

struct Load {
    uint64_t processes = 2;
    uint64_t threads = 3;
    uint64_t calls = 2;
    uint64_t sleep_ms = 100;
};

// One caller: its own session; waits for the start, then SLEEPs.
void caller(Context &ctx, const Load &load, std::latch &opened, std::shared_future<void> start,
            std::atomic<int> &failures, const std::string &who)
{
    bool counted = false;
    try {
        Session session;
        open_session(session, ctx, kWorkloadUuid);
        opened.count_down();
        counted = true;
        start.wait();
        for (uint64_t i = 0; i < load.calls; ++i) {
            Operation op;
            op.value(0, ParamType::ValueInput, static_cast<uint32_t>(load.sleep_ms));
            expect_success(session.invoke(kWorkloadCmdSleep, &op), who + ": SLEEP");
        }
    } catch (const std::exception &e) {
        note(who + ": " + e.what());
        ++failures;
        if (!counted)
            opened.count_down();
    }
}

// A process of callers: reports 'o' once every session is open, starts on 'g'.
int caller_process(Pipe &opened, Pipe &go, const Load &load)
{
    Context ctx;
    initialize(ctx);
    std::promise<void> start;
    std::shared_future<void> started = start.get_future().share();
    std::atomic<int> failures{0};
    std::latch sessions_open(static_cast<std::ptrdiff_t>(load.threads));
    std::vector<std::thread> threads;
    for (uint64_t t = 0; t < load.threads; ++t)
        threads.emplace_back(caller, std::ref(ctx), std::cref(load), std::ref(sessions_open), started,
                             std::ref(failures), program() + " thread " + std::to_string(t));
    // Sessions open before the start: waiting then shows the thread limit alone.
    sessions_open.wait();
    opened.send('o');
    bool went = true;
    try {
        go.expect('g', "the start signal");
    } catch (const std::exception &e) {
        note(e.what());
        went = false;
    }
    start.set_value(); // without the signal too, so that the threads end
    for (auto &t : threads)
        t.join();
    return went && failures == 0 ? 0 : 1;
}

void contention(const Load &load)
{
    std::vector<pid_t> pids;
    Pipe opened, go;
    for (uint64_t p = 0; p < load.processes; ++p)
        pids.push_back(spawn("callers-" + std::to_string(p), [&] {
            opened.close_read();
            go.close_write();
            return caller_process(opened, go, load);
        }));
    opened.close_write();
    go.close_read();
    for (uint64_t p = 0; p < load.processes; ++p)
        opened.expect('o', "the callers to open their sessions", 60000);
    const auto begin = Clock::now();
    for (uint64_t p = 0; p < load.processes; ++p)
        go.send('g');
    for (pid_t pid : pids)
        expect_success(pid, "a caller process");
    const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - begin).count();
    const uint64_t callers = load.processes * load.threads;
    // At most kOpteeThreads calls run at once: the rounds of the busiest thread set the floor.
    const uint64_t floor_ms = (callers + kOpteeThreads - 1) / kOpteeThreads * load.calls * load.sleep_ms;
    check(static_cast<uint64_t>(elapsed) >= floor_ms,
          std::to_string(callers) + " callers finished in " + std::to_string(elapsed) + " ms, faster than " +
              std::to_string(kOpteeThreads) + " OP-TEE threads allow (" + std::to_string(floor_ms) + " ms)");
    std::printf(
        "scenario_optee_contention: %llu callers x %llu SLEEP of %llu ms took %lld ms (at least %llu ms with "
        "%llu OP-TEE threads)\n",
        static_cast<unsigned long long>(callers), static_cast<unsigned long long>(load.calls),
        static_cast<unsigned long long>(load.sleep_ms), static_cast<long long>(elapsed),
        static_cast<unsigned long long>(floor_ms), static_cast<unsigned long long>(kOpteeThreads));
}

void cancellation()
{
    constexpr uint32_t kSleepMs = 30000;
    Context ctx;
    initialize(ctx);
    Session session;
    open_session(session, ctx, kWorkloadUuid);
    Operation op;
    op.value(0, ParamType::ValueInput, kSleepMs);
    const auto begin = Clock::now();
    auto sleeping = std::async(std::launch::async, [&] { return session.invoke(kWorkloadCmdSleep, &op); });
    // Until the invoke is in progress there is nothing to cancel; then one CANCEL, repeated
    // only if the TA has not answered it within a second (a cancel that reaches the TA before it
    // unmasks cancellation may be lost, as in OP-TEE).
    int sent = 0;
    for (;;) {
        if (sleeping.wait_for(std::chrono::milliseconds(sent ? 1000 : 1)) == std::future_status::ready)
            break;
        check(Clock::now() - begin < std::chrono::milliseconds(kSleepMs / 2), "the SLEEP was not cancelled");
        if (request_cancellation(op))
            ++sent;
    }
    const Result r = sleeping.get();
    const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - begin).count();
    expect_result(r, TEEC_ERROR_CANCEL, std::nullopt, "the cancelled SLEEP");
    check(sent >= 1, "the SLEEP ended before it was cancelled");
    session.close();
    std::printf("scenario_optee_contention: a %u ms SLEEP cancelled after %lld ms (%d CANCEL)\n", kSleepMs,
                static_cast<long long>(elapsed), sent);
}

} // namespace

int main(int argc, char **argv)
{
    set_program("scenario_optee_contention");
    const std::string supplicant = take_supplicant_option(argc, argv);
    Load load;
    if (!parse_options(
            argc, argv,
            "More workload callers than OP-TEE threads, and a cancelled SLEEP (--supplicant PATH).",
            {{"--processes", &load.processes, "caller processes"},
             {"--threads", &load.threads, "caller threads per process"},
             {"--calls", &load.calls, "SLEEP calls per thread"},
             {"--sleep-ms", &load.sleep_ms, "milliseconds of each SLEEP"}}))
        return 0;
    return run_main("scenario_optee_contention", [&] {
        check(load.processes * load.threads > kOpteeThreads,
              "fewer callers than OP-TEE threads: no contention");
        OpteeWorld world(supplicant);
        contention(load);
        cancellation();
        world.supplicant().stop();
    });
}
