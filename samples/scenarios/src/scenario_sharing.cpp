// SPDX-License-Identifier: MIT
// scenario_sharing: one context and one Diagnostics handle used by several processes.
//  (a) a forked child invokes Diagnostics through the inherited descriptor and opens AppLoader
//      in that same context;
//  (b) the context descriptor and the handle go over a UNIX socket to a separately exec'd
//      process (this binary with --receiver FD) that invokes Diagnostics with them;
//  (c) another process opens its own context and its own Diagnostics while the parent still
//      holds its handle: the same secure-world object held by two contexts at once.
#include <cerrno>
#include <cstring>
#include <string>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "qtee/callback.h"
#include "qtee/services.h"
#include "scenarios/common.h"

using namespace teescope::qtee;
using namespace teescope::scenarios;

namespace {

struct SharedHandle {
    uint64_t handle;
};

void send_context(int sock, int context_fd, uint64_t handle)
{
    SharedHandle payload{handle};
    iovec iov{&payload, sizeof(payload)};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
    cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(cmsg), &context_fd, sizeof(int));
    if (::sendmsg(sock, &msg, 0) != sizeof(payload))
        throw std::runtime_error(std::string("sending the context descriptor: ") + std::strerror(errno));
}

std::pair<int, uint64_t> receive_context(int sock)
{
    SharedHandle payload{};
    iovec iov{&payload, sizeof(payload)};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
    const ssize_t n = ::recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    if (n != sizeof(payload))
        throw std::runtime_error("no context descriptor received on descriptor " + std::to_string(sock));
    cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
    if (!cmsg || cmsg->cmsg_type != SCM_RIGHTS)
        throw std::runtime_error("the message carried no descriptor");
    int fd;
    std::memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
    return {fd, payload.handle};
}

// The exec'd process of (b).
int run_receiver(const char *fd_text)
{
    char *end = nullptr;
    const long sock = std::strtol(fd_text, &end, 10);
    if (*fd_text == '\0' || *end != '\0' || sock < 0)
        throw std::runtime_error(std::string("--receiver needs a descriptor number, got '") + fd_text + "'");
    auto [fd, handle] = receive_context(static_cast<int>(sock));
    Context ctx(Adopt{fd});
    // The handle belongs to the sender: use it, never release it.
    Object diagnostics(ctx, handle);
    const HeapInfo heap = query_heap_info(diagnostics);
    diagnostics.leak();
    check(heap.total > 0, "Diagnostics reports an empty heap");
    const char ok = 'k';
    if (::write(static_cast<int>(sock), &ok, 1) != 1)
        throw std::runtime_error("cannot confirm to the sender");
    ::close(static_cast<int>(sock));
    return 0;
}

void scenario()
{
    Context ctx;
    Supplicant supplicant(ctx, 1);
    Object env = register_as_client(ctx, supplicant);
    Object diagnostics = open_service(env, QCOMTEE_UID_DIAGNOSTICS);
    query_heap_info(diagnostics);

    // (a) fork: the child shares the context through the inherited descriptor.
    const uint64_t h = diagnostics.handle();
    const uint64_t env_handle = env.handle();
    const int context_fd = ctx.fd();
    pid_t child = spawn("fork-child", [&] {
        Context shared(Adopt{context_fd});
        Object inherited(shared, h);
        query_heap_info(inherited);
        inherited.leak(); // the parent still uses it
        Object inherited_env(shared, env_handle);
        Object loader = open_service(inherited_env, QCOMTEE_UID_APPLOADER);
        inherited_env.leak();
        loader.reset();
        return 0;
    });
    expect_success(child, "the forked child using the inherited context");

    // (b) descriptor passing to a separately exec'd process.
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        throw std::runtime_error(std::string("socketpair: ") + std::strerror(errno));
    std::fflush(nullptr);
    const pid_t receiver = ::fork();
    if (receiver < 0)
        throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    if (receiver == 0) {
        // Only the receiver's end survives exec; the inherited context descriptor is CLOEXEC.
        ::close(sv[0]);
        ::fcntl(sv[1], F_SETFD, 0);
        const std::string fd_text = std::to_string(sv[1]);
        ::execl("/proc/self/exe", "scenario_sharing", "--receiver", fd_text.c_str(), static_cast<char *>(nullptr));
        std::fprintf(stderr, "scenario_sharing: exec of the receiver failed: %s\n", std::strerror(errno));
        std::_Exit(127);
    }
    ::close(sv[1]);
    send_context(sv[0], ctx.fd(), diagnostics.handle());
    char ok = 0;
    if (::read(sv[0], &ok, 1) != 1 || ok != 'k')
        throw std::runtime_error("the receiver did not confirm its invocation");
    ::close(sv[0]);
    expect_success(receiver, "the receiver of the passed context");

    // (c) a second context holding the same Diagnostics while the parent still holds h.
    Pipe opened, done;
    pid_t other = spawn("own-context", [&] {
        opened.close_read();
        done.close_write();
        Context own;
        Supplicant own_supplicant(own, 1);
        {
            Object own_env = register_as_client(own, own_supplicant);
            Object own_diagnostics = open_service(own_env, QCOMTEE_UID_DIAGNOSTICS);
            query_heap_info(own_diagnostics);
            opened.send('o');
            done.expect('d', "the parent's invocation");
        }
        own_supplicant.stop();
        own.close();
        return 0;
    });
    opened.close_write();
    done.close_read();
    opened.expect('o', "the other process's Diagnostics");
    query_heap_info(diagnostics); // both contexts hold Diagnostics now
    done.send('d');
    expect_success(other, "the process with its own context");

    diagnostics.reset();
    env.reset();
    supplicant.stop();
    ctx.close();
    std::printf("scenario_sharing: context shared by fork, descriptor passing and a second context\n");
}

} // namespace

int main(int argc, char **argv)
{
    set_program("scenario_sharing");
    if (argc == 3 && std::strcmp(argv[1], "--receiver") == 0)
        return run_main("scenario_sharing/receiver", [&] { run_receiver(argv[2]); });
    if (!parse_options(argc, argv,
                       "A context and a Diagnostics handle shared by fork, by descriptor passing (exec'd receiver: "
                       "--receiver FD) and held alongside a second context.",
                       {}))
        return 0;
    return run_main("scenario_sharing", scenario);
}
