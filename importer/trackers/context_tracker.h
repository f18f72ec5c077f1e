// SPDX-License-Identifier: MIT
// Contexts: open → close → final release, a lifetime per driver serial (serials are never
// reused), and the processes that used each one (fork, descriptor passing).
#pragma once

#include "core.h"

#include "teescope/importer/event.h"

#include <unordered_map>
#include <vector>

namespace teescope::importer {

class ProcessTracker;

class ContextTracker {
public:
    ContextTracker(TrackerCore &core, ProcessTracker &processes);
    ContextTracker(const ContextTracker &) = delete;
    ContextTracker &operator=(const ContextTracker &) = delete;

    void on_drv_context_open(const EventHeader &, const teescope_drv_context_open &);
    void on_drv_context_close(const EventHeader &, const teescope_drv_context_close &);
    void on_drv_context_release(const EventHeader &, const teescope_drv_context_release &);

    // The id of the context of driver serial `serial` (0: none), released or not. An event on a
    // serial never opened in the trace starts a context of unknown origin, counted under `event`.
    OptId context_id(uint64_t serial, Ts ts, const char *event) {
        return id_for(serial, std::nullopt, ts, event);
    }
    // The same, for a call through the context by `process` (counted in its context_users row).
    OptId called(uint64_t serial, OptId process, Ts ts, const char *event) {
        return id_for(serial, process, ts, event);
    }
    // A call through a context not yet released by `process`, e.g. a supplicant picking a request.
    void note_call(uint64_t serial, Id process, Ts ts, const char *event);
    // The process that opened a context not yet released.
    OptId opener(uint64_t serial) const;

    // A context of an OP-TEE device (impl 1, or a teepriv device), as far as it is known.
    bool is_optee(uint64_t serial) const;
    // The Xen guest of a context, released or not (0: native, or unknown).
    int64_t guest_of(uint64_t serial) const;
    // The device of a context, released or not, as a small number (0: unknown): shm ids are
    // per device (tee0 and teepriv0 each have theirs).
    int device_of(uint64_t serial) const;
    // Xen guest `guest` was destroyed at `ts`: its contexts still open were dropped with it.
    void drop_guest(int64_t guest, Ts ts);
    // The context was closed (context_close), or released.
    bool closed(uint64_t serial) const;
    // An OP-TEE event named the context: one of unknown origin learns its device kind and guest.
    void note_optee(uint64_t serial, int64_t guest);

    // Live imports: writes the lifetimes still open as they are now (see Trackers::write_live).
    void write_live();

    // Emits the contexts not released (closed or still open).
    void finish(Ts last_ts);

private:
    struct ContextState {
        ContextRow row;
        std::vector<ContextUserRow> users; // calls == 0: opener that never called
        bool closed = false;
        bool dropped = false; // its guest was destroyed while it was open
    };

    ContextState *context_for(uint64_t serial, Ts ts, const char *event);
    OptId id_for(uint64_t serial, OptId caller, Ts ts, const char *event);
    void note_context_user(ContextState &c, Id process_id, Ts ts, bool call);
    void emit_context(ContextState &c);

    struct Released {
        Id id;
        int64_t guest;
        int device;
    };

    int intern_device(const std::string &dev);

    TrackerCore &core_;
    ProcessTracker &processes_;
    std::unordered_map<uint64_t, ContextState> contexts_;   // serial -> not yet released
    std::unordered_map<uint64_t, Released> released_contexts_; // serial -> its id (serials are never reused)
    std::vector<std::string> devices_;                       // device names; index + 1 = device_of
};

} // namespace teescope::importer
