// SPDX-License-Identifier: MIT
// What `teescope top` follows when it starts the live import itself: `teescope record --live` of
// a command (top [--sim[=TEE]] [--sim-config FILE] -- CMD) or `teescope import --live-url` of a
// relay daemon's session (top --live-url URL). The child runs in a process group of its own with
// its output in a log file (the view owns the terminal); top stops it when it quits, and the
// database is finished and kept.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace teescope::cli {

class TopSource {
public:
    TopSource() = default;
    ~TopSource() { stop(); }
    TopSource(const TopSource &) = delete;
    TopSource &operator=(const TopSource &) = delete;

    // `db` empty: a new directory below $TMPDIR (or /tmp) holds the database, the trace and the log.
    bool start_recording(const std::vector<std::string> &record_options, const std::vector<std::string> &command,
                         const std::string &db, std::string &error);
    bool start_import(const std::string &url, const std::string &db, std::string &error);

    bool running();
    // Asks the child to end (a Ctrl-C for record, which ends the command first) and waits until
    // it has finished the database. Returns its exit code (-1 if none ran).
    int stop();

    const std::string &db_path() const { return db_; }
    // What the child printed (the traced command's output too).
    std::string log() const;

private:
    bool spawn(const std::vector<std::string> &args, std::string &error);
    bool prepare(const std::string &db, std::string &error);

    pid_t pid_ = -1;
    int code_ = -1;
    std::string dir_, db_, log_;
};

} // namespace teescope::cli
