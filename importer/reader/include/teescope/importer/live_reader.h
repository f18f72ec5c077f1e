// SPDX-License-Identifier: MIT
// Reads an LTTng live session while it is recorded, through a Babeltrace2 graph
// (src.ctf.lttng-live -> flt.utils.muxer -> our sink): events reach the sink a live-timer period
// after they were recorded, in time order, until the session is destroyed.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "teescope/importer/event.h"
#include "teescope/importer/trace_reader.h"

namespace teescope::importer {

// A relay daemon's live session: net://HOST[:PORT]/host/HOSTNAME/SESSION (PORT: the relay's live
// port, 5344 by default). Empty when `url` is one; else what is wrong with it.
std::string check_live_url(const std::string &url);

class LiveReader {
public:
    explicit LiveReader(std::string url);

    // Reads the session into `sink` until it ends (the session was destroyed and everything it
    // recorded was read) or `on_tick` returns false (the user stopped: what was read stands).
    // on_tick runs after every graph step, also while no event comes (every ~10 ms at least);
    // Progress::fraction is 0. A session that breaks while read (the relay daemon went away)
    // gives sink.on_read_error(); sink.on_end() is always the last call unless an exception
    // leaves run(). Throws TraceError, before any call to the sink, for a bad url, a Babeltrace2
    // without src.ctf.lttng-live, or a relay daemon that cannot be reached or does not know the
    // session.
    void run(TraceSink &sink, const std::function<bool(const Progress &)> &on_tick);

private:
    std::string url_;
};

} // namespace teescope::importer
