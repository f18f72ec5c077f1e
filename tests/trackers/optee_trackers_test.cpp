// SPDX-License-Identifier: MIT
// The OP-TEE trackers on synthetic event sequences: sessions (open, failed, closed by the
// client, at release, with their guest), OP-TEE calls joined with their user side, RPCs to
// tee-supplicant, waits for an OP-TEE thread, shm and its uses, Xen guests.
#include "teescope/importer/trackers.h"

#include "collector.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

using namespace teescope::importer;
using teescope::importer::test::Collector;

namespace {

constexpr int32_t daemon = 50; // the process that emits driver events (teesim)
const uint8_t kHelloWorld[16] = {0x8a, 0xaa, 0xf2, 0x00, 0x24, 0x50, 0x11, 0xe4,
                                 0xab, 0xe2, 0x00, 0x02, 0xa5, 0xd5, 0xc5, 0x1b};
constexpr uint32_t kTeecErrorItemNotFound = 0xFFFF0008;
constexpr uint32_t kCmdShmAlloc = 6, kCmdLoadTa = 0, kCmdFs = 2;

// OP-TEE events from the generated structs, one clock tick apart.
class OpteeFeed {
public:
    explicit OpteeFeed(Trackers &t) : t_(t) {}
    int64_t ts = 1000;

    EventHeader drv() { return EventHeader{ts += 10, daemon, daemon, "teesim"}; }
    EventHeader user(int64_t pid, int64_t tid, std::string_view name = "client") {
        return EventHeader{ts += 10, pid, tid, name};
    }

    void open_ctx(uint64_t ctx, int32_t pid, uint32_t guest = 0, const char *dev = "tee0", int32_t tid = 0) {
        teescope_drv_context_open e{pid, tid ? tid : pid, ctx, 1, guest, dev};
        t_.on_drv_context_open(drv(), e);
    }
    void close_ctx(uint64_t ctx, int32_t pid = 0) {
        teescope_drv_context_close e{pid, pid, ctx, 0, 0};
        t_.on_drv_context_close(drv(), e);
    }
    void release_ctx(uint64_t ctx) {
        teescope_drv_context_release e{0, 0, ctx};
        t_.on_drv_context_release(drv(), e);
    }
    void open_begin(uint64_t ctx, uint64_t inv, int32_t pid, int32_t tid, uint32_t guest = 0, uint32_t login = 0) {
        teescope_drv_optee_open_begin e{pid, tid, ctx, guest, inv, kHelloWorld, login, 4};
        t_.on_drv_optee_open_begin(drv(), e);
    }
    void open_end(uint64_t ctx, uint64_t inv, uint32_t session, int32_t pid, int32_t tid, uint32_t guest = 0,
                  uint32_t ret = 0, uint32_t origin = 0, int32_t err = 0) {
        teescope_drv_optee_open_end e{pid, tid, ctx, guest, inv, session, ret, origin, err};
        t_.on_drv_optee_open_end(drv(), e);
    }
    void invoke_begin(uint64_t ctx, uint64_t inv, uint32_t session, uint32_t func, int32_t pid, int32_t tid,
                      uint32_t guest = 0) {
        teescope_drv_optee_invoke_begin e{pid, tid, ctx, guest, inv, session, func, 4};
        t_.on_drv_optee_invoke_begin(drv(), e);
    }
    void invoke_end(uint64_t ctx, uint64_t inv, int32_t pid, int32_t tid, uint32_t guest = 0, uint32_t ret = 0,
                    uint32_t origin = 0, int32_t err = 0) {
        teescope_drv_optee_invoke_end e{pid, tid, ctx, guest, inv, ret, origin, err};
        t_.on_drv_optee_invoke_end(drv(), e);
    }
    void close(uint64_t ctx, uint32_t session, int32_t pid, int32_t tid, uint32_t guest = 0, int32_t err = 0) {
        teescope_drv_optee_close e{pid, tid, ctx, guest, session, err};
        t_.on_drv_optee_close(drv(), e);
    }
    void rpc_begin(uint64_t supp_ctx, uint64_t inv, uint32_t cmd, int32_t pid, int32_t tid, uint32_t guest = 0) {
        teescope_drv_optee_rpc_begin e{pid, tid, supp_ctx, guest, inv, 0, cmd};
        t_.on_drv_optee_rpc_begin(drv(), e);
    }
    void rpc_end(uint64_t supp_ctx, uint64_t inv, uint32_t request, int32_t pid, int32_t tid, uint32_t guest = 0,
                 uint32_t ret = 0) {
        teescope_drv_optee_rpc_end e{pid, tid, supp_ctx, guest, inv, request, ret};
        t_.on_drv_optee_rpc_end(drv(), e);
    }
    void pick(uint64_t supp_ctx, uint32_t request, uint32_t cmd, int32_t pid, int32_t tid) {
        teescope_drv_request_pick e{pid, tid, supp_ctx, request, cmd};
        t_.on_drv_request_pick(drv(), e);
    }
    void answer(uint64_t supp_ctx, uint32_t request, int32_t pid, int32_t tid, int32_t ret = 0, uint64_t out = 16) {
        teescope_drv_request_answer e{pid, tid, supp_ctx, request, ret, 0, out};
        t_.on_drv_request_answer(drv(), e);
    }
    void wait_begin(uint64_t ctx, uint64_t inv, int32_t pid, int32_t tid, uint32_t guest = 0,
                    int32_t reason = TEESCOPE_WAIT_REASON_NO_THREAD) {
        teescope_drv_optee_wait_begin e{pid, tid, ctx, guest, inv, reason};
        t_.on_drv_optee_wait_begin(drv(), e);
    }
    void wait_end(uint64_t ctx, uint64_t inv, int32_t pid, int32_t tid, uint32_t guest = 0) {
        teescope_drv_optee_wait_end e{pid, tid, ctx, guest, inv};
        t_.on_drv_optee_wait_end(drv(), e);
    }
    void memref(uint64_t ctx, uint64_t inv, uint32_t index, int32_t shm, int32_t pid, int32_t tid, uint32_t guest = 0,
                uint8_t dir = 3) {
        teescope_drv_optee_memref e{pid, tid, ctx, guest, inv, index, shm, 0, 64, dir};
        t_.on_drv_optee_memref(drv(), e);
    }
    void shm_alloc(uint64_t ctx, int32_t shm, int32_t pid, int32_t tid = 0) {
        teescope_drv_shm_alloc e{pid, tid ? tid : pid, ctx, shm, 4096, 0};
        t_.on_drv_shm_alloc(drv(), e);
    }
    void shm_free(uint64_t ctx, int32_t shm, int32_t pid = 0) {
        teescope_drv_shm_free e{pid, pid, ctx, shm, 4096};
        t_.on_drv_shm_free(drv(), e);
    }
    void guest_create(uint32_t guest, uint32_t threads) {
        teescope_drv_guest_create e{0, 0, guest, threads};
        t_.on_drv_guest_create(drv(), e);
    }
    void guest_destroy(uint32_t guest, uint32_t contexts, uint32_t sessions, uint32_t shm) {
        teescope_drv_guest_destroy e{0, 0, guest, contexts, sessions, shm};
        t_.on_drv_guest_destroy(drv(), e);
    }
    void user_open_begin(int64_t pid, int64_t tid, uint64_t serial) {
        teescope_user_open_session_begin e{3, serial, kHelloWorld, 0, 4};
        t_.on_user_open_session_begin(user(pid, tid), e);
    }
    void user_open_end(int64_t pid, int64_t tid, uint64_t serial, uint32_t session, uint32_t ret = 0,
                       uint32_t origin = 0, int32_t err = 0) {
        teescope_user_open_session_end e{3, serial, err, session, ret, origin};
        t_.on_user_open_session_end(user(pid, tid), e);
    }
    void user_invoke_begin(int64_t pid, int64_t tid, uint64_t serial, uint32_t session, uint32_t func) {
        teescope_user_session_invoke_begin e{3, serial, session, func, 4};
        t_.on_user_session_invoke_begin(user(pid, tid), e);
    }
    void user_invoke_end(int64_t pid, int64_t tid, uint64_t serial, uint32_t ret = 0, uint32_t origin = 0,
                         int32_t err = 0) {
        teescope_user_session_invoke_end e{3, serial, err, ret, origin};
        t_.on_user_session_invoke_end(user(pid, tid), e);
    }
    void user_close(int64_t pid, int64_t tid, uint32_t session, int32_t err = 0) {
        teescope_user_close_session e{3, session, err};
        t_.on_user_close_session(user(pid, tid), e);
    }
    void user_shm_register(int64_t pid, int32_t shm, int32_t shm_fd) {
        teescope_user_shm_register e{3, 0x1000, -1, 64, 0, shm, shm_fd, 0};
        t_.on_user_shm_register(user(pid, pid), e);
    }
    void user_fd_dup(int64_t pid, int32_t fd, int32_t newfd) {
        teescope_user_fd_dup e{fd, newfd, 0};
        t_.on_user_fd_dup(user(pid, pid), e);
    }
    void user_fd_close(int64_t pid, int32_t fd) {
        teescope_user_fd_close e{fd, 0};
        t_.on_user_fd_close(user(pid, pid), e);
    }
    void exit(int64_t pid) {
        teescope_user_proc_exit e{0};
        t_.on_user_proc_exit(user(pid, pid), e);
    }
    void end() { t_.on_end(ts += 10); }

