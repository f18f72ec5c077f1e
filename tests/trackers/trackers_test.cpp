// SPDX-License-Identifier: MIT
// Trackers fed with synthetic event sequences built from the generated event structs.
#include "teescope/importer/trackers.h"

#include "collector.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <sstream>
#include <string>
#include <vector>

using namespace teescope::importer;
using teescope::importer::test::Collector;

namespace {

constexpr int32_t daemon = 50; // the process that emits driver events (teesim)
constexpr uint64_t root_handle = ~0ULL;

// Builds events from the generated structs and feeds them, one clock tick apart.
class Feed {
public:
    explicit Feed(Trackers &t) : t_(t) {}
    int64_t ts = 1000;

    EventHeader drv() { return EventHeader{ts += 10, daemon, daemon, "teesim"}; }
    EventHeader user(int64_t pid, int64_t tid, std::string_view name = "client") {
        return EventHeader{ts += 10, pid, tid, name};
    }

    void open(uint64_t ctx, int32_t pid, int32_t tid = 0) {
        teescope_drv_context_open e{pid, tid ? tid : pid, ctx, 4, 0, "tee0"};
        t_.on_drv_context_open(drv(), e);
    }
    void close(uint64_t ctx, uint32_t handles = 0, uint32_t requests = 0) {
        teescope_drv_context_close e{0, 0, ctx, handles, requests};
        t_.on_drv_context_close(drv(), e);
    }
    void release_context(uint64_t ctx) {
        teescope_drv_context_release e{0, 0, ctx};
        t_.on_drv_context_release(drv(), e);
    }
    void create(uint64_t ctx, uint64_t addr, int32_t kind, uint32_t uid, uint64_t inv, int32_t pid, uint64_t sw = 0,
                uint64_t ref = 0) {
        teescope_drv_object_create e{pid, pid, ctx, addr, kind, sw, uid, ref, inv};
        t_.on_drv_object_create(drv(), e);
    }
    void free(uint64_t ctx, uint64_t addr, int32_t kind = TEESCOPE_OBJECT_KIND_QTEE) {
        teescope_drv_object_free e{0, 0, ctx, addr, kind};
        t_.on_drv_object_free(drv(), e);
    }
    void bind(uint64_t ctx, uint64_t handle, uint64_t addr, uint64_t inv, int32_t pid, int32_t tid = 0, uint32_t req = 0) {
        teescope_drv_handle_bind e{pid, tid ? tid : pid, ctx, handle, addr, inv, req};
        t_.on_drv_handle_bind(drv(), e);
    }
    void unbind(uint64_t ctx, uint64_t handle, uint64_t addr, int32_t reason, int32_t pid = 0) {
        teescope_drv_handle_unbind e{pid, pid, ctx, handle, addr, reason};
        t_.on_drv_handle_unbind(drv(), e);
    }
    void dbegin(uint64_t ctx, uint64_t inv, uint64_t handle, uint64_t addr, uint32_t op, int32_t pid, int32_t tid = 0) {
        teescope_drv_invoke_begin e{};
        e.pid = pid;
        e.tid = tid ? tid : pid;
        e.ctx = ctx;
        e.invocation = inv;
        e.handle = handle;
        e.object = addr;
        e.op = op;
        e.in_bytes = 4;
        t_.on_drv_invoke_begin(drv(), e);
    }
    void dend(uint64_t ctx, uint64_t inv, int32_t pid, int32_t tid = 0, int32_t err = 0, int32_t ret = 0) {
        teescope_drv_invoke_end e{};
        e.pid = pid;
        e.tid = tid ? tid : pid;
        e.ctx = ctx;
        e.invocation = inv;
        e.err = err;
        e.ret = ret;
        t_.on_drv_invoke_end(drv(), e);
    }
    void ubegin(int64_t pid, int64_t tid, uint64_t serial, uint64_t object, uint32_t op) {
        teescope_user_invoke_begin e{};
        e.fd = 3;
        e.serial = serial;
        e.object = object;
        e.op = op;
        t_.on_user_invoke_begin(user(pid, tid), e);
    }
    void uend(int64_t pid, int64_t tid, uint64_t serial, int32_t err = 0, int32_t ret = 0) {
        teescope_user_invoke_end e{};
        e.fd = 3;
        e.serial = serial;
        e.err = err;
        e.ret = ret;
        t_.on_user_invoke_end(user(pid, tid), e);
    }
    void exported(uint64_t ctx, uint64_t addr, uint32_t wire, uint64_t inv, int32_t pid) {
        teescope_drv_callback_export e{pid, pid, ctx, addr, 1, wire, inv};
        t_.on_drv_callback_export(drv(), e);
    }
    void unexported(uint64_t ctx, uint64_t addr, uint32_t wire, int32_t pid) {
        teescope_drv_callback_unexport e{pid, pid, ctx, addr, 1, wire};
        t_.on_drv_callback_unexport(drv(), e);
    }
    void queue(uint64_t ctx, uint32_t req, uint64_t addr, uint32_t op, uint64_t inv, uint64_t inv_ctx, int32_t pid,
               int32_t tid = 0) {
        teescope_drv_request_queue e{};
        e.pid = pid;
        e.tid = tid ? tid : pid;
        e.ctx = ctx;
        e.request = req;
        e.object = addr;
        e.user_id = 1;
        e.op = op;
        e.invocation = inv;
        e.invoker_ctx = inv_ctx;
        t_.on_drv_request_queue(drv(), e);
    }
    void pick(uint64_t ctx, uint32_t req, uint32_t op, int32_t pid, int32_t tid) {
        teescope_drv_request_pick e{pid, tid, ctx, req, op};
        t_.on_drv_request_pick(drv(), e);
    }
    void answer(uint64_t ctx, uint32_t req, int32_t pid, int32_t tid, int32_t ret = 0, int32_t err = 0) {
        teescope_drv_request_answer e{pid, tid, ctx, req, ret, err, 0};
        t_.on_drv_request_answer(drv(), e);
    }
    void abandon(uint64_t ctx, uint32_t req, int32_t reason) {
        teescope_drv_request_abandon e{0, 0, ctx, req, reason};
        t_.on_drv_request_abandon(drv(), e);
    }
    void release_queue(uint64_t ctx, uint64_t addr, int32_t pid) {
        teescope_drv_release_queue e{pid, pid, ctx, addr, 0};
        t_.on_drv_release_queue(drv(), e);
    }
    void release_done(uint64_t ctx, uint64_t addr, int32_t result, uint32_t retries = 0) {
        teescope_drv_release_done e{0, 0, ctx, addr, 0, result, retries};
        t_.on_drv_release_done(drv(), e);
    }
    void async_release(uint64_t ctx, uint64_t inv, uint64_t addr, int32_t pid) {
        teescope_drv_async_release e{pid, pid, ctx, inv, addr, ctx, 0};
        t_.on_drv_async_release(drv(), e);
    }
    void shm_alloc(uint64_t ctx, int32_t shm, int32_t pid) {
        teescope_drv_shm_alloc e{pid, pid, ctx, shm, 4096, 0};
        t_.on_drv_shm_alloc(drv(), e);
    }
    void shm_free(uint64_t ctx, int32_t shm) {
        teescope_drv_shm_free e{0, 0, ctx, shm, 4096};
        t_.on_drv_shm_free(drv(), e);
    }
    void fork(int64_t parent, int32_t child) {
        teescope_user_proc_fork e{child, 0};
        t_.on_user_proc_fork(user(parent, parent), e);
    }
    void exit(int64_t pid, int64_t tid = 0, std::string_view name = "client") {
        teescope_user_proc_exit e{0};
        t_.on_user_proc_exit(user(pid, tid ? tid : pid, name), e);
    }
    void dev_open(int64_t pid, std::string_view name = "client") {
        teescope_user_dev_open e{3, "/dev/tee0", 0, 0, 1};
        t_.on_user_dev_open(user(pid, pid, name), e);
    }
    void end() { t_.on_end(ts += 10); }

