// SPDX-License-Identifier: MIT
// OP-TEE invoke round trips against teesim: hello_world INC on one session, N times, after a
// warm-up, as libteec issues them (INVOKE with four parameters, a VALUE_INOUT first). Prints the
// wall time per call (ns_per_call) and the CPU time this process spent per call
// (cpu_ns_per_call). A supplicant must serve the TA's load (teescope-optee-supplicant).
//   bench_optee_invoke [--calls N] [--direct SOCKET]
// Without --direct the calls go through open()/ioctl(), for the preload library (LD_PRELOAD and
// TEESCOPE_SIM) to route and trace; with --direct they go to the teesim transport itself, the
// reference the tracer's cost is measured against.
#include "optee_tas/catalogue.h"
#include "teescope/simlink/client.h"
#include "teescope/tee_uapi.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace {

const char *direct_socket = nullptr;

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

int tee_open()
{
    if (!direct_socket)
        return ::open("/dev/tee0", O_RDWR | O_CLOEXEC);
    int fd = teescope::simlink::client_open(direct_socket, "tee0", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        errno = -fd;
        return -1;
    }
    return fd;
}

int tee_ioctl(int fd, unsigned long request, void *arg)
{
    if (!direct_socket)
        return ::ioctl(fd, request, arg);
    long r = teescope::simlink::client_ioctl(fd, request, arg);
    if (r < 0) {
        errno = static_cast<int>(-r);
        return -1;
    }
    return static_cast<int>(r);
}

// The argument of an OPEN_SESSION or INVOKE with four parameters, as libteec lays it out.
struct OpenArg {
    alignas(8) unsigned char bytes[sizeof(tee_ioctl_open_session_arg) + 4 * sizeof(tee_ioctl_param)] = {};
    tee_ioctl_open_session_arg *head() { return reinterpret_cast<tee_ioctl_open_session_arg *>(bytes); }
};
struct InvokeArg {
    alignas(8) unsigned char bytes[sizeof(tee_ioctl_invoke_arg) + 4 * sizeof(tee_ioctl_param)] = {};
    tee_ioctl_invoke_arg *head() { return reinterpret_cast<tee_ioctl_invoke_arg *>(bytes); }
    tee_ioctl_param *param(int i)
    {
        return reinterpret_cast<tee_ioctl_param *>(bytes + sizeof(tee_ioctl_invoke_arg)) + i;
    }
};

// One INC of `value`; false when the call or the TA failed.
bool increment(int fd, uint32_t session, uint32_t value, uint32_t &result)
{
    InvokeArg arg;
    arg.head()->func = teescope::optee::kHelloWorldCmdInc;
    arg.head()->session = session;
    arg.head()->num_params = 4;
    *arg.param(0) = {TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT, value, 0, 0};
    tee_ioctl_buf_data buf{reinterpret_cast<uintptr_t>(arg.bytes), sizeof arg.bytes};
    if (tee_ioctl(fd, TEE_IOC_INVOKE, &buf) != 0 || arg.head()->ret != TEEC_SUCCESS)
        return false;
    result = static_cast<uint32_t>(arg.param(0)->a);
    return true;
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
            std::fprintf(stderr, "usage: bench_optee_invoke [--calls N] [--direct SOCKET]\n");
            return 2;
        }
    }
    if (calls <= 0) {
        std::fprintf(stderr, "bench_optee_invoke: --calls needs a positive number\n");
        return 2;
    }
    int fd = tee_open();
    if (fd < 0) {
        std::fprintf(stderr, "bench_optee_invoke: cannot open /dev/tee0: %s\n", std::strerror(errno));
        return 1;
    }
    OpenArg open;
    std::memcpy(open.head()->uuid, teescope::optee::kHelloWorldUuid.data(), 16);
    open.head()->num_params = 4;
    tee_ioctl_buf_data buf{reinterpret_cast<uintptr_t>(open.bytes), sizeof open.bytes};
    if (tee_ioctl(fd, TEE_IOC_OPEN_SESSION, &buf) != 0 || open.head()->ret != TEEC_SUCCESS) {
        std::fprintf(stderr, "bench_optee_invoke: OPEN_SESSION failed: errno %d, ret 0x%x origin %u\n", errno,
                     open.head()->ret, open.head()->ret_origin);
        return 1;
    }
    const uint32_t session = open.head()->session;
    uint32_t out = 0;
    for (uint32_t i = 0; i < 2000; ++i)
        if (!increment(fd, session, i, out)) {
            std::fprintf(stderr, "bench_optee_invoke: warm-up call %u failed\n", i);
            return 1;
        }
    double cpu_start = process_cpu_ns();
    auto start = std::chrono::steady_clock::now();
    for (long i = 0; i < calls; ++i) {
        const uint32_t v = static_cast<uint32_t>(i);
        if (!increment(fd, session, v, out) || out != v + 1) {
            std::fprintf(stderr, "bench_optee_invoke: wrong result at call %ld\n", i);
            return 1;
        }
    }
    auto elapsed = std::chrono::steady_clock::now() - start;
    double cpu = (process_cpu_ns() - cpu_start) / static_cast<double>(calls);
    double ns = std::chrono::duration<double, std::nano>(elapsed).count() / static_cast<double>(calls);
    std::printf("calls=%ld ns_per_call=%.1f cpu_ns_per_call=%.1f\n", calls, ns, cpu);
    tee_ioctl_close_session_arg close_arg{session};
    tee_ioctl(fd, TEE_IOC_CLOSE_SESSION, &close_arg);
    ::close(fd);
    return 0;
}
