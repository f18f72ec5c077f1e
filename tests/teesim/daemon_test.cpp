// SPDX-License-Identifier: MIT
// teesim's socket side, spoken to with raw simlink messages.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic"
#include "teescope/tee_uapi.h"
#pragma GCC diagnostic pop

#include "teescope/simlink/protocol.h"
#include "teescope/simlink/wire.h"
#include "teesim/daemon.h"

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

using namespace teescope;
namespace sl = teescope::simlink;

namespace {

using Bytes = std::vector<uint8_t>;

std::string socket_path(const char *name)
{
    return ::testing::TempDir() + "teesim-" + std::to_string(getpid()) + "-" + name + ".sock";
}

sl::Welcome hello(int fd, sl::Kind kind, const char *dev = "tee0")
{
    sl::Hello h{};
    h.magic = sl::kMagic;
    h.version = sl::kVersion;
    h.kind = kind;
    h.pid = getpid();
    h.tid = 1234;
    std::strncpy(h.dev, dev, sizeof h.dev - 1);
    EXPECT_EQ(sl::send_message(fd, &h, sizeof h, nullptr, 0), 0);
    sl::Welcome w{};
    EXPECT_EQ(sl::recv_header(fd, &w, sizeof w), 0);
    EXPECT_EQ(w.kind, sl::Kind::Welcome);
    return w;
}

struct Reply {
    int err = -1;
    Bytes arg;
    Bytes data;
};

Reply call(int channel, uint64_t token, uint32_t cmd, uint64_t buf_len, const Bytes &arg, const Bytes &data = {})
{
    sl::CallHeader h{sl::kMagic, sl::Kind::Call, cmd, static_cast<uint32_t>(arg.size()), token, buf_len,
                     data.size(), arg.size() + data.size()};
    iovec parts[2] = {{const_cast<uint8_t *>(arg.data()), arg.size()}, {const_cast<uint8_t *>(data.data()), data.size()}};
    EXPECT_EQ(sl::send_message(channel, &h, sizeof h, parts, 2), 0);
    sl::ReplyHeader rh{};
    Reply r;
    if (sl::recv_header(channel, &rh, sizeof rh) != 0)
        return r;
    Bytes payload(rh.payload);
    EXPECT_EQ(sl::recv_payload(channel, payload.data(), payload.size()), 0);
    r.err = rh.err;
    r.arg.assign(payload.begin(), payload.begin() + rh.arg_len);
    r.data.assign(payload.begin() + rh.arg_len, payload.end());
    return r;
}

TEST(TeesimDaemon, VersionAndObjectInvokeOverTheSocket)
{
    std::string path = socket_path("basic");
    teesim::Daemon daemon;
    std::string error;
    ASSERT_EQ(daemon.start(path, &error), 0) << error;

    int ctx_fd = sl::connect_to(path.c_str(), true);
    ASSERT_GE(ctx_fd, 0);
    sl::Welcome cw = hello(ctx_fd, sl::Kind::HelloContext);
    ASSERT_EQ(cw.err, 0);
    uint64_t token = cw.token;
    EXPECT_EQ(token, 1u);

    int ch = sl::connect_to(path.c_str(), true);
    ASSERT_GE(ch, 0);
    sl::Welcome chw = hello(ch, sl::Kind::HelloChannel);
    ASSERT_EQ(chw.err, 0);

    // Identify: the daemon tells the channel which context the connection stands for.
    sl::Identify id{sl::kMagic, sl::Kind::Identify, chw.token};
    ASSERT_EQ(sl::send_message(ctx_fd, &id, sizeof id, nullptr, 0), 0);
    sl::Identity who{};
    ASSERT_EQ(sl::recv_header(ch, &who, sizeof who), 0);
    EXPECT_EQ(who.kind, sl::Kind::Identity);
    EXPECT_EQ(who.token, token);

    Reply v = call(ch, token, TEE_IOC_VERSION, sizeof(tee_ioctl_version_data), Bytes(sizeof(tee_ioctl_version_data)));
    ASSERT_EQ(v.err, 0);
    tee_ioctl_version_data vd{};
    ASSERT_EQ(v.arg.size(), sizeof vd);
    std::memcpy(&vd, v.arg.data(), sizeof vd);
    EXPECT_EQ(vd.impl_id, TEE_IMPL_ID_QTEE);
    EXPECT_EQ(vd.gen_caps, TEE_GEN_CAP_OBJREF);

    // Root object, register-as-client without its credentials object: INVALID from QTEE.
    Bytes arg(sizeof(tee_ioctl_object_invoke_arg) + sizeof(tee_ioctl_param), 0);
    tee_ioctl_object_invoke_arg head{TEE_OBJREF_NULL, QCOMTEE_ROOT_OP_REGISTER_AS_CLIENT, 0, 1, 0};
    tee_ioctl_param out{TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_OUTPUT, 0, 0, 0};
    std::memcpy(arg.data(), &head, sizeof head);
    std::memcpy(arg.data() + sizeof head, &out, sizeof out);
    Reply inv = call(ch, token, TEE_IOC_OBJECT_INVOKE, arg.size(), arg);
    ASSERT_EQ(inv.err, 0);
    ASSERT_EQ(inv.arg.size(), arg.size());
    std::memcpy(&head, inv.arg.data(), sizeof head);
    EXPECT_EQ(head.ret, static_cast<uint32_t>(QCOMTEE_MSG_ERROR_INVALID));

    // A malformed one: EINVAL from the driver.
    Reply bad = call(ch, token, TEE_IOC_OBJECT_INVOKE, 8, Bytes(8));
    EXPECT_EQ(bad.err, EINVAL);
    // Sessions do not exist on QTEE.
    EXPECT_EQ(call(ch, token, TEE_IOC_CLOSE_SESSION, 4, Bytes(4)).err, EINVAL);

    // Closing the context connection closes and releases the context.
    ::close(ctx_fd);
    bool released = false;
    for (int i = 0; i < 200 && !released; ++i) {
        released = daemon.driver().context_released(token);
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    EXPECT_TRUE(released);
    EXPECT_EQ(call(ch, token, TEE_IOC_VERSION, 12, Bytes(12)).err, EBADF);
    ::close(ch);

    daemon.stop();
    struct stat st;
    EXPECT_NE(::stat(path.c_str(), &st), 0); // socket unlinked
}

TEST(TeesimDaemon, RefusesUnknownDevicesAndBadHellos)
{
    std::string path = socket_path("refuse");
    teesim::Daemon daemon;
    ASSERT_EQ(daemon.start(path), 0);
    int fd = sl::connect_to(path.c_str(), true);
    ASSERT_GE(fd, 0);
    EXPECT_EQ(hello(fd, sl::Kind::HelloContext, "teepriv0").err, ENOENT);
    ::close(fd);
    fd = sl::connect_to(path.c_str(), true);
    sl::Hello h{};
    h.magic = 0x1234;
    ASSERT_EQ(sl::send_message(fd, &h, sizeof h, nullptr, 0), 0);
    sl::Welcome w{};
    ASSERT_EQ(sl::recv_header(fd, &w, sizeof w), 0);
    EXPECT_EQ(w.err, EPROTO);
    ::close(fd);
}

TEST(TeesimDaemon, StopWakesABlockedSupplicant)
{
    std::string path = socket_path("stop");
    auto daemon = std::make_unique<teesim::Daemon>();
    ASSERT_EQ(daemon->start(path), 0);
    int ctx_fd = sl::connect_to(path.c_str(), true);
    uint64_t token = hello(ctx_fd, sl::Kind::HelloContext).token;
    int ch = sl::connect_to(path.c_str(), true);
    hello(ch, sl::Kind::HelloChannel);
    std::thread supplicant([&] {
        Bytes arg(sizeof(tee_iocl_supp_recv_arg) + sizeof(tee_ioctl_param), 0);
        tee_iocl_supp_recv_arg head{0, 1};
        tee_ioctl_param meta{TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT | TEE_IOCTL_PARAM_ATTR_META, 0x1000, 64, 0};
        std::memcpy(arg.data(), &head, sizeof head);
        std::memcpy(arg.data() + sizeof head, &meta, sizeof meta);
        call(ch, token, TEE_IOC_SUPPL_RECV, arg.size(), arg);
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    auto start = std::chrono::steady_clock::now();
    daemon->stop();
    supplicant.join();
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
    ::close(ctx_fd);
    ::close(ch);
}

} // namespace
