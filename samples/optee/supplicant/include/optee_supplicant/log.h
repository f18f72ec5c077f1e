// SPDX-License-Identifier: MIT
// The supplicant's messages on stderr, each line prefixed "teescope-optee-supplicant:". Errors
// always; one line per request with -v.
#pragma once

namespace teescope::optee::supplicant {

void set_verbose(bool verbose);
bool verbose();

// printf-style; one write per line, so lines of concurrent threads do not mix.
void log_error(const char *format, ...) __attribute__((format(printf, 1, 2)));
void log_verbose(const char *format, ...) __attribute__((format(printf, 1, 2)));

} // namespace teescope::optee::supplicant
