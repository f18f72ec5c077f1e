// SPDX-License-Identifier: MIT
#include "teesim/daemon.h"

#include "teescope/simlink/protocol.h"
#include "teescope/simlink/wire.h"
#include "teescope/tee_uapi.h"
#include "wait.h"
#include "teescope/trace.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <list>
#include <map>
#include <mutex>
#include <thread>

namespace teescope::teesim {

namespace sl = teescope::simlink;

namespace {

struct Channel {
    int fd = -1;
    std::mutex send_mu; // the channel thread's replies and Identity answers
};

struct Connection {
    int fd = -1;
    std::thread thread;
    std::atomic<bool> done{false};
};

bool readable(int fd)
{
    pollfd p{fd, POLLIN, 0};
    return poll(&p, 1, 0) > 0 && (p.revents & POLLIN);
}

bool hung_up(int fd)
{
    pollfd p{fd, POLLRDHUP, 0};
    if (poll(&p, 1, 0) <= 0)
        return false;
    return (p.revents & (POLLHUP | POLLRDHUP | POLLERR | POLLNVAL)) != 0;
}

} // namespace

struct Daemon::Impl {
    Driver driver;
    std::string path;
    int listen_fd = -1;
    int stop_pipe[2] = {-1, -1};
    std::thread acceptor;
    std::mutex mu;
    std::list<Connection> connections;
    std::map<uint64_t, std::shared_ptr<Channel>> channels;
    uint64_t next_channel = 1;
    bool stopping = false;

    explicit Impl(Config c) : driver(std::move(c)) {}

    void accept_loop()
    {
        while (wait_readable(listen_fd, stop_pipe[0])) {
            int fd = accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
            if (fd < 0)
                continue;
            std::lock_guard lk(mu);
            if (stopping) {
                ::close(fd);
                return;
            }
            // Join the threads of connections that are gone.
            for (auto it = connections.begin(); it != connections.end();) {
                if (it->done) {
                    it->thread.join();
                    it = connections.erase(it);
                } else {
                    ++it;
                }
            }
            Connection &c = connections.emplace_back();
            c.fd = fd;
            c.thread = std::thread([this, &c] {
                serve(c.fd);
                std::lock_guard lk2(mu);
                ::close(c.fd);
                c.fd = -1;
                c.done = true;
            });
        }
    }

    void welcome(int fd, int err, uint64_t token, uint32_t ops = 0)
    {
        sl::Welcome w{sl::kMagic, sl::Kind::Welcome, err, err ? 0 : ops, token};
        sl::send_message(fd, &w, sizeof w, nullptr, 0);
    }

    void serve(int fd)
    {
        sl::Hello hello{};
        if (sl::recv_header(fd, &hello, sizeof hello) != 0)
            return;
        if (hello.magic != sl::kMagic || hello.version != sl::kVersion) {
            welcome(fd, EPROTO, 0);
            return;
        }
        if (hello.kind == sl::Kind::HelloContext)
            serve_context(fd, hello);
        else if (hello.kind == sl::Kind::HelloChannel)
            serve_channel(fd, hello);
        else if (hello.kind == sl::Kind::DestroyGuest)
            welcome(fd, driver.destroy_guest(hello.domain), 0);
        else
            welcome(fd, EPROTO, 0);
    }

    void serve_context(int fd, const sl::Hello &hello)
    {
        std::string dev(hello.dev, strnlen(hello.dev, sizeof hello.dev));
        int err = ENOENT;
        uint64_t token = driver.open_context(hello.pid, hello.tid, dev, hello.domain, &err);
        if (!token) {
            welcome(fd, err, 0); // no such device, or the driver refused the open
            return;
        }
        const uint32_t ops = driver.driver_ioctls(token);
        welcome(fd, 0, token, ops);
        for (;;) {
            sl::Identify id{};
            if (sl::recv_header(fd, &id, sizeof id) != 0)
                break; // EOF: the last descriptor of the context is gone
            if (id.magic != sl::kMagic || id.kind != sl::Kind::Identify)
                continue;
            std::shared_ptr<Channel> ch;
            {
                std::lock_guard lk(mu);
                if (auto it = channels.find(id.channel); it != channels.end())
                    ch = it->second;
            }
            if (!ch)
                continue;
            sl::Identity answer{sl::kMagic, sl::Kind::Identity, token, ops, 0};
            std::lock_guard lk(ch->send_mu);
            sl::send_message(ch->fd, &answer, sizeof answer, nullptr, 0);
        }
        driver.close_context(token);
    }

