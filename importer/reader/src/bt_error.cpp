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
    // Cause 0 is the most recent (the outermost); the root cause, the one that says what is
    // wrong with the trace, comes last. A few of them are enough to locate the problem.
    const uint64_t n = bt_error_get_cause_count(error);
    const uint64_t shown = n < 4 ? n : 4;
    for (uint64_t i = 0; i < shown; ++i) {
        const bt_error_cause *cause = bt_error_borrow_cause_by_index(error, n - 1 - i);
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
