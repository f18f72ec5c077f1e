// SPDX-License-Identifier: MIT
// Secure-world time and failures injected from the configuration (latency, outlier and fail
// rules of teesim.conf), for any personality: a service is named by the key its objects report.
#pragma once

#include "teesim/config.h"

#include <cstdint>
#include <random>

namespace teescope::teesim {

// Microseconds the secure world spends on (service, op): the first matching latency rule, times
// the factor of a matching outlier rule when it fires.
double injected_latency_us(const Config &cfg, std::mt19937_64 &rng, uint32_t service, uint32_t op);

// Whether a fail rule fires for (service, op); `ret` receives its result.
bool injected_failure(const Config &cfg, std::mt19937_64 &rng, uint32_t service, uint32_t op, int32_t &ret);

} // namespace teescope::teesim
