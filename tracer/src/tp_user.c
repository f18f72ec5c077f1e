// SPDX-License-Identifier: MIT
// Probes of the user-side provider (built into libteescope-tp.so).
#define LTTNG_UST_TRACEPOINT_CREATE_PROBES
#include "teescope/teescope_user_tp.h"
