// SPDX-License-Identifier: MIT
#include "teescope/importer/bt_error.h"

#include <babeltrace2/babeltrace.h>

namespace teescope::importer {

std::string take_bt_error(const std::string &fallback)
{
    const bt_error *error = bt_current_thread_take_error();
    if (!error)
        return fallback;
    std::string text;
    // Babeltrace2 2.0 appends causes as the error travels up: cause 0 is the root cause, the one
    // that says what is wrong with the trace, and the last one is the outermost (the library's
    // "method failed", with addresses). A few from the root are enough to locate the problem.
    const uint64_t n = bt_error_get_cause_count(error);
    const uint64_t shown = n < 4 ? n : 4;
    for (uint64_t i = 0; i < shown; ++i) {
        const bt_error_cause *cause = bt_error_borrow_cause_by_index(error, i);
        const char *message = bt_error_cause_get_message(cause);
        if (!message || !*message)
            continue;
        if (!text.empty())
            text += "; ";
        text += message;
    }
    bt_error_release(error);
    return text.empty() ? fallback : text;
}

} // namespace teescope::importer
