// SPDX-License-Identifier: MIT
// The teesim daemon: the socket side of the simulated driver (see simlink/protocol.h).
// An acceptor thread; per context connection a reader of Identify messages whose EOF is the
// file's last reference going away; per channel a thread that runs that client thread's calls.
#pragma once

#include "teesim/config.h"
#include "teesim/driver.h"

#include <memory>
#include <optional>
#include <string>

namespace teescope::teesim {

struct DaemonOptions {
    std::string socket_path;
    std::string config_path; // empty: defaults (no latency, no failures)
    // Command-line settings over the configuration file's.
    std::optional<TeeKind> tee;
    std::optional<unsigned> threads;
    bool xen = false;
    bool static_shm = false; // OP-TEE without dynamic shm
};

class Daemon {
public:
    explicit Daemon(Config config = {});
    ~Daemon(); // stops
    Daemon(const Daemon &) = delete;
    Daemon &operator=(const Daemon &) = delete;

    // Unlinks a stale socket, binds, listens and starts serving. Returns 0 or an errno value;
    // `error` (optional) receives a message naming what failed.
    int start(const std::string &socket_path, std::string *error = nullptr);
    // Stops serving: wakes every blocked call, joins the threads and unlinks the socket.
    void stop();

    Driver &driver();

    struct Impl;

private:
    std::unique_ptr<Impl> d_;
};

// The `teescope sim` command: serves until SIGTERM or SIGINT. Returns 0 after a clean
// shutdown, 2 for a bad configuration file, 1 when the socket cannot be set up.
int run_daemon(const DaemonOptions &opts);

} // namespace teescope::teesim
