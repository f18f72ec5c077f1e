// SPDX-License-Identifier: MIT
// teescope-gui [FILE.db | TRACE_DIR] [--screenshot OUT.png [--view NAME]]
#include "window/gui_main.h"

int main(int argc, char **argv) { return teescope::gui::guiMain(argc, argv); }
