/* SPDX-License-Identifier: MIT */
/* The interposed ioctl(), in C. glibc declares ioctl() as never throwing for C++, but a thread
 * cancelled while it waits in a TEE call (libqcomtee's supplicant is stopped that way) unwinds
 * through this frame, as it would through glibc's own ioctl(): a C++ definition would have to be
 * noexcept and would end the process instead. Built with -fexceptions so the unwinder can pass. */
#include <stdarg.h>

int teescope_preload_ioctl(int fd, unsigned long request, void *arg);

__attribute__((visibility("default"))) int ioctl(int fd, unsigned long request, ...)
{
    va_list ap;
    va_start(ap, request);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    return teescope_preload_ioctl(fd, request, arg);
}
