// SPDX-License-Identifier: MIT
// The small tracing API that instrumented code uses instead of calling LTTng directly.
//
//   TS_DRV(context_open, .pid = p, .tid = t, .ctx = serial, .impl = 4, .guest = 0, .dev = "tee0");
//   TS_USER(fd_close, .fd = fd, .err = 0);
//   if (TS_USER_ENABLED(invoke_begin)) { ...compute expensive fields... }
//
// The arguments are designated initializers of the generated event struct (teescope_events.h),
// evaluated only when the event is enabled in a session. With TEESCOPE_NO_TRACING defined
// everything compiles to nothing and nothing depends on LTTng.
#pragma once

#include "teescope/teescope_events.h"

#ifdef __cplusplus
extern "C" {
#endif

// Loads the tracepoint provider library (libteescope-tp.so) once, unless TEESCOPE_TRACE=0.
// Returns 1 when the providers are loaded. Safe to call from several threads and from
// constructors; without it the tracepoints stay disabled and cost one predictable branch.
int teescope_trace_load(void);

#ifdef __cplusplus
}
#endif

#if defined(TEESCOPE_NO_TRACING)

// The event is still built (never run) so that its arguments stay type-checked and values
// computed only for it do not trip unused-variable warnings; the optimiser removes it.
#define TS_ENABLED(provider, event) 0
#define TS_TRACE(provider, event, ...)                                   \
    do {                                                                 \
        if (0) {                                                         \
            const struct provider##_##event ts_event_ = {__VA_ARGS__};   \
            (void)ts_event_;                                             \
        }                                                                \
    } while (0)

#else

#include "teescope/teescope_drv_tp.h"
#include "teescope/teescope_user_tp.h"

#define TS_ENABLED(provider, event) lttng_ust_tracepoint_enabled(provider, event)
#define TS_TRACE(provider, event, ...)                                   \
    do {                                                                 \
        if (lttng_ust_tracepoint_enabled(provider, event)) {             \
            const struct provider##_##event ts_event_ = {__VA_ARGS__};   \
            lttng_ust_do_tracepoint(provider, event, &ts_event_);        \
        }                                                                \
    } while (0)

#endif

#define TS_DRV(event, ...) TS_TRACE(teescope_drv, event, __VA_ARGS__)
#define TS_USER(event, ...) TS_TRACE(teescope_user, event, __VA_ARGS__)
#define TS_DRV_ENABLED(event) TS_ENABLED(teescope_drv, event)
#define TS_USER_ENABLED(event) TS_ENABLED(teescope_user, event)
