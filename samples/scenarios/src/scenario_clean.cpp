// SPDX-License-Identifier: MIT
// scenario_clean: one well-behaved client. Registers, queries Diagnostics, loads an app from a
// buffer and a second one from shared memory, calls add N times and releases everything.
#include <cstring>
#include <string>

#include "qtee/callback.h"
#include "qtee/services.h"
#include "qtee/shm.h"
#include "scenarios/common.h"

using namespace teescope::qtee;
using namespace teescope::scenarios;

int main(int argc, char **argv)
{
    set_program("scenario_clean");
    uint64_t calls = 50;
    if (!parse_options(argc, argv, "One client that uses Diagnostics, AppLoader and an app, then releases everything.",
                       {{"--calls", &calls, "number of app add invocations"}}))
        return 0;
    return run_main("scenario_clean", [&] {
        Context ctx;
        const tee_ioctl_version_data version = ctx.version();
        check(version.impl_id == TEE_IMPL_ID_QTEE, "the TEE is not QTEE (impl_id " + std::to_string(version.impl_id) + ")");
        Supplicant supplicant(ctx, 1);
        {
            Object env = register_as_client(ctx, supplicant);
            Object diagnostics = open_service(env, QCOMTEE_UID_DIAGNOSTICS);
            const HeapInfo heap = query_heap_info(diagnostics);
            check(heap.used <= heap.total, "Diagnostics reports more heap used than total");

            Object loader = open_service(env, QCOMTEE_UID_APPLOADER);
            Object controller = load_from_buffer(loader, app_image("calculator"));
            Object app = get_app_object(controller);
            for (uint64_t i = 0; i < calls; ++i) {
                const auto a = static_cast<uint32_t>(i);
                const uint32_t sum = add(app, a, a + 1);
                check(sum == 2 * a + 1, "app.add(" + std::to_string(a) + ", " + std::to_string(a + 1) + ") returned " +
                                            std::to_string(sum));
            }

            // A second app, loaded from a memory object.
            const std::vector<uint8_t> image = app_image("calculator-shm");
            SharedMemory shm(ctx, 4096);
            std::memcpy(shm.bytes().data(), image.data(), image.size());
            Object controller2 = load_from_region(loader, shm.object());
            Object app2 = get_app_object(controller2);
            check(add(app2, 40, 2) == 42, "the app loaded from shared memory adds wrongly");

            app2.reset();
            unload(controller2);
            controller2.reset();
            shm.reset();
            app.reset();
            unload(controller);
            controller.reset();
            loader.reset();
            diagnostics.reset();
            env.reset();
        }
        supplicant.stop();
        ctx.close();
        std::printf("scenario_clean: %llu calls, everything released\n", static_cast<unsigned long long>(calls));
    });
}
