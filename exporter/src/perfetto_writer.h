// SPDX-License-Identifier: MIT
#pragma once

#include "timeline.h"

#include <ostream>

namespace teescope::exporter {

// Writes `t` as a Perfetto protobuf trace (a stream of Trace.packet): track descriptors for
// every process, thread and counter, then the track events in time order, all on one packet
// sequence.
void write_perfetto(const Timeline &t, std::ostream &out);

// Track uuids, shared with the tests that read the file back.
uint64_t process_track_uuid(size_t process);
uint64_t thread_track_uuid(size_t thread);
uint64_t counter_track_uuid(size_t counter);
uint64_t data_loss_track_uuid();

} // namespace teescope::exporter
