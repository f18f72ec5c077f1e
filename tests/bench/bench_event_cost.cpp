// SPDX-License-Identifier: MIT
// Cost of one teescope tracepoint in this process: prints ns_per_event=X for N events shaped like
// an invocation (invoke_begin and invoke_end alternately). Run without an LTTng session it
// measures a disabled tracepoint; inside one, a recorded event.
#include "teescope/tee_uapi.h"
#include "teescope/trace.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

int main(int argc, char **argv)
{
    long events = 400000;
    if (argc == 3 && !std::strcmp(argv[1], "--events"))
        events = std::strtol(argv[2], nullptr, 10);
    if (events <= 1) {
        std::fprintf(stderr, "usage: bench_event_cost [--events N]\n");
        return 2;
    }
    teescope_trace_load();
    const uint64_t objects[2] = {0, 1};
    const uint8_t flags[2] = {QCOMTEE_OBJREF_FLAG_TEE, QCOMTEE_OBJREF_FLAG_TEE};
    auto start = std::chrono::steady_clock::now();
    for (long i = 0; i < events / 2; ++i) {
        const uint64_t serial = static_cast<uint64_t>(i);
        TS_USER(invoke_begin, .fd = 3, .serial = serial, .object = 1, .op = 0, .bi = 1, .bo = 1, .oi = 0, .oo = 0,
                .in_bytes = 8, .out_bytes = 4, .num_params = 2, .obj_in = objects, .obj_in_len = 0,
                .obj_in_flags = flags, .obj_in_flags_len = 0);
        TS_USER(invoke_end, .fd = 3, .serial = serial, .err = 0, .ret = 0, .out_bytes = 4, .obj_out = objects,
                .obj_out_len = 0, .obj_out_flags = flags, .obj_out_flags_len = 0);
    }
    auto elapsed = std::chrono::steady_clock::now() - start;
    std::printf("events=%ld ns_per_event=%.2f\n", events,
                std::chrono::duration<double, std::nano>(elapsed).count() / static_cast<double>(events));
    return 0;
}
