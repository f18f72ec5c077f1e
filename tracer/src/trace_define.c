// SPDX-License-Identifier: MIT
// Tracepoint definitions for instrumented code, linked dynamically to the providers, and the
// loader of libteescope-tp.so.
#define _GNU_SOURCE
#ifndef TEESCOPE_NO_TRACING
// Must precede the first inclusion of the provider headers (through trace.h).
#define LTTNG_UST_TRACEPOINT_DEFINE
#define LTTNG_UST_TRACEPOINT_PROBE_DYNAMIC_LINKAGE
#endif
#include "teescope/trace.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static int loaded;

#ifndef TEESCOPE_NO_TRACING
static void *open_next_to_us(const char *relative)
{
    Dl_info info;
    if (!dladdr(&load_once, &info) || !info.dli_fname)
        return NULL;
    const char *slash = strrchr(info.dli_fname, '/');
    if (!slash)
        return NULL;
    char path[4096];
    int n = snprintf(path, sizeof path, "%.*s/%s", (int)(slash - info.dli_fname), info.dli_fname, relative);
    if (n <= 0 || (size_t)n >= sizeof path)
        return NULL;
    return dlopen(path, RTLD_NOW | RTLD_GLOBAL);
}
#endif

static void load(void)
{
#ifndef TEESCOPE_NO_TRACING
    const char *enabled = getenv("TEESCOPE_TRACE");
    if (enabled && strcmp(enabled, "0") == 0)
        return;
    const char *explicit_path = getenv("TEESCOPE_TP_LIB");
    void *handle = NULL;
    if (explicit_path && *explicit_path) {
        handle = dlopen(explicit_path, RTLD_NOW | RTLD_GLOBAL);
    } else {
        // A library sits next to the provider in lib/; an executable in bin/ finds it in ../lib.
        handle = open_next_to_us("libteescope-tp.so");
        if (!handle)
            handle = open_next_to_us("../lib/libteescope-tp.so");
        if (!handle)
            handle = dlopen("libteescope-tp.so", RTLD_NOW | RTLD_GLOBAL);
    }
    loaded = handle != NULL;
#endif
}

int teescope_trace_load(void)
{
    pthread_once(&load_once, load);
    return loaded;
}
