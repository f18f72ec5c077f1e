// SPDX-License-Identifier: MIT
#pragma once

namespace teescope::gui {

// The whole of teescope-gui's main(): parses the command line, opens the window or takes a
// screenshot headless.
int guiMain(int argc, char **argv);

} // namespace teescope::gui
