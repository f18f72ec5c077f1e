// SPDX-License-Identifier: MIT
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace teescope::cli {

// `teescope export FILE.db [--format perfetto|chrome-json|dot|svg|png] [--at TIME] [--range A..B] -o OUT`.
// args: the arguments after "export". Returns 0; 2 on bad usage (option, format, a time outside
// the trace); 1 when the database cannot be read or the output cannot be written. Writes OUT
// only when the export is complete.
int export_command(const std::vector<std::string> &args, std::ostream &out, std::ostream &err);

} // namespace teescope::cli
