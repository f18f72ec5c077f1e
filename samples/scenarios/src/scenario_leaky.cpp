// SPDX-License-Identifier: MIT
// scenario_leaky: every kind of leak teescope reports. The client never releases Diagnostics,
// its app and the app controller, leaves a listener registered, keeps shared memory mapped and
// open, and exits without closing its context. A forked "service" child holds its own context
// with a Diagnostics handle and is still alive when the recording stops (it sleeps up to 60 s,
// in the same process group, so the recorder kills it).
#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <unistd.h>

#include "qtee/callback.h"
#include "qtee/services.h"
#include "qtee/shm.h"
#include "scenarios/common.h"

using namespace teescope::qtee;
using namespace teescope::scenarios;

namespace {

int run_service(Pipe &ready)
{
    Context ctx;
    Supplicant supplicant(ctx, 1);
    Object env = register_as_client(ctx, supplicant);
    Object diagnostics = open_service(env, QCOMTEE_UID_DIAGNOSTICS);
    query_heap_info(diagnostics);
    ready.send('r');
    // A long-lived service: still holding its handles when the recording ends.
    for (int i = 0; i < 60; ++i)
        std::this_thread::sleep_for(std::chrono::seconds(1));
    diagnostics.leak();
    env.leak();
    supplicant.abandon();
    ctx.leak();
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    set_program("scenario_leaky");
    uint64_t calls = 10;
    if (!parse_options(argc, argv, "A client that leaks handles, a listener and shared memory, with a long-lived service child.",
                       {{"--calls", &calls, "number of app add invocations"}}))
        return 0;
    return run_main("scenario_leaky", [&] {
        // The service is forked before the client opens anything, so it inherits none of it.
        Pipe ready;
        const pid_t service = spawn("service", [&] {
            ready.close_read();
            return run_service(ready);
        });
        ready.close_write();
        ready.expect('r', "the service to hold its Diagnostics handle");
        note("service child " + std::to_string(service) + " keeps running (up to 60 s)");

        auto *ctx = new Context(); // never closed: the process exit reclaims it
        auto *supplicant = new Supplicant(*ctx, 1);
        Object env = register_as_client(*ctx, *supplicant);
        Object diagnostics = open_service(env, QCOMTEE_UID_DIAGNOSTICS);
        query_heap_info(diagnostics);
        Object loader = open_service(env, QCOMTEE_UID_APPLOADER);
        Object controller = load_from_buffer(loader, app_image("leaky-app"));
        Object app = get_app_object(controller);
        for (uint64_t i = 0; i < calls; ++i)
            check(add(app, static_cast<uint32_t>(i), 1) == i + 1, "app.add returned a wrong sum");

        Object registry = open_service(env, TEESIM_UID_LISTENER_REGISTRY);
        const uint64_t listener = ctx->host(std::make_shared<Listener>([](uint32_t) { return QCOMTEE_MSG_OK; }));
        register_listener(registry, listener); // never unregistered

        auto *shm = new SharedMemory(*ctx, 8192); // stays mapped and open
        std::memset(shm->bytes().data(), 0xa5, shm->bytes().size());

        diagnostics.leak();
        app.leak();
        controller.leak();
        registry.reset();
        loader.reset();
        env.reset();
        supplicant->abandon();
        std::printf("scenario_leaky: leaked Diagnostics, app, controller, listener, shm and the context\n");
    });
}
