// SPDX-License-Identifier: MIT
#include "output_lock.h"

#include "teescope/store/writer.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <thread>

namespace teescope::cli {

namespace fs = std::filesystem;

namespace {

// `file` is PARTIAL.PID.XXXXXX (Writer's mkstemp name), and not just any file that begins so.
bool is_partial_of(const std::string &file, const std::string &partial)
{
    if (file.rfind(partial + ".", 0) != 0)
        return false;
    const std::string rest = file.substr(partial.size() + 1); // PID.XXXXXX
    const size_t dot = rest.find('.');
    if (dot == 0 || dot == std::string::npos || rest.size() - dot - 1 != 6)
        return false;
    for (size_t i = 0; i < rest.size(); ++i) {
        const auto c = static_cast<unsigned char>(rest[i]);
        if ((i < dot && !std::isdigit(c)) || (i > dot && !std::isalnum(c)))
            return false;
    }
    return true;
}

} // namespace

OutputLock::OutputLock(std::string db) : db_(std::move(db)) {}

OutputLock::~OutputLock()
{
    // The lock file goes while it is still locked: an import waiting on it finds, once it has
    // the lock, that the path no longer names its file, and opens the path again.
    if (held_)
        ::unlink(path().c_str());
    if (fd_ >= 0)
        ::close(fd_); // releases the lock unless an importer child still holds the descriptor
}

bool OutputLock::names_locked_file() const
{
    struct stat opened {}, named {};
    return ::fstat(fd_, &opened) == 0 && ::stat(path().c_str(), &named) == 0 && opened.st_dev == named.st_dev
           && opened.st_ino == named.st_ino;
}

OutputLock::Result OutputLock::acquire(std::chrono::milliseconds wait, const std::function<bool()> &stop,
                                       const std::function<void(pid_t)> &on_wait)
{
    const auto deadline = std::chrono::steady_clock::now() + wait;
    bool waiting = false;
    for (;;) {
        // The importer child is forked, never exec'd: it inherits the descriptor and so the lock.
        if (fd_ < 0)
            fd_ = ::open(path().c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd_ < 0) {
            error_ = "cannot create the lock file " + path() + ": " + std::strerror(errno);
            return Result::Failed;
        }
        if (::flock(fd_, LOCK_EX | LOCK_NB) == 0) {
            if (names_locked_file())
                break;
            // Removed by the import that held it, as it ended: lock the path's file anew.
            ::close(fd_);
            fd_ = -1;
            continue;
        }
        if (errno != EWOULDBLOCK && errno != EINTR) {
            error_ = "cannot lock " + path() + ": " + std::strerror(errno);
            return Result::Failed;
        }
        if (stop && stop())
            return Result::Stopped;
        if (!waiting) {
            waiting = true;
            if (on_wait)
                on_wait(holder());
        }
        if (std::chrono::steady_clock::now() >= deadline)
            return Result::TimedOut;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    held_ = true;
    // Who holds it, for the message of an import that has to wait.
    const std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd_, 0) == 0)
        (void)!::pwrite(fd_, pid.data(), pid.size(), 0);
    return Result::Held;
}

pid_t OutputLock::holder() const
{
    char buf[32] = {};
    if (fd_ < 0 || ::pread(fd_, buf, sizeof buf - 1, 0) <= 0)
        return 0;
    return static_cast<pid_t>(std::strtol(buf, nullptr, 10));
}

int OutputLock::remove_partials() const
{
    if (!held_)
        return 0;
    const fs::path prefix = store::Writer::partial_prefix(db_);
    const std::string name = prefix.filename().string();
    std::error_code ec;
    int removed = 0;
    const fs::path dir = prefix.has_parent_path() ? prefix.parent_path() : fs::path(".");
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string file = it->path().filename().string();
        if (file == name || is_partial_of(file, name)) { // FILE.db.partial: an older teescope's
            std::error_code rm;
            if (fs::remove(it->path(), rm))
                ++removed;
        }
    }
    return removed;
}

} // namespace teescope::cli