    void serve_channel(int fd, const sl::Hello &hello)
    {
        auto ch = std::make_shared<Channel>();
        ch->fd = fd;
        uint64_t id;
        {
            std::lock_guard lk(mu);
            id = next_channel++;
            channels[id] = ch;
        }
        {
            std::lock_guard lk(ch->send_mu);
            welcome(fd, 0, id);
        }
        // A Cancel waiting on the channel while a call runs is a signal that interrupted it.
        Caller caller{hello.pid, hello.tid, [fd] { return hung_up(fd); }, [fd] { return readable(fd); }};
        std::vector<uint8_t> payload;
        for (;;) {
            sl::CallHeader h{};
            int passed = -1;
            int err = sl::recv_header(fd, &h, sizeof h, &passed);
            if (err == EBADMSG)
                continue; // not a call header: drop the datagram
            if (err)
                break;
            if (h.magic == sl::kMagic && h.kind == sl::Kind::Cancel) {
                if (passed >= 0)
                    ::close(passed);
                continue; // the call it interrupted has ended already
            }
            if (h.magic != sl::kMagic || h.kind != sl::Kind::Call || h.payload != h.arg_len + h.data_len ||
                h.payload > sl::kMaxPayload) {
                if (passed >= 0)
                    ::close(passed);
                // A message we cannot frame: the stream is unusable.
                if (h.payload > sl::kMaxPayload) {
                    if (sl::skip_payload(fd, h.payload))
                        break;
                    reply(*ch, EMSGSIZE, {}, {}, -1);
                    continue;
                }
                break;
            }
            payload.resize(h.payload);
            if (sl::recv_payload(fd, payload.data(), payload.size())) {
                if (passed >= 0)
                    ::close(passed);
                break;
            }
            std::span<const uint8_t> all(payload);
            IoctlReply r = driver.ioctl(caller, h.token, h.cmd, h.buf_len, all.subspan(0, h.arg_len),
                                        all.subspan(h.arg_len), passed);
            if (passed >= 0)
                ::close(passed);
            if (!r.no_reply)
                reply(*ch, r.err, r.arg, r.data, r.fd);
            if (r.fd >= 0)
                ::close(r.fd);
        }
        std::lock_guard lk(mu);
        channels.erase(id);
    }

