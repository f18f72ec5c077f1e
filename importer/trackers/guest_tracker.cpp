// SPDX-License-Identifier: MIT
#include "guest_tracker.h"

#include "process_tracker.h"

namespace teescope::importer {

GuestTracker::GuestTracker(TrackerCore &core, ProcessTracker &processes) : core_(core), processes_(processes) {}

GuestTracker::Guest &GuestTracker::start(int64_t guest, Ts ts, bool known) {
    auto old = guests_.find(guest);
    if (old != guests_.end()) {
        if (!old->second.destroyed) {
            core_.stat("duplicate_guest_create", "data_loss", 1, ts,
                       "guest_create of guest " + std::to_string(guest) + " while it exists");
            old->second.row.end_kind = "destroyed";
            old->second.row.end_inferred = true;
        }
        core_.rows().add(old->second.row);
        guests_.erase(old);
    }
    Guest &g = guests_[guest];
    g.row.id = core_.new_id(Table::guest);
    g.row.guest = guest;
    if (known)
        g.row.created_ts = ts;
    g.row.origin_unknown = !known;
    return g;
}

void GuestTracker::on_drv_guest_create(const EventHeader &h, const teescope_drv_guest_create &e) {
    processes_.caller(e.pid, e.tid, h.ts);
    start(e.guest, h.ts, true).row.threads = e.threads;
}

void GuestTracker::on_drv_guest_destroy(const EventHeader &h, const teescope_drv_guest_destroy &e) {
    processes_.caller(e.pid, e.tid, h.ts);
    auto it = guests_.find(e.guest);
    if (it == guests_.end() || it->second.destroyed) {
        core_.stat("guest_destroy_of_unknown_guest", "data_loss", 1, h.ts,
                   "guest_destroy of guest " + std::to_string(e.guest) + " not created in the trace");
        it = guests_.find(start(e.guest, h.ts, false).row.guest);
    }
    Guest &g = it->second;
    g.destroyed = true;
    g.row.destroyed_ts = h.ts;
    g.row.contexts_dropped = e.contexts;
    g.row.sessions_dropped = e.sessions;
    g.row.shm_dropped = e.shm;
    g.row.end_kind = "destroyed";
}

void GuestTracker::seen(int64_t guest, Ts ts) {
    if (guest == 0 || guests_.count(guest))
        return;
    start(guest, ts, false);
}

bool GuestTracker::destroyed(int64_t guest) const {
    auto it = guests_.find(guest);
    return it != guests_.end() && it->second.destroyed;
}

bool GuestTracker::dropped_with(int64_t guest, OptTs since) const {
    const OptTs ts = destroyed_ts(guest);
    return ts && (!since || *since <= *ts);
}

OptTs GuestTracker::destroyed_ts(int64_t guest) const {
    auto it = guests_.find(guest);
    return it != guests_.end() && it->second.destroyed ? it->second.row.destroyed_ts : std::nullopt;
}

std::vector<std::pair<int64_t, Ts>> GuestTracker::destroyed_guests() const {
    std::vector<std::pair<int64_t, Ts>> v;
    for (const auto &[guest, g] : guests_)
        if (g.destroyed && g.row.destroyed_ts)
            v.emplace_back(guest, *g.row.destroyed_ts);
    std::sort(v.begin(), v.end());
    return v;
}

void GuestTracker::finish(Ts last_ts) {
    uint64_t alive = 0;
    for (Guest *g : in_id_order(guests_)) {
        if (!g->destroyed) {
            g->row.end_kind = "alive_at_end";
            g->row.end_inferred = core_.data_lost();
            ++alive;
        }
        core_.rows().add(g->row);
    }
    core_.count_inferred("guests", alive, last_ts);
    guests_.clear();
}

} // namespace teescope::importer