    // One complete driver call of `pid` on `ctx` that returns a new object bound to `handle`.
    void get_object(uint64_t ctx, uint64_t inv, uint64_t on_handle, uint64_t on_addr, uint64_t new_addr, uint32_t uid,
                    uint64_t handle, int32_t pid, uint64_t sw = 0) {
        dbegin(ctx, inv, on_handle, on_addr, 0, pid);
        create(ctx, new_addr, TEESCOPE_OBJECT_KIND_QTEE, uid, inv, pid, sw);
        bind(ctx, handle, new_addr, inv, pid);
        dend(ctx, inv, pid);
    }
    // A user RELEASE of `handle`: unbind and queue the release.
    void user_release(uint64_t ctx, uint64_t inv, uint64_t handle, uint64_t addr, int32_t pid) {
        dbegin(ctx, inv, handle, addr, 0xFFFF, pid);
        unbind(ctx, handle, addr, TEESCOPE_UNBIND_REASON_RELEASE, pid);
        release_queue(ctx, addr, pid);
        dend(ctx, inv, pid);
    }

private:
    Trackers &t_;
};

// A context (serial 1) of process 100 with its root object at 0x10.
struct Fixture {
    Collector rows;
    Trackers trackers{rows};
    Feed feed{trackers};
    void context(uint64_t ctx = 1, int32_t pid = 100, uint64_t root = 0x10) {
        feed.open(ctx, pid);
        feed.create(ctx, root, TEESCOPE_OBJECT_KIND_ROOT, 0, 0, pid);
    }
};

TEST(Trackers, ObjectClassNames) {
    EXPECT_EQ(Trackers::object_class(TEESCOPE_OBJECT_KIND_QTEE, 143), "diagnostics");
    EXPECT_EQ(Trackers::object_class(TEESCOPE_OBJECT_KIND_QTEE, 3), "apploader");
    EXPECT_EQ(Trackers::object_class(TEESCOPE_OBJECT_KIND_QTEE, 0x199), "gpappclient");
    EXPECT_EQ(Trackers::object_class(TEESCOPE_OBJECT_KIND_QTEE, 2033), "featureversions");
    EXPECT_EQ(Trackers::object_class(TEESCOPE_OBJECT_KIND_QTEE, 0x7e5c), "registry");
    EXPECT_EQ(Trackers::object_class(TEESCOPE_OBJECT_KIND_QTEE, 0x10001), "client_env");
    EXPECT_EQ(Trackers::object_class(TEESCOPE_OBJECT_KIND_QTEE, 0x10002), "app_controller");
    EXPECT_EQ(Trackers::object_class(TEESCOPE_OBJECT_KIND_QTEE, 0x10003), "app");
    EXPECT_EQ(Trackers::object_class(TEESCOPE_OBJECT_KIND_QTEE, 0x10004), "registration");
    EXPECT_EQ(Trackers::object_class(TEESCOPE_OBJECT_KIND_QTEE, 77), "uid:77");
    EXPECT_EQ(Trackers::object_class(TEESCOPE_OBJECT_KIND_CALLBACK, 77), "callback");
    EXPECT_EQ(Trackers::object_class(TEESCOPE_OBJECT_KIND_MEMORY, 0), "memory");
    EXPECT_EQ(Trackers::object_class(TEESCOPE_OBJECT_KIND_ROOT, 0), "root");
    EXPECT_EQ(Trackers::object_class(TEESCOPE_OBJECT_KIND_PRIMORDIAL, 0), "primordial");
}

TEST(Trackers, HandleReusedGivesTwoBindings) {
    Fixture f;
    f.context();
    f.feed.get_object(1, 1, root_handle, 0x10, 0x20, 143, 0, 100);
    f.feed.user_release(1, 2, 0, 0x20, 100);
    f.feed.get_object(1, 3, root_handle, 0x10, 0x30, 3, 0, 100);
    f.feed.end();

    ASSERT_EQ(f.rows.handles.size(), 2u);
    const HandleRow &a = f.rows.handles[0], &b = f.rows.handles[1];
    EXPECT_EQ(a.handle, 0);
    EXPECT_EQ(b.handle, 0);
    EXPECT_NE(a.id, b.id);
    EXPECT_NE(a.object_id, b.object_id);
    EXPECT_EQ(f.rows.object(a.object_id).klass, "diagnostics");
    EXPECT_EQ(f.rows.object(b.object_id).klass, "apploader");
    EXPECT_EQ(a.unbind_reason, "release");
    EXPECT_TRUE(a.unbind_ts.has_value());
    EXPECT_FALSE(b.unbind_ts.has_value());
    EXPECT_EQ(a.invocation_id, f.rows.invocation_serial(1).id);
    EXPECT_EQ(b.invocation_id, f.rows.invocation_serial(3).id);
}

TEST(Trackers, HandleBoundAgainWithoutItsUnbindEndsTheOldBindingThere) {
    // The unbind was lost: the old binding ends (inferred) when the handle is bound again, so it
    // is not reported as still held at the end.
    Fixture f;
    f.context();
    f.feed.create(1, 0x20, TEESCOPE_OBJECT_KIND_QTEE, 143, 0, 100);
    f.feed.create(1, 0x30, TEESCOPE_OBJECT_KIND_QTEE, 3, 0, 100);
    f.feed.bind(1, 0, 0x20, 0, 100);
    f.feed.bind(1, 0, 0x30, 0, 100);
    const int64_t rebound = f.feed.ts;
    f.feed.end();
    ASSERT_EQ(f.rows.handles.size(), 2u);
    const HandleRow &a = f.rows.handles[0], &b = f.rows.handles[1];
    EXPECT_EQ(a.unbind_ts, rebound);
    EXPECT_TRUE(a.end_inferred);
    EXPECT_FALSE(b.unbind_ts.has_value());
    EXPECT_EQ(f.rows.stats.count("unmatched_handle_bind"), 1u);
}

TEST(Trackers, ForkOfTheParentsOwnPidMakesNoNamelessProcess) {
    Fixture f;
    f.context();
    teescope_user_proc_fork e{};
    e.child = 100; // a fork event naming its own process (a damaged trace)
    f.trackers.on_user_proc_fork(f.feed.user(100, 100), e);
    f.feed.end();
    for (const auto &p : f.rows.processes)
        EXPECT_GT(p.id, 0) << "pid " << p.pid;
}

TEST(Trackers, ReleaseNoticeNeverTakenEndsWhenItsOwnerCloses) {
    // QTEE released a callback object; its owner closed before its supplicant took the RELEASE
    // notice: the driver drops the notice with the context (no event of its own).
    Fixture f;
    f.context();
    f.feed.create(1, 0x40, TEESCOPE_OBJECT_KIND_CALLBACK, 0, 0, 100);
    f.feed.exported(1, 0x40, 5, 0, 100);
    f.feed.queue(1, 3, 0x40, 0xFFFF, 0, 0, 0);
    f.feed.close(1);
    const int64_t closed = f.feed.ts;
    f.feed.end();
    ASSERT_EQ(f.rows.requests.size(), 1u);
    EXPECT_EQ(f.rows.requests[0].end_kind, "owner_closed");
    EXPECT_EQ(f.rows.requests[0].answer_ts, closed);
}

TEST(Trackers, AddressReusedGivesTwoObjects) {
    Fixture f;
    f.context();
    f.feed.get_object(1, 1, root_handle, 0x10, 0x20, 143, 0, 100, 7);
    f.feed.user_release(1, 2, 0, 0x20, 100);
    f.feed.release_done(1, 0x20, 0);
    f.feed.free(1, 0x20);
    f.feed.get_object(1, 3, root_handle, 0x10, 0x20, 143, 0, 100, 7);
    f.feed.end();

    const ObjectRow &first = f.rows.object_at(0x20, 0), &second = f.rows.object_at(0x20, 1);
    EXPECT_NE(first.id, second.id);
    EXPECT_EQ(first.end_kind, "released");
    EXPECT_TRUE(first.freed_ts.has_value());
    EXPECT_EQ(second.end_kind, "alive_at_end");
    EXPECT_FALSE(second.freed_ts.has_value());
    EXPECT_EQ(first.sw_id, second.sw_id); // same secure-world object, two instances
    EXPECT_EQ(f.rows.stats.count("release_of_unknown_object"), 0u);
}

TEST(Trackers, PidReusedGivesTwoProcesses) {
    Fixture f;
    f.feed.dev_open(100, "first");
    f.feed.exit(100, 100, "first");
    f.feed.dev_open(100, "second"); // same pid, a new program
    f.feed.end();

    auto v = f.rows.processes_with_pid(100);
    ASSERT_EQ(v.size(), 2u);
    EXPECT_NE(v[0]->id, v[1]->id);
    EXPECT_EQ(v[0]->end_kind, "exited");
    EXPECT_EQ(v[0]->name, "first");
    EXPECT_EQ(v[1]->name, "second");
    EXPECT_EQ(v[1]->end_kind, "alive_at_end");
    // Each lifetime has its own main thread.
    int threads = 0;
    for (const auto &t : f.rows.threads)
        if (t.tid == 100)
            ++threads;
    EXPECT_EQ(threads, 2);
}

TEST(Trackers, ForkGivesParentAndReplacesReusedPid) {
    Fixture f;
    f.feed.dev_open(100, "parent");
    f.feed.fork(100, 101);
    f.feed.dev_open(101, "child");
    f.feed.exit(101);
    f.feed.fork(100, 101); // pid 101 reused by a second child
    f.feed.end();

    auto parent = f.rows.processes_with_pid(100);
    auto kids = f.rows.processes_with_pid(101);
    ASSERT_EQ(parent.size(), 1u);
    ASSERT_EQ(kids.size(), 2u);
    EXPECT_EQ(kids[0]->parent_id, parent[0]->id);
    EXPECT_EQ(kids[1]->parent_id, parent[0]->id);
    EXPECT_EQ(kids[0]->end_kind, "exited");
    EXPECT_NE(kids[0]->id, kids[1]->id);
}

TEST(Trackers, DriverEmitterIsNotAProcessAndPidZeroIsInternal) {
    Fixture f;
    f.feed.create(0, 0x5, TEESCOPE_OBJECT_KIND_PRIMORDIAL, 0, 0, 0);
    f.feed.dbegin(0, 1, root_handle, 0, 0, 0);
    f.feed.create(0, 0x6, TEESCOPE_OBJECT_KIND_QTEE, 2033, 1, 0);
    f.feed.dend(0, 1, 0);
    f.feed.end();

    EXPECT_TRUE(f.rows.processes_with_pid(daemon).empty());
    EXPECT_TRUE(f.rows.processes.empty());
    const InvocationRow &inv = f.rows.invocation_serial(1);
    EXPECT_TRUE(inv.internal);
    EXPECT_FALSE(inv.process_id.has_value());
    EXPECT_FALSE(inv.context_id.has_value());
    const ObjectRow &fv = f.rows.object_at(0x6);
    EXPECT_EQ(fv.klass, "featureversions");
    EXPECT_EQ(fv.produced_by, inv.id);
    EXPECT_FALSE(fv.context_id.has_value());
    EXPECT_EQ(f.rows.object_at(0x5).kind, "primordial");
}

TEST(Trackers, ProvenanceChainLeadsToTheRoot) {
    Fixture f;
    f.context();
    f.feed.get_object(1, 1, root_handle, 0x10, 0x20, 0x10001, 0, 100); // root -> client env
    f.feed.get_object(1, 2, 0, 0x20, 0x30, 143, 1, 100);               // client env -> diagnostics
    f.feed.get_object(1, 3, 0, 0x20, 0x40, 3, 2, 100);                 // client env -> apploader
    f.feed.get_object(1, 4, 2, 0x40, 0x50, 0x10002, 3, 100);           // apploader -> app controller
    f.feed.end();

    // Walk from the app controller back to the root.
    std::vector<std::string> chain;
    const ObjectRow *o = &f.rows.object_at(0x50);
    for (int guard = 0; guard < 10; ++guard) {
        chain.push_back(o->klass);
        if (!o->produced_by)
            break;
        const InvocationRow &inv = f.rows.invocation(*o->produced_by);
        ASSERT_TRUE(inv.object_id.has_value());
        o = &f.rows.object(*inv.object_id);
    }
    EXPECT_EQ(chain, (std::vector<std::string>{"app_controller", "apploader", "client_env", "root"}));
    const ObjectRow &ctl = f.rows.object_at(0x50);
    ASSERT_TRUE(ctl.creator_process_id.has_value());
    EXPECT_EQ(f.rows.process(*ctl.creator_process_id)->pid, 100);
    EXPECT_EQ(ctl.creator_thread_id, f.rows.thread_id(100));
}

TEST(Trackers, UserAndDriverSidesJoinByThreadAndTime) {
    Fixture f;
    f.context();
    f.feed.ubegin(100, 100, 7, root_handle, 0);
    f.feed.get_object(1, 1, root_handle, 0x10, 0x20, 0x10001, 0, 100);
    f.feed.uend(100, 100, 7);
    // A call the driver never saw (an early error): user side only.
    f.feed.ubegin(100, 100, 8, 5, 3);
    f.feed.uend(100, 100, 8, 22);
    // Another thread's call in the same process joins its own driver side.
    f.feed.ubegin(100, 102, 9, 0, 1);
    f.feed.dbegin(1, 2, 0, 0x20, 1, 100, 102);
    f.feed.dend(1, 2, 100, 102);
    f.feed.uend(100, 102, 9);
    f.feed.end();

    ASSERT_EQ(f.rows.invocations.size(), 3u);
    const InvocationRow &joined = f.rows.invocation_serial(1);
    EXPECT_EQ(joined.user_serial, 7);
    ASSERT_TRUE(joined.user_begin_ts && joined.drv_begin_ts && joined.drv_end_ts && joined.user_end_ts);
    EXPECT_LE(*joined.user_begin_ts, *joined.drv_begin_ts);
    EXPECT_LE(*joined.drv_end_ts, *joined.user_end_ts);
    EXPECT_EQ(joined.context_id, f.rows.contexts.at(0).id);
    EXPECT_FALSE(joined.internal);

    auto user_only = std::find_if(f.rows.invocations.begin(), f.rows.invocations.end(),
                                  [](auto &i) { return i.user_serial == 8; });
    ASSERT_NE(user_only, f.rows.invocations.end());
    EXPECT_FALSE(user_only->serial.has_value());
    EXPECT_FALSE(user_only->drv_begin_ts.has_value());
    EXPECT_EQ(user_only->err, 22);
    EXPECT_EQ(user_only->op, 3);

    const InvocationRow &other = f.rows.invocation_serial(2);
    EXPECT_EQ(other.user_serial, 9);
    EXPECT_EQ(other.thread_id, f.rows.thread_id(102));
    EXPECT_EQ(other.object_id, f.rows.object_at(0x20).id);
}

// Process 300 invokes a callback object of process 200; 200's supplicant thread 201 serves it and,
// while serving, invokes the TEE itself.
TEST(Trackers, CrossProcessCallbackRequestAndNesting) {
    Fixture f;
    f.context(1, 200, 0x10); // owner of the callback
    f.context(2, 300, 0x11); // invoker
    f.feed.create(1, 0x90, TEESCOPE_OBJECT_KIND_CALLBACK, 0, 0, 200, 0, 1);
    f.feed.exported(1, 0x90, 4, 0, 200);
    f.feed.get_object(2, 1, root_handle, 0x11, 0x20, 0x10003, 0, 300);

    f.feed.ubegin(300, 300, 1, 0, 5);
    f.feed.dbegin(2, 2, 0, 0x20, 5, 300);
    f.feed.queue(1, 1, 0x90, 2, 2, 2, 300);
    f.feed.pick(1, 1, 2, 200, 201);
    // The supplicant thread's own call, inside the request.
    f.feed.ubegin(200, 201, 11, root_handle, 0);
    f.feed.get_object(1, 3, root_handle, 0x10, 0x30, 143, 0, 200);
    f.feed.uend(200, 201, 11);
    // get_object used tid == pid (200) for the driver side; do one on thread 201 explicitly too.
    f.feed.dbegin(1, 4, 0, 0x30, 0, 200, 201);
    f.feed.dend(1, 4, 200, 201);
    f.feed.answer(1, 1, 200, 201);
    f.feed.dend(2, 2, 300);
    f.feed.uend(300, 300, 1);
    // After the answer the thread is no longer serving.
    f.feed.dbegin(1, 5, 0, 0x30, 0, 200, 201);
    f.feed.dend(1, 5, 200, 201);
    f.feed.end();

    ASSERT_EQ(f.rows.requests.size(), 1u);
    const CallbackRequestRow &req = f.rows.requests[0];
    const InvocationRow &cause = f.rows.invocation_serial(2);
    EXPECT_EQ(req.end_kind, "answered");
    EXPECT_EQ(req.invocation_id, cause.id);
    EXPECT_EQ(req.context_id, f.rows.contexts[0].serial == 1 ? f.rows.contexts[0].id : f.rows.contexts[1].id);
    ASSERT_TRUE(req.invoker_process_id.has_value());
    EXPECT_EQ(f.rows.process(*req.invoker_process_id)->pid, 300);
    EXPECT_EQ(req.supplicant_thread_id, f.rows.thread_id(201));
    EXPECT_EQ(req.object_id, f.rows.object_at(0x90).id);
    EXPECT_TRUE(req.queue_ts && req.pick_ts && req.answer_ts);

    EXPECT_EQ(cause.depth, 0);
    const InvocationRow &nested = f.rows.invocation_serial(4);
    EXPECT_EQ(nested.depth, 1);
    EXPECT_EQ(nested.parent_request_id, req.id);
    auto user_nested = std::find_if(f.rows.invocations.begin(), f.rows.invocations.end(),
                                    [](auto &i) { return i.user_serial == 11; });
    ASSERT_NE(user_nested, f.rows.invocations.end());
    EXPECT_EQ(user_nested->depth, 1);
    EXPECT_EQ(user_nested->parent_request_id, req.id);
    EXPECT_EQ(f.rows.invocation_serial(5).depth, 0);
    EXPECT_FALSE(f.rows.invocation_serial(5).parent_request_id.has_value());

    // Both processes used context 1 (the supplicant) or 2.
    int users_of_owner = 0;
    for (const auto &u : f.rows.context_users)
        if (u.context_id == req.context_id)
            ++users_of_owner;
    EXPECT_EQ(users_of_owner, 1);
}

TEST(Trackers, ReleaseNoticeIsDeliveredAtPickAndAsyncReleaseRecorded) {
    Fixture f;
    f.context();
    f.feed.create(1, 0x90, TEESCOPE_OBJECT_KIND_CALLBACK, 0, 0, 100, 0, 1);
    f.feed.exported(1, 0x90, 4, 0, 100);
    f.feed.dbegin(1, 1, root_handle, 0x10, 0, 100);
    f.feed.async_release(1, 1, 0x90, 100);
    f.feed.unexported(1, 0x90, 4, 100);
    f.feed.queue(1, 1, 0x90, 0xFFFF, 1, 1, 100);
    f.feed.dend(1, 1, 100);
    f.feed.pick(1, 1, 0xFFFF, 100, 101);
    f.feed.free(1, 0x90, TEESCOPE_OBJECT_KIND_CALLBACK);
    f.feed.end();

    ASSERT_EQ(f.rows.requests.size(), 1u);
    EXPECT_EQ(f.rows.requests[0].end_kind, "delivered");
    ASSERT_EQ(f.rows.async_releases.size(), 1u);
    EXPECT_EQ(f.rows.async_releases[0].object_id, f.rows.object_at(0x90).id);
    EXPECT_EQ(f.rows.async_releases[0].carrier_invocation_id, f.rows.invocation_serial(1).id);
    const ObjectRow &cb = f.rows.object_at(0x90);
    EXPECT_EQ(cb.end_kind, "freed");
    EXPECT_EQ(cb.wire_id, 4);
    EXPECT_TRUE(cb.unexported_ts.has_value());
}

TEST(Trackers, EveryObjectEndKind) {
    Fixture f;
    f.context(1, 100, 0x10);
    f.feed.dev_open(100);
    // released
    f.feed.get_object(1, 1, root_handle, 0x10, 0x21, 143, 0, 100);
    f.feed.user_release(1, 2, 0, 0x21, 100);
    f.feed.release_done(1, 0x21, 0);
    f.feed.free(1, 0x21);
    // release_failed
    f.feed.get_object(1, 3, root_handle, 0x10, 0x22, 143, 0, 100);
    f.feed.user_release(1, 4, 0, 0x22, 100);
    f.feed.release_done(1, 0x22, -5, 3);
    f.feed.free(1, 0x22);
    // release_unobserved (queued, never done)
    f.feed.get_object(1, 5, root_handle, 0x10, 0x23, 143, 0, 100);
    f.feed.user_release(1, 6, 0, 0x23, 100);
    // not_released_by_tee (callback exported, never unexported)
    f.feed.create(1, 0x24, TEESCOPE_OBJECT_KIND_CALLBACK, 0, 0, 100, 0, 9);
    f.feed.exported(1, 0x24, 1, 0, 100);
    // alive_at_end: bound in a live process's context (context 2 of process 400)
    f.context(2, 400, 0x11);
    f.feed.dev_open(400);
    f.feed.get_object(2, 7, root_handle, 0x11, 0x25, 3, 0, 400);
    // held_at_exit: bound in context 3 of process 500 that exited without closing it
    f.context(3, 500, 0x12);
    f.feed.dev_open(500);
    f.feed.get_object(3, 8, root_handle, 0x12, 0x26, 3, 0, 500);
    f.feed.exit(500);
    // reclaimed_at_close: context 1 closes while 0x27 is bound, the release then completes
    f.feed.get_object(1, 9, root_handle, 0x10, 0x27, 0x10003, 1, 100);
    f.feed.close(1, 1, 0);
    f.feed.unbind(1, 1, 0x27, TEESCOPE_UNBIND_REASON_CONTEXT_CLOSE);
    f.feed.release_queue(1, 0x27, 0);
    f.feed.release_done(1, 0x27, 0);
    f.feed.free(1, 0x27);
    // freed: the root object freed at close
    f.feed.free(1, 0x10, TEESCOPE_OBJECT_KIND_ROOT);
    f.feed.end();

    EXPECT_EQ(f.rows.object_at(0x21).end_kind, "released");
    EXPECT_EQ(f.rows.object_at(0x22).end_kind, "release_failed");
    EXPECT_EQ(f.rows.object_at(0x22).release_result, -5);
    EXPECT_EQ(f.rows.object_at(0x22).release_retries, 3);
    EXPECT_EQ(f.rows.object_at(0x23).end_kind, "release_unobserved");
    EXPECT_EQ(f.rows.object_at(0x24).end_kind, "not_released_by_tee");
    EXPECT_EQ(f.rows.object_at(0x25).end_kind, "alive_at_end");
    EXPECT_EQ(f.rows.object_at(0x26).end_kind, "held_at_exit");
    EXPECT_EQ(f.rows.object_at(0x27).end_kind, "reclaimed_at_close");
    EXPECT_EQ(f.rows.object_at(0x10).end_kind, "freed");
    for (const auto &o : f.rows.objects)
        EXPECT_FALSE(o.end_inferred) << o.address;
}

TEST(Trackers, LeakRelevantEndsOfOtherLifetimes) {
    Fixture f;
    f.context(1, 100, 0x10);
    f.feed.dev_open(100);
    f.feed.shm_alloc(1, 1, 100);
    f.feed.shm_alloc(1, 2, 100);
    f.feed.shm_free(1, 1);
    f.context(2, 500, 0x11);
    f.feed.dev_open(500);
    f.feed.shm_alloc(2, 3, 500);
    f.feed.exit(500);
    f.feed.create(1, 0x90, TEESCOPE_OBJECT_KIND_CALLBACK, 0, 0, 100, 0, 1);
    f.feed.dbegin(1, 1, root_handle, 0x10, 0, 100);
    f.feed.queue(1, 1, 0x90, 3, 1, 1, 100); // never picked
    f.feed.end();                            // invocation 1 never returned

    auto shm = [&](int64_t id) {
        return *std::find_if(f.rows.shms.begin(), f.rows.shms.end(), [&](auto &s) { return s.shm == id; });
    };
    EXPECT_EQ(shm(1).end_kind, "freed");
    EXPECT_EQ(shm(2).end_kind, "alive_at_end");
    EXPECT_EQ(shm(3).end_kind, "held_at_exit");
    EXPECT_EQ(shm(2).how, "alloc");
    ASSERT_EQ(f.rows.requests.size(), 1u);
    EXPECT_EQ(f.rows.requests[0].end_kind, "pending_at_end");
    EXPECT_TRUE(f.rows.invocation_serial(1).end_inferred);
    for (const auto &c : f.rows.contexts)
        EXPECT_EQ(c.end_kind, "open_at_end");
    auto exited = f.rows.processes_with_pid(500);
    ASSERT_EQ(exited.size(), 1u);
    EXPECT_EQ(exited[0]->end_kind, "exited");
    EXPECT_EQ(f.rows.processes_with_pid(100).at(0)->end_kind, "alive_at_end");
}

TEST(Trackers, KilledProcessVanishesAndItsRequestIsAbandoned) {
    Fixture f;
    f.context(1, 100, 0x10);
    f.feed.dev_open(100);
    f.feed.create(1, 0x90, TEESCOPE_OBJECT_KIND_CALLBACK, 0, 0, 100, 0, 1);
    f.context(2, 300, 0x11);
    f.feed.dbegin(2, 1, root_handle, 0x11, 0, 300);
    f.feed.queue(1, 1, 0x90, 3, 1, 2, 300);
    f.feed.pick(1, 1, 3, 100, 101);
    f.feed.abandon(1, 1, TEESCOPE_ABANDON_REASON_INVOKER_DIED);
    f.feed.dend(2, 1, 300, 300, 4);
    f.feed.close(2);
    f.feed.free(2, 0x11, TEESCOPE_OBJECT_KIND_ROOT);
    f.feed.release_context(2);
    f.feed.answer(1, 1, 100, 101, 0, 22); // late answer, refused
    f.feed.end();

    ASSERT_EQ(f.rows.requests.size(), 1u);
    EXPECT_EQ(f.rows.requests[0].end_kind, "invoker_died");
    // The refused late answer is part of the workload, not a gap in the trace.
    EXPECT_EQ(f.rows.stats.at("refused_answer").count, 1u);
    EXPECT_EQ(f.rows.stats.at("refused_answer").severity, "info");
    EXPECT_EQ(f.rows.stats.count("unmatched_request_answer"), 0u);
    auto killed = f.rows.processes_with_pid(300);
    ASSERT_EQ(killed.size(), 1u);
    EXPECT_EQ(killed[0]->end_kind, "vanished");
    EXPECT_TRUE(killed[0]->end_ts.has_value());
    auto ctx2 = std::find_if(f.rows.contexts.begin(), f.rows.contexts.end(), [](auto &c) { return c.serial == 2; });
    ASSERT_NE(ctx2, f.rows.contexts.end());
    EXPECT_EQ(ctx2->end_kind, "released");
    EXPECT_EQ(f.rows.invocation_serial(1).err, 4);
}

TEST(Trackers, ContextUsedBySeveralProcesses) {
    Fixture f;
    f.context(1, 100, 0x10);
    f.feed.dbegin(1, 1, root_handle, 0x10, 0, 100);
    f.feed.dend(1, 1, 100);
    f.feed.dbegin(1, 2, root_handle, 0x10, 0, 101); // a forked child on the inherited descriptor
    f.feed.dend(1, 2, 101);
    f.feed.dbegin(1, 3, root_handle, 0x10, 0, 101);
    f.feed.dend(1, 3, 101);
    f.feed.end();

    ASSERT_EQ(f.rows.context_users.size(), 2u);
    std::map<int64_t, int64_t> calls;
    for (const auto &u : f.rows.context_users)
        calls[f.rows.process(u.process_id)->pid] = u.calls;
    EXPECT_EQ(calls[100], 1);
    EXPECT_EQ(calls[101], 2);
}

TEST(Trackers, DataLossMarksWhatIsStillOpen) {
    Fixture f;
    f.context();
    f.feed.get_object(1, 1, root_handle, 0x10, 0x20, 143, 0, 100);
    f.trackers.on_discarded_events(f.feed.ts, f.feed.ts + 5, 12, "chan_0");
    f.feed.ts += 10;
    f.feed.shm_alloc(1, 1, 100);
    f.feed.end();

    EXPECT_EQ(f.rows.stats.at("discarded_events").count, 12u);
    EXPECT_EQ(f.rows.stats.at("discarded_events").severity, "data_loss");
    ASSERT_EQ(f.rows.handles.size(), 1u);
    EXPECT_TRUE(f.rows.handles[0].end_inferred);
    EXPECT_TRUE(f.rows.object_at(0x20).end_inferred);
    EXPECT_TRUE(f.rows.contexts.at(0).end_inferred);
    EXPECT_TRUE(f.rows.shms.at(0).end_inferred);
    EXPECT_EQ(f.rows.stats.at("end_inferred_objects").count, 2u); // the root and 0x20
    EXPECT_EQ(f.rows.stats.at("end_inferred_handles").count, 1u);
    // Each loss is also a row with its time range, for the timeline.
    ASSERT_EQ(f.rows.data_loss.size(), 1u);
    EXPECT_EQ(f.rows.data_loss[0].what, "events");
    EXPECT_EQ(f.rows.data_loss[0].count, 12);
    EXPECT_EQ(f.rows.data_loss[0].end_ts.value_or(0) - f.rows.data_loss[0].begin_ts.value_or(0), 5);
    EXPECT_EQ(f.rows.data_loss[0].stream, "chan_0");
}

TEST(Trackers, ReleaseNeverCompletedAfterLossIsInferred) {
    Fixture f;
    f.context();
    f.feed.get_object(1, 1, root_handle, 0x10, 0x20, 143, 0, 100);
    f.feed.user_release(1, 2, 0, 0x20, 100);
    f.trackers.on_discarded_packets(f.feed.ts, f.feed.ts + 5, 1, "chan_1");
    f.feed.ts += 10;
    f.feed.free(1, 0x20); // its release_done was in the lost packet
    f.feed.end();
    const ObjectRow &o = f.rows.object_at(0x20);
    EXPECT_EQ(o.end_kind, "release_unobserved");
    EXPECT_TRUE(o.end_inferred);
    EXPECT_EQ(f.rows.stats.at("discarded_packets").count, 1u);
    ASSERT_EQ(f.rows.data_loss.size(), 1u);
    EXPECT_EQ(f.rows.data_loss[0].what, "packets");
}

TEST(Trackers, ReadErrorStopsAndMarksOpenLifetimes) {
    Fixture f;
    f.context();
    f.feed.dbegin(1, 1, root_handle, 0x10, 0, 100);
    f.trackers.on_read_error("corrupt packet in stream chan_0", f.feed.ts);
    f.feed.end();
    EXPECT_EQ(f.rows.stats.at("read_error").severity, "error");
    EXPECT_NE(f.rows.stats.at("read_error").example.find("corrupt packet"), std::string::npos);
    EXPECT_TRUE(f.rows.invocation_serial(1).end_inferred);
    EXPECT_FALSE(f.rows.invocation_serial(1).drv_end_ts.has_value());
    EXPECT_TRUE(f.rows.contexts.at(0).end_inferred);
}

TEST(Trackers, DriverSideOutlivingUserCallIsFlagged) {
    Fixture f;
    f.context();
    f.feed.ubegin(100, 100, 1, root_handle, 0);
    f.feed.dbegin(1, 1, root_handle, 0x10, 0, 100);
    f.feed.uend(100, 100, 1, 4); // interrupted before the driver returned
    f.feed.dend(1, 1, 100);       // arrives after the row was written
    f.feed.end();
    ASSERT_EQ(f.rows.invocations.size(), 1u);
    EXPECT_TRUE(f.rows.invocations[0].end_inferred);
    EXPECT_EQ(f.rows.invocations[0].err, 4);
    EXPECT_EQ(f.rows.stats.at("unmatched_user_driver_join").count, 1u);
    EXPECT_EQ(f.rows.stats.at("unmatched_invoke_end").count, 1u);
}

TEST(Trackers, NoDataLossNoInference) {
    Fixture f;
    f.context();
    f.feed.get_object(1, 1, root_handle, 0x10, 0x20, 143, 0, 100);
    f.feed.end();
    EXPECT_FALSE(f.rows.handles.at(0).end_inferred);
    EXPECT_FALSE(f.rows.object_at(0x20).end_inferred);
    EXPECT_EQ(f.rows.stats.count("end_inferred_objects"), 0u);
}

TEST(Trackers, UnmatchedAndUnknownEventsAreCountedNotFatal) {
    Fixture f;
    f.context();
    f.feed.dend(1, 99, 100);                                          // invoke_end without begin
    f.feed.uend(100, 100, 42);                                        // user end without begin
    f.feed.unbind(1, 5, 0x20, TEESCOPE_UNBIND_REASON_RELEASE, 100);   // unbind without bind
    f.feed.answer(1, 3, 100, 101);                                    // answer without queue
    f.feed.pick(1, 4, 0, 100, 101);                                   // pick without queue
    f.feed.release_done(1, 0x777, 0);                                 // release of an unknown object
    f.feed.free(1, 0x778);
    f.feed.bind(1, 2, 0x779, 0, 100);                                 // bind of an unknown object
    f.feed.shm_free(1, 9);
    f.feed.close(7);                                                  // never opened
    f.trackers.on_foreign_event("sched_switch", f.feed.ts);
    f.trackers.on_malformed_event("teescope_drv:invoke_begin", "field op missing", f.feed.ts);
    f.feed.end();

    for (const char *name : {"unmatched_invoke_end", "unmatched_user_invoke_end", "unmatched_handle_unbind",
                             "unmatched_request_answer", "unmatched_request_pick", "unmatched_shm_free",
                             "event_of_unknown_object", "event_of_unknown_context", "foreign_events",
                             "malformed_event"}) {
        ASSERT_TRUE(f.rows.stats.count(name)) << name;
        EXPECT_EQ(f.rows.stats.at(name).count, 1u) << name;
        EXPECT_NE(f.rows.stats.at(name).example.find("ts="), std::string::npos) << name;
    }
    EXPECT_EQ(f.rows.stats.at("release_of_unknown_object").count, 2u);
    EXPECT_NE(f.rows.stats.at("release_of_unknown_object").example.find("0x777"), std::string::npos);
    EXPECT_EQ(f.rows.stats.at("foreign_events").severity, "info");
    EXPECT_EQ(f.rows.stats.at("malformed_event").severity, "error");
    // The bound unknown object exists, marked origin_unknown, so the binding can name it.
    const ObjectRow &unknown = f.rows.object_at(0x779);
    EXPECT_TRUE(unknown.origin_unknown);
    ASSERT_EQ(f.rows.handles.size(), 1u);
    EXPECT_EQ(f.rows.handles[0].object_id, unknown.id);
    auto ctx7 = std::find_if(f.rows.contexts.begin(), f.rows.contexts.end(), [](auto &c) { return c.serial == 7; });
    ASSERT_NE(ctx7, f.rows.contexts.end());
    EXPECT_TRUE(ctx7->origin_unknown);
}

TEST(Trackers, OpteeSessions) {
    Fixture f;
    f.feed.open(1, 100);
    uint8_t uuid[16] = {0x8a, 0xaa, 0xf2, 0x00, 0x24, 0x50, 0x11, 0xe4, 0xab, 0xe2, 0x00, 0x02, 0xa5, 0xd5, 0xc5, 0x1b};
    auto open = [&](uint64_t inv, uint32_t session, uint32_t ret) {
        teescope_drv_optee_open_begin b{100, 100, 1, 0, inv, uuid, 0, 4};
        f.trackers.on_drv_optee_open_begin(f.feed.drv(), b);
        teescope_drv_optee_open_end e{100, 100, 1, 0, inv, session, ret, ret ? 3u : 0u, 0};
        f.trackers.on_drv_optee_open_end(f.feed.drv(), e);
    };
    open(1, 5, 0);
    open(2, 0, 0xFFFF000C); // failed
    teescope_drv_optee_close c{100, 100, 1, 0, 5, 0};
    f.trackers.on_drv_optee_close(f.feed.drv(), c);
    open(3, 5, 0); // session id reused, never closed
    f.feed.end();

    ASSERT_EQ(f.rows.sessions.size(), 3u);
    std::sort(f.rows.sessions.begin(), f.rows.sessions.end(), [](auto &a, auto &b) { return a.id < b.id; });
    EXPECT_EQ(f.rows.sessions[0].end_kind, "closed");
    EXPECT_EQ(f.rows.sessions[0].uuid, "8aaaf200-2450-11e4-abe2-0002a5d5c51b");
    EXPECT_EQ(f.rows.sessions[1].end_kind, "failed");
    EXPECT_EQ(f.rows.sessions[1].ret, 0xFFFF000C);
    EXPECT_EQ(f.rows.sessions[2].end_kind, "open_at_end");
    EXPECT_EQ(f.rows.sessions[2].session, 5);
    EXPECT_NE(f.rows.sessions[0].id, f.rows.sessions[2].id);
}

std::string dump(const Collector &c) {
    std::ostringstream s;
    auto o = [](const auto &v) { return v ? std::to_string(*v) : std::string("-"); };
    for (const auto &r : c.processes)
        s << "P" << r.id << ' ' << r.pid << ' ' << r.name << ' ' << o(r.parent_id) << ' ' << r.start_ts << ' '
          << o(r.end_ts) << ' ' << r.end_kind << '\n';
    for (const auto &r : c.threads)
        s << "T" << r.id << ' ' << r.process_id << ' ' << r.tid << ' ' << r.start_ts << ' ' << o(r.end_ts) << '\n';
    for (const auto &r : c.contexts)
        s << "C" << r.id << ' ' << r.serial << ' ' << o(r.process_id) << ' ' << r.end_kind << '\n';
    for (const auto &r : c.objects)
        s << "O" << r.id << ' ' << r.address << ' ' << r.klass << ' ' << o(r.produced_by) << ' ' << r.end_kind << ' '
          << r.end_inferred << '\n';
    for (const auto &r : c.handles)
        s << "H" << r.id << ' ' << r.handle << ' ' << r.object_id << ' ' << o(r.unbind_ts) << '\n';
    for (const auto &r : c.invocations)
        s << "I" << r.id << ' ' << o(r.serial) << ' ' << o(r.user_serial) << ' ' << r.depth << ' '
          << o(r.parent_request_id) << '\n';
    for (const auto &r : c.requests)
        s << "R" << r.id << ' ' << o(r.request) << ' ' << o(r.invocation_id) << ' ' << r.end_kind << '\n';
    for (const auto &[k, v] : c.stats)
        s << "S" << k << ' ' << v.count << ' ' << v.example << '\n';
    return s.str();
}

void mixed_workload(Fixture &f) {
    f.context(1, 200, 0x10);
    f.context(2, 300, 0x11);
    f.feed.dev_open(200);
    f.feed.dev_open(300);
    f.feed.create(1, 0x90, TEESCOPE_OBJECT_KIND_CALLBACK, 0, 0, 200, 0, 1);
    f.feed.exported(1, 0x90, 4, 0, 200);
    for (uint64_t i = 0; i < 20; ++i) {
        uint64_t inv = 10 + 3 * i;
        f.feed.ubegin(300, 300, i, root_handle, 0);
        f.feed.get_object(2, inv, root_handle, 0x11, 0x100 + (i % 3), 143, i % 2, 300);
        f.feed.uend(300, 300, i);
        f.feed.dbegin(2, inv + 1, i % 2, 0x100 + (i % 3), 1, 300);
        f.feed.queue(1, static_cast<uint32_t>(i % 2), 0x90, 1, inv + 1, 2, 300);
        f.feed.pick(1, static_cast<uint32_t>(i % 2), 1, 200, 201);
        f.feed.answer(1, static_cast<uint32_t>(i % 2), 200, 201);
        f.feed.dend(2, inv + 1, 300);
        f.feed.user_release(2, inv + 2, i % 2, 0x100 + (i % 3), 300);
        f.feed.release_done(2, 0x100 + (i % 3), 0);
        f.feed.free(2, 0x100 + (i % 3));
    }
    f.feed.exit(300);
    f.feed.close(2);
    f.feed.release_context(2);
    f.feed.end();
}

TEST(Trackers, SameInputGivesSameRows) {
    Fixture a, b;
    mixed_workload(a);
    mixed_workload(b);
    std::string da = dump(a.rows), db = dump(b.rows);
    EXPECT_EQ(da, db);
    EXPECT_GT(a.rows.objects.size(), 20u);
    // Every handle names an object that has a row, and ids are unique.
    std::vector<Id> ids;
    for (const auto &o : a.rows.objects)
        ids.push_back(o.id);
    std::sort(ids.begin(), ids.end());
    EXPECT_EQ(std::adjacent_find(ids.begin(), ids.end()), ids.end());
    for (const auto &h : a.rows.handles)
        EXPECT_TRUE(std::binary_search(ids.begin(), ids.end(), h.object_id));
}

TEST(Trackers, LiveStateStaysBoundedOverManyLifetimes) {
    // Every lifetime ends, so every row comes out before the end of the trace.
    Fixture f;
    f.context(1, 100, 0x10);
    size_t before_end = 0;
    for (uint64_t i = 0; i < 5000; ++i) {
        uint64_t inv = 1 + 2 * i;
        f.feed.get_object(1, inv, root_handle, 0x10, 0x100, 143, 0, 100);
        f.feed.user_release(1, inv + 1, 0, 0x100, 100);
        f.feed.release_done(1, 0x100, 0);
        f.feed.free(1, 0x100);
    }
    before_end = f.rows.objects.size() + f.rows.handles.size() + f.rows.invocations.size();
    f.feed.end();
    EXPECT_EQ(before_end, 5000u * 4);
    EXPECT_EQ(f.rows.objects.size(), 5001u);
}

} // namespace
