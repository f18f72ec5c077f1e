# SPDX-License-Identifier: MIT
# The main window, the summary page, the inspector, importing trace directories, screenshots.
target_sources(teescope_gui PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/summary_data.cpp
  ${CMAKE_CURRENT_LIST_DIR}/summary_models.cpp
  ${CMAKE_CURRENT_LIST_DIR}/summary_page.cpp
  ${CMAKE_CURRENT_LIST_DIR}/summary_loss_dialog.cpp
  ${CMAKE_CURRENT_LIST_DIR}/inspector_data.cpp
  ${CMAKE_CURRENT_LIST_DIR}/inspector.cpp
  ${CMAKE_CURRENT_LIST_DIR}/import_runner.cpp
  ${CMAKE_CURRENT_LIST_DIR}/live_source.cpp
  ${CMAKE_CURRENT_LIST_DIR}/record_dialog.cpp
  ${CMAKE_CURRENT_LIST_DIR}/pages.cpp
  ${CMAKE_CURRENT_LIST_DIR}/main_window.cpp
  ${CMAKE_CURRENT_LIST_DIR}/main_window_live.cpp
  ${CMAKE_CURRENT_LIST_DIR}/live_follower.cpp
  ${CMAKE_CURRENT_LIST_DIR}/screenshot.cpp
  ${CMAKE_CURRENT_LIST_DIR}/graph_export.cpp
  ${CMAKE_CURRENT_LIST_DIR}/gui_main.cpp)
target_compile_definitions(teescope_gui PRIVATE TEESCOPE_VERSION="${PROJECT_VERSION}")
