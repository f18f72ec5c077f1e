// SPDX-License-Identifier: MIT
// Probes of the driver-side provider (built into libteescope-tp.so).
#define LTTNG_UST_TRACEPOINT_CREATE_PROBES
#include "teescope/teescope_drv_tp.h"
