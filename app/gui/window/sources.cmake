# SPDX-License-Identifier: MIT
target_sources(teescope_gui PRIVATE ${CMAKE_CURRENT_LIST_DIR}/gui_main.cpp)
