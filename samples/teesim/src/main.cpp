// SPDX-License-Identifier: MIT
// teesim --socket PATH [--config FILE]
#include "teesim/daemon.h"

#include <cstdio>
#include <cstring>

int main(int argc, char **argv)
{
    teescope::teesim::DaemonOptions opts;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--socket") && i + 1 < argc) {
            opts.socket_path = argv[++i];
        } else if (!std::strcmp(argv[i], "--config") && i + 1 < argc) {
            opts.config_path = argv[++i];
        } else {
            std::fprintf(stderr, "usage: teesim --socket PATH [--config FILE]\n");
            return 2;
        }
    }
    if (opts.socket_path.empty()) {
        std::fprintf(stderr, "teesim: --socket PATH is required\n");
        return 2;
    }
    return teescope::teesim::run_daemon(opts);
}