    // A complete OPEN_SESSION of (pid, tid) that opens `session`.
    void open_session(uint64_t ctx, uint64_t inv, uint32_t session, int32_t pid, int32_t tid, uint32_t guest = 0) {
        open_begin(ctx, inv, pid, tid, guest);
        open_end(ctx, inv, session, pid, tid, guest);
    }

private:
    Trackers &t_;
};

struct Fixture {
    Collector rows;
    Trackers trackers{rows};
    OpteeFeed feed{trackers};
};

std::vector<const InvocationRow *> calls(const Collector &c, const std::string &call) {
    std::vector<const InvocationRow *> v;
    for (const auto &i : c.invocations)
        if (i.call == call)
            v.push_back(&i);
    std::sort(v.begin(), v.end(), [](auto *a, auto *b) { return a->id < b->id; });
    return v;
}

std::vector<const CallbackRequestRow *> rpcs(const Collector &c) {
    std::vector<const CallbackRequestRow *> v;
    for (const auto &r : c.requests)
        if (r.kind == "rpc")
            v.push_back(&r);
    std::sort(v.begin(), v.end(), [](auto *a, auto *b) { return a->id < b->id; });
    return v;
}

Id context_id(const Collector &c, int64_t serial) {
    for (const auto &x : c.contexts)
        if (x.serial == serial)
            return x.id;
    ADD_FAILURE() << "no context " << serial;
    return -1;
}

// OPEN_SESSION, INVOKE and CLOSE_SESSION of one client thread, user and driver sides joined.
TEST(OpteeTrackers, SessionLifecycleAndCallsJoinedWithTheirUserSide) {
    Fixture f;
    f.feed.open_ctx(1, 100);
    f.feed.user_open_begin(100, 101, 1);
    f.feed.open_begin(1, 10, 100, 101, 0, 4);
    f.feed.open_end(1, 10, 7, 100, 101);
    f.feed.user_open_end(100, 101, 1, 7);
    f.feed.user_invoke_begin(100, 101, 2, 7, 0);
    f.feed.invoke_begin(1, 11, 7, 0, 100, 101);
    f.feed.invoke_end(1, 11, 100, 101, 0, kTeecErrorItemNotFound, 4);
    f.feed.user_invoke_end(100, 101, 2, kTeecErrorItemNotFound, 4);
    f.feed.close(1, 7, 100, 101);
    f.feed.user_close(100, 101, 7);
    f.feed.end();

    ASSERT_EQ(f.rows.sessions.size(), 1u);
    const SessionRow &s = f.rows.sessions[0];
    EXPECT_EQ(s.end_kind, "closed");
    EXPECT_EQ(s.uuid, "8aaaf200-2450-11e4-abe2-0002a5d5c51b");
    EXPECT_EQ(s.session, 7);
    EXPECT_EQ(s.login, 4);
    EXPECT_EQ(s.context_id, context_id(f.rows, 1));
    ASSERT_TRUE(s.process_id && s.thread_id);
    EXPECT_EQ(f.rows.process(*s.process_id)->pid, 100);
    EXPECT_EQ(s.thread_id, f.rows.thread_id(101));
    EXPECT_TRUE(s.open_ts && s.close_ts);
    EXPECT_FALSE(s.origin_unknown);

    auto opens = calls(f.rows, "open_session");
    auto invokes = calls(f.rows, "invoke");
    auto closes = calls(f.rows, "close_session");
    ASSERT_EQ(opens.size(), 1u);
    ASSERT_EQ(invokes.size(), 1u);
    ASSERT_EQ(closes.size(), 1u);
    EXPECT_EQ(f.rows.invocations.size(), 3u); // every user side joined its driver side
    EXPECT_EQ(s.opened_by, opens[0]->id);
    EXPECT_EQ(s.closed_by, closes[0]->id);
    for (const InvocationRow *i : {opens[0], invokes[0], closes[0]}) {
        EXPECT_EQ(i->session_id, s.id) << i->call;
        EXPECT_EQ(i->context_id, s.context_id) << i->call;
        EXPECT_EQ(i->thread_id, f.rows.thread_id(101)) << i->call;
        EXPECT_TRUE(i->drv_end_ts) << i->call;
        EXPECT_EQ(bool(i->drv_begin_ts), i->call != "close_session") << i->call; // a close that never waited: no start
        EXPECT_TRUE(i->user_end_ts) << i->call;
        EXPECT_FALSE(i->end_inferred) << i->call;
    }
    EXPECT_EQ(opens[0]->op, kOpOpenSession);
    EXPECT_EQ(opens[0]->user_serial, 1);
    EXPECT_LE(*opens[0]->user_begin_ts, *opens[0]->drv_begin_ts);
    EXPECT_LE(*opens[0]->drv_end_ts, *opens[0]->user_end_ts);
    EXPECT_EQ(invokes[0]->op, 0);
    EXPECT_EQ(invokes[0]->ret, int64_t(kTeecErrorItemNotFound)); // a GP code, unsigned
    EXPECT_EQ(invokes[0]->origin, 4);
    EXPECT_EQ(invokes[0]->user_serial, 2);
    EXPECT_EQ(closes[0]->op, kOpCloseSession);
    EXPECT_FALSE(closes[0]->user_begin_ts); // CLOSE_SESSION is traced once, after it returned
    EXPECT_LE(*closes[0]->drv_end_ts, *closes[0]->user_end_ts);
    EXPECT_TRUE(f.rows.stats.empty()) << f.rows.stats.begin()->first;
}

TEST(OpteeTrackers, FailedOpenIsASessionThatFailed) {
    Fixture f;
    f.feed.open_ctx(1, 100);
    f.feed.open_begin(1, 10, 100, 100);
    f.feed.open_end(1, 10, 0, 100, 100, 0, kTeecErrorItemNotFound, 3);
    f.feed.end();

    ASSERT_EQ(f.rows.sessions.size(), 1u);
    const SessionRow &s = f.rows.sessions[0];
    EXPECT_EQ(s.end_kind, "failed");
    EXPECT_EQ(s.ret, int64_t(kTeecErrorItemNotFound));
    EXPECT_EQ(s.origin, 3);
    EXPECT_EQ(s.err, 0);
    EXPECT_FALSE(s.session);
    EXPECT_TRUE(s.open_ts);
    auto opens = calls(f.rows, "open_session");
    ASSERT_EQ(opens.size(), 1u);
    EXPECT_EQ(opens[0]->ret, int64_t(kTeecErrorItemNotFound));
    EXPECT_EQ(opens[0]->session_id, s.id);
    EXPECT_EQ(s.opened_by, opens[0]->id);
}

// The client exits with a session open: its context is closed and released, which closes it.
TEST(OpteeTrackers, SessionClosedAtReleaseHasNoCloseCall) {
    Fixture f;
    f.feed.open_ctx(1, 100);
    f.feed.open_session(1, 10, 3, 100, 100);
    f.feed.exit(100);
    f.feed.close_ctx(1, 100);
    f.feed.close(1, 3, 100, 100);
    f.feed.release_ctx(1);
    f.feed.end();

    ASSERT_EQ(f.rows.sessions.size(), 1u);
    EXPECT_EQ(f.rows.sessions[0].end_kind, "closed_at_release");
    EXPECT_TRUE(f.rows.sessions[0].close_ts);
    EXPECT_FALSE(f.rows.sessions[0].closed_by);
    EXPECT_TRUE(calls(f.rows, "close_session").empty());
}

TEST(OpteeTrackers, SessionNeverClosedIsOpenAtEnd) {
    Fixture f;
    f.feed.open_ctx(1, 100);
    f.feed.open_session(1, 10, 3, 100, 100);
    f.feed.end();
    ASSERT_EQ(f.rows.sessions.size(), 1u);
    EXPECT_EQ(f.rows.sessions[0].end_kind, "open_at_end");
    EXPECT_FALSE(f.rows.sessions[0].end_inferred);
}

// Xen: guest 2 is destroyed with a context, a session and a shm still held; what follows is
// the partition going away. Guest 3 lives on.
TEST(OpteeTrackers, GuestDestroyDropsItsSessionsAndShm) {
    Fixture f;
    f.feed.guest_create(2, 4);
    f.feed.guest_create(3, 8);
    f.feed.open_ctx(1, 200, 2);
    f.feed.open_ctx(2, 300, 3);
    f.feed.open_session(1, 10, 1, 200, 200, 2);
    f.feed.open_session(2, 11, 1, 300, 300, 3); // the same raw session id in the other guest
    f.feed.shm_alloc(1, 1, 200);
    f.feed.shm_alloc(2, 1, 300); // the same raw shm id in the other guest
    f.feed.guest_destroy(2, 1, 1, 1);
    f.feed.close_ctx(1);
    f.feed.close(1, 1, 0, 0, 2);
    f.feed.shm_free(1, 1);
    f.feed.release_ctx(1);
    f.feed.end();

    ASSERT_EQ(f.rows.guests.size(), 2u);
    auto guest = [&](int64_t g) {
        return *std::find_if(f.rows.guests.begin(), f.rows.guests.end(), [&](auto &r) { return r.guest == g; });
    };
    EXPECT_EQ(guest(2).end_kind, "destroyed");
    EXPECT_EQ(guest(2).threads, 4);
    EXPECT_TRUE(guest(2).created_ts && guest(2).destroyed_ts);
    EXPECT_EQ(guest(2).contexts_dropped, 1);
    EXPECT_EQ(guest(2).sessions_dropped, 1);
    EXPECT_EQ(guest(2).shm_dropped, 1);
    EXPECT_FALSE(guest(2).origin_unknown);
    EXPECT_EQ(guest(3).end_kind, "alive_at_end");
    EXPECT_FALSE(guest(3).destroyed_ts);

    ASSERT_EQ(f.rows.sessions.size(), 2u);
    for (const auto &s : f.rows.sessions)
        EXPECT_EQ(s.end_kind, s.guest == 2 ? "closed_by_guest_destroy" : "open_at_end") << s.guest;
    ASSERT_EQ(f.rows.shms.size(), 2u);
    for (const auto &s : f.rows.shms) {
        if (s.guest == 2) {
            EXPECT_EQ(s.end_kind, "freed");
            EXPECT_EQ(s.freed_by, "guest_destroy");
        } else {
            EXPECT_EQ(s.guest, 3);
            EXPECT_EQ(s.end_kind, "alive_at_end");
        }
    }
    // Processes belong to the guest of their contexts.
    EXPECT_EQ(f.rows.processes_with_pid(200).at(0)->guest, 2);
    EXPECT_EQ(f.rows.processes_with_pid(300).at(0)->guest, 3);
    EXPECT_TRUE(calls(f.rows, "close_session").empty());
}

// A context released with a session whose close was not seen (lost): closed at release, inferred.
TEST(OpteeTrackers, SessionOfAReleasedContextWhoseCloseWasLost) {
    Fixture f;
    f.feed.open_ctx(1, 300);
    f.feed.open_session(1, 10, 1, 300, 300);
    f.feed.close_ctx(1);
    f.feed.release_ctx(1);
    f.feed.end();
    ASSERT_EQ(f.rows.sessions.size(), 1u);
    EXPECT_EQ(f.rows.sessions[0].end_kind, "closed_at_release");
    EXPECT_TRUE(f.rows.sessions[0].end_inferred);
    EXPECT_EQ(f.rows.stats.at("unobserved_optee_close").count, 1u);
    EXPECT_EQ(f.rows.stats.at("unobserved_optee_close").severity, "data_loss");
}

TEST(OpteeTrackers, GuestSeenBeforeItsCreateHasUnknownOrigin) {
    Fixture f;
    f.feed.open_ctx(1, 200, 5);
    f.feed.end();
    ASSERT_EQ(f.rows.guests.size(), 1u);
    EXPECT_EQ(f.rows.guests[0].guest, 5);
    EXPECT_TRUE(f.rows.guests[0].origin_unknown);
    EXPECT_FALSE(f.rows.guests[0].created_ts);
    EXPECT_EQ(f.rows.guests[0].end_kind, "alive_at_end");
}

TEST(OpteeTrackers, WaitsForAThreadAddUpOnTheirCall) {
    Fixture f;
    f.feed.open_ctx(1, 100, 2);
    f.feed.open_session(1, 10, 1, 100, 100, 2);
    f.feed.invoke_begin(1, 11, 1, 0, 100, 100, 2);
    f.feed.wait_begin(1, 11, 100, 100, 2, TEESCOPE_WAIT_REASON_GUEST_LIMIT);
    f.feed.wait_end(1, 11, 100, 100, 2);
    f.feed.wait_begin(1, 11, 100, 100, 2, TEESCOPE_WAIT_REASON_NO_THREAD);
    f.feed.ts += 100;
    f.feed.wait_end(1, 11, 100, 100, 2);
    f.feed.invoke_end(1, 11, 100, 100, 2);
    f.feed.end();

    ASSERT_EQ(f.rows.waits.size(), 2u);
    auto invoke = calls(f.rows, "invoke").at(0);
    std::sort(f.rows.waits.begin(), f.rows.waits.end(), [](auto &a, auto &b) { return a.id < b.id; });
    EXPECT_EQ(f.rows.waits[0].reason, "guest_limit");
    EXPECT_EQ(f.rows.waits[1].reason, "no_thread");
    int64_t total = 0;
    for (const auto &w : f.rows.waits) {
        EXPECT_EQ(w.invocation_id, invoke->id);
        EXPECT_EQ(w.guest, 2);
        EXPECT_EQ(w.thread_id, f.rows.thread_id(100));
        ASSERT_TRUE(w.begin_ts && w.end_ts);
        EXPECT_GE(*w.begin_ts, *invoke->drv_begin_ts);
        EXPECT_LE(*w.end_ts, *invoke->drv_end_ts);
        total += *w.end_ts - *w.begin_ts;
    }
    EXPECT_EQ(invoke->wait_ns, total);
    EXPECT_EQ(total, 10 + 110);
    EXPECT_FALSE(calls(f.rows, "open_session").at(0)->wait_ns); // it never waited
}

// A CLOSE_SESSION names its serial only in its waits: the close begins when it began waiting.
TEST(OpteeTrackers, CloseThatWaitedBeginsWithItsWait) {
    Fixture f;
    f.feed.open_ctx(1, 100);
    f.feed.open_session(1, 10, 1, 100, 100);
    f.feed.wait_begin(1, 12, 100, 100);
    const int64_t waited_from = f.feed.ts;
    f.feed.wait_end(1, 12, 100, 100);
    f.feed.close(1, 1, 100, 100);
    f.feed.user_close(100, 100, 1);
    // The driver's own close at release also waits, for no invocation.
    f.feed.open_session(1, 13, 2, 100, 100);
    f.feed.close_ctx(1);
    f.feed.wait_begin(1, 0, 0, 0);
    f.feed.wait_end(1, 0, 0, 0);
    f.feed.close(1, 2, 0, 0);
    f.feed.end();

    auto closes = calls(f.rows, "close_session");
    ASSERT_EQ(closes.size(), 1u);
    EXPECT_EQ(closes[0]->serial, 12);
    EXPECT_EQ(closes[0]->drv_begin_ts, waited_from);
    EXPECT_EQ(closes[0]->wait_ns, 10);
    EXPECT_TRUE(closes[0]->user_end_ts);
    ASSERT_EQ(f.rows.waits.size(), 2u);
    std::sort(f.rows.waits.begin(), f.rows.waits.end(), [](auto &a, auto &b) { return a.id < b.id; });
    EXPECT_EQ(f.rows.waits[0].invocation_id, closes[0]->id);
    EXPECT_FALSE(f.rows.waits[1].invocation_id);
    EXPECT_EQ(f.rows.waits[1].context_id, context_id(f.rows, 1));
    std::sort(f.rows.sessions.begin(), f.rows.sessions.end(), [](auto &a, auto &b) { return a.id < b.id; });
    EXPECT_EQ(f.rows.sessions[0].end_kind, "closed");
    EXPECT_EQ(f.rows.sessions[1].end_kind, "closed_at_release");
}

// teesim's CLOSE_SESSION waits name no serial: two threads closing at once on one context
// wait side by side, each close begins with its own thread's wait.
TEST(OpteeTrackers, ClosesWaitingWithoutSerialOnTwoThreads) {
    Fixture f;
    f.feed.open_ctx(1, 100);
    f.feed.open_session(1, 10, 1, 100, 101);
    f.feed.open_session(1, 11, 2, 100, 102);
    f.feed.wait_begin(1, 0, 100, 101);
    const int64_t first = f.feed.ts;
    f.feed.wait_begin(1, 0, 100, 102);
    const int64_t second = f.feed.ts;
    f.feed.wait_end(1, 0, 100, 102);
    f.feed.close(1, 2, 100, 102);
    f.feed.wait_end(1, 0, 100, 101);
    f.feed.close(1, 1, 100, 101);
    f.feed.end();
    EXPECT_TRUE(f.rows.stats.empty()) << f.rows.stats.begin()->first;
    auto closes = calls(f.rows, "close_session");
    ASSERT_EQ(closes.size(), 2u);
    EXPECT_EQ(closes[0]->thread_id, f.rows.thread_id(102));
    EXPECT_EQ(closes[0]->drv_begin_ts, second);
    EXPECT_EQ(closes[1]->thread_id, f.rows.thread_id(101));
    EXPECT_EQ(closes[1]->drv_begin_ts, first);
    EXPECT_FALSE(closes[1]->serial);
    ASSERT_EQ(f.rows.waits.size(), 2u);
    for (const auto &w : f.rows.waits)
        EXPECT_EQ(w.invocation_id, w.thread_id == f.rows.thread_id(101) ? closes[1]->id : closes[0]->id);
}

// The client's tee0 and the supplicant's teepriv0 each number their shm from 1.
TEST(OpteeTrackers, ShmIdsArePerDevice) {
    Fixture f;
    f.feed.open_ctx(1, 100);
    f.feed.open_ctx(2, 500, 0, "teepriv0");
    f.feed.shm_alloc(1, 1, 100);
    f.feed.shm_alloc(2, 1, 500);
    f.feed.shm_free(2, 1, 500);
    f.feed.close_ctx(2, 500);
    f.feed.release_ctx(2);
    f.feed.open_session(1, 10, 1, 100, 100);
    f.feed.invoke_begin(1, 11, 1, 0, 100, 100);
    f.feed.memref(1, 11, 0, 1, 100, 100);
    f.feed.invoke_end(1, 11, 100, 100);
    f.feed.shm_free(1, 1, 100);
    f.feed.end();
    EXPECT_TRUE(f.rows.stats.empty()) << f.rows.stats.begin()->first;
    ASSERT_EQ(f.rows.shms.size(), 2u);
    const ShmRow &client = f.rows.shms[0].context_id == context_id(f.rows, 1) ? f.rows.shms[0] : f.rows.shms[1];
    EXPECT_EQ(client.end_kind, "freed");
    ASSERT_EQ(f.rows.shm_uses.size(), 1u);
    EXPECT_EQ(f.rows.shm_uses[0].shm_id, client.id);
}

// Nothing follows guest_destroy before the trace ends: what it held ends with it all the same.
TEST(OpteeTrackers, WhatADestroyedGuestHeldEndsWithItWithoutFollowingEvents) {
    Fixture f;
    f.feed.guest_create(3, 2);
    f.feed.open_ctx(1, 300, 3);
    f.feed.shm_alloc(1, 1, 300);
    f.feed.open_session(1, 10, 1, 300, 300, 3);
    f.feed.guest_destroy(3, 1, 1, 1);
    const int64_t destroyed = f.feed.ts;
    f.feed.end();
    EXPECT_TRUE(f.rows.stats.empty()) << f.rows.stats.begin()->first;
    ASSERT_EQ(f.rows.sessions.size(), 1u);
    EXPECT_EQ(f.rows.sessions[0].end_kind, "closed_by_guest_destroy");
    EXPECT_EQ(f.rows.sessions[0].close_ts, destroyed);
    EXPECT_FALSE(f.rows.sessions[0].end_inferred);
    ASSERT_EQ(f.rows.shms.size(), 1u);
    EXPECT_EQ(f.rows.shms[0].freed_by, "guest_destroy");
    EXPECT_EQ(f.rows.shms[0].freed_ts, destroyed);
    ASSERT_EQ(f.rows.contexts.size(), 1u);
    EXPECT_EQ(f.rows.contexts[0].end_kind, "dropped_by_guest_destroy");
    EXPECT_EQ(f.rows.contexts[0].close_ts, destroyed);
}

TEST(OpteeTrackers, MemrefsNameShmLifetimesAndAnUnknownShmGetsOne) {
    Fixture f;
    f.feed.open_ctx(1, 100);
    f.feed.shm_alloc(1, 4, 100);
    f.feed.open_session(1, 10, 1, 100, 100);
    f.feed.invoke_begin(1, 11, 1, 0, 100, 100);
    f.feed.memref(1, 11, 0, 4, 100, 100, 0, 1);
    f.feed.memref(1, 11, 1, 9, 100, 100, 0, 2);  // never allocated in the trace
    f.feed.memref(1, 11, 2, -1, 100, 100, 0, 3); // a NULL memref
    f.feed.invoke_end(1, 11, 100, 100);
    f.feed.invoke_begin(1, 12, 1, 1, 100, 100);
    f.feed.memref(1, 12, 0, 9, 100, 100); // the same unknown shm again
    f.feed.invoke_end(1, 12, 100, 100);
    f.feed.shm_free(1, 9, 100);
    f.feed.shm_free(1, 4, 100);
    f.feed.end();

    auto invokes = calls(f.rows, "invoke");
    ASSERT_EQ(invokes.size(), 2u);
    auto shm = [&](int64_t raw) {
        return *std::find_if(f.rows.shms.begin(), f.rows.shms.end(), [&](auto &s) { return s.shm == raw; });
    };
    const ShmRow known = shm(4), unknown = shm(9);
    EXPECT_FALSE(known.origin_unknown);
    EXPECT_TRUE(unknown.origin_unknown);
    EXPECT_EQ(unknown.how, "unknown");
    EXPECT_EQ(unknown.end_kind, "freed"); // its free matched the lifetime the memref started
    EXPECT_EQ(f.rows.stats.at("memref_of_unknown_shm").count, 1u);
    EXPECT_EQ(f.rows.stats.at("memref_of_unknown_shm").severity, "data_loss");
    EXPECT_EQ(f.rows.stats.count("unmatched_shm_free"), 0u);

    ASSERT_EQ(f.rows.shm_uses.size(), 4u);
    std::sort(f.rows.shm_uses.begin(), f.rows.shm_uses.end(), [](auto &a, auto &b) { return a.id < b.id; });
    const auto &u = f.rows.shm_uses;
    EXPECT_EQ(u[0].shm_id, known.id);
    EXPECT_EQ(u[0].dir, "in");
    EXPECT_EQ(u[0].invocation_id, invokes[0]->id);
    EXPECT_EQ(u[1].shm_id, unknown.id);
    EXPECT_EQ(u[1].dir, "out");
    EXPECT_EQ(u[1].param, 1);
    EXPECT_FALSE(u[2].shm_id);
    EXPECT_EQ(u[2].shm, -1);
    EXPECT_EQ(u[2].dir, "inout");
    EXPECT_EQ(u[3].shm_id, unknown.id);
    EXPECT_EQ(u[3].invocation_id, invokes[1]->id);
    EXPECT_EQ(known.freed_by, "client");
}

// The client exits with its shm allocated: the driver frees it after the exit.
TEST(OpteeTrackers, ShmFreedByTheClientOrByItsExit) {
    Fixture f;
    f.feed.open_ctx(1, 100);
    f.feed.shm_alloc(1, 1, 100);
    f.feed.shm_alloc(1, 2, 100);
    f.feed.shm_free(1, 1, 100);
    f.feed.exit(100);
    f.feed.close_ctx(1);
    f.feed.shm_free(1, 2, 0);
    f.feed.release_ctx(1);
    f.feed.end();
    auto shm = [&](int64_t raw) {
        return *std::find_if(f.rows.shms.begin(), f.rows.shms.end(), [&](auto &s) { return s.shm == raw; });
    };
    EXPECT_EQ(shm(1).freed_by, "client");
    EXPECT_EQ(shm(2).freed_by, "process_exit");
    EXPECT_EQ(shm(2).end_kind, "freed");
}

// The client closed its descriptors of a registered shm (one of them a dup) right after using it;
// the driver freed it only at the context's release, after the client's exit: the client freed
// it all the same. The other shm it kept open to the end: freed by its exit.
TEST(OpteeTrackers, ShmWhoseDescriptorsTheClientClosedIsFreedByTheClient) {
    Fixture f;
    f.feed.open_ctx(1, 100);
    f.feed.shm_alloc(1, 1, 100);
    f.feed.user_shm_register(100, 1, 16);
    f.feed.user_fd_dup(100, 16, 20);
    f.feed.shm_alloc(1, 2, 100);
    f.feed.user_shm_register(100, 2, 17);
    f.feed.user_fd_close(100, 16);
    f.feed.user_fd_close(100, 20);
    f.feed.exit(100);
    f.feed.close_ctx(1);
    f.feed.shm_free(1, 1);
    f.feed.shm_free(1, 2);
    f.feed.release_ctx(1);
    f.feed.end();
    auto shm = [&](int64_t raw) {
        return *std::find_if(f.rows.shms.begin(), f.rows.shms.end(), [&](auto &s) { return s.shm == raw; });
    };
    EXPECT_EQ(shm(1).freed_by, "client");
    EXPECT_EQ(shm(2).freed_by, "process_exit");
}

// The client's first call needs the supplicant, which is not running yet: the RPC is queued with
// no supplicant context, then tee-supplicant opens teepriv0 and takes it.
TEST(OpteeTrackers, RpcBeforeAnySupplicantIsTakenLater) {
    Fixture f;
    f.feed.open_ctx(1, 100);
    f.feed.open_begin(1, 10, 100, 101);
    f.feed.rpc_begin(0, 10, kCmdLoadTa, 100, 101);
    f.feed.open_ctx(2, 500, 0, "teepriv0", 501);
    f.feed.pick(2, 1, kCmdLoadTa, 500, 502);
    // The supplicant thread allocates shared memory while serving: not this RPC's business.
    f.feed.answer(2, 1, 500, 502, 0, 4096);
    f.feed.rpc_end(2, 10, 1, 100, 101);
    f.feed.open_end(1, 10, 1, 100, 101);
    f.feed.end();

    auto r = rpcs(f.rows);
    ASSERT_EQ(r.size(), 1u);
    const CallbackRequestRow &rpc = *r[0];
    EXPECT_EQ(rpc.end_kind, "answered");
    EXPECT_EQ(rpc.op, kCmdLoadTa);
    EXPECT_EQ(rpc.context_id, context_id(f.rows, 2));
    EXPECT_EQ(rpc.request, 1);
    EXPECT_EQ(rpc.supplicant_thread_id, f.rows.thread_id(502));
    EXPECT_EQ(rpc.invocation_id, calls(f.rows, "open_session").at(0)->id);
    ASSERT_TRUE(rpc.invoker_process_id);
    EXPECT_EQ(f.rows.process(*rpc.invoker_process_id)->pid, 100);
    ASSERT_TRUE(rpc.queue_ts && rpc.pick_ts && rpc.answer_ts && rpc.return_ts);
    EXPECT_LT(*rpc.queue_ts, *rpc.pick_ts);
    EXPECT_LT(*rpc.pick_ts, *rpc.answer_ts);
    EXPECT_LT(*rpc.answer_ts, *rpc.return_ts);
    EXPECT_FALSE(rpc.object_id);
    EXPECT_TRUE(f.rows.stats.empty()) << f.rows.stats.begin()->first;
    // The supplicant's context is used by the supplicant.
    bool used = false;
    for (const auto &u : f.rows.context_users)
        used |= u.context_id == context_id(f.rows, 2) && f.rows.process(u.process_id)->pid == 500;
    EXPECT_TRUE(used);
}

// Two client threads have an RPC each in flight; two supplicant threads take them in queue
// order and answer them in the other order.
TEST(OpteeTrackers, ConcurrentRpcsAreTakenInQueueOrder) {
    Fixture f;
    f.feed.open_ctx(2, 500, 0, "teepriv0");
    f.feed.open_ctx(1, 100);
    f.feed.open_session(1, 10, 1, 100, 101);
    f.feed.invoke_begin(1, 11, 1, 0, 100, 101);
    f.feed.invoke_begin(1, 12, 1, 0, 100, 102);
    f.feed.rpc_begin(2, 11, kCmdFs, 100, 101);
    f.feed.rpc_begin(2, 12, kCmdShmAlloc, 100, 102);
    f.feed.pick(2, 1, kCmdFs, 500, 511);
    f.feed.pick(2, 2, kCmdShmAlloc, 500, 512);
    f.feed.shm_alloc(2, 3, 500, 512); // the supplicant allocates the secure world's shm
    f.feed.answer(2, 2, 500, 512);
    f.feed.rpc_end(2, 12, 2, 100, 102);
    f.feed.invoke_end(1, 12, 100, 102);
    f.feed.answer(2, 1, 500, 511);
    f.feed.rpc_end(2, 11, 1, 100, 101);
    f.feed.invoke_end(1, 11, 100, 101);
    f.feed.end();

    auto r = rpcs(f.rows);
    ASSERT_EQ(r.size(), 2u);
    auto invokes = calls(f.rows, "invoke");
    ASSERT_EQ(invokes.size(), 2u);
    EXPECT_EQ(r[0]->invocation_id, invokes[0]->id);
    EXPECT_EQ(r[0]->op, kCmdFs);
    EXPECT_EQ(r[0]->request, 1);
    EXPECT_EQ(r[0]->supplicant_thread_id, f.rows.thread_id(511));
    EXPECT_EQ(r[1]->invocation_id, invokes[1]->id);
    EXPECT_EQ(r[1]->op, kCmdShmAlloc);
    EXPECT_EQ(r[1]->request, 2);
    EXPECT_EQ(r[1]->supplicant_thread_id, f.rows.thread_id(512));
    for (auto *x : r)
        EXPECT_EQ(x->end_kind, "answered");
    ASSERT_EQ(f.rows.shms.size(), 1u);
    EXPECT_EQ(f.rows.shms[0].rpc_request_id, r[1]->id);
    EXPECT_TRUE(f.rows.stats.empty()) << f.rows.stats.begin()->first;
}

TEST(OpteeTrackers, RpcReturnedWithoutASupplicantWasNotServed) {
    Fixture f;
    f.feed.open_ctx(1, 100);
    f.feed.open_begin(1, 10, 100, 100);
    f.feed.rpc_begin(0, 10, kCmdLoadTa, 100, 100);
    f.feed.rpc_end(0, 10, 0, 100, 100, 0, 0xFFFF000E);
    f.feed.open_end(1, 10, 0, 100, 100, 0, 0xFFFF000E, 2);
    // A later pick has nothing to take.
    f.feed.open_ctx(2, 500, 0, "teepriv0");
    f.feed.pick(2, 1, 0, 500, 500);
    f.feed.end();
    auto r = rpcs(f.rows);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0]->end_kind, "not_served");
    EXPECT_FALSE(r[0]->context_id);
    EXPECT_FALSE(r[0]->request);
    EXPECT_EQ(r[0]->ret, 0xFFFF000E);
    EXPECT_EQ(f.rows.stats.at("unmatched_request_pick").count, 1u);
}

