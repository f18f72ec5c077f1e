// SPDX-License-Identifier: MIT
// A terminal for a refreshing full-screen view, with termios and ANSI escapes only: keys read
// one at a time without echo, the alternate screen, no cursor; everything is put back when the
// view ends, by an error, Ctrl+C or a termination signal too, and while Ctrl+Z stops it.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include <termios.h>

namespace teescope::cli {

// Catches SIGINT, SIGTERM, SIGHUP and SIGWINCH while it lives, so that a wait ends at once and
// the caller can restore the terminal before leaving; the previous handlers come back after.
class SignalWatch {
public:
    SignalWatch();
    ~SignalWatch();
    SignalWatch(const SignalWatch &) = delete;
    SignalWatch &operator=(const SignalWatch &) = delete;

    // The first stop signal received (SIGINT, SIGTERM, SIGHUP), 0 if none.
    static int stop_signal();
    // Whether the terminal was resized since the last call.
    static bool take_resize();
    // A descriptor that becomes readable when a signal arrives (poll it next to the keys).
    static int wake_fd();
};

// Waits up to `timeout` for input on `key_fd` (-1: none) or a signal. Returns the bytes read
// (empty at the timeout or on a signal); sets *key_eof when key_fd reached its end.
std::string wait_for_input(int key_fd, std::chrono::milliseconds timeout, bool *key_eof = nullptr);

class FullScreen {
public:
    // Whether `out_fd` can show a full-screen view: a terminal, with TERM set and not "dumb".
    static bool available(int out_fd);

    // Enters the alternate screen on `out_fd`; keys come from `in_fd` when it is a terminal.
    FullScreen(int in_fd, int out_fd);
    ~FullScreen();
    FullScreen(const FullScreen &) = delete;
    FullScreen &operator=(const FullScreen &) = delete;

    struct Size {
        size_t columns = 80, rows = 24;
    };
    Size size() const;
    int key_fd() const { return keys_ && !keys_gone_ ? in_ : -1; }
    // The keys' terminal reached its end: stop reading it.
    void keys_gone() { keys_gone_ = true; }

    // Replaces the screen with `lines`; `bold[i]` shows line i in bold.
    void draw(const std::vector<std::string> &lines, const std::vector<bool> &bold);
    // Leaves the alternate screen and restores the terminal modes (idempotent).
    void restore() noexcept;

private:
    int in_, out_;
    bool keys_ = false;
    bool keys_gone_ = false;
    bool active_ = false;
    termios saved_{};
};

} // namespace teescope::cli
