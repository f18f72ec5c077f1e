// SPDX-License-Identifier: MIT
#pragma once

namespace teescope::cli {

// Entry point of the `teescope` command line: dispatches to the subcommands.
int run(int argc, char **argv);

} // namespace teescope::cli