// Xen: each guest has its own supplicant; an RPC is taken by its guest's supplicant only.
TEST(OpteeTrackers, RpcsQueuePerGuest) {
    Fixture f;
    f.feed.open_ctx(1, 100, 1);
    f.feed.open_ctx(2, 200, 2);
    f.feed.open_ctx(3, 501, 1, "teepriv0");
    f.feed.open_ctx(4, 502, 2, "teepriv0");
    f.feed.open_begin(1, 10, 100, 100, 1);
    f.feed.rpc_begin(3, 10, kCmdLoadTa, 100, 100, 1);
    f.feed.open_begin(2, 11, 200, 200, 2);
    f.feed.rpc_begin(4, 11, kCmdLoadTa, 200, 200, 2);
    f.feed.pick(4, 1, kCmdLoadTa, 502, 502); // guest 2's supplicant first
    f.feed.pick(3, 1, kCmdLoadTa, 501, 501);
    f.feed.answer(4, 1, 502, 502);
    f.feed.answer(3, 1, 501, 501);
    f.feed.rpc_end(3, 10, 1, 100, 100, 1);
    f.feed.rpc_end(4, 11, 1, 200, 200, 2);
    f.feed.end();
    auto r = rpcs(f.rows);
    ASSERT_EQ(r.size(), 2u);
    EXPECT_EQ(r[0]->guest, 1);
    EXPECT_EQ(r[0]->supplicant_thread_id, f.rows.thread_id(501));
    EXPECT_EQ(r[1]->guest, 2);
    EXPECT_EQ(r[1]->supplicant_thread_id, f.rows.thread_id(502));
}

