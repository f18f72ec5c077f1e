// SPDX-License-Identifier: MIT
#include "terminal.h"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string_view>

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>

namespace teescope::cli {

namespace {

volatile std::sig_atomic_t g_stop = 0;
volatile std::sig_atomic_t g_resized = 0;
int g_wake[2] = {-1, -1};

constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGWINCH};
struct sigaction g_previous[sizeof kSignals / sizeof kSignals[0]];

void on_signal(int sig)
{
    const int saved = errno;
    if (sig == SIGWINCH)
        g_resized = 1;
    else if (!g_stop)
        g_stop = sig;
    if (g_wake[1] >= 0) {
        const char c = 1;
        [[maybe_unused]] ssize_t n = ::write(g_wake[1], &c, 1);
    }
    errno = saved;
}

void write_all(int fd, std::string_view text)
{
    while (!text.empty()) {
        const ssize_t n = ::write(fd, text.data(), text.size());
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return; // the terminal went away: nothing left to show
        text.remove_prefix(static_cast<size_t>(n));
    }
}

} // namespace

SignalWatch::SignalWatch()
{
    g_stop = 0;
    g_resized = 0;
    if (::pipe2(g_wake, O_CLOEXEC | O_NONBLOCK) != 0)
        throw std::runtime_error(std::string("cannot create a pipe: ") + std::strerror(errno));
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; // no SA_RESTART: a wait ends at once
    for (size_t i = 0; i < std::size(kSignals); ++i)
        sigaction(kSignals[i], &sa, &g_previous[i]);
}

SignalWatch::~SignalWatch()
{
    for (size_t i = 0; i < std::size(kSignals); ++i)
        sigaction(kSignals[i], &g_previous[i], nullptr);
    ::close(g_wake[0]);
    ::close(g_wake[1]);
    g_wake[0] = g_wake[1] = -1;
}

int SignalWatch::stop_signal() { return g_stop; }

bool SignalWatch::take_resize()
{
    const bool r = g_resized;
    g_resized = 0;
    return r;
}

int SignalWatch::wake_fd() { return g_wake[0]; }

std::string wait_for_input(int key_fd, std::chrono::milliseconds timeout, bool *key_eof)
{
    if (SignalWatch::stop_signal())
        return {};
    pollfd fds[2];
    nfds_t n = 0;
    if (SignalWatch::wake_fd() >= 0)
        fds[n++] = {SignalWatch::wake_fd(), POLLIN, 0};
    if (key_fd >= 0)
        fds[n++] = {key_fd, POLLIN, 0};
    const int rc = ::poll(fds, n, static_cast<int>(std::max<std::chrono::milliseconds::rep>(timeout.count(), 0)));
    if (rc <= 0)
        return {};
    std::string bytes;
    for (nfds_t i = 0; i < n; ++i) {
        if (!(fds[i].revents & (POLLIN | POLLHUP)))
            continue;
        char buf[64];
        const ssize_t got = ::read(fds[i].fd, buf, sizeof buf);
        if (fds[i].fd == key_fd && got > 0)
            bytes.append(buf, static_cast<size_t>(got));
        else if (fds[i].fd == key_fd && key_eof && (got == 0 || (got < 0 && errno != EINTR && errno != EAGAIN)))
            *key_eof = true; // the keys' end went away: stop polling it, or each wait would return at once
    }
    return bytes;
}

namespace {

// The full screen in use, for the Ctrl+Z handlers (only async-signal-safe calls there: write,
// tcsetattr, sigaction, raise).
struct ScreenState {
    int in = -1, out = -1;
    bool keys = false;
    termios saved{}, raw{};
};
ScreenState g_screen;
volatile std::sig_atomic_t g_screen_active = 0;
struct sigaction g_previous_tstp, g_previous_cont;

constexpr char kEnter[] = "\x1b[?1049h\x1b[?25l\x1b[H\x1b[2J";
constexpr char kLeave[] = "\x1b[0m\x1b[?25h\x1b[?1049l";

void on_stop(int);

void catch_stop()
{
    struct sigaction sa {};
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTSTP, &sa, nullptr);
}

// Ctrl+Z: give the shell its terminal back, then stop as the default action would.
void on_stop(int)
{
    const int saved = errno;
    if (g_screen_active) {
        [[maybe_unused]] ssize_t n = ::write(g_screen.out, kLeave, sizeof kLeave - 1);
        if (g_screen.keys)
            ::tcsetattr(g_screen.in, TCSANOW, &g_screen.saved);
    }
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(SIGTSTP, &dfl, nullptr);
    ::raise(SIGTSTP); // delivered when this handler returns
    errno = saved;
}

// Back in the foreground: the full screen again, redrawn.
void on_continue(int)
{
    const int saved = errno;
    catch_stop();
    if (g_screen_active) {
        if (g_screen.keys)
            ::tcsetattr(g_screen.in, TCSANOW, &g_screen.raw);
        [[maybe_unused]] ssize_t n = ::write(g_screen.out, kEnter, sizeof kEnter - 1);
        on_signal(SIGWINCH);
    }
    errno = saved;
}

} // namespace

bool FullScreen::available(int out_fd)
{
    if (!::isatty(out_fd))
        return false;
    const char *term = std::getenv("TERM");
    return term && *term && std::string_view(term) != "dumb";
}

FullScreen::FullScreen(int in_fd, int out_fd) : in_(in_fd), out_(out_fd)
{
    termios raw{};
    if (::isatty(in_) && ::tcgetattr(in_, &saved_) == 0) {
        raw = saved_;
        // Keys one at a time and unechoed; Ctrl+C still raises SIGINT, output still maps \n.
        raw.c_lflag &= static_cast<tcflag_t>(~(ICANON | ECHO));
        raw.c_cc[VMIN] = 1;
        raw.c_cc[VTIME] = 0;
        keys_ = ::tcsetattr(in_, TCSAFLUSH, &raw) == 0;
    }
    active_ = true;
    write_all(out_, kEnter);
    g_screen = ScreenState{in_, out_, keys_, saved_, raw};
    g_screen_active = 1;
    struct sigaction sa {};
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTSTP, &sa, &g_previous_tstp);
    sa.sa_handler = on_continue;
    sigaction(SIGCONT, &sa, &g_previous_cont);
}

FullScreen::~FullScreen() { restore(); }

void FullScreen::restore() noexcept
{
    if (!active_)
        return;
    active_ = false;
    g_screen_active = 0;
    sigaction(SIGTSTP, &g_previous_tstp, nullptr);
    sigaction(SIGCONT, &g_previous_cont, nullptr);
    write_all(out_, kLeave);
    if (keys_)
        ::tcsetattr(in_, TCSAFLUSH, &saved_);
}

FullScreen::Size FullScreen::size() const
{
    Size s;
    winsize ws{};
    if (::ioctl(out_, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0) {
        s.columns = ws.ws_col;
        s.rows = ws.ws_row;
    }
    return s;
}

void FullScreen::draw(const std::vector<std::string> &lines, const std::vector<bool> &bold)
{
    std::string frame = "\x1b[H";
    for (size_t i = 0; i < lines.size(); ++i) {
        if (i > 0)
            frame += "\n"; // the terminal maps it to CR LF (output processing stays on)
        const bool b = i < bold.size() && bold[i];
        if (b)
            frame += "\x1b[1m";
        frame += lines[i];
        if (b)
            frame += "\x1b[0m";
        frame += "\x1b[K";
    }
    frame += "\x1b[J";
    write_all(out_, frame);
}

} // namespace teescope::cli
