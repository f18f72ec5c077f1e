// SPDX-License-Identifier: MIT
#include "window/gui_main.h"

#include <QApplication>

namespace teescope::gui {

int guiMain(int argc, char **argv)
{
    QApplication app(argc, argv);
    return 0;
}

} // namespace teescope::gui