TEST(OpteeTrackers, CallOnASessionOpenedBeforeTheTrace) {
    Fixture f;
    f.feed.open_ctx(1, 100);
    f.feed.invoke_begin(1, 11, 9, 1, 100, 100);
    f.feed.invoke_end(1, 11, 100, 100);
    f.feed.close(1, 9, 100, 100);
    f.feed.end();
    ASSERT_EQ(f.rows.sessions.size(), 1u);
    EXPECT_TRUE(f.rows.sessions[0].origin_unknown);
    EXPECT_EQ(f.rows.sessions[0].end_kind, "closed");
    EXPECT_EQ(calls(f.rows, "invoke").at(0)->session_id, f.rows.sessions[0].id);
    EXPECT_EQ(f.rows.stats.at("event_of_unknown_session").severity, "data_loss");
}

TEST(OpteeTrackers, FailedCloseLeavesTheSessionOpen) {
    Fixture f;
    f.feed.open_ctx(1, 100);
    f.feed.open_session(1, 10, 1, 100, 100);
    f.feed.close(1, 1, 100, 100, 0, 22);
    f.feed.user_close(100, 100, 1, 22);
    f.feed.close(1, 5, 100, 100, 0, 22); // an unknown session: refused
    f.feed.end();
    ASSERT_EQ(f.rows.sessions.size(), 1u);
    EXPECT_EQ(f.rows.sessions[0].end_kind, "open_at_end");
    auto closes = calls(f.rows, "close_session");
    ASSERT_EQ(closes.size(), 2u);
    EXPECT_EQ(closes[0]->err, 22);
    EXPECT_EQ(closes[0]->session_id, f.rows.sessions[0].id);
    EXPECT_FALSE(closes[1]->session_id);
    EXPECT_EQ(f.rows.stats.count("unmatched_optee_close"), 0u);
}

