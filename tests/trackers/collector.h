// SPDX-License-Identifier: MIT
// The row sink of the tracker tests: keeps every row and statistic, with lookups by id.
#pragma once

#include "teescope/importer/rows.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

namespace teescope::importer::test {

struct Stat {
    std::string severity;
    uint64_t count = 0;
    std::string example;
};

// Keeps every row it is given.
class Collector : public RowSink {
public:
    std::vector<ProcessRow> processes;
    std::vector<ThreadRow> threads;
    std::vector<ContextRow> contexts;
    std::vector<ContextUserRow> context_users;
    std::vector<ObjectRow> objects;
    std::vector<HandleRow> handles;
    std::vector<InvocationRow> invocations;
    std::vector<CallbackRequestRow> requests;
    std::vector<AsyncReleaseRow> async_releases;
    std::vector<DataLossRow> data_loss;
    std::vector<ShmRow> shms;
    std::vector<ShmUseRow> shm_uses;
    std::vector<SessionRow> sessions;
    std::vector<OpteeWaitRow> waits;
    std::vector<GuestRow> guests;
    std::map<std::string, Stat> stats;

    void add(const ProcessRow &r) override { processes.push_back(r); }
    void add(const ThreadRow &r) override { threads.push_back(r); }
    void add(const ContextRow &r) override { contexts.push_back(r); }
    void add(const ContextUserRow &r) override { context_users.push_back(r); }
    void add(const ObjectRow &r) override { objects.push_back(r); }
    void add(const HandleRow &r) override { handles.push_back(r); }
    void add(const InvocationRow &r) override { invocations.push_back(r); }
    void add(const CallbackRequestRow &r) override { requests.push_back(r); }
    void add(const AsyncReleaseRow &r) override { async_releases.push_back(r); }
    void add(const DataLossRow &r) override { data_loss.push_back(r); }
    void add(const ShmRow &r) override { shms.push_back(r); }
    void add(const ShmUseRow &r) override { shm_uses.push_back(r); }
    void add(const SessionRow &r) override { sessions.push_back(r); }
    void add(const OpteeWaitRow &r) override { waits.push_back(r); }
    void add(const GuestRow &r) override { guests.push_back(r); }
    void count(const std::string &name, const std::string &severity, uint64_t n, const std::string &example) override {
        Stat &s = stats[name];
        if (s.count == 0) {
            s.severity = severity;
            s.example = example;
        }
        s.count += n;
    }

    const ObjectRow &object(Id id) const {
        auto it = std::find_if(objects.begin(), objects.end(), [&](const ObjectRow &o) { return o.id == id; });
        EXPECT_NE(it, objects.end()) << "no object " << id;
        return *it;
    }
    const ObjectRow &object_at(int64_t address, int nth = 0) const {
        std::vector<const ObjectRow *> v;
        for (const auto &o : objects)
            if (o.address == address)
                v.push_back(&o);
        std::sort(v.begin(), v.end(), [](auto *a, auto *b) { return a->id < b->id; });
        EXPECT_GT(v.size(), static_cast<size_t>(nth)) << "no object at " << address;
        return *v.at(nth);
    }
    const InvocationRow &invocation(Id id) const {
        auto it = std::find_if(invocations.begin(), invocations.end(), [&](auto &i) { return i.id == id; });
        EXPECT_NE(it, invocations.end()) << "no invocation " << id;
        return *it;
    }
    const InvocationRow &invocation_serial(int64_t serial) const {
        auto it = std::find_if(invocations.begin(), invocations.end(), [&](auto &i) { return i.serial == serial; });
        EXPECT_NE(it, invocations.end()) << "no invocation with serial " << serial;
        return *it;
    }
    const ProcessRow *process(Id id) const {
        for (const auto &p : processes)
            if (p.id == id)
                return &p;
        return nullptr;
    }
    std::vector<const ProcessRow *> processes_with_pid(int64_t pid) const {
        std::vector<const ProcessRow *> v;
        for (const auto &p : processes)
            if (p.pid == pid)
                v.push_back(&p);
        std::sort(v.begin(), v.end(), [](auto *a, auto *b) { return a->id < b->id; });
        return v;
    }
    Id thread_id(int64_t tid) const {
        for (const auto &t : threads)
            if (t.tid == tid)
                return t.id;
        ADD_FAILURE() << "no thread " << tid;
        return -1;
    }
};

} // namespace teescope::importer::test
