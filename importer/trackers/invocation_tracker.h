// SPDX-License-Identifier: MIT
// Invocations: the user side (the client's ioctl) and the driver side of one call, joined by
// thread and time containment, nested inside the callback request their thread is serving.
// QTEE OBJECT_INVOKE and the OP-TEE calls (OPEN_SESSION, INVOKE, CLOSE_SESSION) alike.
// In-flight invocations live in a pool of slots, found through indexes by driver serial, by
// (pid, user serial) and by the thread waiting for its driver side.
#pragma once

#include "core.h"

#include "teescope/importer/event.h"

#include <unordered_map>
#include <vector>

namespace teescope::importer {

class ContextTracker;
class ObjectTracker;
class ProcessTracker;
class WaitTracker;

// Insert and erase for a node-based map that recycle erased nodes, so lifetimes that begin and
// end at event rate (invocations) cost no allocation once the live set has been reached.
template <typename Map> class NodeRecycler {
public:
    void erase(Map &m, typename Map::iterator it) { spare_.push_back(m.extract(it)); }
    // Like try_emplace: an existing key is left as it is.
    std::pair<typename Map::iterator, bool> insert(Map &m, const typename Map::key_type &key,
                                                   const typename Map::mapped_type &value) {
        if (spare_.empty())
            return m.try_emplace(key, value);
        auto node = std::move(spare_.back());
        spare_.pop_back();
        node.key() = key;
        node.mapped() = value;
        auto r = m.insert(std::move(node));
        if (!r.inserted)
            spare_.push_back(std::move(r.node));
        return {r.position, r.inserted};
    }
    void clear() { spare_.clear(); }

private:
    std::vector<typename Map::node_type> spare_;
};

class InvocationTracker {
public:
    InvocationTracker(TrackerCore &core, ProcessTracker &processes, ContextTracker &contexts,
                      ObjectTracker &objects, WaitTracker &waits);
    InvocationTracker(const InvocationTracker &) = delete;
    InvocationTracker &operator=(const InvocationTracker &) = delete;

    void on_drv_invoke_begin(const EventHeader &, const teescope_drv_invoke_begin &);
    void on_drv_invoke_end(const EventHeader &, const teescope_drv_invoke_end &);
    void on_drv_optee_open_begin(const EventHeader &, const teescope_drv_optee_open_begin &);
    void on_drv_optee_open_end(const EventHeader &, const teescope_drv_optee_open_end &);
    void on_drv_optee_invoke_begin(const EventHeader &, const teescope_drv_optee_invoke_begin &);
    void on_drv_optee_invoke_end(const EventHeader &, const teescope_drv_optee_invoke_end &);
    void on_user_invoke_begin(const EventHeader &, const teescope_user_invoke_begin &);
    void on_user_invoke_end(const EventHeader &, const teescope_user_invoke_end &);
    void on_user_open_session_begin(const EventHeader &, const teescope_user_open_session_begin &);
    void on_user_open_session_end(const EventHeader &, const teescope_user_open_session_end &);
    void on_user_session_invoke_begin(const EventHeader &, const teescope_user_session_invoke_begin &);
    void on_user_session_invoke_end(const EventHeader &, const teescope_user_session_invoke_end &);
    void on_user_close_session(const EventHeader &, const teescope_user_close_session &);

    // A CLOSE_SESSION ioctl closed session `session_id` (optee_close outside a context release):
    // its invocation, which began when its first wait for an OP-TEE thread did (without a wait its
    // start is not traced: no drv_begin_ts). The row waits for the user side (close_session) of
    // the same thread. Returns its id.
    Id close_session_call(const EventHeader &h, const teescope_drv_optee_close &e, OptId session_id);

    // The invocation whose driver side of serial `serial` is in flight, if any.
    const InvocationRow *in_flight(uint64_t serial) const {
        auto it = drv_invocations_.find(serial);
        return it != drv_invocations_.end() ? &invocations_[it->second].row : nullptr;
    }
    // The OP-TEE session an in-flight call opens, invokes or closes.
    void set_session(uint64_t serial, Id session_id);
    // An in-flight call waited `ns` for an OP-TEE thread.
    void add_wait(uint64_t serial, int64_t ns);

    // Live imports: writes the lifetimes still open as they are now (see Trackers::write_live).
    void write_live();

    // Emits the invocations still in flight: their end is missing (data loss, the caller died,
    // or the trace stopped).
    void finish(Ts last_ts);

private:
    struct Invocation {
        InvocationRow row;
        int64_t user_pid = -1;      // user side key
        int64_t tid = -1;
        bool has_user = false, user_done = false, has_drv = false, drv_done = false;
    };

    uint32_t new_invocation();
    void emit_invocation(uint32_t slot);
    uint32_t drv_begin(int32_t pid, int32_t tid, uint64_t ctx, uint64_t serial, Ts ts, const char *call,
                       const char *event);
    void drv_end(uint64_t serial, int32_t err, int64_t ret, OptInt out_bytes, OptInt origin, Ts ts,
                 const char *event);
    void nest(InvocationRow &row, int64_t tid);
    uint32_t user_begin(const EventHeader &h, uint64_t serial, const char *call);
    void user_end(const EventHeader &h, uint64_t serial, int32_t err, int64_t ret, OptInt out_bytes,
                  OptInt origin, const char *event);
    // Emits the CLOSE_SESSION of thread `tid` still waiting for its user side.
    void flush_close(int64_t tid);

    TrackerCore &core_;
    ProcessTracker &processes_;
    ContextTracker &contexts_;
    ObjectTracker &objects_;
    WaitTracker &waits_;

    std::vector<Invocation> invocations_;                 // pool of in-flight invocations
    std::vector<uint32_t> free_invocations_;
    using DrvIndex = std::unordered_map<uint64_t, uint32_t>;
    using UserIndex = std::unordered_map<PairKey, uint32_t, PairHash>;
    using WaitIndex = std::unordered_map<int64_t, uint32_t>;
    DrvIndex drv_invocations_;   // driver serial -> slot
    UserIndex user_invocations_; // (vpid, user serial) -> slot
    WaitIndex user_waiting_;     // tid -> user call not yet joined to a driver side
    std::unordered_map<int64_t, uint32_t> pending_closes_; // tid -> CLOSE_SESSION waiting for its user side
    NodeRecycler<DrvIndex> drv_nodes_;
    NodeRecycler<UserIndex> user_nodes_;
    NodeRecycler<WaitIndex> wait_nodes_;
};

} // namespace teescope::importer
