// SPDX-License-Identifier: MIT
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace teescope::cli {

// `teescope top FILE.db [--batch] [--interval SECONDS] [--sort KEY] [--iterations N]
// [--window SECONDS]`. args: the arguments after "top". The full-screen view when standard
// output is a terminal (not TERM=dumb) and --batch is not given, else plain blocks on `out`.
// Returns 0; 1 when the database cannot be read or its live import stalled; 2 on bad usage;
// 128 + the signal that interrupted it.
int top_command(const std::vector<std::string> &args, std::ostream &out, std::ostream &err);

} // namespace teescope::cli