    void reply(Channel &ch, int err, const std::vector<uint8_t> &arg, const std::vector<uint8_t> &data, int fd)
    {
        sl::ReplyHeader h{sl::kMagic, sl::Kind::Reply, err, static_cast<uint32_t>(arg.size()), data.size(),
                          arg.size() + data.size()};
        iovec parts[2] = {{const_cast<uint8_t *>(arg.data()), arg.size()},
                          {const_cast<uint8_t *>(data.data()), data.size()}};
        std::lock_guard lk(ch.send_mu);
        sl::send_message(ch.fd, &h, sizeof h, parts, 2, fd);
    }
};

Daemon::Daemon(Config config) : d_(std::make_unique<Impl>(std::move(config))) {}

Daemon::~Daemon() { stop(); }

Driver &Daemon::driver() { return d_->driver; }

int Daemon::start(const std::string &socket_path, std::string *error)
{
    auto fail = [&](int err, const std::string &what) {
        if (error)
            *error = what + " " + socket_path + ": " + std::strerror(err);
        if (d_->listen_fd >= 0) {
            ::close(d_->listen_fd);
            d_->listen_fd = -1;
        }
        return err;
    };
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (socket_path.empty() || socket_path.size() >= sizeof addr.sun_path)
        return fail(ENAMETOOLONG, "bad socket path");
    std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
    d_->listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (d_->listen_fd < 0)
        return fail(errno, "cannot create socket for");
    ::unlink(socket_path.c_str()); // a stale socket of an earlier run
    if (bind(d_->listen_fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) < 0)
        return fail(errno, "cannot bind");
    if (listen(d_->listen_fd, 128) < 0)
        return fail(errno, "cannot listen on");
    if (pipe2(d_->stop_pipe, O_CLOEXEC) < 0)
        return fail(errno, "cannot create a pipe for");
    d_->path = socket_path;
    d_->acceptor = std::thread([this] { d_->accept_loop(); });
    return 0;
}

void Daemon::stop()
{
    {
        std::lock_guard lk(d_->mu);
        if (d_->stopping || d_->listen_fd < 0) {
            d_->stopping = true;
            return;
        }
        d_->stopping = true;
        // Wake every reader and channel thread blocked on its socket.
        for (auto &c : d_->connections)
            if (c.fd >= 0)
                ::shutdown(c.fd, SHUT_RDWR);
    }
    char b = 1;
    [[maybe_unused]] ssize_t n = write(d_->stop_pipe[1], &b, 1);
    if (d_->acceptor.joinable())
        d_->acceptor.join();
    {
        // Connections accepted meanwhile.
        std::lock_guard lk(d_->mu);
        for (auto &c : d_->connections)
            if (c.fd >= 0)
                ::shutdown(c.fd, SHUT_RDWR);
    }
    // Calls blocked in the driver see their channel hang up and return; contexts close as their
    // readers see EOF. Only then does the driver stop, so that their releases are still sent.
    for (auto &c : d_->connections)
        if (c.thread.joinable())
            c.thread.join();
    d_->connections.clear();
    d_->driver.shutdown();
    ::close(d_->listen_fd);
    d_->listen_fd = -1;
    for (int &fd : d_->stop_pipe) {
        ::close(fd);
        fd = -1;
    }
    ::unlink(d_->path.c_str());
}

int run_daemon(const DaemonOptions &opts)
{
    Config cfg;
    if (!opts.config_path.empty()) {
        try {
            cfg = load_config(opts.config_path);
        } catch (const ConfigError &e) {
            std::fprintf(stderr, "teesim: bad configuration: %s\n", e.what());
            return 2;
        }
    }
    if (opts.tee)
        cfg.tee = *opts.tee;
    if (opts.threads)
        cfg.optee_threads = *opts.threads;
    if (opts.xen)
        cfg.xen = true;
    if (opts.static_shm)
        cfg.optee_dynamic_shm = false;
    if (cfg.xen && cfg.tee != TeeKind::Optee) {
        std::fprintf(stderr, "teesim: Xen's mediator is OP-TEE's: --xen needs --tee optee\n");
        return 2;
    }
    if (cfg.xen && !cfg.optee_dynamic_shm) {
        std::fprintf(stderr, "teesim: Xen's mediator needs OP-TEE's dynamic shm (no --static-shm with --xen)\n");
        return 2;
    }
    teescope_trace_load();
    // Block the stop signals before any thread starts, so that only sigwait() sees them.
    sigset_t stop_signals, old;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, &old);
    int rc = 0;
    {
        Daemon daemon(cfg);
        std::string error;
        if (daemon.start(opts.socket_path, &error) != 0) {
            std::fprintf(stderr, "teesim: %s\n", error.c_str());
            rc = 1;
        } else {
            std::fprintf(stderr, "teesim: %s%s, listening on %s\n", cfg.tee == TeeKind::Optee ? "OP-TEE" : "QTEE",
                         cfg.xen ? " under Xen" : "", opts.socket_path.c_str());
            int sig = 0;
            while (sigwait(&stop_signals, &sig) != 0) {
            }
            daemon.stop();
        }
    }
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    return rc;
}

} // namespace teescope::teesim
