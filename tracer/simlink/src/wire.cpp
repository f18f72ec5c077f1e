// SPDX-License-Identifier: MIT
#include "teescope/simlink/wire.h"

#include "teescope/simlink/protocol.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace teescope::simlink {

namespace {

int send_datagram(int sock, const void *buf, size_t len, int fd_to_pass)
{
    iovec iov{const_cast<void *>(buf), len};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
    if (fd_to_pass >= 0) {
        std::memset(control, 0, sizeof control);
        msg.msg_control = control;
        msg.msg_controllen = sizeof control;
        cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        std::memcpy(CMSG_DATA(c), &fd_to_pass, sizeof(int));
    }
    for (;;) {
        ssize_t n = ::sendmsg(sock, &msg, MSG_NOSIGNAL);
        if (n >= 0)
            return static_cast<size_t>(n) == len ? 0 : EMSGSIZE;
        if (errno == EINTR)
            continue;
        return errno;
    }
}

} // namespace

int send_message(int sock, const void *header, size_t header_len, const iovec *parts, int nparts,
                 int fd_to_pass)
{
    if (int err = send_datagram(sock, header, header_len, fd_to_pass))
        return err;
    // Coalesce the parts into chunks of at most kChunk bytes per datagram.
    int part = 0;
    size_t offset = 0;
    while (part < nparts) {
        iovec iov[8];
        int niov = 0;
        size_t chunk = 0;
        while (part < nparts && niov < 8 && chunk < kChunk) {
            size_t left = parts[part].iov_len - offset;
            if (left == 0) {
                ++part;
                offset = 0;
                continue;
            }
            size_t take = std::min(left, kChunk - chunk);
            iov[niov++] = {static_cast<char *>(parts[part].iov_base) + offset, take};
            chunk += take;
            offset += take;
            if (offset == parts[part].iov_len) {
                ++part;
                offset = 0;
            }
        }
        if (chunk == 0)
            break;
        msghdr msg{};
        msg.msg_iov = iov;
        msg.msg_iovlen = static_cast<size_t>(niov);
        for (;;) {
            ssize_t n = ::sendmsg(sock, &msg, MSG_NOSIGNAL);
            if (n >= 0) {
                if (static_cast<size_t>(n) != chunk)
                    return EMSGSIZE;
                break;
            }
            if (errno != EINTR)
                return errno;
        }
    }
    return 0;
}

int recv_header(int sock, void *header, size_t header_len, int *fd_out, bool interruptible)
{
    if (fd_out)
        *fd_out = -1;
    iovec iov{header, header_len};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * 4)];
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t n;
    do {
        n = ::recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR && !interruptible);
    if (n < 0)
        return errno == ECONNRESET ? EPIPE : errno;
    // Keep at most one passed descriptor; close any others so nothing leaks.
    for (cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
            continue;
        size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < count; ++i) {
            int fd;
            std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
            if (fd_out && *fd_out < 0)
                *fd_out = fd;
            else
                ::close(fd);
        }
    }
    if (n == 0)
        return EPIPE;
    if (static_cast<size_t>(n) != header_len || (msg.msg_flags & MSG_TRUNC)) {
        if (fd_out && *fd_out >= 0) {
            ::close(*fd_out);
            *fd_out = -1;
        }
        return EBADMSG;
    }
    return 0;
}

int recv_payload(int sock, void *buf, size_t len)
{
    auto *p = static_cast<char *>(buf);
    size_t got = 0;
    while (got < len) {
        size_t want = std::min(kChunk, len - got);
        ssize_t n = ::recv(sock, p + got, want, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return errno == ECONNRESET ? EPIPE : errno;
        }
        if (n == 0)
            return EPIPE;
        got += static_cast<size_t>(n);
    }
    return 0;
}

int skip_payload(int sock, size_t len)
{
    char scratch[4096];
    while (len > 0) {
        // A datagram longer than the scratch buffer is truncated and counted whole (MSG_TRUNC).
        ssize_t n = ::recv(sock, scratch, sizeof scratch, MSG_TRUNC);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        if (n == 0)
            return EPIPE;
        len -= std::min(len, static_cast<size_t>(n));
    }
    return 0;
}

int connect_to(const char *path, bool cloexec)
{
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (std::strlen(path) >= sizeof addr.sun_path)
        return -ENAMETOOLONG;
    std::strcpy(addr.sun_path, path);
    int s = ::socket(AF_UNIX, SOCK_SEQPACKET | (cloexec ? SOCK_CLOEXEC : 0), 0);
    if (s < 0)
        return -errno;
    int r;
    do {
        r = ::connect(s, reinterpret_cast<sockaddr *>(&addr), sizeof addr);
    } while (r < 0 && errno == EINTR);
    if (r < 0) {
        int err = errno;
        ::close(s);
        return -err;
    }
    return s;
}

} // namespace teescope::simlink
