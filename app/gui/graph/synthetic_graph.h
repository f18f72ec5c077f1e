// SPDX-License-Identifier: MIT
// A generated capability graph of a chosen size, for layout tests and benchmarks: processes with
// a context each, objects in provenance chains (root -> client_env -> service -> app ...), a few
// instances of one secure-world object held by two processes at once, some invocation edges.
#pragma once

#include "graph/capability_graph.h"

namespace teescope::gui
{

CapabilityGraph syntheticCapabilityGraph(int processes, int objects, quint32 seed = 1);

} // namespace teescope::gui
