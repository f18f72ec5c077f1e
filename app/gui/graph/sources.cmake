# SPDX-License-Identifier: MIT
# The capability graph page: graph data, Graphviz layout, scene items, the page.
target_sources(teescope_gui PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/capability_graph.cpp
  ${CMAKE_CURRENT_LIST_DIR}/synthetic_graph.cpp
  ${CMAKE_CURRENT_LIST_DIR}/graph_layout.cpp
  ${CMAKE_CURRENT_LIST_DIR}/graph_items.cpp
  ${CMAKE_CURRENT_LIST_DIR}/graph_view.cpp
  ${CMAKE_CURRENT_LIST_DIR}/graph_legend.cpp
  ${CMAKE_CURRENT_LIST_DIR}/graph_page.cpp
  ${CMAKE_CURRENT_LIST_DIR}/graph_page_marks.cpp
  ${CMAKE_CURRENT_LIST_DIR}/graph_page_collapse.cpp
  ${CMAKE_CURRENT_LIST_DIR}/graph_page_menu.cpp
  ${CMAKE_CURRENT_LIST_DIR}/graph_page_follow.cpp
  ${CMAKE_CURRENT_LIST_DIR}/live_graph.cpp)
