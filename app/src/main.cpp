// SPDX-License-Identifier: MIT
#include "teescope/cli/commands.h"

int main(int argc, char **argv) { return teescope::cli::run(argc, argv); }
