# SPDX-License-Identifier: MIT
# Leaks and Latency pages: their models, proxies, charts and the CSV export they share.
target_sources(teescope_gui PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/suppressions.cpp
  ${CMAKE_CURRENT_LIST_DIR}/suppressions_dialog.cpp
  ${CMAKE_CURRENT_LIST_DIR}/leak_record.cpp
  ${CMAKE_CURRENT_LIST_DIR}/leaks_live.cpp
  ${CMAKE_CURRENT_LIST_DIR}/leaks_model.cpp
  ${CMAKE_CURRENT_LIST_DIR}/leaks_display_proxy.cpp
  ${CMAKE_CURRENT_LIST_DIR}/column_fit.cpp
  ${CMAKE_CURRENT_LIST_DIR}/leaks_page.cpp
  ${CMAKE_CURRENT_LIST_DIR}/latency_model.cpp
  ${CMAKE_CURRENT_LIST_DIR}/latency_sort_proxy.cpp
  ${CMAKE_CURRENT_LIST_DIR}/latency_stats.cpp
  ${CMAKE_CURRENT_LIST_DIR}/latency_histogram_widget.cpp
  ${CMAKE_CURRENT_LIST_DIR}/latency_scatter_widget.cpp
  ${CMAKE_CURRENT_LIST_DIR}/latency_page.cpp)
