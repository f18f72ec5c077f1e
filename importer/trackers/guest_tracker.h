// SPDX-License-Identifier: MIT
// Xen guests: a lifetime per OP-TEE partition, from guest_create to guest_destroy (a client id
// comes back when Xen reuses a domain id). After guest_destroy, what the guest still held is
// dropped: the closes and frees that follow are its partition going away, not its clients'.
#pragma once

#include "core.h"

#include "teescope/importer/event.h"

#include <unordered_map>
#include <utility>
#include <vector>

namespace teescope::importer {

class ProcessTracker;

class GuestTracker {
public:
    GuestTracker(TrackerCore &core, ProcessTracker &processes);
    GuestTracker(const GuestTracker &) = delete;
    GuestTracker &operator=(const GuestTracker &) = delete;

    void on_drv_guest_create(const EventHeader &, const teescope_drv_guest_create &);
    void on_drv_guest_destroy(const EventHeader &, const teescope_drv_guest_destroy &);

    // A context or call of guest `guest` (0: native, ignored): a guest not created in the trace
    // gets a lifetime of unknown origin.
    void seen(int64_t guest, Ts ts);
    // Guest `guest` was destroyed and not created again since; when.
    bool destroyed(int64_t guest) const;
    OptTs destroyed_ts(int64_t guest) const;
    // Something of guest `guest` that began at `since` (unknown: before the trace) went away
    // with it: the guest was destroyed after it began.
    bool dropped_with(int64_t guest, OptTs since) const;
    // The guests destroyed and not created again, by client id.
    std::vector<std::pair<int64_t, Ts>> destroyed_guests() const;

    // Live imports: writes the lifetimes still open as they are now (see Trackers::write_live).
    void write_live();

    // Emits every guest lifetime still held (alive or destroyed).
    void finish(Ts last_ts);

private:
    struct Guest {
        GuestRow row;
        bool destroyed = false;
        bool live_destroyed = false; // live imports: written destroyed
    };

    Guest &start(int64_t guest, Ts ts, bool known);

    TrackerCore &core_;
    ProcessTracker &processes_;
    std::unordered_map<int64_t, Guest> guests_; // client id -> current lifetime
};

} // namespace teescope::importer
