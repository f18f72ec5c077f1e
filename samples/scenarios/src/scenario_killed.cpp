// SPDX-License-Identifier: MIT
// scenario_killed: processes that die in the middle of a callback request.
//  (a) a listener blocks in its handler for event 666; while the request is being processed the
//      listener is SIGKILLed: its context closes, the request fails in the TEE, the notifier's
//      notify returns with 0 listeners reached and the notifier exits 0;
//  (b) a listener blocks in its handler for event 777 until told; the notifier is SIGKILLed while
//      waiting, so the request is abandoned; the listener then answers, SUPPL_SEND refuses the
//      answer (tolerated) and the listener exits.
#include <chrono>
#include <csignal>
#include <string>
#include <thread>
#include <unistd.h>

#include "qtee/callback.h"
#include "qtee/services.h"
#include "scenarios/common.h"

using namespace teescope::qtee;
using namespace teescope::scenarios;

namespace {

constexpr uint32_t kEventListenerDies = 666;
constexpr uint32_t kEventNotifierDies = 777;

// Listener of (a): signals `processing` and then blocks until it is killed.
int run_doomed_listener(Pipe &ready, Pipe &processing)
{
    Context ctx;
    Supplicant supplicant(ctx, 1);
    Object env = register_as_client(ctx, supplicant);
    Object registry = open_service(env, TEESIM_UID_LISTENER_REGISTRY);
    const uint64_t id = ctx.host(std::make_shared<Listener>([&](uint32_t event) {
        if (event == kEventListenerDies) {
            processing.send('p');
            for (;;)
                ::pause();
        }
        return QCOMTEE_MSG_OK;
    }));
    register_listener(registry, id);
    ready.send('r');
    for (;;)
        ::pause();
}

// Listener of (b): answers event 777 only when told, after its invoker is gone.
int run_patient_listener(Pipe &ready, Pipe &processing, Pipe &answer)
{
    Context ctx;
    Supplicant supplicant(ctx, 1);
    {
        Object env = register_as_client(ctx, supplicant);
        Object registry = open_service(env, TEESIM_UID_LISTENER_REGISTRY);
        auto listener = std::make_shared<Listener>([&](uint32_t event) {
            if (event == kEventNotifierDies) {
                processing.send('p');
                answer.expect('a', "the order to answer");
            }
            return QCOMTEE_MSG_OK;
        });
        const uint32_t token = register_listener(registry, ctx.host(listener));
        ready.send('r');
        // The handler returns and the supplicant sends the (refused) answer.
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        while (supplicant.send_errors() == 0 && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        check(supplicant.send_errors() == 1, "the answer to the abandoned request was not refused");
        unregister_listener(registry, token);
    }
    supplicant.stop();
    ctx.close();
    return 0;
}

int run_notifier(uint32_t event, uint32_t expected_reached)
{
    Context ctx;
    Supplicant supplicant(ctx, 1);
    {
        Object env = register_as_client(ctx, supplicant);
        Object registry = open_service(env, TEESIM_UID_LISTENER_REGISTRY);
        const uint32_t reached = notify(registry, event);
        check(reached == expected_reached, "notify(" + std::to_string(event) + ") reached " + std::to_string(reached) +
                                               " listeners, expected " + std::to_string(expected_reached));
    }
    supplicant.stop();
    ctx.close();
    return 0;
}

void listener_dies()
{
    Pipe ready, processing;
    const pid_t listener = spawn("listener-a", [&] { return run_doomed_listener(ready, processing); });
    ready.expect('r', "listener (a) to register");
    const pid_t notifier = spawn("notifier-a", [&] { return run_notifier(kEventListenerDies, 0); });
    processing.expect('p', "listener (a) to process event 666");
    ::kill(listener, SIGKILL);
    check(wait_child(listener) == 128 + SIGKILL, "listener (a) did not die of SIGKILL");
    expect_success(notifier, "notifier (a)");
}

void notifier_dies()
{
    Pipe ready, processing, answer;
    const pid_t listener = spawn("listener-b", [&] { return run_patient_listener(ready, processing, answer); });
    ready.expect('r', "listener (b) to register");
    const pid_t notifier = spawn("notifier-b", [&] { return run_notifier(kEventNotifierDies, 1); });
    processing.expect('p', "listener (b) to process event 777");
    ::kill(notifier, SIGKILL);
    check(wait_child(notifier) == 128 + SIGKILL, "notifier (b) did not die of SIGKILL");
    // Give the TEE a moment to notice the invoker's death before the answer goes out.
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    answer.send('a');
    expect_success(listener, "listener (b)");
}

} // namespace

int main(int argc, char **argv)
{
    set_program("scenario_killed");
    if (!parse_options(argc, argv, "Callback requests whose owner or invoker is SIGKILLed.", {}))
        return 0;
    return run_main("scenario_killed", [&] {
        listener_dies();
        notifier_dies();
        std::printf("scenario_killed: owner death and invoker death handled\n");
    });
}
