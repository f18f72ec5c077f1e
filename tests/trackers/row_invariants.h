// SPDX-License-Identifier: MIT
// What every set of rows the trackers write must satisfy, whatever the events were: ids unique,
// every reference to a row that exists, every lifetime ending no earlier than it began, one
// binding of a handle at a time in a context, and only the documented end kinds.
#pragma once

#include "collector.h"

#include <map>
#include <set>
#include <string>
#include <vector>

namespace teescope::importer::test {

class RowInvariants {
public:
    // The violations found, one line each (empty: all hold).
    static std::vector<std::string> check(const Collector &c)
    {
        RowInvariants r(c);
        r.run();
        return std::move(r.out_);
    }

private:
    const Collector &c_;
    std::vector<std::string> out_;
    std::set<Id> processes_, threads_, contexts_, objects_, invocations_, requests_, shms_, sessions_;

    explicit RowInvariants(const Collector &c) : c_(c) {}

    void fail(const std::string &what) { out_.push_back(what); }

    template <typename Rows> void ids(const char *table, const Rows &rows, std::set<Id> &into)
    {
        for (const auto &r : rows)
            if (r.id <= 0 || !into.insert(r.id).second)
                fail(std::string(table) + ": id " + std::to_string(r.id) + " is not a new positive id");
    }
    void ref(const char *what, Id from, const OptId &id, const std::set<Id> &in)
    {
        if (id && !in.count(*id))
            fail(std::string(what) + " of row " + std::to_string(from) + " names " + std::to_string(*id) +
                 ", which does not exist");
    }
    void order(const char *what, Id id, const OptTs &a, const OptTs &b)
    {
        if (a && b && *b < *a)
            fail(std::string(what) + " of row " + std::to_string(id) + ": " + std::to_string(*b) + " < " +
                 std::to_string(*a));
    }
    void kind(const char *table, Id id, const std::string &k, std::initializer_list<const char *> allowed)
    {
        for (const char *a : allowed)
            if (k == a)
                return;
        fail(std::string(table) + " row " + std::to_string(id) + ": end kind '" + k + "' is not documented");
    }

