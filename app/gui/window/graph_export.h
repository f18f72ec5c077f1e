// SPDX-License-Identifier: MIT
// The capability graph written to a file without a window (teescope export --format
// dot|svg|png runs this through teescope-gui --export-graph): the graph page's own loading,
// Graphviz layout and drawing, at one moment of the trace.
#pragma once

#include <QString>

#include <optional>

namespace teescope::gui {

// Writes the graph of the database `dbPath` as it was at trace time `atTs` (ns; default the end
// of the trace) into `out` as "svg", "png" or "dot". svg and png draw every node of the trace
// where the GUI places it, what was not alive at `atTs` faded, as the time scrubber shows it;
// dot lists the nodes and edges alive at `atTs`, with the positions of that layout. Returns ""
// or what went wrong.
QString exportGraph(const QString &dbPath, const QString &out, const QString &format, std::optional<qint64> atTs,
                    int timeoutMs);

} // namespace teescope::gui
