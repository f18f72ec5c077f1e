// SPDX-License-Identifier: MIT
// Runs the trackers' fuzzer for as long as asked, a new seed per run, and stops at the first
// violation of the rows' invariants, printing its seed (rerun it with --seed).
//   trackers_fuzz [--seconds N] [--events N] [--seed S]
#include "teescope/importer/trackers.h"

#include "collector.h"
#include "event_fuzzer.h"
#include "row_invariants.h"

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

using namespace teescope::importer;
using namespace teescope::importer::test;

namespace {
volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }
} // namespace

int main(int argc, char **argv)
{
    double seconds = 10;
    size_t events = 5000;
    uint64_t seed = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--seconds"))
            seconds = std::atof(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--events"))
            events = std::strtoull(argv[i + 1], nullptr, 10);
        else if (!std::strcmp(argv[i], "--seed"))
            seed = std::strtoull(argv[i + 1], nullptr, 10);
        else {
            std::fprintf(stderr, "usage: trackers_fuzz [--seconds N] [--events N] [--seed S]\n");
            return 2;
        }
    }
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    const auto start = std::chrono::steady_clock::now();
    uint64_t runs = 0, total_events = 0;
    const uint64_t first = seed ? seed : static_cast<uint64_t>(start.time_since_epoch().count());
    for (uint64_t s = first; !g_stop; ++s) {
        Collector rows;
        {
            Trackers trackers(rows);
            EventFuzzer(s).run(trackers, events);
        }
        ++runs;
        total_events += events;
        auto v = RowInvariants::check(rows);
        if (!v.empty()) {
            std::printf("seed %llu: %zu violations\n", static_cast<unsigned long long>(s), v.size());
            for (size_t i = 0; i < v.size() && i < 20; ++i)
                std::printf("  %s\n", v[i].c_str());
            return 1;
        }
        if (seed || std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() >= seconds)
            break;
    }
    const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("trackers_fuzz: %llu runs, %llu events in %.1f s, seeds from %llu: no violation\n",
                static_cast<unsigned long long>(runs), static_cast<unsigned long long>(total_events), took,
                static_cast<unsigned long long>(first));
    return 0;
}
