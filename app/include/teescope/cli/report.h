// SPDX-License-Identifier: MIT
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace teescope::cli {

// `teescope report {leaks|sharing|latency|stats|objects} DB [--format text|csv|json]`.
// args: the arguments after "report". Returns 0, or 2 on bad usage or an unreadable database.
int report_command(const std::vector<std::string> &args, std::ostream &out, std::ostream &err);

// `teescope check DB [--max-leaks N] [--max-p99 SERVICE:OP=DURATION]...`.
// args: the arguments after "check". Prints one line per broken limit and returns 1 if any is
// broken, 0 when all hold, 2 on bad usage or an unreadable database.
int check_command(const std::vector<std::string> &args, std::ostream &out, std::ostream &err);

} // namespace teescope::cli