TEST(OpteeTrackers, DataLossMarksWhatIsStillInFlight) {
    Fixture f;
    f.feed.guest_create(1, 2);
    f.feed.open_ctx(1, 100, 1);
    f.feed.open_ctx(2, 500, 1, "teepriv0");
    f.feed.open_session(1, 10, 1, 100, 100, 1);
    f.feed.invoke_begin(1, 11, 1, 0, 100, 100, 1);
    f.feed.wait_begin(1, 11, 100, 100, 1);
    f.trackers.on_discarded_events(f.feed.ts, f.feed.ts + 5, 3, "chan_0");
    f.feed.ts += 10;
    f.feed.rpc_begin(2, 11, kCmdFs, 100, 100, 1);
    f.feed.end();
    ASSERT_EQ(f.rows.sessions.size(), 1u);
    EXPECT_TRUE(f.rows.sessions[0].end_inferred);
    ASSERT_EQ(f.rows.waits.size(), 1u);
    EXPECT_TRUE(f.rows.waits[0].end_inferred);
    EXPECT_FALSE(f.rows.waits[0].end_ts);
    auto r = rpcs(f.rows);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0]->end_kind, "pending_at_end");
    EXPECT_TRUE(r[0]->end_inferred);
    ASSERT_EQ(f.rows.guests.size(), 1u);
    EXPECT_TRUE(f.rows.guests[0].end_inferred);
    EXPECT_TRUE(calls(f.rows, "invoke").at(0)->end_inferred);
    for (const char *s : {"end_inferred_sessions", "end_inferred_optee_waits", "end_inferred_rpc_requests",
                          "end_inferred_guests"})
        EXPECT_EQ(f.rows.stats.count(s), 1u) << s;
}

