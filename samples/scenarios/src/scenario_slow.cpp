// SPDX-License-Identifier: MIT
// scenario_slow: a latency workload. N app add invocations and N/10 Diagnostics queries, meant
// to run against teesim with slow_service.conf (log-normal latencies with rare outliers).
#include <chrono>
#include <string>

#include "qtee/callback.h"
#include "qtee/services.h"
#include "scenarios/common.h"

using namespace teescope::qtee;
using namespace teescope::scenarios;

int main(int argc, char **argv)
{
    set_program("scenario_slow");
    uint64_t calls = 300;
    if (!parse_options(argc, argv, "App add and Diagnostics invocations for latency analysis (use slow_service.conf).",
                       {{"--calls", &calls, "number of app add invocations (Diagnostics: one tenth)"}}))
        return 0;
    return run_main("scenario_slow", [&] {
        Context ctx;
        Supplicant supplicant(ctx, 1);
        const auto start = std::chrono::steady_clock::now();
        {
            Object env = register_as_client(ctx, supplicant);
            Object diagnostics = open_service(env, QCOMTEE_UID_DIAGNOSTICS);
            Object loader = open_service(env, QCOMTEE_UID_APPLOADER);
            Object controller = load_from_buffer(loader, app_image("latency-probe"));
            Object app = get_app_object(controller);
            for (uint64_t i = 0; i < calls; ++i) {
                const auto a = static_cast<uint32_t>(i * 7);
                check(add(app, a, 3) == a + 3, "app.add returned a wrong sum at call " + std::to_string(i));
                if (i % 10 == 9)
                    query_heap_info(diagnostics);
            }
            app.reset();
            unload(controller);
        }
        supplicant.stop();
        ctx.close();
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
        std::printf("scenario_slow: %llu add + %llu queryHeapInfo in %lld ms\n", static_cast<unsigned long long>(calls),
                    static_cast<unsigned long long>(calls / 10), static_cast<long long>(ms));
    });
}
