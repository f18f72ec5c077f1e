// SPDX-License-Identifier: MIT
#include "optee_supplicant/log.h"

#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <unistd.h>

namespace teescope::optee::supplicant {

namespace {

std::atomic<bool> g_verbose{false};

void write_line(const char *format, va_list args)
{
    char line[1024];
    int n = std::snprintf(line, sizeof line, "teescope-optee-supplicant: ");
    n += std::vsnprintf(line + n, sizeof line - static_cast<size_t>(n) - 1, format, args);
    if (n > static_cast<int>(sizeof line) - 2)
        n = sizeof line - 2;
    line[n++] = '\n';
    (void)!::write(STDERR_FILENO, line, static_cast<size_t>(n));
}

} // namespace

void set_verbose(bool verbose)
{
    g_verbose = verbose;
}

bool verbose()
{
    return g_verbose;
}

void log_error(const char *format, ...)
{
    va_list args;
    va_start(args, format);
    write_line(format, args);
    va_end(args);
}

void log_verbose(const char *format, ...)
{
    if (!g_verbose)
        return;
    va_list args;
    va_start(args, format);
    write_line(format, args);
    va_end(args);
}

} // namespace teescope::optee::supplicant
