// SPDX-License-Identifier: MIT
// The TEE ioctls of a traced process: recognise the descriptor (adopting one the process did not
// open), route the call to the device or to teesim, and emit the user-side events around it.
#pragma once

namespace teescope::preload {

// An ioctl whose request carries the TEE magic, made by the program (outside the guard).
// Returns what ioctl() returns, with errno set as the call left it.
int tee_ioctl(int fd, unsigned long request, void *arg);

// Emits proc_exit when the process exits normally. Called when the process first holds a TEE
// descriptor: by then main() runs, so the handler is registered after libc's own exit work and
// runs while the providers are still loaded (a handler registered from our constructor would run
// only after the libraries were finalised).
void arm_exit_event();

// Performs any ioctl through the real function (or the raw system call while it is unresolved).
int real_ioctl(int fd, unsigned long request, void *arg);

} // namespace teescope::preload
