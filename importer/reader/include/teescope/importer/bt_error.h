// SPDX-License-Identifier: MIT
#pragma once

#include <babeltrace2/babeltrace.h>

#include <string>

namespace teescope::importer {

// Takes (and clears) the current thread's Babeltrace2 error and returns its causes in words,
// the root cause first; `fallback` when there is none.
std::string take_bt_error(const std::string &fallback);

// Holds the current thread's Babeltrace2 error aside for as long as it lives, and puts it back
// when it goes. Babeltrace2 2.0 can deliver messages with an error on the thread (a source gave
// up on the rest of a packet), and no library call may be made while one is there.
class PendingError {
public:
    PendingError() : error_(bt_current_thread_take_error()) {}
    ~PendingError()
    {
        if (error_)
            bt_current_thread_move_error(error_);
    }
    PendingError(const PendingError &) = delete;
    PendingError &operator=(const PendingError &) = delete;

private:
    const bt_error *error_;
};

} // namespace teescope::importer
