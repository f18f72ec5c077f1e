# SPDX-License-Identifier: MIT
# The timeline page: invocations and callback requests per thread over time.
target_sources(teescope_gui PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/time_mapping.cpp
  ${CMAKE_CURRENT_LIST_DIR}/timeline_data.cpp
  ${CMAKE_CURRENT_LIST_DIR}/timeline_data_live.cpp
  ${CMAKE_CURRENT_LIST_DIR}/timeline_data_window.cpp
  ${CMAKE_CURRENT_LIST_DIR}/timeline_navigation.cpp
  ${CMAKE_CURRENT_LIST_DIR}/timeline_view.cpp
  ${CMAKE_CURRENT_LIST_DIR}/timeline_view_input.cpp
  ${CMAKE_CURRENT_LIST_DIR}/timeline_view_zoom.cpp
  ${CMAKE_CURRENT_LIST_DIR}/timeline_view_follow.cpp
  ${CMAKE_CURRENT_LIST_DIR}/timeline_view_summary.cpp
  ${CMAKE_CURRENT_LIST_DIR}/timeline_page.cpp
  ${CMAKE_CURRENT_LIST_DIR}/timeline_page_live.cpp
  ${CMAKE_CURRENT_LIST_DIR}/timeline_page_window.cpp)