// A QTEE trace and an OP-TEE trace through the same trackers: request picks on a QTEE context
// still go to the callback requests.
TEST(OpteeTrackers, QteePicksStayCallbackRequests) {
    Fixture f;
    teescope_drv_context_open open{100, 100, 1, 4, 0, "tee0"};
    f.trackers.on_drv_context_open(f.feed.drv(), open);
    teescope_drv_request_queue q{};
    q.pid = 300;
    q.tid = 300;
    q.ctx = 1;
    q.request = 0;
    q.op = 2;
    f.trackers.on_drv_request_queue(f.feed.drv(), q);
    f.feed.pick(1, 0, 2, 100, 101);
    f.feed.answer(1, 0, 100, 101);
    f.feed.end();
    ASSERT_EQ(f.rows.requests.size(), 1u);
    EXPECT_EQ(f.rows.requests[0].kind, "callback");
    EXPECT_EQ(f.rows.requests[0].end_kind, "answered");
    EXPECT_TRUE(f.rows.guests.empty());
}

std::string dump(const Collector &c) {
    std::ostringstream s;
    auto o = [](const auto &v) { return v ? std::to_string(*v) : std::string("-"); };
    for (const auto &r : c.sessions)
        s << "S" << r.id << ' ' << o(r.session) << ' ' << r.end_kind << ' ' << o(r.opened_by) << ' '
          << o(r.closed_by) << '\n';
    for (const auto &r : c.invocations)
        s << "I" << r.id << ' ' << r.call << ' ' << o(r.serial) << ' ' << o(r.session_id) << ' ' << o(r.wait_ns)
          << '\n';
    for (const auto &r : c.requests)
        s << "R" << r.id << ' ' << r.kind << ' ' << o(r.request) << ' ' << o(r.invocation_id) << ' ' << r.end_kind
          << '\n';
    for (const auto &r : c.waits)
        s << "W" << r.id << ' ' << o(r.invocation_id) << ' ' << o(r.end_ts) << '\n';
    for (const auto &r : c.shm_uses)
        s << "U" << r.id << ' ' << o(r.shm_id) << ' ' << o(r.invocation_id) << '\n';
    for (const auto &[k, v] : c.stats)
        s << "T" << k << ' ' << v.count << '\n';
    return s.str();
}

