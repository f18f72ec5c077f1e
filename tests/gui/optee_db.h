// SPDX-License-Identifier: MIT
// A synthetic OP-TEE trace database under Xen for the GUI tests, written through the store's
// writer like an import: two guests, each with a client and a tee-supplicant; sessions on
// hello_world and secure_storage (closed, left open, dropped with the destroyed guest 2, one
// failed open); invocations with RPCs served by the supplicant threads and waits for an OP-TEE
// thread; shared memory used by memrefs; a native QTEE client too. The storage app's program is
// known (proc_name): its procname is the kernel's cut "secure_storage_", its program
// /opt/tee/bin/secure_storage_client.
#pragma once

#include "teescope/importer/rows.h"
#include "teescope/store/writer.h"

#include <QString>

#include <string>

namespace teescope::gui::test {

using namespace teescope::importer;

struct OpteeDb {
    // Database ids of what the tests look for.
    static constexpr Id kHelloClient = 1, kSupplicant1 = 2, kStorageApp = 3, kSupplicant2 = 4, kQteeClient = 5;
    static constexpr Id kClientThread = 1, kSupplicantThread1 = 3, kStorageThread = 4, kSupplicantThread2 = 5;
    static constexpr Id kHelloSession = 1, kLeakedSession = 2, kStorageSession = 3, kFailedSession = 4;
    static constexpr Id kWaitingInvocation = 4;  // hello_world increment that waited 2 ms for a thread
    static constexpr Id kLoadTaRpc = 1;          // LOAD_TA of the first OPEN_SESSION, served by kSupplicantThread1
    static constexpr Ts kT0 = 1'000'000'000;
    static constexpr Ts kEnd = kT0 + 100'000'000; // 100 ms of trace
    static constexpr Ts kWaitBegin = kT0 + 20'000'000, kWaitEnd = kT0 + 22'000'000;
};

// Writes the database at `path`. Throws store::Error.
inline void writeOpteeDb(const QString &path)
{
    using D = OpteeDb;
    store::Writer w(path.toStdString());
    w.set_metadata("first_ts", std::to_string(D::kT0));
    w.set_metadata("last_ts", std::to_string(D::kEnd));
    w.set_metadata("events", "500");
    w.set_metadata("trace_path", "/traces/optee-xen");
    const auto ms = [](double v) { return Ts(v * 1'000'000); };

    auto process = [&](Id id, int64_t pid, const char *name, int64_t guest, const char *end_kind, Ts end = 0) {
        ProcessRow p{};
        p.id = id, p.pid = pid, p.name = name, p.guest = guest, p.start_ts = D::kT0 + ms(1), p.end_kind = end_kind;
        if (end)
            p.end_ts = end;
        w.add(p);
    };
    process(D::kHelloClient, 101, "hello_client", 1, "alive_at_end");
    process(D::kSupplicant1, 150, "tee-supplicant", 1, "alive_at_end");
    {
        ProcessRow p{};
        p.id = D::kStorageApp, p.pid = 201, p.name = "secure_storage_", p.guest = 2, p.start_ts = D::kT0 + ms(1);
        p.end_kind = "vanished", p.end_ts = D::kT0 + ms(80);
        p.exe = "/opt/tee/bin/secure_storage_client";
        p.cmdline = "secure_storage_client --store <b>notes</b>";
        p.cmdline_bytes = int64_t(p.cmdline->size());
        w.add(p);
    }
    process(D::kSupplicant2, 250, "tee-supplicant", 2, "vanished", D::kT0 + ms(80));
    process(D::kQteeClient, 301, "qtee_client", 0, "alive_at_end");
    auto thread = [&](Id id, Id process, int64_t tid, Ts end = D::kT0 + 90'000'000) {
        w.add(ThreadRow{id, process, tid, D::kT0 + ms(1), end});
    };
    thread(D::kClientThread, D::kHelloClient, 101);
    thread(2, D::kHelloClient, 102);
    thread(D::kSupplicantThread1, D::kSupplicant1, 151);
    thread(D::kStorageThread, D::kStorageApp, 201, D::kT0 + ms(80));
    thread(D::kSupplicantThread2, D::kSupplicant2, 251, D::kT0 + ms(80));
    thread(6, D::kQteeClient, 301);

    auto context = [&](Id id, Id process, const char *dev, int64_t impl, int64_t guest, const char *end_kind) {
        ContextRow c{};
        c.id = id, c.serial = 10 + id, c.process_id = process, c.dev = dev, c.impl = impl, c.guest = guest;
        c.open_ts = D::kT0 + ms(2);
        c.end_kind = end_kind;
        if (std::string(end_kind) == "released")
            c.close_ts = c.release_ts = D::kT0 + ms(80);
        w.add(c);
    };
    context(1, D::kHelloClient, "tee0", 1, 1, "open_at_end");
    context(2, D::kSupplicant1, "teepriv0", 1, 1, "open_at_end");
    context(3, D::kStorageApp, "tee0", 1, 2, "released");
    context(4, D::kSupplicant2, "teepriv0", 1, 2, "released");
    context(5, D::kQteeClient, "tee0", 4, 0, "open_at_end");
    ObjectRow root{};
    root.id = 1, root.address = 0x1000, root.kind = "root", root.klass = "root", root.context_id = 5;
    root.created_ts = D::kT0 + ms(2), root.end_kind = "alive_at_end";
    w.add(root);

    GuestRow g1{};
    g1.id = 1, g1.guest = 1, g1.threads = 4, g1.created_ts = D::kT0, g1.end_kind = "alive_at_end";
    GuestRow g2 = g1;
    g2.id = 2, g2.guest = 2, g2.threads = 2, g2.destroyed_ts = D::kT0 + ms(80), g2.contexts_dropped = 2,
    g2.sessions_dropped = 1, g2.shm_dropped = 1, g2.end_kind = "destroyed";
    w.add(g1);
    w.add(g2);

    const std::string hello = "8aaaf200-2450-11e4-abe2-0002a5d5c51b";
    const std::string storage = "f4e750bb-1437-4fbf-8785-8d3580c34994";
    auto session = [&](Id id, Id ctx, Id process, Id thread, int64_t guest, const std::string &uuid, const char *end_kind,
                       Ts open, Ts close, Id opened_by) {
        SessionRow s{};
        s.id = id, s.context_id = ctx, s.process_id = process, s.thread_id = thread, s.guest = guest, s.uuid = uuid;
        s.session = id, s.login = 0, s.open_ts = open, s.ret = 0, s.origin = 0, s.err = 0, s.end_kind = end_kind;
        s.opened_by = opened_by;
        if (close)
            s.close_ts = close;
        if (std::string(end_kind) == "failed") {
            s.session.reset();
            s.ret = 0xFFFF0008;
            s.origin = 3;
        }
        w.add(s);
    };
    session(D::kHelloSession, 1, D::kHelloClient, D::kClientThread, 1, hello, "closed", D::kT0 + ms(10), D::kT0 + ms(50), 1);
    session(D::kLeakedSession, 1, D::kHelloClient, 2, 1, hello, "open_at_end", D::kT0 + ms(60), 0, 8);
    session(D::kStorageSession, 3, D::kStorageApp, D::kStorageThread, 2, storage, "closed_by_guest_destroy",
            D::kT0 + ms(30), D::kT0 + ms(80), 10);
    session(D::kFailedSession, 1, D::kHelloClient, D::kClientThread, 1, "11111111-2222-3333-4444-555555555555",
            "failed", D::kT0 + ms(70), 0, 13);

    // Invocations: (id, session, call, op, thread, process, guest, user begin, driver begin, driver end, user end)
    auto call = [&](Id id, Id session, const char *kind, int64_t op, Id thread, Id process, int64_t guest, Ts begin,
                    Ts end, int64_t ret = 0) {
        InvocationRow r{};
        if (id == D::kWaitingInvocation)
            r.wait_ns = D::kWaitEnd - D::kWaitBegin;
        if (id == 11)
            r.wait_ns = ms(35) - ms(32.1);
        r.id = id, r.serial = 100 + id, r.user_serial = id, r.session_id = session, r.call = kind, r.op = op;
        r.thread_id = thread, r.process_id = process, r.guest = guest;
        r.context_id = process == D::kHelloClient ? 1 : 3;
        r.user_begin_ts = begin, r.drv_begin_ts = begin + 2000, r.drv_end_ts = end - 2000, r.user_end_ts = end;
        r.err = 0, r.ret = ret, r.origin = ret ? 3 : 0;
        w.add(r);
    };
    call(1, D::kHelloSession, "open_session", kOpOpenSession, D::kClientThread, D::kHelloClient, 1, D::kT0 + ms(5),
         D::kT0 + ms(10));
    call(2, D::kHelloSession, "invoke", 0, D::kClientThread, D::kHelloClient, 1, D::kT0 + ms(12), D::kT0 + ms(13));
    call(3, D::kHelloSession, "invoke", 0, D::kClientThread, D::kHelloClient, 1, D::kT0 + ms(14), D::kT0 + ms(15));
    call(D::kWaitingInvocation, D::kHelloSession, "invoke", 0, D::kClientThread, D::kHelloClient, 1, D::kT0 + ms(19.5),
         D::kT0 + ms(26));
    call(5, D::kHelloSession, "invoke", 1, D::kClientThread, D::kHelloClient, 1, D::kT0 + ms(30), D::kT0 + ms(31));
    call(6, D::kHelloSession, "invoke", 1, D::kClientThread, D::kHelloClient, 1, D::kT0 + ms(40), D::kT0 + ms(41));
    call(7, D::kHelloSession, "close_session", kOpCloseSession, D::kClientThread, D::kHelloClient, 1, D::kT0 + ms(49),
         D::kT0 + ms(50));
    call(8, D::kLeakedSession, "open_session", kOpOpenSession, 2, D::kHelloClient, 1, D::kT0 + ms(59), D::kT0 + ms(60));
    call(9, D::kLeakedSession, "invoke", 0, 2, D::kHelloClient, 1, D::kT0 + ms(62), D::kT0 + ms(63));
    call(10, D::kStorageSession, "open_session", kOpOpenSession, D::kStorageThread, D::kStorageApp, 2, D::kT0 + ms(25),
         D::kT0 + ms(30));
    call(11, D::kStorageSession, "invoke", 1, D::kStorageThread, D::kStorageApp, 2, D::kT0 + ms(32), D::kT0 + ms(45));
    call(12, D::kStorageSession, "invoke", 0, D::kStorageThread, D::kStorageApp, 2, D::kT0 + ms(50), D::kT0 + ms(52));
    call(13, D::kFailedSession, "open_session", kOpOpenSession, D::kClientThread, D::kHelloClient, 1, D::kT0 + ms(68),
         D::kT0 + ms(70), 0xFFFF0008);
    {
        InvocationRow r = {};
        r.id = 14, r.serial = 200, r.object_id = 1, r.op = 0, r.thread_id = 6, r.process_id = D::kQteeClient;
        r.context_id = 5, r.handle = -1, r.drv_begin_ts = D::kT0 + ms(3), r.drv_end_ts = D::kT0 + ms(4), r.err = 0, r.ret = 0;
        w.add(r);
    }

    // RPCs to tee-supplicant: LOAD_TA of each OPEN_SESSION, FS of the storage writes.
    auto rpc = [&](Id id, Id invocation, int64_t cmd, Id invoker, Id supplicant_ctx, Id thread, int64_t guest, Ts queue) {
        CallbackRequestRow r{};
        r.id = id, r.kind = "rpc", r.context_id = supplicant_ctx, r.request = 1, r.op = cmd, r.invocation_id = invocation;
        r.invoker_process_id = invoker, r.queue_ts = queue, r.pick_ts = queue + ms(0.5), r.answer_ts = queue + ms(2);
        r.return_ts = queue + ms(2.1), r.supplicant_thread_id = thread, r.ret = 0, r.err = 0, r.end_kind = "answered";
        r.guest = guest;
        w.add(r);
    };
    rpc(D::kLoadTaRpc, 1, 0, D::kHelloClient, 2, D::kSupplicantThread1, 1, D::kT0 + ms(6));
    rpc(2, 10, 0, D::kStorageApp, 4, D::kSupplicantThread2, 2, D::kT0 + ms(26));
    rpc(3, 11, 2, D::kStorageApp, 4, D::kSupplicantThread2, 2, D::kT0 + ms(35));

    // The waiting invocation waited 2 ms for a free OP-TEE thread; a storage write 3 ms at its
    // guest's limit of calls in flight.
    OpteeWaitRow wait{};
    wait.id = 1, wait.invocation_id = D::kWaitingInvocation, wait.context_id = 1, wait.thread_id = D::kClientThread;
    wait.guest = 1, wait.reason = "no_thread", wait.begin_ts = D::kWaitBegin, wait.end_ts = D::kWaitEnd;
    w.add(wait);
    OpteeWaitRow limit = wait;
    limit.id = 2, limit.invocation_id = 11, limit.context_id = 3, limit.thread_id = D::kStorageThread, limit.guest = 2;
    limit.reason = "guest_limit", limit.begin_ts = D::kT0 + ms(32.1), limit.end_ts = D::kT0 + ms(35);
    w.add(limit);

    // Shared memory: the client's, used by two calls and freed; the storage app's, dropped with guest 2.
    ShmRow shm{};
    shm.id = 1, shm.context_id = 1, shm.shm = 1, shm.size = 4096, shm.how = "alloc", shm.process_id = D::kHelloClient;
    shm.created_ts = D::kT0 + ms(11), shm.freed_ts = D::kT0 + ms(48), shm.end_kind = "freed", shm.freed_by = "client";
    shm.guest = 1;
    w.add(shm);
    ShmRow dropped = shm;
    dropped.id = 2, dropped.context_id = 3, dropped.process_id = D::kStorageApp, dropped.guest = 2;
    dropped.created_ts = D::kT0 + ms(31), dropped.freed_ts = D::kT0 + ms(80), dropped.freed_by = "guest_destroy";
    w.add(dropped);
    for (Id i = 1; i <= 3; ++i) {
        ShmUseRow u{};
        u.id = i, u.shm_id = i < 3 ? 1 : 2, u.invocation_id = i < 3 ? i + 1 : 11, u.param = 0, u.shm = 1, u.offset = 0;
        u.size = 64, u.dir = "inout", u.ts = D::kT0 + ms(12);
        w.add(u);
    }
    w.finish();
}

} // namespace teescope::gui::test
