// SPDX-License-Identifier: MIT
// The request loop, in tee-supplicant's shape: threads wait in SUPPL_RECV; a thread that takes a
// request spawns another when no thread is left waiting, so a request is always being waited for
// while others are served (a request may take long: the secure world waits on the supplicant in
// FS or LOAD_TA while it holds an OP-TEE thread). Threads never exit. A failed RECV or SEND ends
// the supplicant.
#pragma once

#include <condition_variable>
#include <mutex>
#include <string>

#include "optee_supplicant/dispatch.h"

namespace teescope::optee::supplicant {

class RequestLoop
{
  public:
    RequestLoop(int device_fd, Dispatcher &dispatcher) : fd_(device_fd), dispatcher_(dispatcher) {}

    // Serves requests until a RECV or SEND fails; returns what failed.
    std::string run();

  private:
    // `counted`: the spawner already counted this thread as waiting.
    void serve_requests(bool counted);
    // Receives, serves and answers one request; false once the loop must end.
    bool serve_one(bool &counted);
    bool spawn_thread();
    void fail(const std::string &why);

    int fd_;
    Dispatcher &dispatcher_;
    std::mutex mutex_;
    std::condition_variable failed_;
    int waiting_ = 0; // threads in (or about to enter) SUPPL_RECV
    std::string failure_;
};

} // namespace teescope::optee::supplicant
