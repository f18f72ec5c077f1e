// SPDX-License-Identifier: MIT
// The program a traced process runs (executable path and command line), told once per program:
// proc_name at load, or before the first traced event when no session listened at load.
#pragma once

namespace teescope::preload {

// Emits proc_name unless this program already did; cheap once done (one relaxed load). A fork
// child inherits "done" with its parent's memory: it runs the same program until it execs, and
// an exec loads the tracer afresh.
void announce_process();

} // namespace teescope::preload