void optee_workload(Fixture &f) {
    f.feed.guest_create(1, 2);
    f.feed.open_ctx(9, 500, 1, "teepriv0");
    f.feed.open_ctx(1, 100, 1);
    f.feed.shm_alloc(1, 1, 100);
    for (uint64_t i = 0; i < 20; ++i) {
        const uint64_t inv = 10 + 3 * i;
        const auto session = static_cast<uint32_t>(1 + i % 3);
        const auto tid = static_cast<int32_t>(101 + i % 2);
        f.feed.open_session(1, inv, session, 100, tid, 1);
        f.feed.invoke_begin(1, inv + 1, session, static_cast<uint32_t>(i % 2), 100, tid, 1);
        f.feed.memref(1, inv + 1, 0, 1, 100, tid, 1);
        if (i % 4 == 0) {
            f.feed.wait_begin(1, inv + 1, 100, tid, 1);
            f.feed.wait_end(1, inv + 1, 100, tid, 1);
        }
        f.feed.rpc_begin(9, inv + 1, kCmdFs, 100, tid, 1);
        f.feed.pick(9, 1, kCmdFs, 500, 500);
        f.feed.answer(9, 1, 500, 500);
        f.feed.rpc_end(9, inv + 1, 1, 100, tid, 1);
        f.feed.invoke_end(1, inv + 1, 100, tid, 1);
        f.feed.close(1, session, 100, tid, 1);
    }
    f.feed.guest_destroy(1, 2, 0, 1);
    f.feed.close_ctx(1);
    f.feed.shm_free(1, 1);
    f.feed.end();
}

