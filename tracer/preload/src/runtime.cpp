// SPDX-License-Identifier: MIT
#include "runtime.h"

#include "teescope/trace.h"

#include <dlfcn.h>
#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>

namespace teescope::preload {

// initial-exec: the preloaded library's TLS is static, and the guard must be usable from any
// interposed call, including those made before our constructor ran.
__attribute__((tls_model("initial-exec"))) thread_local int t_guard = 0;

namespace {

RealFunctions g_real;
std::atomic<int> g_real_state{0}; // 0 unresolved, 1 resolving, 2 resolved

template <typename F>
void resolve(F &slot, const char *name)
{
    slot = reinterpret_cast<F>(::dlsym(RTLD_NEXT, name));
}

char g_sim_socket[108];
bool g_sim;
pthread_once_t g_init_once = PTHREAD_ONCE_INIT;

void read_configuration()
{
    const char *sim = std::getenv("TEESCOPE_SIM");
    if (sim && *sim) {
        if (std::strlen(sim) < sizeof g_sim_socket) {
            std::strcpy(g_sim_socket, sim);
            g_sim = true;
        } else {
            static const char message[] = "teescope-preload: TEESCOPE_SIM is longer than a UNIX socket path "
                                          "(107 bytes); TEE devices are not routed to teesim\n";
            (void)!::write(2, message, sizeof message - 1);
        }
    }
    Guard guard;
    teescope_trace_load();
}

} // namespace

const RealFunctions *real()
{
    int state = g_real_state.load(std::memory_order_acquire);
    if (state == 2)
        return &g_real;
    int expected = 0;
    if (!g_real_state.compare_exchange_strong(expected, 1, std::memory_order_acq_rel))
        return expected == 2 ? &g_real : nullptr;
    Guard guard;
    resolve(g_real.open, "open");
    resolve(g_real.open64, "open64");
    resolve(g_real.openat, "openat");
    resolve(g_real.openat64, "openat64");
    resolve(g_real.open_2, "__open_2");
    resolve(g_real.open64_2, "__open64_2");
    resolve(g_real.openat_2, "__openat_2");
    resolve(g_real.openat64_2, "__openat64_2");
    resolve(g_real.close, "close");
    resolve(g_real.close_range, "close_range");
    resolve(g_real.ioctl, "ioctl");
    resolve(g_real.mmap, "mmap");
    resolve(g_real.mmap64, "mmap64");
    resolve(g_real.dup, "dup");
    resolve(g_real.dup2, "dup2");
    resolve(g_real.dup3, "dup3");
    resolve(g_real.fcntl, "fcntl");
    resolve(g_real.fcntl64, "fcntl64");
    resolve(g_real.fork, "fork");
    g_real_state.store(2, std::memory_order_release);
    return &g_real;
}

void initialize() { ::pthread_once(&g_init_once, read_configuration); }

const char *sim_socket()
{
    initialize();
    return g_sim ? g_sim_socket : nullptr;
}

bool is_tee_device_path(const char *path, bool *client_device)
{
    if (!path || std::strncmp(path, "/dev/tee", 8) != 0)
        return false;
    const char *n = path + 8;
    bool privileged = std::strncmp(n, "priv", 4) == 0;
    if (privileged)
        n += 4;
    if (*n < '0' || *n > '9')
        return false;
    while (*n >= '0' && *n <= '9')
        ++n;
    if (*n != '\0')
        return false;
    if (client_device)
        *client_device = !privileged;
    return true;
}

} // namespace teescope::preload
