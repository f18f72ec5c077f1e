// SPDX-License-Identifier: MIT
#include "relay_daemon.h"

#include "teescope/cli/process.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>
#include <vector>

namespace teescope::cli {

namespace {

// A loopback port nobody listens on now (the kernel's choice for port 0). Another program may
// take it before lttng-relayd does: start() then tries again with other ports.
int free_port()
{
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return 0;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    int port = 0;
    if (::bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) == 0
        && ::getsockname(fd, reinterpret_cast<sockaddr *>(&a), &len) == 0)
        port = ntohs(a.sin_port);
    ::close(fd);
    return port;
}

bool answers(int port)
{
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<uint16_t>(port));
    const bool ok = ::connect(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) == 0;
    ::close(fd);
    return ok;
}

std::string file_text(const std::string &path)
{
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string host_name()
{
    char name[256] = {};
    if (::gethostname(name, sizeof name - 1) != 0)
        return "localhost";
    return name;
}

} // namespace

bool RelayDaemon::start(const std::string &output_dir, const std::string &log_path, std::ostream &err)
{
    if (!in_path("lttng-relayd")) {
        err << "teescope record: `lttng-relayd` not found: a live recording streams through the LTTng relay "
               "daemon (Debian: apt-get install lttng-tools, or run scripts/setup.sh)\n";
        return false;
    }
    std::string why;
    for (int attempt = 0; attempt < 3; ++attempt) {
        control_ = free_port();
        data_ = free_port();
        live_ = free_port();
        if (!control_ || !data_ || !live_ || control_ == data_ || data_ == live_ || control_ == live_)
            continue;
        const std::vector<std::string> args{"lttng-relayd",
                                            "-C", "tcp://127.0.0.1:" + std::to_string(control_),
                                            "-D", "tcp://127.0.0.1:" + std::to_string(data_),
                                            "-L", "tcp://127.0.0.1:" + std::to_string(live_),
                                            "-o", output_dir};
        // Its own process group: a Ctrl-C meant for the traced command leaves it serving until
        // the live importer has read everything.
        std::string error;
        pid_ = spawn_in_own_group(args, log_path, SIGTERM, error);
        if (pid_ < 0) {
            err << "teescope record: " << error << "\n";
            return false;
        }
        for (int i = 0; i < 100; ++i) {
            int status;
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                why = "lttng-relayd exited with " + std::to_string(exit_code(status)) + ":\n" + file_text(log_path);
                break;
            }
            if (answers(live_) && answers(control_))
                return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        if (pid_ > 0) {
            stop();
            why = "lttng-relayd did not listen on its ports within 5 s:\n" + file_text(log_path);
        }
    }
    err << "teescope record: cannot start the relay daemon for a live recording: " << why << "\n";
    return false;
}

void RelayDaemon::stop() { end_child(pid_); }

std::string RelayDaemon::session_url() const
{
    return "net://127.0.0.1:" + std::to_string(control_) + ":" + std::to_string(data_);
}

std::string RelayDaemon::live_url(const std::string &session) const
{
    return "net://127.0.0.1:" + std::to_string(live_) + "/host/" + host_name() + "/" + session;
}

int attached_viewers(int live_port, const std::string &session)
{
    // "net://127.0.0.1:PORT/host/HOST/SESSION (timer = N, S stream(s), C client(s) connected)"
    const RunResult r =
        run_capture({"babeltrace2", "--input-format=lttng-live", "net://127.0.0.1:" + std::to_string(live_port)});
    if (r.status != 0)
        return -1;
    std::istringstream lines(r.output);
    for (std::string line; std::getline(lines, line);) {
        const std::string tail = "/" + session + " (";
        const size_t at = line.find(tail);
        if (at == std::string::npos)
            continue;
        std::smatch m;
        if (std::regex_search(line, m, std::regex(R"(, (\d+) client\(s\) connected)")))
            return std::stoi(m[1].str());
    }
    return -1;
}

} // namespace teescope::cli