TEST(OpteeTrackers, SameInputGivesSameRows) {
    Fixture a, b;
    optee_workload(a);
    optee_workload(b);
    EXPECT_EQ(dump(a.rows), dump(b.rows));
    EXPECT_EQ(rpcs(a.rows).size(), 20u);
    EXPECT_EQ(a.rows.sessions.size(), 20u);
    EXPECT_EQ(a.rows.waits.size(), 5u);
    EXPECT_EQ(a.rows.shm_uses.size(), 20u);
    EXPECT_TRUE(a.rows.stats.empty()) << a.rows.stats.begin()->first;
}

} // namespace

TEST(OpteeTrackers, WhatAGuestOpensAfterItsDestructionIsNotDroppedWithIt) {
    // A guest destroyed, then (its guest_create lost) the client id in use again: what begins
    // afterwards did not go away with the destroyed guest.
    Fixture f;
    f.feed.guest_create(3, 2);
    f.feed.guest_destroy(3, 0, 0, 0);
    f.feed.open_ctx(1, 300, 3);
    f.feed.shm_alloc(1, 1, 300);
    f.feed.open_session(1, 10, 1, 300, 300, 3);
    f.feed.end();
    ASSERT_EQ(f.rows.sessions.size(), 1u);
    EXPECT_NE(f.rows.sessions[0].end_kind, "closed_by_guest_destroy");
    ASSERT_EQ(f.rows.shms.size(), 1u);
    EXPECT_NE(f.rows.shms[0].freed_by, "guest_destroy");
    ASSERT_EQ(f.rows.contexts.size(), 1u);
    EXPECT_EQ(f.rows.contexts[0].end_kind, "open_at_end");
}
