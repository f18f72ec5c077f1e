// SPDX-License-Identifier: MIT
// One import at a time per database file: an advisory lock (flock) on FILE.db.lock, held from
// before the import starts until its last process has ended (the importer child inherits it).
// The holder removes the lock file before it lets go of it; an import that then gets the lock of
// a file the path no longer names opens the path again, so two imports never hold two files.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>

namespace teescope::cli {

class OutputLock {
public:
    explicit OutputLock(std::string db);
    ~OutputLock();
    OutputLock(const OutputLock &) = delete;
    OutputLock &operator=(const OutputLock &) = delete;

    enum class Result { Held, TimedOut, Stopped, Failed };
    // Takes the lock, waiting up to `wait` while another import holds it: `on_wait(pid)` is
    // called once when waiting starts (pid: the holder, or 0 if unknown), `stop()` is asked
    // every 50 ms. On Failed, error() says why.
    Result acquire(std::chrono::milliseconds wait, const std::function<bool()> &stop,
                   const std::function<void(pid_t holder)> &on_wait);

    // The pid written into the lock file by the import that holds it (0 if none).
    pid_t holder() const;
    const std::string &error() const { return error_; }
    std::string path() const { return db_ + ".lock"; }

    // Removes every partial file of the database (FILE.db.partial*). Only while the lock is held:
    // then they belong to imports that are gone. Returns how many were removed.
    int remove_partials() const;

private:
    // Whether the path still names the file fd_ has locked.
    bool names_locked_file() const;

    std::string db_;
    int fd_ = -1;
    bool held_ = false;
    std::string error_;
};

} // namespace teescope::cli
