// SPDX-License-Identifier: MIT
#include "top_source.h"

#include "teescope/cli/process.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

namespace teescope::cli {

bool TopSource::prepare(const std::string &db, std::string &error)
{
    const char *tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/teescope-top-XXXXXX";
    if (!::mkdtemp(pattern.data())) {
        error = "cannot create a directory for the live database: " + std::string(std::strerror(errno));
        return false;
    }
    dir_ = pattern;
    db_ = db.empty() ? dir_ + "/trace.db" : db;
    log_ = dir_ + "/output.log";
    return true;
}

bool TopSource::start_recording(const std::vector<std::string> &record_options,
                                const std::vector<std::string> &command, const std::string &db, std::string &error)
{
    if (!prepare(db, error))
        return false;
    std::vector<std::string> args{self_dir() + "/teescope", "record", "--live", "--no-summary", "-o",
                                  dir_ + "/trace", "--db", db_};
    args.insert(args.end(), record_options.begin(), record_options.end());
    args.push_back("--");
    args.insert(args.end(), command.begin(), command.end());
    return spawn(args, error);
}

bool TopSource::start_import(const std::string &url, const std::string &db, std::string &error)
{
    if (!prepare(db, error))
        return false;
    return spawn({self_dir() + "/teescope", "import", "--live-url", url, "-o", db_, "--progress", "none"}, error);
}

bool TopSource::spawn(const std::vector<std::string> &args, std::string &error)
{
    // Keys and Ctrl-C belong to the view: top stops the child itself.
    pid_ = spawn_in_own_group(args, log_, SIGINT, error);
    return pid_ > 0;
}

bool TopSource::running()
{
    if (pid_ <= 0)
        return false;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        code_ = exit_code(status);
        pid_ = -1;
        return false;
    }
    return true;
}

int TopSource::stop()
{
    if (running()) {
        ::kill(pid_, SIGINT);
        int status = 0;
        while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
        }
        code_ = exit_code(status);
        pid_ = -1;
    }
    return code_;
}

std::string TopSource::log() const
{
    std::ifstream in(log_);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

} // namespace teescope::cli
