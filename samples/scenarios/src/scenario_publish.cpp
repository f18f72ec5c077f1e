// SPDX-License-Identifier: MIT
// scenario_publish: QTEE objects passed into callback requests. A listener process L registers
// a listener in teesim's registry; a publisher process P asks QTEE to hand services to every
// listener. Each service reaches L's supplicant as a new handle in L's context, bound while the
// request is picked; L's supplicant thread invokes it right there (Diagnostics: heap info;
// AppLoader: load an app and add), nested in P's invocation, and releases it.
#include <atomic>
#include <string>

#include "qtee/callback.h"
#include "qtee/services.h"
#include "scenarios/common.h"

using namespace teescope::qtee;
using namespace teescope::scenarios;

namespace {

int run_publisher(uint64_t rounds, Pipe &go, Pipe &done)
{
    go.expect('g', "the listener to be registered");
    Context ctx;
    Supplicant supplicant(ctx, 1);
    {
        Object env = register_as_client(ctx, supplicant);
        Object registry = open_service(env, TEESIM_UID_LISTENER_REGISTRY);
        for (uint64_t i = 0; i < rounds; ++i) {
            check(publish(registry, QCOMTEE_UID_DIAGNOSTICS) >= 1, "Diagnostics reached no listener");
            check(publish(registry, QCOMTEE_UID_APPLOADER) >= 1, "AppLoader reached no listener");
        }
    }
    supplicant.stop();
    ctx.close();
    done.send('d');
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    set_program("scenario_publish");
    uint64_t rounds = 3;
    if (!parse_options(argc, argv, "QTEE services handed to a listener through callback requests.",
                       {{"--rounds", &rounds, "times each service is published"}}))
        return 0;
    return run_main("scenario_publish", [&] {
        Pipe go, done;
        const pid_t publisher = spawn("publisher", [&] { return run_publisher(rounds, go, done); });

        Context ctx;
        Supplicant supplicant(ctx, 2);
        std::atomic<uint64_t> queried{0}, loaded{0};
        auto listener = std::make_shared<Listener>(
            [](uint32_t) { return QCOMTEE_MSG_OK; },
            [&](Object service) {
                // Which service it is shows in what it answers to.
                try {
                    const HeapInfo heap = query_heap_info(service);
                    check(heap.used <= heap.total, "Diagnostics reports more heap used than total");
                    ++queried;
                    return QCOMTEE_MSG_OK;
                } catch (const QteeResultError &) {
                }
                Object controller = load_from_buffer(service, app_image("published"));
                Object app = get_app_object(controller);
                check(add(app, 1, 2) == 3, "the app loaded through the published AppLoader adds wrongly");
                ++loaded;
                return QCOMTEE_MSG_OK;
            });
        {
            Object env = register_as_client(ctx, supplicant);
            Object registry = open_service(env, TEESIM_UID_LISTENER_REGISTRY);
            const uint32_t token = register_listener(registry, ctx.host(listener));
            go.send('g');
            done.expect('d', "the publisher to finish", 60000);
            expect_success(publisher, "the publisher");
            check(queried == rounds && loaded == rounds,
                  "the listener used " + std::to_string(queried) + " Diagnostics and " + std::to_string(loaded) +
                      " AppLoaders, expected " + std::to_string(rounds) + " of each");
            unregister_listener(registry, token);
        }
        supplicant.stop();
        ctx.close();
        std::printf("scenario_publish: %llu services handed to the listener and used\n",
                    static_cast<unsigned long long>(2 * rounds));
    });
}
