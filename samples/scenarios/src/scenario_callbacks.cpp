// SPDX-License-Identifier: MIT
// scenario_callbacks: cross-process callback requests. A listener process L (two supplicant
// threads) registers a listener callback object in teesim's registry; two notifier processes
// with their own contexts notify N times each, one after the other, so QTEE calls L's listener
// on their behalf; L notifies once itself, unregisters, and waits for QTEE's asynchronous
// release of the listener (a RELEASE request to its supplicant).
#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "qtee/callback.h"
#include "qtee/services.h"
#include "scenarios/common.h"

using namespace teescope::qtee;
using namespace teescope::scenarios;

namespace {

constexpr uint32_t kNotifierBase[2] = {1000, 2000};
constexpr uint32_t kOwnEvent = 3000;

int run_notifier(int index, uint64_t notifies, Pipe &go, Pipe &finished)
{
    go.expect('g', "the turn to notify");
    Context ctx;
    Supplicant supplicant(ctx, 1);
    {
        Object env = register_as_client(ctx, supplicant);
        Object registry = open_service(env, TEESIM_UID_LISTENER_REGISTRY);
        for (uint64_t i = 0; i < notifies; ++i) {
            const uint32_t reached = notify(registry, kNotifierBase[index] + static_cast<uint32_t>(i));
            check(reached >= 1, "notify reached no listener");
        }
    }
    supplicant.stop();
    ctx.close();
    finished.send('f');
    return 0;
}

// Waits until QTEE released the listener; an unrelated invocation of this context carries the
// release if nothing else did.
void await_release(const Listener &listener, const Object &env)
{
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!listener.was_released()) {
        if (std::chrono::steady_clock::now() > deadline)
            throw std::runtime_error("QTEE never released the unregistered listener");
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        if (!listener.was_released())
            query_heap_info(open_service(env, QCOMTEE_UID_DIAGNOSTICS));
    }
}

} // namespace

int main(int argc, char **argv)
{
    set_program("scenario_callbacks");
    uint64_t notifies = 20;
    if (!parse_options(argc, argv, "Cross-process callback requests through the listener registry.",
                       {{"--notifies", &notifies, "notifications sent by each notifier process"}}))
        return 0;
    return run_main("scenario_callbacks", [&] {
        Pipe go[2], finished[2];
        std::vector<pid_t> notifiers;
        for (int i = 0; i < 2; ++i)
            notifiers.push_back(spawn("notifier" + std::to_string(i + 1),
                                      [&, i] {
                                          // Only this notifier's ends stay open here, so that a
                                          // listener that dies is an end of file, not a wait.
                                          for (int j = 0; j < 2; ++j) {
                                              go[j].close_write();
                                              finished[j].close_read();
                                              if (j != i) {
                                                  go[j].close_read();
                                                  finished[j].close_write();
                                              }
                                          }
                                          return run_notifier(i, notifies, go[i], finished[i]);
                                      }));
        for (int i = 0; i < 2; ++i) {
            go[i].close_read();
            finished[i].close_write();
        }

        // This process is L, the listener.
        Context ctx;
        Supplicant supplicant(ctx, 2);
        std::mutex events_mutex;
        std::vector<uint32_t> events;
        auto listener = std::make_shared<Listener>([&](uint32_t event) {
            std::lock_guard lock(events_mutex);
            events.push_back(event);
            return QCOMTEE_MSG_OK;
        });
        {
            Object env = register_as_client(ctx, supplicant);
            Object registry = open_service(env, TEESIM_UID_LISTENER_REGISTRY);
            const uint64_t listener_id = ctx.host(listener);
            const uint32_t token = register_listener(registry, listener_id);

            for (int i = 0; i < 2; ++i) {
                go[i].send('g');
                finished[i].expect('f', "notifier " + std::to_string(i + 1) + " to finish", 60000);
                expect_success(notifiers[i], "notifier " + std::to_string(i + 1));
            }
            check(notify(registry, kOwnEvent) >= 1, "L's own notify reached no listener");

            {
                std::lock_guard lock(events_mutex);
                check(events.size() == 2 * notifies + 1, "the listener saw " + std::to_string(events.size()) +
                                                             " events, expected " + std::to_string(2 * notifies + 1));
                for (uint64_t i = 0; i < notifies; ++i)
                    for (int n = 0; n < 2; ++n)
                        check(events[n * notifies + i] == kNotifierBase[n] + i,
                              "event " + std::to_string(n * notifies + i) + " out of order");
                check(events.back() == kOwnEvent, "the last event is not L's own");
            }
            unregister_listener(registry, token);
            await_release(*listener, env);
        }
        supplicant.stop();
        ctx.close();
        std::printf("scenario_callbacks: %llu callback requests served for 2 notifiers and L\n",
                    static_cast<unsigned long long>(2 * notifies + 1));
    });
}
