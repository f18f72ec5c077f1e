// SPDX-License-Identifier: MIT
// scenario_load: a throughput workload. Every thread of every process loads its own app and
// runs N add invocations (checking sums); one call in 1000 also notifies the registry, which
// calls back a listener hosted by the first process. Prints invocations and elapsed time. With
// --rate, each thread paces its add invocations (a sustained load, for live-mode lag).
#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "qtee/callback.h"
#include "qtee/services.h"
#include "scenarios/common.h"

using namespace teescope::qtee;
using namespace teescope::scenarios;

namespace {

struct Counts {
    std::atomic<uint64_t> invocations{0};
    std::atomic<uint64_t> failures{0};
};

void worker(const Object &env, const Object &registry, uint64_t calls, uint64_t rate, uint32_t seed, Counts &counts)
{
    Object loader = open_service(env, QCOMTEE_UID_APPLOADER);
    Object controller = load_from_buffer(loader, app_image("load-" + std::to_string(seed)));
    Object app = get_app_object(controller);
    uint64_t invocations = 0;
    const auto start = std::chrono::steady_clock::now();
    for (uint64_t i = 0; i < calls; ++i) {
        if (rate > 0) // call i is due at start + i / rate: a late thread catches up, never bursts ahead
            std::this_thread::sleep_until(start + std::chrono::nanoseconds(i * 1000000000ull / rate));
        const uint32_t a = seed * 100003u + static_cast<uint32_t>(i);
        if (add(app, a, 17) != a + 17)
            counts.failures++;
        ++invocations;
        if (i % 1000 == 999) {
            if (notify(registry, seed) == 0)
                counts.failures++;
            ++invocations;
        }
    }
    app.reset();
    unload(controller);
    controller.reset();
    loader.reset();
    counts.invocations += invocations;
}

// One process: T threads sharing one context.
int run_process(unsigned index, uint64_t processes, uint64_t threads, uint64_t calls, uint64_t rate, Pipe *listener_ready, Pipe *go, Pipe *done)
{
    Context ctx;
    Supplicant supplicant(ctx, index == 0 ? 2 : 1);
    Counts counts;
    {
        Object env = register_as_client(ctx, supplicant);
        Object registry = open_service(env, TEESIM_UID_LISTENER_REGISTRY);
        std::atomic<uint64_t> callbacks{0};
        uint32_t token = 0;
        auto listener = std::make_shared<Listener>([&](uint32_t) {
            callbacks++;
            return QCOMTEE_MSG_OK;
        });
        if (index == 0) {
            token = register_listener(registry, ctx.host(listener));
            listener_ready->send('l');
        } else {
            go->expect('g', "the listener of the first process", 60000);
        }
        std::vector<std::thread> pool;
        std::vector<std::string> errors(threads);
        for (uint64_t t = 0; t < threads; ++t)
            pool.emplace_back([&, t] {
                try {
                    worker(env, registry, calls, rate, index * 1000 + static_cast<uint32_t>(t), counts);
                } catch (const std::exception &e) {
                    errors[t] = e.what();
                }
            });
        for (std::thread &t : pool)
            t.join();
        for (const std::string &e : errors)
            check(e.empty(), e);
        if (index == 0) {
            // Every process must be done notifying before the listener goes away.
            for (uint64_t p = 1; p < processes; ++p)
                done->expect('d', "the other processes to finish", 24 * 3600 * 1000);
            unregister_listener(registry, token);
        } else {
            done->send('d');
        }
    }
    supplicant.stop();
    ctx.close();
    check(counts.failures == 0, std::to_string(counts.failures.load()) + " invocations returned wrong results");
    std::printf("scenario_load: process %u: %llu add and notify invocations\n", index, static_cast<unsigned long long>(counts.invocations));
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    set_program("scenario_load");
    uint64_t processes = 2, threads = 2, calls = 100000, rate = 0;
    if (!parse_options(argc, argv, "Many app add invocations from many threads and processes, with occasional callbacks.",
                       {{"--processes", &processes, "client processes"},
                        {"--threads", &threads, "threads per process"},
                        {"--calls", &calls, "add invocations per thread"},
                        {"--rate", &rate, "add invocations per second per thread (0: as fast as it can)"}}))
        return 0;
    return run_main("scenario_load", [&] {
        check(processes >= 1 && processes <= 64, "--processes must be between 1 and 64");
        check(threads >= 1 && threads <= 64, "--threads must be between 1 and 64");
        const auto start = std::chrono::steady_clock::now();
        Pipe listener_ready;
        std::vector<std::unique_ptr<Pipe>> go, done;
        for (uint64_t p = 0; p < processes; ++p) {
            go.push_back(std::make_unique<Pipe>());
            done.push_back(std::make_unique<Pipe>());
        }
        std::vector<pid_t> pids;
        for (uint64_t p = 0; p < processes; ++p) {
            // The other processes report "done" to the first one through done[0].
            pids.push_back(spawn("process" + std::to_string(p), [&, p] {
                return run_process(static_cast<unsigned>(p), processes, threads, calls, rate, &listener_ready, go[p].get(), done[0].get());
            }));
        }
        listener_ready.expect('l', "the first process's listener", 60000);
        for (uint64_t p = 1; p < processes; ++p)
            go[p]->send('g');
        for (uint64_t p = 0; p < processes; ++p)
            expect_success(pids[p], "load process " + std::to_string(p), 24 * 3600 * 1000);
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        const uint64_t adds = processes * threads * calls;
        std::printf("scenario_load: %llu processes x %llu threads x %llu calls = %llu add invocations (+%llu notifies) "
                    "in %.3f s (%.0f invocations/s)\n",
                    static_cast<unsigned long long>(processes), static_cast<unsigned long long>(threads),
                    static_cast<unsigned long long>(calls), static_cast<unsigned long long>(adds),
                    static_cast<unsigned long long>(processes * threads * (calls / 1000)), seconds, adds / seconds);
    });
}
