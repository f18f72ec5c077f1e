// SPDX-License-Identifier: MIT
// Invoke round trips against teesim: app add, N times, after a warm-up. Prints the wall time per
// call (ns_per_call) and the CPU time this process spent per call (cpu_ns_per_call).
//   bench_invoke [--calls N] [--direct SOCKET]
// Without --direct the calls go through open()/ioctl(), so that the preload library (loaded by
// the caller with LD_PRELOAD and TEESCOPE_SIM) routes and traces them. With --direct they go to
// the teesim transport without any preload: the reference the tracer's cost is measured against.
#include "qtee/services.h"
#include "qtee/transport.h"
#include "teescope/simlink/client.h"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

using namespace teescope;

namespace {

const char *direct_socket = nullptr;

// CPU time of every thread of this process so far, in ns (scheduler statistics: exact, unlike
// rusage ticks).
double process_cpu_ns()
{
    double total = 0;
    std::error_code ec;
    for (const auto &task : std::filesystem::directory_iterator("/proc/self/task", ec)) {
        std::ifstream in(task.path() / "schedstat");
        double ns = 0;
        if (in >> ns)
            total += ns;
    }
    return total;
}

int direct_open(const char *path, int flags)
{
    const char *slash = std::strrchr(path, '/');
    int fd = simlink::client_open(direct_socket, slash ? slash + 1 : path, flags);
    if (fd < 0) {
        errno = -fd;
        return -1;
    }
    return fd;
}

int direct_ioctl(int fd, unsigned long request, void *arg)
{
    long r = simlink::client_ioctl(fd, request, arg);
    if (r < 0) {
        errno = static_cast<int>(-r);
        return -1;
    }
    return static_cast<int>(r);
}

} // namespace

int main(int argc, char **argv)
{
    long calls = 20000;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--calls") && i + 1 < argc) {
            calls = std::strtol(argv[++i], nullptr, 10);
        } else if (!std::strcmp(argv[i], "--direct") && i + 1 < argc) {
            direct_socket = argv[++i];
        } else {
            std::fprintf(stderr, "usage: bench_invoke [--calls N] [--direct SOCKET]\n");
            return 2;
        }
    }
    if (calls <= 0) {
        std::fprintf(stderr, "bench_invoke: --calls needs a positive number\n");
        return 2;
    }
    if (direct_socket)
        qtee::set_transport({direct_open, direct_ioctl});
    try {
        qtee::Context ctx;
        qtee::Supplicant supplicant(ctx, 1);
        qtee::Object env = qtee::register_as_client(ctx, supplicant);
        qtee::Object loader = qtee::open_service(env, QCOMTEE_UID_APPLOADER);
        qtee::Object controller = qtee::load_from_buffer(loader, qtee::app_image("bench"));
        qtee::Object app = qtee::get_app_object(controller);
        for (uint32_t i = 0; i < 2000; ++i)
            qtee::add(app, i, 1);
        double cpu_start = process_cpu_ns();
        auto start = std::chrono::steady_clock::now();
        for (long i = 0; i < calls; ++i) {
            uint32_t a = static_cast<uint32_t>(i);
            if (qtee::add(app, a, a + 1) != 2 * a + 1) {
                std::fprintf(stderr, "bench_invoke: wrong sum at call %ld\n", i);
                return 1;
            }
        }
        auto elapsed = std::chrono::steady_clock::now() - start;
        double cpu = (process_cpu_ns() - cpu_start) / static_cast<double>(calls);
        double ns = std::chrono::duration<double, std::nano>(elapsed).count() / static_cast<double>(calls);
        std::printf("calls=%ld ns_per_call=%.1f cpu_ns_per_call=%.1f\n", calls, ns, cpu);
        app.reset();
        controller.reset();
        loader.reset();
        env.reset();
        supplicant.stop();
    } catch (const std::exception &e) {
        std::fprintf(stderr, "bench_invoke: %s\n", e.what());
        return 1;
    }
    return 0;
}