    void run()
    {
        ids("processes", c_.processes, processes_);
        ids("threads", c_.threads, threads_);
        ids("contexts", c_.contexts, contexts_);
        ids("objects", c_.objects, objects_);
        ids("invocations", c_.invocations, invocations_);
        ids("callback_requests", c_.requests, requests_);
        ids("shm", c_.shms, shms_);
        ids("sessions", c_.sessions, sessions_);
        std::set<Id> scratch;
        ids("handles", c_.handles, scratch);

        for (const auto &p : c_.processes) {
            ref("processes.parent_id", p.id, p.parent_id, processes_);
            order("process lifetime", p.id, p.start_ts, p.end_ts);
            kind("processes", p.id, p.end_kind, {"exited", "vanished", "alive_at_end"});
        }
        for (const auto &t : c_.threads) {
            ref("threads.process_id", t.id, t.process_id, processes_);
            order("thread lifetime", t.id, t.start_ts, t.end_ts);
        }
        for (const auto &x : c_.contexts) {
            ref("contexts.process_id", x.id, x.process_id, processes_);
            order("context open..close", x.id, x.open_ts, x.close_ts);
            order("context close..release", x.id, x.close_ts, x.release_ts);
            order("context open..release", x.id, x.open_ts, x.release_ts);
            kind("contexts", x.id, x.end_kind, {"released", "closed", "dropped_by_guest_destroy", "open_at_end"});
        }
        for (const auto &u : c_.context_users) {
            ref("context_users.context_id", u.context_id, u.context_id, contexts_);
            ref("context_users.process_id", u.context_id, u.process_id, processes_);
            order("context use", u.context_id, u.first_ts, u.last_ts);
        }
        for (const auto &o : c_.objects) {
            ref("objects.context_id", o.id, o.context_id, contexts_);
            ref("objects.produced_by", o.id, o.produced_by, invocations_);
            ref("objects.creator_process_id", o.id, o.creator_process_id, processes_);
            ref("objects.creator_thread_id", o.id, o.creator_thread_id, threads_);
            order("object lifetime", o.id, o.created_ts, o.freed_ts);
        }
        std::map<std::pair<Id, int64_t>, std::vector<const HandleRow *>> by_handle;
        for (const auto &h : c_.handles) {
            ref("handles.context_id", h.id, h.context_id, contexts_);
            ref("handles.object_id", h.id, h.object_id, objects_);
            ref("handles.invocation_id", h.id, h.invocation_id, invocations_);
            ref("handles.request_id", h.id, h.request_id, requests_);
            ref("handles.process_id", h.id, h.process_id, processes_);
            order("handle binding", h.id, h.bind_ts, h.unbind_ts);
            by_handle[{h.context_id, h.handle}].push_back(&h);
        }
        for (auto &[key, v] : by_handle)
            one_binding_at_a_time(v);
        for (const auto &i : c_.invocations) {
            ref("invocations.context_id", i.id, i.context_id, contexts_);
            ref("invocations.process_id", i.id, i.process_id, processes_);
            ref("invocations.thread_id", i.id, i.thread_id, threads_);
            ref("invocations.object_id", i.id, i.object_id, objects_);
            ref("invocations.parent_request_id", i.id, i.parent_request_id, requests_);
            ref("invocations.session_id", i.id, i.session_id, sessions_);
            order("invocation user side", i.id, i.user_begin_ts, i.user_end_ts);
            order("invocation driver side", i.id, i.drv_begin_ts, i.drv_end_ts);
            if (i.wait_ns && *i.wait_ns < 0)
                fail("invocation " + std::to_string(i.id) + ": negative wait_ns");
        }
        for (const auto &r : c_.requests) {
            ref("callback_requests.context_id", r.id, r.context_id, contexts_);
            ref("callback_requests.object_id", r.id, r.object_id, objects_);
            ref("callback_requests.invocation_id", r.id, r.invocation_id, invocations_);
            ref("callback_requests.invoker_process_id", r.id, r.invoker_process_id, processes_);
            ref("callback_requests.supplicant_thread_id", r.id, r.supplicant_thread_id, threads_);
            const std::string what = r.kind + " request (" + r.end_kind + ") ";
            order((what + "queue..pick").c_str(), r.id, r.queue_ts, r.pick_ts);
            order((what + "pick..answer").c_str(), r.id, r.pick_ts, r.answer_ts);
            order((what + "queue..answer").c_str(), r.id, r.queue_ts, r.answer_ts);
            order((what + "queue..return").c_str(), r.id, r.queue_ts, r.return_ts);
        }
        for (const auto &a : c_.async_releases) {
            ref("async_releases.object_id", a.id, a.object_id, objects_);
            ref("async_releases.carrier_invocation_id", a.id, a.carrier_invocation_id, invocations_);
            ref("async_releases.carrier_context_id", a.id, a.carrier_context_id, contexts_);
        }
        for (const auto &s : c_.shms) {
            ref("shm.context_id", s.id, s.context_id, contexts_);
            ref("shm.process_id", s.id, s.process_id, processes_);
            ref("shm.rpc_request_id", s.id, s.rpc_request_id, requests_);
            order("shm lifetime", s.id, s.created_ts, s.freed_ts);
            kind("shm", s.id, s.end_kind, {"freed", "held_at_exit", "alive_at_end"});
        }
        for (const auto &u : c_.shm_uses) {
            ref("shm_uses.shm_id", u.id, u.shm_id, shms_);
            ref("shm_uses.invocation_id", u.id, u.invocation_id, invocations_);
        }
        for (const auto &s : c_.sessions) {
            ref("sessions.context_id", s.id, s.context_id, contexts_);
            ref("sessions.process_id", s.id, s.process_id, processes_);
            ref("sessions.thread_id", s.id, s.thread_id, threads_);
            ref("sessions.opened_by", s.id, s.opened_by, invocations_);
            ref("sessions.closed_by", s.id, s.closed_by, invocations_);
            order("session lifetime", s.id, s.open_ts, s.close_ts);
            kind("sessions", s.id, s.end_kind,
                 {"closed", "closed_at_release", "closed_by_guest_destroy", "failed", "open_at_end"});
        }
        for (const auto &w : c_.waits) {
            ref("optee_waits.invocation_id", w.id, w.invocation_id, invocations_);
            ref("optee_waits.context_id", w.id, w.context_id, contexts_);
            ref("optee_waits.thread_id", w.id, w.thread_id, threads_);
            order("wait", w.id, w.begin_ts, w.end_ts);
        }
        for (const auto &g : c_.guests) {
            order("guest lifetime", g.id, g.created_ts, g.destroyed_ts);
            kind("guests", g.id, g.end_kind, {"destroyed", "alive_at_end"});
        }
        for (const auto &d : c_.data_loss)
            order("data loss", d.id, d.begin_ts, d.end_ts);
    }

    // Bindings of one handle in one context follow each other: none begins before the previous
    // one ended (an unbound binding can only be the last).
    void one_binding_at_a_time(std::vector<const HandleRow *> v)
    {
        std::sort(v.begin(), v.end(), [](auto *a, auto *b) {
            return a->bind_ts.value_or(INT64_MIN) != b->bind_ts.value_or(INT64_MIN)
                       ? a->bind_ts.value_or(INT64_MIN) < b->bind_ts.value_or(INT64_MIN)
                       : a->id < b->id;
        });
        for (size_t i = 0; i + 1 < v.size(); ++i) {
            const HandleRow &a = *v[i], &b = *v[i + 1];
            if (!a.unbind_ts || (b.bind_ts && *b.bind_ts < *a.unbind_ts))
                fail("handle " + std::to_string(a.handle) + " of context " + std::to_string(a.context_id) +
                     ": binding " + std::to_string(b.id) + " begins while binding " + std::to_string(a.id) +
                     " holds it");
        }
    }
};

} // namespace teescope::importer::test
