// SPDX-License-Identifier: MIT
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace teescope::cli {

// `teescope diff BASE.db NEW.db [--format text|json] [--fail-on RULE]...`.
// args: the arguments after "diff". Prints what changed from BASE to NEW; returns 1 when a
// --fail-on rule is broken or a database cannot be read, 2 on bad usage, else 0.
int diff_command(const std::vector<std::string> &args, std::ostream &out, std::ostream &err);

} // namespace teescope::cli
